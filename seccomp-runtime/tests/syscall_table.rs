//! The project's syscall table against the installed libseccomp's: for every ABI and every
//! name libseccomp knows for it, the two must agree on whether the ABI has it, its number,
//! and the multiplexer that also reaches it. The table may know more (syscalls newer than
//! libseccomp); those are counted, and the best-known ones are asserted.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use seccomp_runtime::{
    multiplexer, syscall_exists, syscall_number, syscall_numbers, Abi, SYSCALL_TABLE_KERNEL,
};

fn arch(abi: Abi) -> ScmpArch {
    ScmpArch::from_str(&format!("SCMP_ARCH_{}", abi.name().to_uppercase()))
        .expect("libseccomp knows every Abi")
}

/// How libseccomp has a name on an ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    number: Option<i32>,
    multiplexer: Option<&'static str>,
}

/// libseccomp's number for `name` on `abi`: negative pseudo numbers included.
fn resolve(abi: Abi, name: &str) -> Option<i32> {
    ScmpSyscall::from_name_by_arch(name, arch(abi))
        .ok()
        .map(i32::from)
}

/// Every name libseccomp has a number for on `abi`, found by walking the numbers a syscall
/// of `abi` may have (libseccomp 2.5 has no call that lists them).
fn walk(abi: Abi) -> BTreeMap<String, i32> {
    let base = abi.syscall_base();
    // ARM's private syscalls (`cacheflush`, `set_tls`, ...) live at 0x0f0000.
    let private = if abi == Abi::Arm {
        0x0f_0000..0x0f_0010
    } else {
        0..0
    };
    let numbers: BTreeSet<i32> = (base..base + 1024)
        .chain(private)
        .chain(syscall_numbers(abi))
        .collect();
    numbers
        .into_iter()
        .filter_map(|nr| {
            let name = ScmpSyscall::from(nr).get_name_by_arch(arch(abi)).ok()?;
            Some((name, nr))
        })
        .collect()
}

/// How libseccomp has `name` on `abi`, given the names its number walk found there.
fn libseccomp_view(abi: Abi, name: &str, walked: &BTreeMap<String, i32>) -> Option<Known> {
    // libseccomp's pseudo numbers: -100 - call for socketcall's calls, -200 - call for
    // ipc's, and -10000 and below for a name the ABI lacks altogether.
    let via = match resolve(abi, name)? {
        nr if nr >= 0 => None,
        -199..=-100 => Some("socketcall"),
        -299..=-200 => Some("ipc"),
        _ => return None,
    };
    // A multiplexed call is there only if the multiplexer itself is.
    if via.is_some_and(|via| resolve(abi, via).is_none_or(|nr| nr < 0)) {
        return None;
    }
    Some(Known {
        number: walked.get(name).copied(),
        multiplexer: via,
    })
}

/// Where the kernel changed after libseccomp 2.5's tables, so the installed libseccomp is
/// out of date rather than the table wrong. Each must still be a disagreement (the test
/// fails if one goes away), so the list cannot outlive its reason.
const KERNEL_CHANGES: &[(Abi, &str, &str)] = &[(
    Abi::Parisc64,
    "_llseek",
    "a 32-bit-only entry in the parisc table of newer kernels: libseccomp's own csv has it \
     on parisc64 up to its Linux 6.13 table, not in its 7.1 one",
)];

#[test]
fn the_table_agrees_with_libseccomp_on_every_name_it_knows() {
    let walks: Vec<(Abi, BTreeMap<String, i32>)> =
        Abi::ALL.into_iter().map(|abi| (abi, walk(abi))).collect();
    // Names libseccomp knows somewhere, and the calls it knows only as multiplexed.
    let mut names: BTreeSet<String> = walks.iter().flat_map(|(_, w)| w.keys().cloned()).collect();
    names.extend(["send", "recv"].map(String::from));
    assert!(names.len() > 400, "the walk finds libseccomp's tables");
    eprintln!("syscall table: Linux {SYSCALL_TABLE_KERNEL}");
    let mut disagreements = Vec::new();
    for (abi, walked) in &walks {
        let abi = *abi;
        let mut newer = Vec::new();
        for name in &names {
            let ours = syscall_exists(abi, name).then(|| Known {
                number: syscall_number(abi, name),
                multiplexer: multiplexer(abi, name),
            });
            let expected = KERNEL_CHANGES
                .iter()
                .any(|&(a, n, _)| a == abi && n == name);
            let theirs = libseccomp_view(abi, name, walked);
            if expected {
                assert_ne!(
                    theirs, ours,
                    "{abi} {name} agrees now: drop it from KERNEL_CHANGES"
                );
                continue;
            }
            match (theirs, ours) {
                (Some(theirs), Some(ours)) if theirs != ours => disagreements.push(format!(
                    "{abi} {name}: libseccomp {theirs:?}, ours {ours:?}"
                )),
                (Some(theirs), None) => {
                    disagreements.push(format!("{abi} {name}: libseccomp {theirs:?}, ours absent"))
                }
                (None, Some(_)) => newer.push(name.as_str()),
                _ => {}
            }
        }
        // Names the table has on this ABI that libseccomp knows nowhere.
        let unknown_to_libseccomp: Vec<&str> = seccomp_runtime::syscall_names(abi)
            .into_iter()
            .filter(|name| !names.contains(*name))
            .collect();
        eprintln!(
            "{abi}: {} names libseccomp lacks on {abi} ({newer:?} known to it on other ABIs)",
            unknown_to_libseccomp.len() + newer.len(),
        );
        if matches!(abi, Abi::X86_64 | Abi::X86) {
            for name in [
                "mseal",
                "listmount",
                "statmount",
                "lsm_get_self_attr",
                "setxattrat",
            ] {
                assert!(
                    unknown_to_libseccomp.contains(&name) && syscall_exists(abi, name),
                    "{abi} {name}: expected in the table and not in libseccomp"
                );
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements: {disagreements:#?}",
        disagreements.len()
    );
}

fn single_abi_filter(abi: Abi) -> ScmpFilterContext {
    let mut ctx = ScmpFilterContext::new(ScmpAction::Errno(1)).unwrap();
    if !ctx.is_arch_present(arch(abi)).unwrap() {
        ctx.remove_arch(ScmpArch::Native).unwrap();
        ctx.add_arch(arch(abi)).unwrap();
    }
    ctx
}

#[test]
fn multiplexed_syscalls_refuse_conditions_exactly() {
    let condition = [ScmpArgCompare::new(0, ScmpCompareOp::Equal, 1)];
    for abi in Abi::ALL {
        for name in ["socket", "connect", "recv", "semop", "shmat"] {
            let native = ScmpSyscall::from_name(name).unwrap();
            let mut ctx = single_abi_filter(abi);
            let result = ctx.add_rule_conditional_exact(ScmpAction::Allow, native, &condition);
            let refused = result.as_ref().err().map(|e| e.to_string());
            match (multiplexer(abi, name), syscall_exists(abi, name)) {
                (Some(_), _) => assert!(refused.is_some(), "{abi} {name}: libseccomp accepted it"),
                (None, true) => assert!(result.is_ok(), "{abi} {name}: {refused:?}"),
                (None, false) => {}
            }
        }
    }
}

#[test]
fn known_anchors() {
    assert!(
        syscall_exists(Abi::X86, "break"),
        "a Rust keyword, and an x86 syscall"
    );
    assert!(syscall_exists(Abi::X86, "_llseek"));
    assert!(!syscall_exists(Abi::X86_64, "_llseek"));
    assert!(syscall_exists(Abi::X86, "socketcall"));
    assert!(!syscall_exists(Abi::X86_64, "socketcall"));
    assert!(syscall_exists(Abi::X32, "openat"));
    assert!(!syscall_exists(Abi::Aarch64, "open"));
    assert!(syscall_exists(Abi::Mips64N32, "openat"));
    assert_eq!(syscall_number(Abi::Arm, "set_tls"), Some(0x0f_0005));
}
