//! `seccomp-dsl check`, `explain`, `diff` and `run`, end to end: the built binary on
//! policy files, with its exit codes. Filters are only installed in the children `run`
//! spawns.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOOL: &str = env!("CARGO_BIN_EXE_seccomp-dsl");

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo.seccomp")
}

/// A policy file in the temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A policy file with `text`, named for this test process and `name`.
fn file(name: &str, text: &str) -> Scratch {
    let path = std::env::temp_dir().join(format!("seccomp-dsl-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    Scratch(path)
}

fn tool(args: &[&str]) -> Output {
    Command::new(TOOL).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_subcommand_has_help() {
    for command in ["check", "explain", "diff", "run"] {
        let output = tool(&[command, "--help"]);
        assert_eq!(output.status.code(), Some(0), "{command} --help");
        assert!(stdout(&output).contains("Usage: seccomp-dsl"), "{command}");
    }
}

#[test]
fn check_a_sound_policy() {
    let output = tool(&["check", path(&demo())]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).ends_with(
            "demo.seccomp: ok: 3 ABIs (x86_64, x32, x86), 9 rules, default errno(EPERM)\n"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn check_shows_every_mistake_rustc_style() {
    let bad = file(
        "bad.seccomp",
        "default errno(EPERM);\nabi x86_64 {\n    allow raed, write;\n    allow fcntl if arg1 == F_GETFLL;\n}\n",
    );
    let output = tool(&["check", path(&bad)]);
    assert_eq!(output.status.code(), Some(1));
    let expected = format!(
        "error: unknown constant `F_GETFLL`; did you mean `F_GETFL`?\n \
         --> {0}:4:28\n  |\n4 |     allow fcntl if arg1 == F_GETFLL;\n  |                            ^^^^^^^^\n\n\
         error: `raed` is not a syscall on x86_64; did you mean `read`?\n \
         --> {0}:3:11\n  |\n3 |     allow raed, write;\n  |           ^^^^\n\n\
         error: 2 mistakes in {0}\n",
        bad.display()
    );
    assert_eq!(stderr(&output), expected);
    assert_eq!(stdout(&output), "");
}

#[test]
fn check_a_missing_file() {
    let output = tool(&["check", "/nonexistent/policy.seccomp"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read the policy /nonexistent/policy.seccomp"));
}

#[test]
fn explain_names_the_rule_and_the_bpf_agrees() {
    let output = tool(&["explain", path(&demo()), "x86_64", "fcntl", "1", "0x3"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("x86_64 fcntl(0x1, 0x3, 0x0, 0x0, 0x0, 0x0), nr 72\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "policy: allow, by {}:10:5: `allow fcntl if arg1 == 3`, block `abi x86_64, x32`\n",
            demo().display()
        )),
        "{text}"
    );
    assert!(text.contains("filter: allow (the built BPF, simulated); agrees with the policy"));
    assert!(text.contains("      0: ld [arch]\n"), "{text}");
    assert!(text.trim_end().ends_with("ret allow"), "{text}");
    // Another F_GETFL-less call: the default.
    let output = tool(&["explain", path(&demo()), "x86_64", "fcntl", "1", "4"]);
    assert!(stdout(&output).contains("policy: errno(EPERM), the default action"));
}

#[test]
fn explain_by_number_and_through_a_group() {
    // getpid is 20 on x86; the demo's x86 block does not allow it.
    let output = tool(&["explain", path(&demo()), "x86", "20"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).starts_with("x86 getpid("),
        "{}",
        stdout(&output)
    );
    let grouped = file(
        "group.seccomp",
        "default allow;\nabi x86_64 { errno(EPERM) @privileged; }\n",
    );
    let output = tool(&["explain", path(&grouped), "x86_64", "chown"]);
    assert!(
        stdout(&output).contains(":2:14: `errno(EPERM) @privileged` (chown via @chown)"),
        "{}",
        stdout(&output)
    );
    // A name no ABI has, and an ABI libseccomp does not know.
    assert_eq!(
        tool(&["explain", path(&demo()), "x86_64", "getpidd"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        tool(&["explain", path(&demo()), "x87", "read"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn diff_ignores_order_and_grouping() {
    let members = file(
        "members.seccomp",
        "default allow;\nabi x86_64 {\n    errno(EPERM) chown, fchown, fchownat, lchown;\n    \
         errno(EACCES) fcntl if arg1 == 3;\n    errno(EACCES) fcntl if arg0 == 1 && arg1 == F_SETFL;\n}\n\
         abi x86 { errno(EPERM) fchown; }\n",
    );
    let grouped = file(
        "grouped.seccomp",
        "default allow;\nabi x86 { errno(EPERM) fchown; }\n// The same, as a group and in another order.\n\
         abi x86_64 {\n    errno(EACCES) fcntl if arg1 == 4 && arg0 == 1;\n    errno(EPERM) @chown;\n    \
         errno(EACCES) fcntl if arg1 == F_GETFL;\n}\n",
    );
    let output = tool(&["diff", path(&members), path(&grouped)]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "no difference\n");
}

#[test]
fn diff_reports_each_change() {
    let new = file(
        "new.seccomp",
        "default errno(EPERM);\n\
         allow exit_group, rt_sigreturn, futex, @signal;\n\
         allow read, write, close, brk, mmap, munmap, mkdir;\n\
         abi x86_64, x32 {\n\
             allow getppid, fstat, statx, lseek;\n\
             allow openat if arg2 & O_ACCMODE == O_RDONLY;\n\
             allow fcntl if arg1 <= F_GETFL;\n\
             trap ptrace;\n\
         }\n\
         abi x86 {\n\
             allow getppid, fstat64;\n\
             allow openat if arg2 & O_ACCMODE == O_RDONLY;\n\
             allow fcntl64 if arg1 == F_GETFL;\n\
         }\n",
    );
    let output = tool(&["diff", path(&demo()), path(&new)]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let expected = format!(
        "x86_64, x32:\n  newly allowed: mkdir (errno(EPERM) -> allow)\n  action changed: ptrace \
         (kill_process -> trap)\n  conditions changed: fcntl (e.g. args [0x0, 0x0, 0x0, 0x0, 0x0, \
         0x0]: errno(EPERM) -> allow)\n      - {}:10: allow fcntl if arg1 == 3\n      + {}:7: allow \
         fcntl if arg1 <= 3\nx86:\n  newly allowed: mkdir (errno(EPERM) -> allow)\n  newly denied: \
         _llseek (allow -> errno(EPERM))\n",
        demo().display(),
        new.display()
    );
    assert_eq!(text, expected);
}

#[test]
fn diff_reports_settings_and_abis() {
    let old = file(
        "old-abis.seccomp",
        "default allow;\nabi x86_64 { errno(EPERM) mkdirat, io_uring_setup; }\n",
    );
    let new = file(
        "new-abis.seccomp",
        "default allow;\nbad_arch errno(ENOSYS);\nabi x86_64, aarch64 { errno(EPERM) mkdirat, io_uring_setup; }\n",
    );
    let output = tool(&["diff", path(&old), path(&new)]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "bad_arch: kill_process -> errno(ENOSYS)\nABI added: aarch64\n"
    );
    let bad = file(
        "diff-bad.seccomp",
        "default allow;\nabi x86_64 { allow nosuch; }\n",
    );
    let output = tool(&["diff", path(&old), path(&bad)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("error: `nosuch` is not a syscall on x86_64"));
}

#[test]
fn run_passes_the_exit_status_through() {
    let policy = file(
        "run.seccomp",
        "default allow;\nabi x86_64, x32, x86 {\n    errno(EACCES) mkdir, mkdirat, io_uring_setup;\n    kill_process ptrace;\n}\n",
    );
    let run = |command: &[&str]| {
        let mut args = vec!["run", path(&policy), "--"];
        args.extend_from_slice(command);
        tool(&args)
    };
    assert_eq!(run(&["sh", "-c", "exit 7"]).status.code(), Some(7));
    assert_eq!(
        run(&["sh", "-c", "kill -TERM $$"]).status.code(),
        Some(128 + 15)
    );
    let target = std::env::temp_dir().join(format!("seccomp-dsl-run-{}", std::process::id()));
    let denied = run(&["mkdir", path(&target)]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        stderr(&denied).contains("Permission denied"),
        "{}",
        stderr(&denied)
    );
    assert!(!target.exists());
    // Without the policy, the same command works: the filter did it.
    assert!(Command::new("mkdir")
        .arg(&target)
        .status()
        .unwrap()
        .success());
    std::fs::remove_dir(&target).unwrap();
    assert_eq!(run(&["/nonexistent/command"]).status.code(), Some(127));
    let bad = file("run-bad.seccomp", "abi x86_64 { allow read; }\n");
    let output = tool(&["run", path(&bad), "--", "true"]);
    assert_eq!(output.status.code(), Some(125));
    assert!(stderr(&output).contains("error: the policy has no default action"));
}

#[test]
fn run_names_the_signal_that_ended_the_command() {
    let policy = file(
        "run-kill.seccomp",
        "default allow;\nabi x86_64, x32, x86 {\n    kill_process mkdir, mkdirat;\n    \
         errno(ENOSYS) io_uring_setup;\n}\n",
    );
    let target = std::env::temp_dir().join(format!("seccomp-dsl-run-kill-{}", std::process::id()));
    let output = tool(&["run", path(&policy), "--", "mkdir", path(&target)]);
    assert_eq!(output.status.code(), Some(128 + 31), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .starts_with("seccomp-dsl: mkdir killed by SIGSYS: it made a syscall the policy kills"),
        "{}",
        stderr(&output)
    );
    assert!(!target.exists());
    let output = tool(&["run", path(&policy), "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(output.status.code(), Some(128 + 15));
    assert_eq!(stderr(&output), "seccomp-dsl: sh killed by SIGTERM\n");
    // A command that exits is not reported: its status says it all.
    let output = tool(&["run", path(&policy), "--", "sh", "-c", "exit 3"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(stderr(&output), "");
}

#[test]
fn a_closed_stdout_ends_the_tool_quietly() {
    use std::os::fd::FromRawFd as _;
    use std::os::unix::process::ExitStatusExt as _;

    // The read end is closed before the tool starts, so its first write meets EPIPE
    // whatever the timing (a reader closing later would let small output into the buffer).
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    unsafe { libc::close(fds[0]) };
    let write_end = unsafe { std::fs::File::from_raw_fd(fds[1]) };
    let output = Command::new(TOOL)
        .args(["explain", path(&demo()), "x86_64", "fcntl", "0", "3"])
        .stdout(write_end)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(stderr(&output), "", "no panic, no message");
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGPIPE),
        "{:?}",
        output.status
    );
}

#[test]
fn every_subcommand_reads_the_macro_form() {
    let sound = file(
        "macro.rs",
        "// as `record --format macro` writes it\nseccomp_policy! {\n    default errno(EPERM);\n    abi x86_64 {\n        allow read;\n    }\n}\n",
    );
    let output = tool(&["check", path(&sound)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = tool(&["explain", path(&sound), "x86_64", "read"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("macro.rs:5:9: `allow read`"),
        "{}",
        stdout(&output)
    );
    // Mistakes keep the file's own lines and columns.
    let bad = file(
        "macro-bad.rs",
        "seccomp_policy! {\n    default errno(EPERM);\n    abi x86_64 { allow raed; }\n};\n",
    );
    let output = tool(&["check", path(&bad)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("macro-bad.rs:3:24"),
        "{}",
        stderr(&output)
    );
}
