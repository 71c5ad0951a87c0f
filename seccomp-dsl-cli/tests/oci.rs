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

/// Issue 21, finding 3: runc resolves a profile's names with its own libseccomp and ignores
/// the ones it lacks; under an allow default its ENOSYS stub is off, so `mseal` would run.
#[test]
fn export_refuses_syscalls_the_installed_libseccomp_lacks() {
    let policy = scratch(
        "newer.seccomp",
        "default allow;\nbad_arch kill_thread;\nabi x86_64 {\n    kill_process mseal;\n    errno(EPERM) listmount, \
         statmount, ptrace;\n}\n",
    );
    let file = policy.to_str().unwrap();
    let refused = run(&["export", file, "--format", "oci"]);
    let allowed = run(&["export", file, "--format", "oci", "--allow-unresolvable"]);
    std::fs::remove_file(&policy).ok();
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(refused.stdout.is_empty());
    let err = stderr(&refused);
    assert!(
        err.contains("listmount, mseal, statmount on x86_64: the installed libseccomp 2.")
            && err.contains("runc --version")
            && err.contains("--allow-unresolvable"),
        "{err}"
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    assert!(
        stderr(&allowed).contains("note: listmount, mseal, statmount on x86_64: unknown to"),
        "{}",
        stderr(&allowed)
    );
    // The import of that profile says which rules runc built on this libseccomp drops.
    let profile = scratch("newer.json", &stdout(&allowed));
    let imported = run(&["import", profile.to_str().unwrap()]);
    std::fs::remove_file(&profile).ok();
    assert_eq!(imported.status.code(), Some(1), "{}", stderr(&imported));
    let err = stderr(&imported);
    assert!(
        err.contains(": not enforced by runc or crun built on libseccomp 2.")
            && err.contains("which does not know mseal on x86_64:"),
        "{err}"
    );
    assert!(
        err.contains("which does not know listmount, statmount on x86_64:"),
        "{err}"
    );
    assert!(stdout(&imported).contains("kill_process mseal;"));
}

/// Issue 21, finding 4: runc applies a profile to the machine's native ABI whether it lists
/// it or not, so an x86-only profile gives x86_64 the x86 rules on an x86_64 machine.
#[test]
fn export_refuses_a_profile_without_the_native_abi() {
    let policy = scratch(
        "native.seccomp",
        "default errno(EPERM);\nbad_arch kill_thread;\nabi x86_64, x32 {\n    allow read, write;\n    kill_process \
         ptrace;\n}\nabi x86 {\n    allow read, write, ptrace;\n}\n",
    );
    let only_x86 = scratch(
        "only-x86.seccomp",
        "default errno(EPERM);\nbad_arch kill_thread;\nabi x86 {\n    allow read, write;\n}\n",
    );
    let file = policy.to_str().unwrap();
    let x86 = run(&["export", file, "--format", "oci", "--abi", "x86"]);
    let x32 = run(&["export", file, "--format", "oci", "--abi", "x32"]);
    let declared = run(&[
        "export", file, "--format", "oci", "--abi", "x86", "--native", "x86",
    ]);
    let both = run(&["export", file, "--format", "oci", "--abi", "x86_64,x32"]);
    let bare = run(&["export", only_x86.to_str().unwrap(), "--format", "oci"]);
    std::fs::remove_file(&policy).ok();
    std::fs::remove_file(&only_x86).ok();
    assert_eq!(x86.status.code(), Some(1), "{}", stderr(&x86));
    assert!(x86.stdout.is_empty());
    let err = stderr(&x86);
    assert!(
        err.contains(
            "on a machine whose native ABI is x86_64, this profile (x86) would give x86_64 its \
             rules, where the policy gives x86_64 its own rules; export x86_64 with them \
             (--abi x86,x86_64, if they agree)"
        ) && err.contains("--native"),
        "{err}"
    );
    assert_eq!(x32.status.code(), Some(1), "{}", stderr(&x32));
    assert_eq!(declared.status.code(), Some(0), "{}", stderr(&declared));
    assert!(stdout(&declared).contains("SCMP_ARCH_X86\""));
    assert_eq!(both.status.code(), Some(0), "{}", stderr(&both));
    assert_eq!(bare.status.code(), Some(1), "{}", stderr(&bare));
    assert!(
        stderr(&bare)
            .contains("where the policy gives x86_64 the bad_arch action (no block names it)"),
        "{}",
        stderr(&bare)
    );
}

/// Issue 21, finding 7: JSON input has the policy-file limits (1 MiB, 4096 rules).
#[test]
fn profiles_over_the_input_limits_are_refused() {
    let rule = |i: usize| {
        format!(
            r#"{{"names": ["fcntl"], "action": "SCMP_ACT_ALLOW",
                "args": [{{"index": 1, "value": {i}, "op": "SCMP_CMP_EQ"}}]}}"#
        )
    };
    let profile = |n: usize, pad: usize| {
        let rules: Vec<String> = (0..n).map(rule).collect();
        format!(
            r#"{{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [{}]}}{}"#,
            rules.join(","),
            " ".repeat(pad)
        )
    };
    let many = scratch("many.json", &profile(4097, 0));
    let large = scratch("large.json", &profile(1, 1 << 20));
    let many_out = run(&["import", many.to_str().unwrap()]);
    let large_out = run(&["export", large.to_str().unwrap(), "--format", "oci"]);
    std::fs::remove_file(&many).ok();
    std::fs::remove_file(&large).ok();
    assert_eq!(many_out.status.code(), Some(2), "{}", stderr(&many_out));
    assert!(
        stderr(&many_out).contains("adds 4097 rules") && stderr(&many_out).contains("at most 4096"),
        "{}",
        stderr(&many_out)
    );
    assert_eq!(large_out.status.code(), Some(2), "{}", stderr(&large_out));
    assert!(
        stderr(&large_out).contains("a profile, like a policy file, is read up to 1048576"),
        "{}",
        stderr(&large_out)
    );
}
