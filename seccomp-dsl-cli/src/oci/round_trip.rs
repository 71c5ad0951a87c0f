//! The round trip: a policy exported as an OCI profile (JSON text) and imported back
//! decides every syscall of the table as before, on every ABI exported, with every
//! argument the policy compares (and its neighbours); the ABIs not exported get
//! `kill_thread`, as runc gives them.
//!
//! Random policies come from the generators `tests/simulator_props.rs` uses. A policy whose
//! blocks disagree is not one OCI profile, but each of its blocks is: every block is
//! exported alone (`--abi`), and the whole policy too when it can be.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::str::FromStr;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use seccomp_runtime as rt;
use seccomp_runtime::{arg, errno, syscall_names, Abi, Action, Block, Decision, Policy, Rule};

use super::export::{export, to_json, ExportError, Options};
use super::import::import;
use super::profile::{read, Assume};
use super::runc_model::build_like_runc;

#[path = "../../../tests/support/policies.rs"]
mod policies;

/// examples/demo.rs's policy, built in code (`libc::O_ACCMODE` is 3, `O_RDONLY` 0,
/// `F_GETFL` 3).
fn demo() -> Policy {
    Policy::new(Action::Errno(errno::EPERM))
        .rule(Rule::new(
            Action::Allow,
            [
                "exit_group",
                "rt_sigreturn",
                "rt_sigprocmask",
                "sigaltstack",
                "futex",
            ],
        ))
        .rule(Rule::new(
            Action::Allow,
            ["read", "write", "close", "brk", "mmap", "munmap"],
        ))
        .block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(
                    Action::Allow,
                    ["getppid", "fstat", "statx", "lseek"],
                ))
                .rule(Rule::new(Action::Allow, ["openat"]).when(arg(2).masked_eq(3, 0)))
                .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3)))
                .rule(Rule::new(Action::KillProcess, ["ptrace"])),
        )
        .block(
            Block::new([Abi::X86])
                .rule(Rule::new(Action::Allow, ["getppid", "fstat64", "_llseek"]))
                .rule(Rule::new(Action::Allow, ["openat"]).when(arg(2).masked_eq(3, 0)))
                .rule(Rule::new(Action::Allow, ["fcntl64"]).when(arg(1).eq(3))),
        )
}

/// Export `policy` (its `abis`, or all), write the JSON, read it back and import it.
/// ABIs without their 64-bit machine's native ABI are exported for a machine whose native
/// ABI is the first of them (see [`declared_native`]).
fn round_trip(policy: &Policy, abis: Option<Vec<Abi>>) -> Result<Policy, ExportError> {
    round_trip_with(policy, abis, false)
}

/// The native ABI to declare for exporting `abis` of `policy` alone: none when the native
/// ABI of each one's 64-bit machine is among them; otherwise the first of them (as for a
/// 32-bit machine), once the export without it has been refused for the left-out native
/// ABI (runc and crun would apply the profile there too).
fn declared_native(policy: &Policy, abis: &[Abi]) -> Option<Abi> {
    let left_out = abis
        .iter()
        .map(|&abi| super::arch::machine_native(abi))
        .find(|native| !abis.contains(native))?;
    let options = Options {
        kill_thread_on_bad_arch: true,
        abis: Some(abis.to_vec()),
        allow_unresolvable: true,
        native: None,
    };
    match export(policy, &options) {
        Err(ExportError::NativeLeftOut { native, .. }) if native == left_out => {}
        other => panic!("{abis:?} without {left_out}: {other:?}\n{policy}"),
    }
    Some(abis[0])
}

/// [`round_trip`], with `allow_unresolvable`: then the import's only findings are the
/// rules runc built on the installed libseccomp would not enforce.
fn round_trip_with(
    policy: &Policy,
    abis: Option<Vec<Abi>>,
    allow_unresolvable: bool,
) -> Result<Policy, ExportError> {
    let native = abis
        .as_deref()
        .and_then(|abis| declared_native(policy, abis));
    let options = Options {
        kill_thread_on_bad_arch: true,
        abis,
        allow_unresolvable,
        native,
    };
    let exported = export(policy, &options)?;
    let json = to_json(&exported.seccomp).expect("JSON");
    let assume = Assume {
        machine: Abi::X86_64,
        caps: Vec::new(),
        kernel: None,
    };
    let profile = read(&json, &assume).expect("the exported profile reads back");
    let imported = import(&profile).expect("the exported profile imports");
    let findings: Vec<&String> = imported
        .findings
        .iter()
        .filter(|f| !(allow_unresolvable && f.contains("not enforced by runc")))
        .collect();
    assert!(
        findings.is_empty(),
        "findings on an exported profile: {findings:#?}\n{json}"
    );
    Ok(imported.policy)
}

/// Every syscall of the table on `abi`, and every name the policy uses there.
fn table(policy: &Policy, abi: Abi) -> BTreeSet<&str> {
    let mut names: BTreeSet<&str> = syscall_names(abi).into_iter().collect();
    for (_, rule) in policy.rules() {
        names.extend(rule.on_abi(abi).syscalls.iter().map(|&(_, name)| name));
    }
    names
}

/// `imported` decides as `original` on `exported`, and gives every other ABI
/// `kill_thread`.
fn same_decisions(original: &Policy, imported: &Policy, exported: &[Abi]) -> Result<(), String> {
    let seeds: Vec<u64> = (1..=24u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    let mut all_args = policies::arguments(original, &seeds);
    all_args.push([0; 6]);
    all_args.extend((1..=3).map(|call| [call, 0, 0, 0, 0, 0]));
    for abi in Abi::ALL {
        for name in table(original, abi) {
            if !exported.contains(&abi) {
                let got = imported.decide(abi, name, [0; 6]);
                if got != Decision::BadArch(Action::KillThread) {
                    return Err(format!("{abi} {name}: {got:?} on an ABI not exported"));
                }
                continue;
            }
            for args in &all_args {
                let want = original.decide(abi, name, *args);
                let got = imported.decide(abi, name, *args);
                if want.action() != got.action() {
                    return Err(format!(
                        "{abi} {name} {args:x?}: {want:?} before, {got:?} after\n\
                         imported:\n{imported}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether the installed libseccomp has `name` on `arch` (not a pseudo number): runc's
/// rules for other names do nothing there.
fn libseccomp_knows(name: &str, arch: libseccomp::ScmpArch) -> bool {
    libseccomp::ScmpSyscall::from_name_by_arch(name, arch).is_ok_and(|nr| nr.as_raw_syscall() >= 0)
}

/// The filter runc builds from `policy`'s profile for `exported` (libseccomp's own code,
/// see [`build_like_runc`]) takes the action the policy declares, for every syscall of
/// the table the installed libseccomp knows.
fn runc_agrees(policy: &Policy, exported: &[Abi]) -> Result<(), String> {
    let options = Options {
        kill_thread_on_bad_arch: true,
        abis: Some(exported.to_vec()),
        allow_unresolvable: false,
        // The model is runc on this machine.
        native: Some(Abi::X86_64),
    };
    let seccomp = export(policy, &options).map_err(|e| e.to_string())?.seccomp;
    let program = build_like_runc(&seccomp);
    let seeds: Vec<u64> = (1..=16u64)
        .map(|i| i.wrapping_mul(0x2545_f491_4f6c_dd1d))
        .collect();
    let mut all_args = policies::arguments(policy, &seeds);
    all_args.push([0; 6]);
    all_args.extend((1..=3).map(|call| [call, 0, 0, 0, 0, 0]));
    for &abi in exported {
        for name in table(policy, abi) {
            // Names the installed libseccomp lacks are checked too: the export refuses
            // rules for them, so runc's filter gives them the default action, as the
            // policy does.
            // A syscall no rule names needs no arguments to be decided.
            let named = policy
                .rules_for(abi)
                .any(|(_, rule)| rule.covers(abi, name));
            let asked = if named {
                &all_args[..]
            } else {
                &all_args[all_args.len() - 4..]
            };
            for args in asked {
                // libseccomp 2.5 compares the low words only there (see simulator_props).
                let args = if abi.compared_bits() == 32 {
                    args.map(|a| a & 0xffff_ffff)
                } else {
                    *args
                };
                let Some(data) = seccomp_runtime::SeccompData::syscall(abi, name, args) else {
                    continue;
                };
                let got = program.simulate(&data).map_err(|e| e.to_string())?;
                let want = policy.decide(abi, name, args);
                if !want.permits(got) {
                    return Err(format!(
                        "{abi} {name} {args:x?}: runc's filter takes {got}, the policy declares \
                         {want:?}\npolicy:\n{policy}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Syscalls newer than libseccomp 2.5.4 (Debian 12's).
const NEWER: [&str; 3] = ["mseal", "listmount", "statmount"];

/// `policy` with a common rule, not the default action, for [`NEWER`] (where ABIs have them).
fn with_newer_syscalls(policy: &Policy) -> Policy {
    let action = if policy.default_action() == Action::KillProcess {
        Action::Errno(errno::EPERM)
    } else {
        Action::KillProcess
    };
    policy.clone().rule(Rule::new(
        action,
        NEWER.map(|name| rt::Entry::optional(name.to_owned())),
    ))
}

/// The export of `abis` of `policy` is refused exactly when a rule names a syscall the
/// installed libseccomp lacks on one of them, and the refusal names those syscalls.
fn refused_where_libseccomp_lacks(policy: &Policy, abis: &[Abi]) -> Result<(), String> {
    let mut lacking: Vec<(Abi, Vec<String>)> = Vec::new();
    for &abi in abis {
        let oci = super::arch::to_oci(abi).ok_or("no OCI name")?;
        let scmp_arch = libseccomp::ScmpArch::from_str(&super::arch::oci_name(oci))
            .map_err(|e| format!("{abi}: {e}"))?;
        let mut names: Vec<String> = policy
            .rules_for(abi)
            .flat_map(|(_, rule)| rule.on_abi(abi).syscalls)
            .map(|(_, name)| name)
            // A call behind socketcall or ipc (pseudo numbers -101.. and -201..) is added
            // through the multiplexer (s390x's socket with libseccomp 2.5).
            .filter(|name| {
                !libseccomp::ScmpSyscall::from_name_by_arch(name, scmp_arch)
                    .is_ok_and(|nr| matches!(nr.as_raw_syscall(), 0.. | -299..=-100))
            })
            .map(str::to_owned)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        names.sort();
        if !names.is_empty() {
            lacking.push((abi, names));
        }
    }
    let options = Options {
        kill_thread_on_bad_arch: true,
        abis: Some(abis.to_vec()),
        allow_unresolvable: false,
        native: declared_native(policy, abis),
    };
    match (export(policy, &options), lacking.is_empty()) {
        (Ok(_), true) => Ok(()),
        (Err(ExportError::Unresolvable { missing, .. }), false) if missing == lacking => Ok(()),
        (Err(e), _) => Err(format!("{abis:?}: {e}, expected {lacking:?}\n{policy}")),
        (Ok(_), false) => Err(format!(
            "{abis:?}: exported, but libseccomp lacks {lacking:?}"
        )),
    }
}

/// Issue 21, finding 3: runc ignores rules for names its libseccomp cannot resolve, and
/// under an allow default nothing else stops the call. The export refuses such a policy;
/// with the flag, runc's filter built on the installed libseccomp shows the hole the
/// refusal is about.
#[test]
fn rules_for_syscalls_libseccomp_lacks_are_refused() {
    let policy = Policy::new(Action::Allow)
        .bad_arch(Action::KillThread)
        .block(
            Block::new([Abi::X86_64])
                .rule(Rule::new(Action::KillProcess, ["mseal"]))
                .rule(Rule::new(
                    Action::Errno(errno::EPERM),
                    ["listmount", "statmount", "ptrace"],
                )),
        );
    let strict = Options {
        kill_thread_on_bad_arch: true,
        abis: None,
        allow_unresolvable: false,
        native: None,
    };
    let lacks = |name: &str| !libseccomp_knows(name, libseccomp::ScmpArch::X8664);
    let expected: Vec<String> = ["listmount", "mseal", "statmount"]
        .into_iter()
        .filter(|name| lacks(name))
        .map(str::to_owned)
        .collect();
    assert!(
        !expected.is_empty(),
        "this test needs a libseccomp without mseal"
    );
    match export(&policy, &strict) {
        Err(ExportError::Unresolvable { missing, version }) => {
            assert_eq!(missing, vec![(Abi::X86_64, expected.clone())]);
            assert_eq!(version, super::resolve::version());
        }
        other => panic!("{other:?}"),
    }
    let exported = export(
        &policy,
        &Options {
            allow_unresolvable: true,
            ..strict
        },
    )
    .unwrap();
    assert!(
        exported.notes.iter().any(|n| n.contains("mseal")),
        "{:?}",
        exported.notes
    );
    let program = build_like_runc(&exported.seccomp);
    let decide = |name: &str| {
        let data = rt::SeccompData::syscall(Abi::X86_64, name, [0; 6]).unwrap();
        program.simulate(&data).unwrap()
    };
    assert_eq!(decide("mseal"), Action::Allow, "the hole runc leaves");
    assert_eq!(decide("ptrace"), Action::Errno(errno::EPERM));
    refused_where_libseccomp_lacks(&with_newer_syscalls(&demo()), &[Abi::X86]).unwrap();
}

#[test]
fn the_demo_round_trips_one_profile_per_group_of_abis() {
    let policy = demo();
    let whole = round_trip(&policy, None).unwrap_err();
    assert!(
        matches!(&whole, ExportError::PerAbi { syscall, .. } if syscall == "fcntl"),
        "{whole}"
    );
    // The x86 profile is for a 32-bit x86 machine: on an x86_64 one runc would give
    // x86_64 the x86 rules (`round_trip` checks that refusal).
    for abis in [vec![Abi::X86_64, Abi::X32], vec![Abi::X86]] {
        let imported = round_trip(&policy, Some(abis.clone())).unwrap();
        same_decisions(&policy, &imported, &abis).unwrap();
    }
    runc_agrees(&policy, &[Abi::X86_64, Abi::X32]).unwrap();
}

#[test]
fn a_policy_that_agrees_everywhere_round_trips_whole() {
    // The demo without what only some ABIs have, with per-ABI names where they exist.
    let policy = Policy::new(Action::Errno(errno::EPERM))
        .bad_arch(Action::KillThread)
        .rule(Rule::new(Action::Allow, ["read", "write", "exit_group"]))
        .rule(Rule::new(Action::Allow, ["openat"]).when(arg(2).masked_eq(3, 0)))
        .block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(Action::Allow, ["arch_prctl"]))
                .rule(Rule::new(Action::KillProcess, ["ptrace"])),
        )
        .block(
            Block::new([Abi::X86])
                .rule(Rule::new(
                    Action::Allow,
                    ["_llseek", "socketcall", "arch_prctl"],
                ))
                .rule(Rule::new(Action::KillProcess, ["ptrace"])),
        );
    let imported = round_trip(&policy, None).unwrap();
    same_decisions(&policy, &imported, &[Abi::X86_64, Abi::X32, Abi::X86]).unwrap();
    runc_agrees(&policy, &[Abi::X86_64, Abi::X32, Abi::X86]).unwrap();
}

#[test]
fn random_policies_round_trip() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let blocks = Cell::new(0u32);
    let whole = Cell::new(0u32);
    let result = runner.run(&policies::policy_spec(), |spec| {
        let Some(case) = policies::realize(&spec) else {
            return Ok(());
        };
        let policy = &case.policy;
        for block in policy.blocks() {
            let abis = block.abis().to_vec();
            let imported = round_trip(policy, Some(abis.clone())).map_err(|e| {
                TestCaseError::fail(format!("block {abis:?} not exportable: {e}\n{policy}"))
            })?;
            same_decisions(policy, &imported, &abis).map_err(TestCaseError::fail)?;
            if abis.contains(&Abi::X86_64) {
                // runc on this machine applies every profile to x86_64: only profiles that
                // list it are exact here.
                runc_agrees(policy, &abis).map_err(TestCaseError::fail)?;
            }
            blocks.set(blocks.get() + 1);
        }
        if let Ok(imported) = round_trip(policy, None) {
            same_decisions(policy, &imported, &policy.abis()).map_err(TestCaseError::fail)?;
            whole.set(whole.get() + 1);
        }
        // The same policy with a rule for syscalls newer than libseccomp 2.5: refused
        // exactly where the installed libseccomp lacks them, and with the flag the
        // profile still round-trips.
        let newer = with_newer_syscalls(policy);
        for block in newer.blocks() {
            let abis = block.abis().to_vec();
            refused_where_libseccomp_lacks(&newer, &abis).map_err(TestCaseError::fail)?;
            let imported = round_trip_with(&newer, Some(abis.clone()), true).map_err(|e| {
                TestCaseError::fail(format!("block {abis:?} not exportable: {e}\n{newer}"))
            })?;
            same_decisions(&newer, &imported, &abis).map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    let (blocks, whole) = (blocks.get(), whole.get());
    eprintln!("{blocks} blocks and {whole} whole policies round-tripped");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        blocks > cases / 2 && whole > 0,
        "{blocks} blocks, {whole} whole"
    );
}

#[test]
fn the_policy_text_of_an_import_is_what_was_imported() {
    // The text is for people; `Policy`'s fields say the same.
    let imported = round_trip(&demo(), Some(vec![Abi::X86])).unwrap();
    let text = imported.to_string();
    assert!(
        text.starts_with("default errno(EPERM);\nbad_arch kill_thread;\n"),
        "{text}"
    );
    assert!(
        text.contains("allow openat if arg2 & 0x3 == 0x0;"),
        "{text}"
    );
}

/// `tests/data/demo-x86_64.json` is the demo's x86_64 and x32 profile, as export writes
/// it; the binary's tests read it back.
#[test]
fn the_demo_profile_on_disk_is_what_export_writes() {
    let options = Options {
        kill_thread_on_bad_arch: true,
        abis: Some(vec![Abi::X86_64, Abi::X32]),
        allow_unresolvable: false,
        native: None,
    };
    let json = to_json(&export(&demo(), &options).unwrap().seccomp).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo-x86_64.json");
    if std::env::var_os("OVERWRITE").is_some() {
        std::fs::write(path, &json).unwrap();
    }
    assert_eq!(std::fs::read_to_string(path).unwrap(), json);
}

/// Docker's default profile, imported, decides as the filter runc builds from it, except
/// where the import says it does not: `socket` (the socketcall finding, and libseccomp
/// older than 2.6.1 building its three rules wrongly) and the syscalls runc's ENOSYS stub
/// answers (not in the model).
#[test]
fn dockers_profile_imported_decides_as_runc_builds_it() {
    use oci_spec::runtime::{LinuxSeccompBuilder, LinuxSyscallBuilder};

    let text = include_str!("../../tests/data/docker-default.json");
    let assume = Assume {
        machine: Abi::X86_64,
        caps: Vec::new(),
        kernel: None,
    };
    let profile = read(text, &assume).unwrap();
    let imported = import(&profile).unwrap();
    let syscalls: Vec<_> = profile
        .syscalls
        .iter()
        .map(|rule| {
            let mut builder = LinuxSyscallBuilder::default()
                .names(rule.names.clone())
                .action(rule.action);
            if let Some(errno) = rule.errno_ret {
                builder = builder.errno_ret(errno);
            }
            if let Some(args) = &rule.args {
                builder = builder.args(args.clone());
            }
            builder.build().unwrap()
        })
        .collect();
    let mut builder = LinuxSeccompBuilder::default()
        .default_action(profile.default_action)
        .architectures(profile.architectures.clone())
        .syscalls(syscalls);
    if let Some(errno) = profile.default_errno_ret {
        builder = builder.default_errno_ret(errno);
    }
    let program = build_like_runc(&builder.build().unwrap());
    let policy = &imported.policy;
    let mut checked = 0;
    for abi in [Abi::X86_64, Abi::X86, Abi::X32] {
        let scmp_arch =
            libseccomp::ScmpArch::from_str(&format!("SCMP_ARCH_{}", abi.name().to_uppercase()))
                .unwrap();
        for name in syscall_names(abi) {
            let stubbed = policy.decide(abi, name, [0; 6]).action()
                == Some(Action::Errno(errno::ENOSYS))
                && name != "clone3";
            if matches!(name, "socket" | "socketcall") || stubbed {
                continue;
            }
            if !libseccomp_knows(name, scmp_arch) {
                continue;
            }
            for args in [
                [0; 6],
                [8, 0, 0, 0, 0, 0],
                [0x1_0000, 0, 0, 0, 0, 0],
                [u64::MAX; 6],
            ] {
                // libseccomp 2.5 compares x32's low words only (see simulator_props).
                let args = if abi.compared_bits() == 32 {
                    args.map(|a| a & 0xffff_ffff)
                } else {
                    args
                };
                let Some(data) = seccomp_runtime::SeccompData::syscall(abi, name, args) else {
                    continue;
                };
                let got = program.simulate(&data).unwrap();
                let want = policy.decide(abi, name, args);
                assert!(
                    want.permits(got),
                    "{abi} {name} {args:x?}: runc {got}, policy {want:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "{checked}");

    // The socketcall finding: runc's filter lets a 32-bit caller make an AF_VSOCK (40)
    // socket through socketcall(SYS_SOCKET = 1), which the profile means to deny.
    let through = |name: &str, args: [u64; 6]| {
        let data = seccomp_runtime::SeccompData::syscall(Abi::X86, name, args).unwrap();
        program.simulate(&data).unwrap()
    };
    assert_eq!(through("socketcall", [1, 0, 0, 0, 0, 0]), Action::Allow);
    // The direct socket syscall keeps its conditions there; the policy, which cannot say
    // "the direct call only" on x86, denies it: stricter, as the finding says.
    assert_eq!(
        through("socket", [40, 0, 0, 0, 0, 0]),
        Action::Errno(errno::EPERM)
    );
    assert_eq!(through("socket", [2, 0, 0, 0, 0, 0]), Action::Allow);
    assert_eq!(
        policy
            .decide(Abi::X86, "socket", [2, 0, 0, 0, 0, 0])
            .action(),
        Some(Action::Errno(errno::EPERM))
    );
}
