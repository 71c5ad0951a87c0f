//! A policy's text (its `Display`) is the policy language: put back in `seccomp_policy!`,
//! it gives the same policy, and the macro's policy writes the same text.
//!
//! The fixtures in tests/data are the texts wrapped in the macro; `OVERWRITE=1` rewrites
//! them from the texts (review the diff), and the next build compiles them.

use seccomp_dsl::{
    arg, errno, group, seccomp_policy, Abi, Action, Block, Entry, IoUring, Optimize, Policy, Rule,
};

/// A policy with every setting, entry kind and comparison the language has.
fn every_feature() -> Policy {
    Policy::new(Action::Errno(errno::EPERM))
        .bad_arch(Action::KillThread)
        .unknown(Action::Errno(errno::ENOSYS))
        .no_new_privs(false)
        .tsync(true)
        .log(true)
        .ssb(true)
        .optimize(Optimize::Linear)
        .io_uring(IoUring::Unfiltered)
        .rule(
            Rule::new(Action::Allow, [Entry::group(group::BASIC_IO)])
                .except(["pwrite64", "pwritev"]),
        )
        .rule(Rule::new(
            Action::Allow,
            [Entry::syscall("exit_group"), Entry::optional("fstat64")],
        ))
        .block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(Action::Trace(7), ["ptrace"]))
                .rule(Rule::new(Action::KillProcess, ["fcntl"]).when(arg(1).ne(4)))
                .rule(Rule::new(Action::Errno(1000), ["openat"]).when(arg(2).masked_eq(0o3, 0o1))),
        )
        .block(
            Block::new([Abi::X86])
                .rule(Rule::new(Action::Allow, ["break"]))
                .rule(Rule::new(Action::Log, ["getpid"]))
                .rule(
                    Rule::new(Action::Errno(0), ["kill"])
                        .when(arg(1).lt(9))
                        .when(arg(0).gt(0xffff_0000)),
                ),
        )
        .block(Block::new([Abi::Aarch64]))
}

/// `text` as a fixture: the macro around it, indented.
fn wrapped(text: &str, origin: &str) -> String {
    let body: String = text
        .lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_owned()
            } else {
                format!("    {line}\n")
            }
        })
        .collect();
    format!("// {origin}\n// Made by tests/policy_text.rs (OVERWRITE=1).\nseccomp_policy! {{\n{body}}}\n")
}

/// The fixture `name` is `text` wrapped, and `compiled` (the fixture through the macro)
/// writes `text` again.
fn check(name: &str, origin: &str, text: &str, compiled: &Policy) {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let fixture = wrapped(text, origin);
    if std::env::var_os("OVERWRITE").is_some() {
        std::fs::write(&path, &fixture).expect("writing the fixture");
    }
    assert_eq!(
        std::fs::read_to_string(&path).expect("the fixture"),
        fixture,
        "OVERWRITE=1 rewrites {name}"
    );
    assert_eq!(compiled.to_string(), text);
}

#[test]
fn every_feature_reads_back() {
    let policy = every_feature();
    let compiled = include!("data/policy_text.rs");
    check(
        "policy_text.rs",
        "Policy::to_string() of every_feature()",
        &policy.to_string(),
        &compiled,
    );
    assert_eq!(compiled, policy);
}

/// Not Docker's default profile: its `socket` rules are refused by the macro where the
/// installed libseccomp is older than 2.6.1 (a finding of the import).
#[test]
fn an_imported_profile_reads_back() {
    let text = include_str!("../seccomp-dsl-cli/tests/data/demo-x86_64.seccomp");
    let compiled = include!("data/demo_imported_policy.rs");
    check(
        "demo_imported_policy.rs",
        "`seccomp-dsl import` of the demo's OCI profile (seccomp-dsl-cli/tests/data)",
        text,
        &compiled,
    );
}
