//! Reading BPF programs: run one on a syscall, and ask what the kernel's action cache
//! would make of it.

use seccomp_dsl::Instruction;

/// `AUDIT_ARCH_X86_64`: the arch word of x86_64 and x32 syscalls.
pub const ARCH_X86_64: u32 = 0xc000_003e;
/// `AUDIT_ARCH_I386`: the arch word of x86 syscalls (`int 0x80`).
pub const ARCH_I386: u32 = 0x4000_0003;
/// `SECCOMP_RET_ALLOW`.
pub const RET_ALLOW: u32 = 0x7fff_0000;

/// What a filter sees of a syscall (`struct seccomp_data`, less the instruction pointer).
#[derive(Debug, Clone, Copy)]
pub struct SyscallData {
    pub nr: u32,
    pub arch: u32,
    pub args: [u64; 6],
}

impl SyscallData {
    /// The 32-bit word at byte offset `k` of `struct seccomp_data`, as a load reads it.
    fn word(&self, k: u32) -> Option<u32> {
        match k {
            0 => Some(self.nr),
            4 => Some(self.arch),
            // The instruction pointer: the policies here never look at it.
            8 | 12 => Some(0),
            16..=63 if k & 3 == 0 => {
                let arg = self.args[(k as usize - 16) / 8];
                // Little-endian: the low word comes first.
                Some(if k & 4 == 0 {
                    arg as u32
                } else {
                    (arg >> 32) as u32
                })
            }
            _ => None,
        }
    }
}

// Classic BPF opcodes that seccomp programs use.
const LD_W_ABS: u16 = 0x20;
const LD_IMM: u16 = 0x00;
const LD_MEM: u16 = 0x60;
const LDX_MEM: u16 = 0x61;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU_AND_K: u16 = 0x54;
const ALU_OR_K: u16 = 0x44;
const JA: u16 = 0x05;
const JEQ_K: u16 = 0x15;
const JGT_K: u16 = 0x25;
const JGE_K: u16 = 0x35;
const JSET_K: u16 = 0x45;
const RET_K: u16 = 0x06;
const RET_A: u16 = 0x16;
const TAX: u16 = 0x07;
const TXA: u16 = 0x87;

/// Run `program` on `data`: the action it returns and how many instructions it ran, or
/// `None` for an instruction this reader does not know.
pub fn run(program: &[Instruction], data: &SyscallData) -> Option<(u32, usize)> {
    let (mut a, mut x) = (0u32, 0u32);
    let mut mem = [0u32; 16];
    let mut pc = 0usize;
    let mut executed = 0;
    while let Some(insn) = program.get(pc) {
        executed += 1;
        pc += 1;
        let k = insn.k;
        let jump = |taken: bool| {
            if taken {
                usize::from(insn.jt)
            } else {
                usize::from(insn.jf)
            }
        };
        match insn.code {
            LD_W_ABS => a = data.word(k)?,
            LD_IMM => a = k,
            LD_MEM => a = *mem.get(k as usize)?,
            LDX_MEM => x = *mem.get(k as usize)?,
            ST => *mem.get_mut(k as usize)? = a,
            STX => *mem.get_mut(k as usize)? = x,
            ALU_AND_K => a &= k,
            ALU_OR_K => a |= k,
            TAX => x = a,
            TXA => a = x,
            JA => pc += k as usize,
            JEQ_K => pc += jump(a == k),
            JGT_K => pc += jump(a > k),
            JGE_K => pc += jump(a >= k),
            JSET_K => pc += jump(a & k != 0),
            RET_K => return Some((k, executed)),
            RET_A => return Some((a, executed)),
            _ => return None,
        }
    }
    None
}

/// Whether the kernel's action cache (5.11+) would let syscall `nr` of `arch` skip this
/// program: only if the program, with the arguments unknown, can only return ALLOW. This
/// is `seccomp_is_const_allow()` of `kernel/seccomp.c`, instruction for instruction.
pub fn const_allow(program: &[Instruction], arch: u32, nr: u32) -> bool {
    let mut a = 0u32;
    let mut pc = 0usize;
    while let Some(insn) = program.get(pc) {
        pc += 1;
        let k = insn.k;
        let jump = |taken: bool| {
            if taken {
                usize::from(insn.jt)
            } else {
                usize::from(insn.jf)
            }
        };
        match insn.code {
            LD_W_ABS => match k {
                0 => a = nr,
                4 => a = arch,
                _ => return false,
            },
            RET_K => return k == RET_ALLOW,
            JA => pc += k as usize,
            JEQ_K => pc += jump(a == k),
            JGE_K => pc += jump(a >= k),
            JGT_K => pc += jump(a > k),
            JSET_K => pc += jump(a & k != 0),
            ALU_AND_K => a &= k,
            _ => return false,
        }
    }
    false
}

/// A program from libseccomp's BPF export (native byte order).
pub fn from_bytes(bytes: &[u8]) -> Vec<Instruction> {
    bytes
        .chunks_exact(8)
        .map(|raw| Instruction {
            code: u16::from_ne_bytes([raw[0], raw[1]]),
            jt: raw[2],
            jf: raw[3],
            k: u32::from_ne_bytes([raw[4], raw[5], raw[6], raw[7]]),
        })
        .collect()
}
