//! The syscalls timed under each layout, made with inline assembly so that nothing but
//! the syscall itself sits in the loop.

use std::arch::asm;

use seccomp_dsl::{Abi, SeccompData};

/// x32 syscalls are x86_64 syscalls with this bit set in the number.
const X32_BIT: u64 = 0x4000_0000;

/// How a syscall is made.
#[derive(Debug, Clone, Copy)]
enum Gate {
    /// The `syscall` instruction: x86_64, or x32 with [`X32_BIT`] in the number.
    Syscall,
    /// `int 0x80`: the 32-bit x86 ABI, from a 64-bit process.
    Int80,
}

/// One syscall to time.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// Short name for tables.
    pub label: &'static str,
    /// What it shows.
    pub what: &'static str,
    /// Calls per child are the configured number divided by this: `int 0x80` is two orders
    /// of magnitude slower than `syscall` on this machine (a virtual machine).
    pub divisor: u32,
    gate: Gate,
    nr: u64,
    args: [u64; 3],
}

impl Probe {
    /// The probes; `fd` is any open descriptor.
    pub fn all(fd: i32) -> Vec<Probe> {
        let fd = fd as u64;
        vec![
            Probe {
                label: "getppid",
                what: "x86_64, allowed without conditions (cacheable)",
                divisor: 1,
                gate: Gate::Syscall,
                nr: libc::SYS_getppid as u64,
                args: [0; 3],
            },
            Probe {
                label: "fcntl(F_GETFL)",
                what: "x86_64, argument-checked, allowed (`allow fcntl if arg1 == 3`)",
                divisor: 1,
                gate: Gate::Syscall,
                nr: libc::SYS_fcntl as u64,
                args: [fd, libc::F_GETFL as u64, 0],
            },
            Probe {
                label: "getpriority",
                what: "x86_64, denied by the default action errno(EPERM)",
                divisor: 1,
                gate: Gate::Syscall,
                nr: libc::SYS_getpriority as u64,
                args: [libc::PRIO_PROCESS as u64, 0, 0],
            },
            Probe {
                label: "x86 getpid",
                what: "x86 through int 0x80 (i386 nr 20), allowed without conditions",
                divisor: 40,
                gate: Gate::Int80,
                nr: 20,
                args: [0; 3],
            },
            Probe {
                label: "x32 getppid",
                what:
                    "x32 (nr 110 | 0x40000000), allowed; never cached; this kernel then says ENOSYS",
                divisor: 1,
                gate: Gate::Syscall,
                nr: X32_BIT | libc::SYS_getppid as u64,
                args: [0; 3],
            },
        ]
    }

    /// Make the syscall `n` times; the last return value.
    pub fn repeat(&self, n: u32) -> i64 {
        let mut ret = 0;
        // One loop per gate, so that the loop body is the syscall alone.
        match self.gate {
            Gate::Syscall => {
                for _ in 0..n {
                    ret = syscall3(self.nr, self.args);
                }
            }
            Gate::Int80 => {
                for _ in 0..n {
                    ret = int80(self.nr, self.args);
                }
            }
        }
        ret
    }

    /// What a filter sees of this syscall.
    pub fn data(&self) -> SeccompData {
        let abi = match self.gate {
            Gate::Syscall => Abi::X86_64,
            Gate::Int80 => Abi::X86,
        };
        let mut args = [0; 6];
        args[..3].copy_from_slice(&self.args);
        SeccompData::new(abi, self.nr as i32, args)
    }
}

#[inline(always)]
fn syscall3(nr: u64, [a0, a1, a2]: [u64; 3]) -> i64 {
    let ret: i64;
    // SAFETY: the probes' syscalls only read their integer arguments.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

#[inline(always)]
fn int80(nr: u64, [a0, a1, a2]: [u64; 3]) -> i64 {
    let ret: i64;
    // SAFETY: as for `syscall3`. LLVM reserves rbx, so the first argument is swapped into
    // it around the trap. Older kernels clobber r8-r11 on `int 0x80` from 64-bit code.
    unsafe {
        asm!(
            "xchg {b}, rbx",
            "int 0x80",
            "xchg {b}, rbx",
            b = inout(reg) a0 => _,
            inlateout("rax") nr as i64 => ret,
            in("rcx") a1,
            in("rdx") a2,
            lateout("r8") _,
            lateout("r9") _,
            lateout("r10") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    // A 32-bit syscall returns a 32-bit value.
    i64::from(ret as i32)
}
