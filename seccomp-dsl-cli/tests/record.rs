//! `seccomp-dsl record`, end to end: the built binary records commands, and the policies
//! it writes are read back (with a reader of exactly the format it writes) and enforced on
//! the same commands in children. Filters are only ever installed in spawned children.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use seccomp_runtime::{arg, errno, Abi, Action, Block, CommandExt, Policy, Rule};

const RECORDER: &str = env!("CARGO_BIN_EXE_seccomp-dsl");

/// Re-executed as a probe: syscalls through the x86, x32 and x86_64 ABIs, then exit.
const PROBE_ARG: &str = "--probe-three-abis";

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("seccomp-dsl-record-{}-{name}", std::process::id()))
}

/// Record `command`; returns the recorder's output (the command's streams) and the policy.
fn record(command: &[&str], extra: &[&str], name: &str) -> (Output, String) {
    let policy = scratch(name);
    let output = Command::new(RECORDER)
        .arg("record")
        .arg("--output")
        .arg(&policy)
        .args(extra)
        .arg("--")
        .args(command)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&policy).unwrap_or_default();
    let _ = std::fs::remove_file(&policy);
    (output, text)
}

/// The recorded text as a runtime policy. Reads exactly what `record` writes: comments,
/// `default errno(EPERM);`, common rules, `abi NAME {`, `allow NAME;`,
/// `allow NAME if argN == VALUE;` and `}`; panics on anything else.
fn read_policy(text: &str) -> Policy {
    let mut policy = Policy::new(Action::Errno(errno::EPERM));
    let mut block: Option<Block> = None;
    for line in text.lines() {
        let line = line.split("//").next().unwrap().trim();
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            [] | ["seccomp_policy!", "{"] | ["default", "errno(EPERM);"] => {}
            ["abi", name, "{"] => block = Some(Block::new([Abi::from_name(name).unwrap()])),
            ["}"] => {
                if let Some(done) = block.take() {
                    policy = policy.block(done);
                }
            }
            ["allow", name] => {
                let rule = Rule::new(Action::Allow, [name.trim_end_matches(';').to_owned()]);
                match block.take() {
                    Some(b) => block = Some(b.rule(rule)),
                    None => policy = policy.rule(rule),
                }
            }
            ["allow", name, "if", argn, "==", value] => {
                let index: u8 = argn.strip_prefix("arg").unwrap().parse().unwrap();
                let value = value.trim_end_matches(';');
                let value = match value.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16).unwrap(),
                    None => value.parse().unwrap(),
                };
                let rule = Rule::new(Action::Allow, [name.to_owned()]).when(arg(index).eq(value));
                match block.take() {
                    Some(b) => block = Some(b.rule(rule)),
                    None => policy = policy.rule(rule),
                }
            }
            _ => panic!("not in the recorded format: {line:?}"),
        }
    }
    policy
}

/// Run `command` with `stdin` under `policy` (or none).
fn run(command: &[&str], policy: Option<&Policy>, stdin: &[u8]) -> Output {
    let mut child = Command::new(command[0]);
    child
        .args(&command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(policy) = policy {
        child.seccomp(policy.build().unwrap().program().unwrap().clone());
    }
    let mut child = child.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn a_recorded_pipeline_replays_and_nothing_else_runs() {
    let command = ["sh", "-c", "ls / | wc -l"];
    let plain = run(&command, None, b"");
    let (recorded, text) = record(&command, &[], "ls");
    assert_eq!(
        recorded.stdout, plain.stdout,
        "the command's output passes through"
    );
    assert_eq!(recorded.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&recorded.stderr);
    assert!(stderr.contains("policy written to"), "{stderr}");

    assert!(
        text.contains("\ndefault errno(EPERM);\n") && !text.contains("seccomp_policy!"),
        "a policy file by default:\n{text}"
    );
    // The dynamic loader's syscalls after exec are there; the recorder's hand-over and
    // filter install before it are not.
    for seen in [
        "execve",
        "arch_prctl",
        "mmap",
        "openat",
        "wait4",
        "exit_group",
    ] {
        assert!(
            text.contains(&format!("allow {seen};")),
            "{seen} in\n{text}"
        );
    }
    for unseen in ["seccomp", "sendmsg", "socketpair"] {
        assert!(
            !text.contains(&format!("allow {unseen};")),
            "{unseen} in\n{text}"
        );
    }

    let policy = read_policy(&text);
    let replayed = run(&command, Some(&policy), b"");
    assert_eq!(
        replayed.stdout,
        plain.stdout,
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    assert_eq!(replayed.status.code(), plain.status.code());

    // A syscall the recording never saw gets the default: mkdir fails with EPERM.
    let dir = scratch("mkdir");
    let made = run(&["mkdir", dir.to_str().unwrap()], Some(&policy), b"");
    assert!(!made.status.success());
    assert!(!Path::new(&dir).exists());
    assert!(
        String::from_utf8_lossy(&made.stderr).contains("Operation not permitted"),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

fn status_and_streams_pass_through() {
    let (exited, _) = record(&["sh", "-c", "echo out; echo err >&2; exit 3"], &[], "exit");
    assert_eq!(exited.status.code(), Some(3));
    assert_eq!(exited.stdout, b"out\n");
    assert!(exited.stderr.starts_with(b"err\n"));

    let (killed, text) = record(&["sh", "-c", "kill -9 $$"], &[], "kill");
    assert_eq!(killed.status.code(), Some(128 + libc::SIGKILL));
    assert!(text.contains("allow kill;"), "{text}");

    let mut cat = Command::new(RECORDER)
        .args(["record", "--output"])
        .arg(scratch("cat"))
        .args(["--", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    cat.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let cat = cat.wait_with_output().unwrap();
    let _ = std::fs::remove_file(scratch("cat"));
    assert_eq!(cat.stdout, b"hello\n");
    assert!(cat.status.success());

    let (missing, text) = record(&["/nonexistent/command"], &[], "missing");
    assert_eq!(missing.status.code(), Some(127));
    assert!(text.is_empty(), "no policy for a command that did not run");
}

/// Each ABI the command used gets its block; a syscall seen on all of them goes to the
/// common rules.
fn every_abi_is_recorded_in_its_own_block() {
    let me = std::env::current_exe().unwrap();
    let (probe, text) = record(&[me.to_str().unwrap(), PROBE_ARG], &[], "abis");
    assert!(probe.status.success());
    let common = text.split("abi ").next().unwrap();
    let block = |abi: &str| {
        let start = text
            .find(&format!("abi {abi} {{"))
            .unwrap_or_else(|| panic!("{abi}:\n{text}"));
        text[start..].split('}').next().unwrap().to_owned()
    };
    assert!(
        common.contains("allow getppid;"),
        "seen on all three ABIs:\n{text}"
    );
    assert!(block("x86").contains("allow getpid;"), "{text}");
    assert!(block("x32").contains("allow gettid;"), "{text}");
    assert!(block("x86_64").contains("allow execve;"), "{text}");
    // Read back, the policy has the three blocks.
    assert_eq!(read_policy(&text).abis().len(), 3);
}

fn with_args_small_sets_become_conditions() {
    let (done, text) = record(&["sh", "-c", "exit 0"], &["--args"], "args");
    assert!(done.status.success());
    assert!(text.contains("allow mmap if arg2 == "), "{text}");
    let policy = read_policy(&text);
    assert!(policy.violations().is_empty(), "{:?}", policy.violations());
    let replayed = run(&["sh", "-c", "exit 0"], Some(&policy), b"");
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
}

/// The tool itself, on files: its output.
fn tool(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(RECORDER).args(args).output().unwrap()
}

/// The loop a user runs: `record` writes a file that `check` and `run` read, in either
/// format, and the command runs under it as it ran without it.
fn the_recorded_file_runs_the_same_command() {
    // `ls -l /` would differ between runs (link counts under /proc).
    let command = ["ls", "-a", "/"];
    let plain = run(&command, None, b"");
    for (format, name) in [("policy", "loop.seccomp"), ("macro", "loop.rs")] {
        let file = scratch(name);
        let recorded = Command::new(RECORDER)
            .args(["record", "--format", format, "--output"])
            .arg(&file)
            .arg("--")
            .args(command)
            .output()
            .unwrap();
        assert!(recorded.status.success(), "{format}: {recorded:?}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text.contains("seccomp_policy! {"),
            format == "macro",
            "{text}"
        );

        let checked = tool(&["check".as_ref(), file.as_os_str()]);
        assert_eq!(checked.status.code(), Some(0), "{format}: {checked:?}");
        let mut args = vec!["run".as_ref(), file.as_os_str(), "--".as_ref()];
        args.extend(command.iter().map(std::ffi::OsStr::new));
        let replayed = tool(&args);
        assert_eq!(
            replayed.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&replayed.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&replayed.stdout),
            String::from_utf8_lossy(&plain.stdout),
            "{format}"
        );
        // The filter is real: a command the recording never saw is refused under it.
        let dir = scratch("loop-mkdir");
        let args = [
            "run".as_ref(),
            file.as_os_str(),
            "--".as_ref(),
            "mkdir".as_ref(),
            dir.as_os_str(),
        ];
        assert!(!tool(&args).status.success(), "{format}");
        assert!(!dir.exists());
        let _ = std::fs::remove_file(&file);
    }
}

/// Two runs that need different syscalls, merged: the policy allows both, and the first
/// run's policy alone does not allow the second.
fn two_runs_merged_allow_both() {
    let first = scratch("merge-first.seccomp");
    let merged = scratch("merge-both.seccomp");
    let dir = scratch("merge-dir");
    let dir = dir.as_os_str();
    let record = |extra: &[&std::ffi::OsStr], output: &Path, command: &[&std::ffi::OsStr]| {
        let mut args = vec!["record".as_ref(), "--output".as_ref(), output.as_os_str()];
        args.extend_from_slice(extra);
        args.push("--".as_ref());
        args.extend_from_slice(command);
        let done = tool(&args);
        assert!(done.status.success(), "{done:?}");
    };
    let under = |policy: &Path, command: &[&std::ffi::OsStr]| {
        let mut args = vec!["run".as_ref(), policy.as_os_str(), "--".as_ref()];
        args.extend_from_slice(command);
        tool(&args).status.success()
    };
    let (mkdir, rmdir) = ("mkdir".as_ref(), "rmdir".as_ref());
    record(&[], &first, &[mkdir, dir]);
    record(
        &["--merge".as_ref(), first.as_os_str()],
        &merged,
        &[rmdir, dir],
    );
    let text = std::fs::read_to_string(&merged).unwrap();
    assert!(text.contains("// from the merged policy"), "{text}");
    assert!(text.contains("merged with "), "{text}");

    assert!(
        under(&merged, &[mkdir, dir]),
        "the first run's work\n{text}"
    );
    assert!(
        !under(&first, &[rmdir, dir]),
        "the first policy lacks the second run's"
    );
    assert!(Path::new(dir).exists());
    assert!(
        under(&merged, &[rmdir, dir]),
        "the second run's work\n{text}"
    );
    assert!(!Path::new(dir).exists());
    let checked = tool(&["check".as_ref(), merged.as_os_str()]);
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");

    // A policy a recording could not have written is refused before the command runs.
    let edited = scratch("merge-edited.seccomp");
    std::fs::write(
        &edited,
        "default errno(EPERM);\nabi x86_64 { kill_process ptrace; }\n",
    )
    .unwrap();
    let mut args = vec!["record".as_ref(), "--merge".as_ref(), edited.as_os_str()];
    args.extend([
        "--output".as_ref(),
        merged.as_os_str(),
        "--".as_ref(),
        mkdir,
        dir,
    ]);
    let refused = tool(&args);
    assert_eq!(refused.status.code(), Some(125), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("kill_process ptrace"));
    assert!(!Path::new(dir).exists(), "the command did not run");
    for file in [first, merged, edited] {
        let _ = std::fs::remove_file(file);
    }
}

/// The probe: getppid through every ABI, getpid through x86 only, gettid through x32 only
/// (this kernel has no x32, so it returns ENOSYS; seccomp still sees it first).
fn probe() {
    // SAFETY: syscalls without pointer arguments.
    unsafe {
        libc::syscall(libc::SYS_getppid);
        for nr in [64u32, 20] {
            // i386 getppid and getpid through int 0x80; rbx is reserved, so it is swapped.
            let mut ret = nr;
            std::arch::asm!("xchg {b}, rbx", "int 0x80", "xchg {b}, rbx", b = inout(reg) 0u64 => _, inlateout("eax") ret);
            let _ = ret;
        }
        for nr in [110u64, 186] {
            // x32 getppid and gettid.
            let mut ret = nr | 0x4000_0000;
            std::arch::asm!("syscall", inlateout("rax") ret, lateout("rcx") _, lateout("r11") _);
            let _ = ret;
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == PROBE_ARG) {
        probe();
        return;
    }
    let tests: [(&str, fn()); 6] = [
        (
            "a_recorded_pipeline_replays_and_nothing_else_runs",
            a_recorded_pipeline_replays_and_nothing_else_runs,
        ),
        (
            "status_and_streams_pass_through",
            status_and_streams_pass_through,
        ),
        (
            "every_abi_is_recorded_in_its_own_block",
            every_abi_is_recorded_in_its_own_block,
        ),
        (
            "with_args_small_sets_become_conditions",
            with_args_small_sets_become_conditions,
        ),
        (
            "the_recorded_file_runs_the_same_command",
            the_recorded_file_runs_the_same_command,
        ),
        ("two_runs_merged_allow_both", two_runs_merged_allow_both),
    ];
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut ran = 0;
    let mut failed = Vec::new();
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let ok = std::panic::catch_unwind(test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(name);
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        println!("failures: {}", failed.join(", "));
        std::process::exit(101);
    }
}
