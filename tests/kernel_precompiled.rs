//! A policy precompiled by the macro (`precompiled = true;`) against the same policy built at
//! run time: byte-identical BPF, and the precompiled one loads (as exactly one filter) and
//! enforces each ABI's block in the kernel, x86 through `int 0x80` included. Each probe runs
//! in a forked child of this harness-less binary.

mod support;

use libc::{EBADF, EHOSTDOWN, ENOSYS, ENOTTY, EPERM, SIGSYS};
use seccomp_dsl::{seccomp_policy, Policy, PrecompiledPolicy};
use support::{exited, in_child, seccomp_filters, x32, x86, x86_64, Outcome, INSTALL_FAILED};

/// i386 numbers.
const X86_GETPID: u32 = 20;
const X86_GETPPID: u32 = 64;
const X86_GETUID: u32 = 24;
/// An x32 number, without the x32 bit.
const X32_GETPPID: u64 = 110;

/// The policy, precompiled or not: the same tokens but for the setting.
macro_rules! policy {
    ($($precompiled:tt)*) => {
        seccomp_policy! {
            default errno(EPERM);
            unknown errno(ENOSYS);
            $($precompiled)*
            allow exit_group, rt_sigreturn, mseal;

            abi x86_64, x32 {
                allow getppid, openat, read, close;
                allow fcntl if arg1 == 3;            // F_GETFL
                errno(EHOSTDOWN) getuid;
                kill_process ptrace;
            }
            abi x86 {
                allow getppid, _llseek;
                errno(ENOTTY) getuid;
            }
        }
    };
}

fn precompiled() -> PrecompiledPolicy {
    policy!(precompiled = true;)
}

fn built_at_run_time() -> Policy {
    policy!()
}

/// Load `policy` (its precompiled program: no build) in a child and run `probe` under it.
fn under(policy: &PrecompiledPolicy, probe: impl FnOnce() -> i32) -> Outcome {
    in_child(|| match policy.load() {
        Ok(()) => probe(),
        Err(_) => INSTALL_FAILED,
    })
}

fn byte_identical_to_the_run_time_build() {
    let precompiled = precompiled();
    let program = precompiled.precompiled_program();
    let built = built_at_run_time().build().expect("the policy builds");
    assert_eq!(program.to_bytes(), built.export_bpf().expect("export"));
    // The declared policy is still there for `decide`.
    assert_eq!(
        precompiled
            .decide(seccomp_dsl::Abi::X86, "getuid", [0; 6])
            .action(),
        Some(seccomp_dsl::Action::Errno(ENOTTY))
    );
}

fn loads_as_exactly_one_filter() {
    let before = seccomp_filters(false);
    assert_eq!(
        under(&precompiled(), || seccomp_filters(false)),
        exited(before + 1)
    );
}

fn x86_64_block() {
    let p = precompiled();
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
    // Past the table: the unknown action, from the prefix.
    assert_eq!(under(&p, || x86_64(1000, [0; 3])), exited(ENOSYS));
    assert_eq!(
        under(&p, || x86_64(libc::SYS_ptrace, [0; 3])),
        Outcome::Signaled(SIGSYS)
    );
}

fn x86_block_through_int_0x80() {
    let p = precompiled();
    assert_eq!(under(&p, || x86(X86_GETPPID, [0; 3])), exited(0));
    assert_eq!(under(&p, || x86(X86_GETPID, [0; 3])), exited(EPERM));
    assert_eq!(under(&p, || x86(X86_GETUID, [0; 3])), exited(ENOTTY));
}

fn x32_is_filtered_too() {
    // No x32 on this kernel: allowed gives ENOSYS, denied the policy's action.
    let p = precompiled();
    assert_eq!(under(&p, || x32(X32_GETPPID, [0; 3])), exited(ENOSYS));
    assert_eq!(under(&p, || x32(102, [0; 3])), exited(EHOSTDOWN)); // getuid
}

fn main() {
    support::run(&[
        (
            "byte_identical_to_the_run_time_build",
            byte_identical_to_the_run_time_build,
        ),
        ("loads_as_exactly_one_filter", loads_as_exactly_one_filter),
        ("x86_64_block", x86_64_block),
        ("x86_block_through_int_0x80", x86_block_through_int_0x80),
        ("x32_is_filtered_too", x32_is_filtered_too),
    ]);
}
