//! Groups, `except`, syscalls newer than libseccomp and the `unknown` action, verified
//! against the kernel: `allow @system_service;` over x86_64, x32 and x86 loads as one
//! filter; members run, non-members and `except`ed members get the default, `mseal` (which
//! libseccomp 2.5.4 does not know) runs, and numbers the syscall table does not know get
//! the `unknown` action. Each probe runs in a forked child of this harness-less binary.
//!
//! "Allowed" means: the call returns what it returns with no filter at all (probes pass
//! arguments that make every call fail harmlessly: a bad reboot magic, flags no kernel
//! takes), so the test does not depend on what the kernel thinks of the arguments.

mod support;

use std::process::Command;

use libc::{EHOSTDOWN, ENOTTY};
use seccomp_dsl::{seccomp_policy, CommandExt, Policy};
use support::{exited, in_child, seccomp_filters, under, x32, x86, x86_64};

/// The default and unknown actions: errnos no probe returns by itself.
const DEFAULT: i32 = EHOSTDOWN;
const UNKNOWN: i32 = ENOTTY;

fn service() -> Policy {
    seccomp_policy! {
        default errno(EHOSTDOWN);
        unknown errno(ENOTTY);

        abi x86_64, x32 {
            allow @system_service;
        }
        abi x86 {
            allow @system_service;
        }
    }
}

fn service_less_resources() -> Policy {
    seccomp_policy! {
        default errno(EHOSTDOWN);

        abi x86_64, x32 {
            allow @system_service except @resources;
        }
        abi x86 {
            allow @system_service except @resources;
        }
    }
}

/// A probe that a policy lets through returns what it returns unfiltered.
fn allowed(policy: &Policy, probe: fn() -> i32) {
    let unfiltered = in_child(probe);
    assert_eq!(under(policy, probe), unfiltered);
    assert_ne!(
        unfiltered,
        exited(DEFAULT),
        "the probe must not fail like the default"
    );
}

/// x86_64 numbers.
mod x86_64_nr {
    pub const GETPPID: i64 = 110;
    pub const SETPRIORITY: i64 = 141;
    pub const REBOOT: i64 = 169;
    pub const MOUNT: i64 = 165;
    pub const KEXEC_LOAD: i64 = 246;
    pub const BPF: i64 = 321;
    pub const MSEAL: i64 = 462;
}

/// i386 numbers.
mod x86_nr {
    pub const GETPPID: u32 = 64;
    pub const SETPRIORITY: u32 = 97;
    pub const REBOOT: u32 = 88;
    pub const MOUNT: u32 = 21;
    pub const KEXEC_LOAD: u32 = 283;
    pub const BPF: u32 = 357;
    pub const MSEAL: u32 = 462;
}

fn loads_as_one_filter() {
    let before = seccomp_filters(false);
    assert_eq!(
        under(&service(), || seccomp_filters(false)),
        exited(before + 1)
    );
}

fn x86_64_members_run_and_the_rest_gets_the_default() {
    use x86_64_nr::*;
    let p = service();
    allowed(&p, || x86_64(GETPPID, [0; 3]));
    allowed(&p, || x86_64(SETPRIORITY, [0, 0, 0]));
    // Not in @system_service: the default, whatever the arguments.
    for nr in [REBOOT, MOUNT, KEXEC_LOAD, BPF] {
        assert_eq!(
            under(&p, move || x86_64(nr, [0, 0, 0])),
            exited(DEFAULT),
            "{nr}"
        );
    }
}

fn x86_members_run_through_int_0x80() {
    use x86_nr::*;
    let p = service();
    allowed(&p, || x86(GETPPID, [0; 3]));
    allowed(&p, || x86(SETPRIORITY, [0, 0, 0]));
    for nr in [REBOOT, MOUNT, KEXEC_LOAD, BPF] {
        assert_eq!(
            under(&p, move || x86(nr, [0, 0, 0])),
            exited(DEFAULT),
            "{nr}"
        );
    }
}

fn except_members_get_the_default() {
    let p = service_less_resources();
    allowed(&p, || x86_64(x86_64_nr::GETPPID, [0; 3]));
    assert_eq!(
        under(&p, || x86_64(x86_64_nr::SETPRIORITY, [0, 0, 0])),
        exited(DEFAULT)
    );
    allowed(&p, || x86(x86_nr::GETPPID, [0; 3]));
    assert_eq!(
        under(&p, || x86(x86_nr::SETPRIORITY, [0, 0, 0])),
        exited(DEFAULT)
    );
}

fn mseal_runs_by_number() {
    // libseccomp 2.5.4 does not know mseal: it is filtered by number. Flags 1 are invalid.
    let p = service();
    allowed(&p, || x86_64(x86_64_nr::MSEAL, [0, 0, 1]));
    allowed(&p, || x86(x86_nr::MSEAL, [0, 0, 1]));
    // Without a rule it gets the default like any known syscall, not the unknown action.
    let without = service_less_resources();
    assert_ne!(
        under(&without, || x86_64(x86_64_nr::MSEAL, [0, 0, 1])),
        exited(DEFAULT)
    );
}

fn numbers_the_table_lacks_get_the_unknown_action() {
    let p = service();
    // Past the last syscall, and in the hole before io_uring_setup (425) on x86_64.
    assert_eq!(under(&p, || x86_64(1000, [0; 3])), exited(UNKNOWN));
    assert_eq!(under(&p, || x86_64(400, [0; 3])), exited(UNKNOWN));
    assert_eq!(under(&p, || x86(1000, [0; 3])), exited(UNKNOWN));
    // A known syscall the policy does not allow still gets the default.
    assert_eq!(
        under(&p, || x86_64(x86_64_nr::REBOOT, [0; 3])),
        exited(DEFAULT)
    );
    // Without `unknown`, unknown numbers get the default too.
    let without = service_less_resources();
    assert_eq!(under(&without, || x86_64(1000, [0; 3])), exited(DEFAULT));
}

fn x32_where_the_kernel_answers() {
    // This kernel has no x32: an allowed x32 call reaches the kernel, which says ENOSYS;
    // a denied one gets the policy's answer first.
    let p = service();
    assert_eq!(under(&p, || x32(110, [0; 3])), exited(libc::ENOSYS)); // getppid
    assert_eq!(under(&p, || x32(169, [0; 3])), exited(DEFAULT)); // reboot
    assert_eq!(under(&p, || x32(1000, [0; 3])), exited(UNKNOWN));
    assert_eq!(under(&p, || x32(462, [0; 3])), exited(libc::ENOSYS)); // mseal, by number
}

fn summary_lists_what_each_abi_skipped() {
    let filter = service().build().expect("builds");
    let x86_64 = &filter.summary()[0];
    assert!(x86_64.skipped.iter().any(|s| s.syscall == "_llseek"));
    let x86 = filter
        .summary()
        .iter()
        .find(|s| s.abi == seccomp_dsl::Abi::X86)
        .expect("an x86 summary");
    assert!(x86.skipped.iter().any(|s| s.syscall == "newfstatat"));
    assert!(x86.rules.iter().any(|r| r.syscall == "_llseek"));
    let printed = x86_64.to_string();
    assert!(printed.contains("skipped, not on x86_64:"), "{printed}");
    assert!(
        printed.contains("_llseek (from @system_service)"),
        "{printed}"
    );
}

/// Real commands run under `@system_service` (minus `@privileged` and `@resources`, as
/// examples/service.rs has it) with their output and exit status unchanged; a privileged
/// call is refused.
fn real_commands_run_unchanged() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        unknown errno(ENOSYS);
        abi x86_64, x32 { allow @system_service except @privileged, @resources; }
        abi x86 { allow @system_service except @privileged, @resources; }
    };
    let program = policy
        .build()
        .and_then(|filter| filter.program().cloned())
        .expect("builds");
    let run = |args: &[&str], filtered: bool| {
        let mut command = Command::new(args[0]);
        command.args(&args[1..]);
        if filtered {
            command.seccomp(program.clone());
        }
        command.output().expect("the command runs")
    };
    for args in [
        &["ls", "-la", "/"][..],
        &["sh", "-c", "echo hi | wc -c"],
        &["sh", "-c", "exit 3"],
    ] {
        let (plain, filtered) = (run(args, false), run(args, true));
        assert_eq!(filtered.stdout, plain.stdout, "{args:?}");
        assert_eq!(filtered.status.code(), plain.status.code(), "{args:?}");
    }
    // chroot is in @privileged: refused, where root could otherwise do it.
    let chroot = run(&["chroot", "/", "true"], true);
    assert!(!chroot.status.success());
    let message = String::from_utf8_lossy(&chroot.stderr);
    assert!(message.contains("Operation not permitted"), "{message}");
}

/// `allow @system_service;` on x86_64, x32 and x86 fits in one filter, with and without the
/// `unknown` prefix; the counts are the ones BENCHMARKS.md reports.
fn fits_in_one_filter() {
    let plain = seccomp_policy! {
        default errno(EPERM);
        abi x86_64, x32 { allow @system_service; }
        abi x86 { allow @system_service; }
    };
    let with_unknown = seccomp_policy! {
        default errno(EPERM);
        unknown errno(ENOSYS);
        abi x86_64, x32 { allow @system_service; }
        abi x86 { allow @system_service; }
    };
    for (name, policy) in [("without unknown", plain), ("with unknown", with_unknown)] {
        let length = policy
            .build()
            .and_then(|filter| Ok(filter.program()?.instructions().len()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        println!("allow @system_service on x86_64, x32, x86, {name}: {length} instructions");
        assert!(length <= seccomp_dsl::Program::MAX_LEN, "{name}: {length}");
    }
}

fn main() {
    support::run(&[
        ("loads_as_one_filter", loads_as_one_filter),
        (
            "x86_64_members_run_and_the_rest_gets_the_default",
            x86_64_members_run_and_the_rest_gets_the_default,
        ),
        (
            "x86_members_run_through_int_0x80",
            x86_members_run_through_int_0x80,
        ),
        (
            "except_members_get_the_default",
            except_members_get_the_default,
        ),
        ("mseal_runs_by_number", mseal_runs_by_number),
        (
            "numbers_the_table_lacks_get_the_unknown_action",
            numbers_the_table_lacks_get_the_unknown_action,
        ),
        ("x32_where_the_kernel_answers", x32_where_the_kernel_answers),
        (
            "summary_lists_what_each_abi_skipped",
            summary_lists_what_each_abi_skipped,
        ),
        ("real_commands_run_unchanged", real_commands_run_unchanged),
        ("fits_in_one_filter", fits_in_one_filter),
    ]);
}
