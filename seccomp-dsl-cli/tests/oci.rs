//! `seccomp-dsl export` and `seccomp-dsl import`, end to end: the built binary on the
//! demo's OCI profile and on Docker's default profile (tests/data, see its README), with
//! the exit codes. Nothing here loads a filter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOOL: &str = env!("CARGO_BIN_EXE_seccomp-dsl");

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(TOOL)
        .args(args)
        .output()
        .expect("the tool runs")
}

fn path(name: &str) -> String {
    data(name).display().to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

/// Compare with a file in tests/data; `OVERWRITE=1` rewrites it (review the diff).
fn golden(name: &str, actual: &str) {
    let file = data(name);
    if std::env::var_os("OVERWRITE").is_some() {
        std::fs::write(&file, actual).expect("writing the golden file");
    }
    let expected = std::fs::read_to_string(&file).expect("the golden file");
    assert_eq!(expected, actual, "{name} differs; OVERWRITE=1 rewrites it");
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let file = std::env::temp_dir().join(format!("seccomp-dsl-oci-{}-{name}", std::process::id()));
    std::fs::write(&file, text).expect("writing a scratch file");
    file
}

#[test]
fn export_oci_of_an_exported_profile_writes_it_again() {
    let output = run(&["export", &path("demo-x86_64.json"), "--format", "oci"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let original = std::fs::read_to_string(data("demo-x86_64.json")).unwrap();
    assert_eq!(stdout(&output), original);
}

#[test]
fn import_of_the_demo_profile_is_clean() {
    let output = run(&["import", &path("demo-x86_64.json")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The rule that keeps runc's ENOSYS stub off the table's syscalls is a note.
    assert_eq!(
        stderr(&output),
        "note: rule 4 (pwritev2, rseq_slice_yield): errno(EPERM) is the default action; runc \
         skips the rule\n"
    );
    golden("demo-x86_64.seccomp", &stdout(&output));
}

#[test]
fn export_bpf_and_pfc() {
    let bpf = run(&["export", &path("demo-x86_64.json"), "--format", "bpf"]);
    assert_eq!(bpf.status.code(), Some(0), "{}", stderr(&bpf));
    assert!(!bpf.stdout.is_empty() && bpf.stdout.len().is_multiple_of(8));
    // The first instruction loads seccomp_data.arch (offset 4): `ld [4]`.
    assert_eq!(&bpf.stdout[..8], &[0x20, 0, 0, 0, 4, 0, 0, 0]);
    let pfc = run(&["export", &path("demo-x86_64.json"), "--format", "pfc"]);
    assert_eq!(pfc.status.code(), Some(0), "{}", stderr(&pfc));
    let text = stdout(&pfc);
    assert!(text.contains("# filter for arch x86_64"), "{text}");
    assert!(text.contains("# filter for arch x32"), "{text}");
}

#[test]
fn import_of_dockers_default_profile_lists_what_it_finds() {
    let output = run(&["import", &path("docker-default.json")]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    golden("docker-default.seccomp", &stdout(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "finding: socket on x86: the conditions of rule 2 (allow if arg0 < 38), rule 3 \
             (allow if arg0 == 39), rule 4 (allow if arg0 > 40) cannot hold for 32-bit \
             callers: socketcall gets allow outright"
        ),
        "{err}"
    );
    assert!(
        err.contains("finding: unknown on every listed architecture, ignored (as runc ignores them): riscv_hwprobe"),
        "{err}"
    );
    assert!(
        err.contains("note: left out bpf, clone, clone3, fanotify_init"),
        "{err}"
    );
    assert!(
        err.contains("note: kept clone (without CAP_SYS_ADMIN, not on s390, s390x)"),
        "{err}"
    );
}

#[test]
fn import_with_no_capabilities() {
    let default = run(&["import", &path("docker-default.json")]);
    assert!(
        stdout(&default).contains(" chroot,"),
        "CAP_SYS_CHROOT is Docker's default"
    );
    let none = run(&["import", &path("docker-default.json"), "--caps", "none"]);
    assert_eq!(none.status.code(), Some(1), "{}", stderr(&none));
    assert!(!stdout(&none).contains(" chroot,"));
    assert!(stderr(&none)
        .contains("note: left out chroot (needs CAP_SYS_CHROOT; --caps does not grant it)"));
}

#[test]
fn import_with_capabilities_and_another_machine() {
    let output = run(&[
        "import",
        &path("docker-default.json"),
        "--caps",
        "CAP_SYS_ADMIN,CAP_SYS_PTRACE",
        "--arch",
        "aarch64",
        "--kernel",
        "4.4",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("\nabi aarch64 {\n    errno(ENOSYS) file_getattr,"),
        "{text}"
    );
    assert!(text.contains("\nabi arm {}"), "{text}");
    assert!(text.contains(" mount,"), "CAP_SYS_ADMIN's rule: {text}");
    assert!(
        !text.contains("clone if"),
        "the clone rule without CAP_SYS_ADMIN: {text}"
    );
    assert!(
        text.contains("set_tls") && !text.contains("arch_prctl"),
        "{text}"
    );
    let err = stderr(&output);
    assert!(
        err.contains("note: left out process_vm_readv, process_vm_writev, ptrace (needs kernel 4.8; --kernel is older)"),
        "{err}"
    );
}

#[test]
fn export_refuses_what_one_oci_profile_cannot_say() {
    // As in Docker's profile: socket has conditions, and x86 reaches it through
    // socketcall, where they cannot be checked; the import leaves them out on x86.
    let profile = scratch(
        "per-abi.json",
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
            "syscalls": [
                {"names": ["read", "socketcall"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
            ]
        }"#,
    );
    let imported = run(&["import", profile.to_str().unwrap()]);
    assert_eq!(imported.status.code(), Some(1), "{}", stderr(&imported));
    assert!(
        stdout(&imported)
            .ends_with("abi x86_64 {\n    allow socket if arg0 == 1;\n}\n\nabi x86 {}\n"),
        "{}",
        stdout(&imported)
    );
    let output = run(&["export", profile.to_str().unwrap(), "--format", "oci"]);
    let one_abi = run(&[
        "export",
        profile.to_str().unwrap(),
        "--format",
        "oci",
        "--abi",
        "x86_64",
    ]);
    std::fs::remove_file(&profile).ok();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    assert!(
        err.contains(
            "seccomp-dsl: cannot export as one OCI profile: `socket` has different rules on \
             x86_64, x86"
        ),
        "{err}"
    );
    assert!(err.contains("  x86_64: allow if arg0 == 1\n"), "{err}");
    assert!(err.contains("  x86: no rule (the default action)"), "{err}");
    assert_eq!(one_abi.status.code(), Some(0), "{}", stderr(&one_abi));
    assert!(stdout(&one_abi).contains("\"socket\""));
}

#[test]
fn findings_in_a_small_profile() {
    let profile = scratch(
        "findings.json",
        r#"{
            "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
            "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [
                {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["read"], "action": "SCMP_ACT_KILL"},
                {"names": ["write"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
                {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
                {"names": ["kill"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"},
                          {"index": 1, "value": 15, "op": "SCMP_CMP_EQ"}]},
                {"names": ["no_such_call"], "action": "SCMP_ACT_ALLOW"}
            ]
        }"#,
    );
    let output = run(&["import", profile.to_str().unwrap()]);
    std::fs::remove_file(&profile).ok();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "default errno(ENOSYS);\nbad_arch kill_thread;\n\n\
         allow read, write;\nallow kill if arg1 == 0;\nallow kill if arg1 == 15;\n\n\
         abi x86_64 {}\n"
    );
    let err = stderr(&output);
    for finding in [
        "note: rule 3 (close): errno(ENOSYS) is the default action; runc skips the rule",
        "finding: rule 4 (kill): two comparisons on one argument: runc adds one rule per \
         comparison, so the rule holds when ANY of them holds, not all",
        "finding: unknown on every listed architecture, ignored (as runc ignores them): no_such_call",
        "finding: read: rule 0 (allow) and rule 1 (kill_thread): libseccomp keeps the first, \
         the second never applies",
        "finding: write: rule 2 (allow if arg0 == 1) never applies: rule 0 (allow) decides \
         write whatever the arguments",
        "seccomp-dsl: 4 finding(s) in",
    ] {
        assert!(err.contains(finding), "{finding}\n---\n{err}");
    }
}

#[test]
fn errors_exit_2() {
    let missing = run(&["import", "/nonexistent/profile.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent/profile.json"));

    let garbage = scratch("garbage.json", "{\"defaultAction\": \"SCMP_ACT_NOPE\"}");
    let output = run(&["import", garbage.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not a seccomp profile"),
        "{}",
        stderr(&output)
    );
    let output = run(&["export", garbage.to_str().unwrap(), "--format", "oci"]);
    std::fs::remove_file(&garbage).ok();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));

    let not_there = run(&[
        "export",
        &path("demo-x86_64.json"),
        "--format",
        "oci",
        "--abi",
        "x86",
    ]);
    assert_eq!(not_there.status.code(), Some(2), "{}", stderr(&not_there));
    assert!(stderr(&not_there).contains("the policy has no block for ABI x86"));
}
