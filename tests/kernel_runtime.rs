//! The runtime's filters, verified against the kernel: each policy is loaded in a forked
//! child, which makes real syscalls through x86_64, x86 (`int 0x80`) and x32, and the
//! parent asserts the errno, the signal, or the filter count the kernel reported.

mod support;

use libc::{EBADF, EHOSTDOWN, ENOSYS, ENOTTY, EPERM, SIGSYS};
use std::process::Command;

use seccomp_dsl::{
    arg, errno, Abi, Action, Block, CommandExt, Error, LoadStep, Policy, Rule, Violation,
};
use support::{
    exited, in_child, seccomp_filters, seccomp_filters_by_pread, under, x32, x86, x86_64, Outcome,
    INSTALL_FAILED,
};

/// i386 syscall numbers (the x86 ABI), as the kernel's syscall_32.tbl has them.
mod i386 {
    pub const GETPID: u32 = 20;
    pub const GETPPID: u32 = 64;
    pub const LLSEEK: u32 = 140;
}

/// x32 syscall numbers, without the x32 bit.
mod x32nr {
    pub const GETPID: u64 = 39;
    pub const GETPPID: u64 = 110;
}

/// Three ABIs, each block with its own rules, defaulting to EPERM.
fn three_abi_policy() -> Policy {
    Policy::new(Action::Errno(errno::EPERM))
        .rule(Rule::new(Action::Allow, ["exit_group", "rt_sigreturn"]))
        .block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(
                    Action::Allow,
                    ["getppid", "openat", "read", "close"],
                ))
                .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(libc::F_GETFL as u64)))
                .rule(Rule::new(Action::Errno(errno::EHOSTDOWN), ["getuid"]))
                .rule(Rule::new(Action::KillProcess, ["ptrace"])),
        )
        .block(Block::new([Abi::X86]).rule(Rule::new(Action::Allow, ["getppid", "_llseek"])))
}

/// Install `policy` in a child and run `probe` there under it.
fn one_load_adds_exactly_one_filter() {
    let before = seccomp_filters(false);
    assert!(before >= 0, "Seccomp_filters is readable");
    let outcome = under(&three_abi_policy(), || seccomp_filters(false));
    assert_eq!(outcome, exited(before + 1));
}

fn x86_64_allowed_denied_killed() {
    let policy = three_abi_policy();
    assert_eq!(
        under(&policy, || x86_64(libc::SYS_getppid, [0; 3])),
        exited(0)
    );
    assert_eq!(
        under(&policy, || x86_64(libc::SYS_getpid, [0; 3])),
        exited(EPERM)
    );
    assert_eq!(
        under(&policy, || x86_64(libc::SYS_getuid, [0; 3])),
        exited(EHOSTDOWN)
    );
    assert_eq!(
        under(&policy, || x86_64(libc::SYS_ptrace, [0; 3])),
        Outcome::Signaled(SIGSYS)
    );
}

/// Issue 21, finding 11: the kernel runs `uretprobe` (335) and `uprobe` (336) before any
/// filter. Under a deny-everything policy, called outside a uprobe trampoline, they get the
/// kernel's own answer (SIGILL for uretprobe, ENXIO for uprobe), not the policy's EPERM;
/// `decide` must say so, and rules that deny them are refused.
fn uprobe_syscalls_pass_every_filter() {
    let policy = Policy::new(Action::Errno(errno::EPERM))
        .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["exit_group"])));
    let kernel_answers = [
        ("uretprobe", 335, Outcome::Signaled(libc::SIGILL)),
        ("uprobe", 336, exited(libc::ENXIO)),
    ];
    for (name, nr, answer) in kernel_answers {
        let decided = policy.decide(Abi::X86_64, name, [0; 6]);
        assert_eq!(decided.action(), Some(Action::Allow), "{name}: {decided:?}");
        assert!(decided.permits(Action::Errno(errno::EPERM)), "{name}");
        assert_eq!(
            under(&policy, || x86_64(nr, [0; 3])),
            answer,
            "{name}: the kernel's own answer, past a filter denying everything"
        );
        let denied = Policy::new(Action::Allow)
            .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::KillProcess, [name])));
        assert!(
            matches!(
                denied.violations().as_slice(),
                [Violation::KernelExempt {
                    abi: Abi::X86_64,
                    ..
                }]
            ),
            "{name}: {:?}",
            denied.violations()
        );
    }
}

fn x86_64_argument_checked_rule() {
    let policy = three_abi_policy();
    let fcntl = |cmd: i32| move || x86_64(libc::SYS_fcntl, [u64::MAX, cmd as u64, 0]);
    // Allowed: the syscall runs and fails on the bad fd. Denied: the policy's errno.
    assert_eq!(under(&policy, fcntl(libc::F_GETFL)), exited(EBADF));
    assert_eq!(under(&policy, fcntl(libc::F_GETFD)), exited(EPERM));
}

fn x86_through_int_0x80() {
    let policy = three_abi_policy();
    assert_eq!(under(&policy, || x86(i386::GETPPID, [0; 3])), exited(0));
    assert_eq!(under(&policy, || x86(i386::GETPID, [0; 3])), exited(EPERM));
    // `_llseek` exists on x86 only; allowed, it runs and fails on the bad fd.
    assert_eq!(
        under(&policy, || x86(i386::LLSEEK, [u32::MAX, 0, 0])),
        exited(EBADF)
    );
}

fn x32_numbers() {
    let policy = three_abi_policy();
    // This kernel has no x32 support: an allowed x32 syscall reaches it and gets ENOSYS.
    assert_eq!(
        under(&policy, || x32(x32nr::GETPPID, [0; 3])),
        exited(ENOSYS)
    );
    assert_eq!(under(&policy, || x32(x32nr::GETPID, [0; 3])), exited(EPERM));
}

fn undeclared_abis_get_the_bad_arch_action() {
    let x86_64_only = Policy::new(Action::Errno(errno::EPERM))
        .rule(Rule::new(Action::Allow, ["exit_group"]))
        .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["getppid"])));
    // The classic bypass: the same syscall through int 0x80 or as x32.
    assert_eq!(
        under(&x86_64_only, || x86(i386::GETPPID, [0; 3])),
        Outcome::Signaled(SIGSYS)
    );
    assert_eq!(
        under(&x86_64_only, || x32(x32nr::GETPPID, [0; 3])),
        Outcome::Signaled(SIGSYS)
    );
    assert_eq!(
        under(&x86_64_only, || x86_64(libc::SYS_getppid, [0; 3])),
        exited(0)
    );

    let with_errno = x86_64_only.bad_arch(Action::Errno(errno::ENOTTY));
    assert_eq!(
        under(&with_errno, || x86(i386::GETPPID, [0; 3])),
        exited(ENOTTY)
    );
    assert_eq!(
        under(&with_errno, || x32(x32nr::GETPPID, [0; 3])),
        exited(ENOTTY)
    );
}

fn loading_again_reuses_the_program() {
    let filter = three_abi_policy().build().unwrap();
    let first: *const _ = filter.program().unwrap();
    let second: *const _ = filter.program().unwrap();
    assert_eq!(first, second, "the program is generated once");

    // Each load is one seccomp() call: a policy that permits loading stacks twice.
    let reloadable = three_abi_policy()
        .rule(Rule::new(Action::Allow, ["prctl", "seccomp"]))
        .build()
        .unwrap();
    reloadable.program().unwrap();
    let before = seccomp_filters(false);
    let twice = in_child(
        || match reloadable.load().and_then(|()| reloadable.load()) {
            Ok(()) => seccomp_filters(false),
            Err(_) => INSTALL_FAILED,
        },
    );
    assert_eq!(twice, exited(before + 2));
}

fn a_filter_that_denies_loading_stops_the_next_load() {
    let filter = three_abi_policy().build().unwrap();
    filter.program().unwrap();
    let before = seccomp_filters(false);
    let outcome = in_child(|| {
        filter.load().expect("first load");
        match filter.load() {
            // The first filter denies prctl: the second load fails at its first step,
            // with the first filter's errno, and loads nothing.
            Err(Error::Load {
                step: LoadStep::NoNewPrivs,
                source,
            }) if source.raw_os_error() == Some(EPERM) => seccomp_filters(false),
            _ => INSTALL_FAILED,
        }
    });
    assert_eq!(outcome, exited(before + 1));
}

/// What a child under `earlier_filter` reports: each check fails with its own code.
const EARLIER_FILTER_MISSING: i32 = 250;
const SECOND_RULE_MISSING: i32 = 251;

/// An earlier filter, as a container runtime or a parent process may load one: everything
/// allowed but the syscalls a BPF export makes (memfd_create, write, lseek, read).
fn earlier_filter() -> Policy {
    // No ring either: it would read and write past the filter (the io_uring check).
    Policy::new(Action::Allow).block(Block::new([Abi::X86_64]).rule(Rule::new(
        Action::Errno(errno::EPERM),
        ["memfd_create", "write", "lseek", "read", "io_uring_setup"],
    )))
}

/// Loading needs what libseccomp's own load needs (prctl, seccomp) and no more: a policy
/// loads under a filter that denies the export's syscalls, and each filter does its part.
/// A policy that must be exported (here: its `unknown` action is a prefix in front of
/// libseccomp's program) is refused with the syscall that was denied, before anything
/// changes, and loads when exported before that filter, as the error says.
fn a_policy_loads_under_a_filter_that_denies_exporting() {
    let second = Policy::new(Action::Allow).block(
        Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::ENOTTY), ["getppid"])),
    );
    let before = seccomp_filters(false);
    let loaded = in_child(|| {
        earlier_filter().load().expect("the earlier filter loads");
        if second.load().is_err() {
            return INSTALL_FAILED;
        }
        if x86_64(libc::SYS_write, [u64::MAX, 0, 0]) != EPERM {
            return EARLIER_FILTER_MISSING;
        }
        if x86_64(libc::SYS_getppid, [0; 3]) != ENOTTY {
            return SECOND_RULE_MISSING;
        }
        seccomp_filters_by_pread()
    });
    assert_eq!(loaded, exited(before + 2));

    let exported = second.clone().unknown(Action::Errno(errno::ENOSYS));
    let refused = in_child(|| {
        earlier_filter().load().expect("the earlier filter loads");
        match exported.load() {
            Err(Error::ExportDenied {
                format: "BPF",
                syscall: "memfd_create",
                source,
            }) if source.raw_os_error() == Some(EPERM) => seccomp_filters_by_pread(),
            _ => INSTALL_FAILED,
        }
    });
    assert_eq!(refused, exited(before + 1));

    let program = exported
        .program()
        .expect("exported here, before the earlier filter");
    let installed = in_child(|| {
        earlier_filter().load().expect("the earlier filter loads");
        match program.install() {
            Ok(()) if x86_64(libc::SYS_getppid, [0; 3]) == ENOTTY => seccomp_filters_by_pread(),
            Ok(()) => SECOND_RULE_MISSING,
            Err(_) => INSTALL_FAILED,
        }
    });
    assert_eq!(installed, exited(before + 2));
}

/// A policy with a mistake, and whether an error is the one it should give.
type Mistake = (&'static str, Policy, fn(&Violation) -> bool);

fn mistakes() -> Vec<Mistake> {
    let allow = |names: &[&'static str]| Rule::new(Action::Allow, names.to_vec());
    let base = || Policy::new(Action::Errno(errno::EPERM));
    let x86_64 = || Block::new([Abi::X86_64]);
    vec![
        ("no block", base(), |v| matches!(v, Violation::NoBlocks)),
        (
            "ABI in two blocks",
            base()
                .block(x86_64().rule(allow(&["read"])))
                .block(x86_64().rule(allow(&["write"]))),
            |v| {
                matches!(
                    v,
                    Violation::AbiInTwoBlocks {
                        abi: Abi::X86_64,
                        ..
                    }
                )
            },
        ),
        (
            "ABI twice in one block",
            base().block(Block::new([Abi::X86, Abi::X86]).rule(allow(&["read"]))),
            |v| matches!(v, Violation::AbiRepeated { abi: Abi::X86, .. }),
        ),
        (
            "two actions, same condition",
            base().block(
                x86_64()
                    .rule(allow(&["read"]))
                    .rule(Rule::new(Action::KillProcess, ["read"])),
            ),
            |v| matches!(v, Violation::ConflictingActions { .. }),
        ),
        (
            "dead conditional rule",
            base().block(
                x86_64()
                    .rule(allow(&["fcntl"]))
                    .rule(allow(&["fcntl"]).when(arg(1).eq(3))),
            ),
            |v| matches!(v, Violation::DeadRule { .. }),
        ),
        (
            "action equal to the default",
            base().block(x86_64().rule(Rule::new(Action::Errno(errno::EPERM), ["read"]))),
            |v| matches!(v, Violation::ActionIsDefault { .. }),
        ),
        (
            "argument index above 5",
            base().block(x86_64().rule(allow(&["read"]).when(arg(6).eq(0)))),
            |v| matches!(v, Violation::ArgOutOfRange { arg: 6, .. }),
        ),
        (
            "two comparisons on one argument",
            base().block(x86_64().rule(allow(&["read"]).when(arg(0).ge(1)).when(arg(0).le(2)))),
            |v| matches!(v, Violation::ArgComparedTwice { arg: 0, .. }),
        ),
        (
            "errno above 4095",
            base().block(x86_64().rule(Rule::new(Action::Errno(4096), ["read"]))),
            |v| matches!(v, Violation::ErrnoOutOfRange { value: 4096, .. }),
        ),
        (
            "syscall the ABI lacks",
            base().block(x86_64().rule(allow(&["socketcall"]))),
            |v| {
                matches!(
                    v,
                    Violation::UnknownSyscall {
                        abi: Abi::X86_64,
                        ..
                    }
                )
            },
        ),
        (
            "conditions on a multiplexed syscall",
            base().block(Block::new([Abi::X86]).rule(allow(&["socket"]).when(arg(0).eq(1)))),
            |v| {
                matches!(
                    v,
                    Violation::MultiplexedWithConditions {
                        via: "socketcall",
                        ..
                    }
                )
            },
        ),
        (
            "multiplexer allowed outright",
            base().block(
                Block::new([Abi::X86])
                    .rule(allow(&["socketcall"]))
                    .rule(Rule::new(Action::KillProcess, ["connect"])),
            ),
            |v| {
                matches!(
                    v,
                    Violation::MultiplexerBypass {
                        via: "socketcall",
                        ..
                    }
                )
            },
        ),
        (
            "ABIs of both byte orders",
            base().block(Block::new([Abi::X86_64, Abi::S390X]).rule(allow(&["read"]))),
            |v| {
                matches!(
                    v,
                    Violation::MixedEndianness {
                        abi: Abi::S390X,
                        ..
                    }
                )
            },
        ),
    ]
}

fn every_mistake_is_a_typed_error_and_loads_nothing() {
    let before = seccomp_filters(false);
    for (what, policy, expected) in mistakes() {
        let outcome = in_child(|| match policy.load() {
            Err(Error::Invalid(violations)) if violations.iter().any(expected) => {
                seccomp_filters(false)
            }
            _ => INSTALL_FAILED,
        });
        assert_eq!(
            outcome,
            exited(before),
            "{what}: the typed error, and no filter"
        );
    }
}

fn a_child_command_runs_under_the_policy() {
    let before = seccomp_filters(false);
    let policy = Policy::new(Action::Allow).block(
        Block::new([Abi::X86_64, Abi::X32, Abi::X86])
            .rule(Rule::new(
                Action::Errno(errno::EACCES),
                ["mkdir", "mkdirat"],
            ))
            // A ring would mkdirat past the filter (the io_uring check).
            .rule(Rule::new(Action::Errno(errno::ENOSYS), ["io_uring_setup"])),
    );
    let program = policy.build().unwrap().program().unwrap().clone();
    let dir = std::env::temp_dir().join(format!("seccomp-dsl-test-{}", std::process::id()));
    let _ = std::fs::remove_dir(&dir);

    let listed = Command::new("ls")
        .arg("/")
        .seccomp(program.clone())
        .output()
        .unwrap();
    assert!(listed.status.success(), "ls runs under the policy");
    assert!(String::from_utf8_lossy(&listed.stdout)
        .lines()
        .any(|l| l == "proc"));

    let made = Command::new("mkdir")
        .arg(&dir)
        .seccomp(program)
        .output()
        .unwrap();
    assert!(!made.status.success(), "mkdir is denied in the child");
    assert!(String::from_utf8_lossy(&made.stderr).contains("Permission denied"));
    assert!(!dir.exists());

    // The parent gained no filter.
    std::fs::create_dir(&dir).unwrap();
    std::fs::remove_dir(&dir).unwrap();
    assert_eq!(seccomp_filters(false), before);
}

fn a_policy_without_this_abi_refuses_to_load() {
    let x86_only = Policy::new(Action::Errno(errno::EPERM))
        .block(Block::new([Abi::X86]).rule(Rule::new(Action::Allow, ["getppid"])));
    // Loaded, it would kill this process at its next syscall: it is refused instead.
    let filter = x86_only.build().unwrap();
    filter.program().unwrap();
    let before = seccomp_filters(false);
    let refused = in_child(|| match filter.load() {
        Err(Error::NativeAbiMissing {
            native: Abi::X86_64,
            action: Action::KillProcess,
        }) => seccomp_filters(false),
        _ => INSTALL_FAILED,
    });
    assert_eq!(refused, exited(before));
    let program = filter.program().unwrap().clone();
    let spawned = Command::new("true").seccomp(program).status();
    assert_eq!(
        spawned.map_err(|e| e.raw_os_error()).unwrap_err(),
        Some(libc::EINVAL)
    );

    // With bad_arch allow, restricting only the 32-bit ABI is a policy that works.
    let only_32_bit = x86_only.bad_arch(Action::Allow);
    assert_eq!(
        under(&only_32_bit, || x86(i386::GETPID, [0; 3])),
        exited(EPERM)
    );
    assert_eq!(
        under(&only_32_bit, || x86(i386::GETPPID, [0; 3])),
        exited(0)
    );
    assert_eq!(
        under(&only_32_bit, || x86_64(libc::SYS_getpid, [0; 3])),
        exited(0)
    );
}

fn main() {
    support::run(&[
        (
            "one_load_adds_exactly_one_filter",
            one_load_adds_exactly_one_filter,
        ),
        ("x86_64_allowed_denied_killed", x86_64_allowed_denied_killed),
        ("x86_64_argument_checked_rule", x86_64_argument_checked_rule),
        (
            "uprobe_syscalls_pass_every_filter",
            uprobe_syscalls_pass_every_filter,
        ),
        ("x86_through_int_0x80", x86_through_int_0x80),
        ("x32_numbers", x32_numbers),
        (
            "undeclared_abis_get_the_bad_arch_action",
            undeclared_abis_get_the_bad_arch_action,
        ),
        (
            "loading_again_reuses_the_program",
            loading_again_reuses_the_program,
        ),
        (
            "a_filter_that_denies_loading_stops_the_next_load",
            a_filter_that_denies_loading_stops_the_next_load,
        ),
        (
            "a_policy_loads_under_a_filter_that_denies_exporting",
            a_policy_loads_under_a_filter_that_denies_exporting,
        ),
        (
            "every_mistake_is_a_typed_error_and_loads_nothing",
            every_mistake_is_a_typed_error_and_loads_nothing,
        ),
        (
            "a_child_command_runs_under_the_policy",
            a_child_command_runs_under_the_policy,
        ),
        (
            "a_policy_without_this_abi_refuses_to_load",
            a_policy_without_this_abi_refuses_to_load,
        ),
    ]);
}
