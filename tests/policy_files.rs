//! Policy files: the same text gives the same policy, and the same BPF, through the macro
//! and through `Policy::from_str`; and the demo's file is the demo's macro policy.

#[path = "support/fixtures.rs"]
mod fixtures;

#[path = "../examples/demo.rs"]
#[allow(dead_code)] // only its policy is used here
mod demo;

use seccomp_dsl::Policy;

#[test]
fn the_file_parser_is_the_macro() {
    for (name, text, from_macro) in fixtures::all() {
        let from_text: Policy = text
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(from_text, from_macro, "{name}");
    }
}

#[test]
fn file_and_macro_build_byte_identical_bpf() {
    for (name, text, from_macro) in fixtures::all() {
        let from_text: Policy = text.parse().expect("the fixture parses");
        let from_text = from_text.build().expect("the file's policy builds");
        let from_macro = from_macro.build().expect("the macro's policy builds");
        assert_eq!(
            from_text.export_bpf().expect("export"),
            from_macro.export_bpf().expect("export"),
            "{name}"
        );
    }
}

#[test]
fn the_demo_file_is_the_demo() {
    let file = Policy::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo.seccomp"
    ))
    .expect("examples/demo.seccomp parses");
    // The example itself, not a copy of its policy that could drift from it.
    assert_eq!(file, demo::policy());
}

#[test]
fn the_example_files_are_sound() {
    for name in ["demo", "sandbox"] {
        let path = format!("{}/examples/{name}.seccomp", env!("CARGO_MANIFEST_DIR"));
        let policy = Policy::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        policy.build().unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

/// What a file reports, one `line:col: message` a line, without the origin.
fn mistakes(text: &str) -> String {
    let error = text.parse::<Policy>().expect_err("the text has mistakes");
    let diagnostics = error.diagnostics().expect("mistakes, not an I/O error");
    let lines: Vec<String> = diagnostics
        .list()
        .iter()
        .map(|d| format!("{}: {}", d.start, d.message))
        .collect();
    lines.join("\n")
}

#[test]
fn every_mistake_with_its_position() {
    let text = "\
default errno(EPERM);
abi x86_64 {
    allow raed;
    allow fcntl if arg9 == 3;
}
abi x86_64 { allow write; }
";
    assert_eq!(
        mistakes(text),
        "6:5: ABI `x86_64` is already named in block #1; each ABI gets one filter, so name \
         it in one block only\n\
         2:5: `x86_64` is first named here\n\
         4:20: rule #2 of block #1 compares arg9, but syscalls have arguments arg0 to arg5\n\
         3:11: `raed` is not a syscall on x86_64; did you mean `read`?"
    );
}

#[test]
fn whole_policy_mistakes_are_at_the_start() {
    assert_eq!(
        mistakes("abi x86_64 { allow read; }"),
        "1:1: the policy has no default action: start it with `default <action>;`, e.g. \
         `default errno(EPERM);`"
    );
    assert_eq!(
        mistakes(""),
        mistakes("  // nothing\n").replace("2:1", "1:1")
    );
}

#[test]
fn constants_resolve_per_abi_or_are_refused() {
    // The same on every ABI: fine in a common rule.
    let policy: Policy =
        "default allow; errno(EPERM) fcntl if arg1 == F_SETFL; abi x86_64, aarch64 {}"
            .parse()
            .expect("F_SETFL is 4 everywhere");
    assert_eq!(
        policy,
        "default allow; errno(EPERM) fcntl if arg1 == 4; abi x86_64, aarch64 {}"
            .parse()
            .expect("4")
    );
    // Differs between the rule's ABIs: refused, with the values. (`io_uring` acknowledged,
    // or the ring's IORING_OP_OPENAT, which checks no flag, would be a second mistake.)
    assert_eq!(
        mistakes("default allow; io_uring = unfiltered;\nabi x86_64, aarch64 { errno(EPERM) openat if arg2 & O_DIRECTORY == 0; }"),
        "2:53: `O_DIRECTORY` differs between the ABIs of this rule (0x10000 on x86_64, \
         0x4000 on aarch64): write the number in a block per ABI"
    );
    // One block per ABI: each resolves.
    let policy: Policy = "default allow; io_uring = unfiltered;\nabi x86_64 { errno(EPERM) openat if arg2 & O_DIRECTORY == 0; }\nabi aarch64 { errno(EPERM) openat if arg2 & libc::O_DIRECTORY == 0; }"
        .parse()
        .expect("one ABI per block");
    let expected: Policy = "default allow; io_uring = unfiltered;\nabi x86_64 { errno(EPERM) openat if arg2 & 0x10000 == 0; }\nabi aarch64 { errno(EPERM) openat if arg2 & 0x4000 == 0; }"
        .parse()
        .expect("numbers");
    assert_eq!(policy, expected);
}

#[test]
fn unknown_constants_and_expressions() {
    assert_eq!(
        mistakes("default allow; abi x86_64 { errno(EPERM) fcntl if arg1 == F_GETFLL; }"),
        "1:59: unknown constant `F_GETFLL`; did you mean `F_GETFL`?"
    );
    assert_eq!(
        mistakes("default allow; abi x86_64 { errno(EPERM) fcntl if arg1 == (1 + 2); }"),
        "1:59: a policy file takes no expressions: write an integer (`0x80000`) or a \
         constant's name (`O_CLOEXEC`)"
    );
    assert_eq!(
        mistakes("default allow; abi x86_64 { errno(EPERM) fcntl if arg1 == std::F_GETFL; }"),
        "1:59: a policy file names a constant as `NAME` or `libc::NAME` (e.g. `F_GETFL`)"
    );
}

#[test]
fn bad_tokens_have_a_position() {
    let text = "default allow;\nabi x86_64 { allow \"read; }\n";
    let found = mistakes(text);
    assert!(
        found.starts_with("2:20: the text cannot be split into tokens here"),
        "{found}"
    );
}

#[test]
fn rendering_is_rustc_style() {
    let error = "default errno(EPERM);\nabi x86_64 {\n    allow raed;\n}\n"
        .parse::<Policy>()
        .expect_err("a mistake");
    let rendered = error.diagnostics().expect("mistakes").render();
    assert_eq!(
        rendered,
        "error: `raed` is not a syscall on x86_64; did you mean `read`?\n \
         --> <string>:3:11\n  |\n3 |     allow raed;\n  |           ^^^^\n\nerror: 1 mistake in <string>\n"
    );
}
