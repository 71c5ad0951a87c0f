//! A `seccomp_policy!` policy over x86_64, x32 and x86, verified against the kernel: it
//! loads as exactly one filter and each ABI gets its own block's rules. Each probe runs in a
//! forked child of this harness-less binary.

mod support;

use libc::{EBADF, EHOSTDOWN, ENOSYS, ENOTTY, EPERM, SIGSYS};
use seccomp_dsl::{seccomp_policy, Policy};
use support::{exited, seccomp_filters, under, x32, x86, x86_64, Outcome};

/// i386 numbers.
const X86_GETPID: u32 = 20;
const X86_GETPPID: u32 = 64;
const X86_GETUID: u32 = 24;
const X86_LLSEEK: u32 = 140;
/// x32 numbers, without the x32 bit.
const X32_GETPID: u64 = 39;
const X32_GETPPID: u64 = 110;
const X32_GETUID: u64 = 102;

fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        allow exit_group, rt_sigreturn;

        abi x86_64, x32 {
            allow getppid, openat, read, close;
            allow fcntl if arg1 == libc::F_GETFL;
            errno(EHOSTDOWN) getuid;
            kill_process ptrace;
        }
        abi x86 {
            allow getppid, _llseek;
            errno(ENOTTY) getuid;
        }
    }
}

fn loads_as_exactly_one_filter() {
    let before = seccomp_filters(false);
    assert_eq!(
        under(&policy(), || seccomp_filters(false)),
        exited(before + 1)
    );
}

fn x86_64_block() {
    let p = policy();
    assert_eq!(under(&p, || x86_64(libc::SYS_getppid, [0; 3])), exited(0));
    assert_eq!(
        under(&p, || x86_64(libc::SYS_getpid, [0; 3])),
        exited(EPERM)
    );
    assert_eq!(
        under(&p, || x86_64(libc::SYS_getuid, [0; 3])),
        exited(EHOSTDOWN)
    );
    let fcntl = |cmd: i32| move || x86_64(libc::SYS_fcntl, [u64::MAX, cmd as u64, 0]);
    assert_eq!(under(&p, fcntl(libc::F_GETFL)), exited(EBADF));
    assert_eq!(under(&p, fcntl(libc::F_GETFD)), exited(EPERM));
    assert_eq!(
        under(&p, || x86_64(libc::SYS_ptrace, [0; 3])),
        Outcome::Signaled(SIGSYS)
    );
}

fn x86_block_through_int_0x80() {
    let p = policy();
    assert_eq!(under(&p, || x86(X86_GETPPID, [0; 3])), exited(0));
    assert_eq!(under(&p, || x86(X86_GETPID, [0; 3])), exited(EPERM));
    // Its own errno, not the x86_64 block's.
    assert_eq!(under(&p, || x86(X86_GETUID, [0; 3])), exited(ENOTTY));
    assert_eq!(
        under(&p, || x86(X86_LLSEEK, [u32::MAX, 0, 0])),
        exited(EBADF)
    );
}

fn x32_shares_the_x86_64_block() {
    let p = policy();
    // Allowed x32 syscalls reach this kernel, which has no x32 support: ENOSYS.
    assert_eq!(under(&p, || x32(X32_GETPPID, [0; 3])), exited(ENOSYS));
    assert_eq!(under(&p, || x32(X32_GETPID, [0; 3])), exited(EPERM));
    assert_eq!(under(&p, || x32(X32_GETUID, [0; 3])), exited(EHOSTDOWN));
}

fn undeclared_abis_get_the_bad_arch_action() {
    let only_x86_64 = seccomp_policy! {
        default errno(EPERM);
        bad_arch errno(ENOTTY);
        abi x86_64 { allow getppid, exit_group; }
    };
    assert_eq!(
        under(&only_x86_64, || x86(X86_GETPPID, [0; 3])),
        exited(ENOTTY)
    );
    assert_eq!(
        under(&only_x86_64, || x32(X32_GETPPID, [0; 3])),
        exited(ENOTTY)
    );

    let default_bad_arch = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 { allow getppid, exit_group; }
    };
    assert_eq!(
        under(&default_bad_arch, || x86(X86_GETPPID, [0; 3])),
        Outcome::Signaled(SIGSYS)
    );
}

fn main() {
    support::run(&[
        ("loads_as_exactly_one_filter", loads_as_exactly_one_filter),
        ("x86_64_block", x86_64_block),
        ("x86_block_through_int_0x80", x86_block_through_int_0x80),
        ("x32_shares_the_x86_64_block", x32_shares_the_x86_64_block),
        (
            "undeclared_abis_get_the_bad_arch_action",
            undeclared_abis_get_the_bad_arch_action,
        ),
    ]);
}
