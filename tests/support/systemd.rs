//! systemd's hardening settings as four policies for x86_64 and x86, the way systemd loads
//! them: one filter each (systemd also loads one per ABI; here each policy covers both).
//!
//! Included by the kernel tests and the bench with
//! `#[path = ".../support/systemd.rs"] mod systemd;`. The semantics follow systemd's
//! `src/shared/seccomp-util.c` (systemd/systemd, LGPL-2.1-or-later; facts only, no code):
//! - `SystemCallFilter=@system-service`: an allow list, everything else `EPERM`;
//! - `RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6`: `socket()` with another family
//!   fails with `EAFNOSUPPORT`. On x86 `socket` is also reached through `socketcall`,
//!   whose arguments a filter cannot see, so, as systemd does, x86 is left unrestricted;
//! - `MemoryDenyWriteExecute=yes`: `mmap` with `PROT_WRITE|PROT_EXEC`, `mprotect` and
//!   `pkey_mprotect` with `PROT_EXEC`, `shmat` with `SHM_EXEC` fail with `EPERM`. On x86
//!   the checked call is `mmap2` and the old `mmap` (arguments in memory) is denied;
//!   `shmat` goes through `ipc` there and is left alone, as systemd does;
//! - `RestrictNamespaces=yes`: `clone`/`unshare` with any `CLONE_NEW*` flag and `setns`
//!   fail with `EPERM`; `clone3` (flags in memory) answers `ENOSYS` so that libc falls back
//!   to `clone`.
#![allow(dead_code)] // each user takes what it needs

use seccomp_dsl::{arg, errno, group, Abi, Action, Block, Entry, IoUring, Policy, Rule};

/// The ABIs each policy covers.
pub const ABIS: [Abi; 2] = [Abi::X86_64, Abi::X86];

/// `PROT_WRITE`, `PROT_EXEC` (`<asm-generic/mman-common.h>`).
pub const PROT_WRITE: u64 = 0x2;
/// See [`PROT_WRITE`].
pub const PROT_EXEC: u64 = 0x4;
/// `SHM_EXEC` (`<linux/shm.h>`).
pub const SHM_EXEC: u64 = 0o100000;
/// `AF_UNIX`, `AF_INET`, `AF_INET6` (`<linux/socket.h>`).
pub const ALLOWED_FAMILIES: [u64; 3] = [1, 2, 10];
/// `AF_MAX` on Linux 6.x: the kernel itself refuses families from here on.
pub const AF_MAX: u64 = 46;
/// The `CLONE_NEW*` flags (`<linux/sched.h>`): ns, cgroup, uts, ipc, user, pid, net, time.
pub const CLONE_NEW: [u64; 8] = [
    0x0002_0000,
    0x0200_0000,
    0x0400_0000,
    0x0800_0000,
    0x1000_0000,
    0x2000_0000,
    0x4000_0000,
    0x80,
];

/// `SystemCallFilter=@system-service` with `SystemCallErrorNumber=EPERM`.
pub fn syscall_filter() -> Policy {
    Policy::new(Action::Errno(errno::EPERM)).block(Block::new(ABIS).rule(Rule::new(
        Action::Allow,
        [Entry::group(group::SYSTEM_SERVICE)],
    )))
}

/// `RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6`: each other family below `AF_MAX`
/// is refused, compared on the low 32 bits as the kernel's `int family` is (a family with
/// high bits set would otherwise slip through as its low word).
///
/// Like systemd's own filter, it does not see `IORING_OP_SOCKET` (Linux 5.19): a ring set
/// up under `SystemCallFilter=@system-service` (which holds `@aio`) makes sockets of any
/// family. The policy says so with `io_uring = unfiltered`, so that it stays systemd's.
pub fn address_families() -> Policy {
    let refused = (0..AF_MAX).filter(|family| !ALLOWED_FAMILIES.contains(family));
    let x86_64 = refused.fold(Block::new([Abi::X86_64]), |block, family| {
        block.rule(
            Rule::new(Action::Errno(errno::EAFNOSUPPORT), ["socket"])
                .when(arg(0).masked_eq(0xffff_ffff, family)),
        )
    });
    Policy::new(Action::Allow)
        .io_uring(IoUring::Unfiltered)
        .block(x86_64)
        .block(Block::new([Abi::X86]))
}

/// `MemoryDenyWriteExecute=yes`.
pub fn write_xor_execute() -> Policy {
    let deny = |name: &'static str| Rule::new(Action::Errno(errno::EPERM), [name]);
    let exec = |index: u8| arg(index).masked_eq(PROT_EXEC, PROT_EXEC);
    let write_exec = arg(2).masked_eq(PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC);
    Policy::new(Action::Allow)
        .block(
            Block::new([Abi::X86_64])
                .rule(deny("mmap").when(write_exec))
                .rule(deny("mprotect").when(exec(2)))
                .rule(deny("pkey_mprotect").when(exec(2)))
                .rule(deny("shmat").when(arg(2).masked_eq(SHM_EXEC, SHM_EXEC))),
        )
        .block(
            Block::new([Abi::X86])
                .rule(deny("mmap2").when(write_exec))
                .rule(deny("mmap"))
                .rule(deny("mprotect").when(exec(2)))
                .rule(deny("pkey_mprotect").when(exec(2))),
        )
}

/// `RestrictNamespaces=yes`.
pub fn no_new_namespaces() -> Policy {
    let mut block = Block::new(ABIS)
        .rule(Rule::new(Action::Errno(errno::EPERM), ["setns"]))
        .rule(Rule::new(Action::Errno(errno::ENOSYS), ["clone3"]));
    for flag in CLONE_NEW {
        block = block.rule(
            Rule::new(Action::Errno(errno::EPERM), ["clone", "unshare"])
                .when(arg(0).masked_eq(flag, flag)),
        );
    }
    Policy::new(Action::Allow).block(block)
}

/// The four, in the order they are loaded: the allow list last, so that the loads before
/// it may still call `seccomp()`.
pub fn hardening() -> Vec<Policy> {
    vec![
        address_families(),
        write_xor_execute(),
        no_new_namespaces(),
        syscall_filter(),
    ]
}
