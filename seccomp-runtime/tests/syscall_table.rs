//! The runtime's idea of which syscalls an ABI has must be libseccomp's: the policy checks
//! (and the macro's compile-time checks, which call them) decide with it, and libseccomp's
//! exact add decides at build time. This walks every name on every ABI and compares.

use std::str::FromStr;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use seccomp_runtime::{multiplexer, syscall_exists, syscall_names, Abi};

fn single_abi_filter(abi: Abi) -> ScmpFilterContext {
    let arch = ScmpArch::from_str(&format!("SCMP_ARCH_{}", abi.name().to_uppercase()))
        .expect("libseccomp knows every Abi");
    let mut ctx = ScmpFilterContext::new(ScmpAction::Errno(1)).unwrap();
    if !ctx.is_arch_present(arch).unwrap() {
        ctx.remove_arch(ScmpArch::Native).unwrap();
        ctx.add_arch(arch).unwrap();
    }
    ctx
}

fn every_name() -> Vec<String> {
    let mut names: Vec<String> = Abi::ALL
        .iter()
        .flat_map(|&abi| syscall_names(abi))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn existence_agrees_with_the_exact_add_on_every_abi() {
    let names = every_name();
    assert!(
        names.len() > 400,
        "the walk finds the syscall tables ({} names)",
        names.len()
    );
    let mut disagreements = Vec::new();
    for abi in Abi::ALL {
        for name in &names {
            let native = ScmpSyscall::from_name(name).unwrap();
            let added = single_abi_filter(abi)
                .add_rule_exact(ScmpAction::Allow, native)
                .is_ok();
            if added != syscall_exists(abi, name) {
                disagreements.push(format!("{abi} {name}: libseccomp {added}"));
            }
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
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
}
