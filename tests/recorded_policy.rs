//! A policy written by `seccomp-dsl record -- ls /` (committed in tests/data/recorded_ls.rs)
//! compiles as is through `seccomp_policy!`, lets `ls /` run as it did when recorded, and
//! denies what the recording never saw. The recording is of this machine kind's `ls`
//! (Debian 12, glibc 2.36): re-record it after a change of distribution
//! (`cargo run -p seccomp-dsl-cli -- record -o tests/data/recorded_ls.rs -- ls /`).

mod support;

use std::process::Command;

use seccomp_dsl::{seccomp_policy, CommandExt, Policy};

fn recorded_ls() -> Policy {
    include!("data/recorded_ls.rs")
}

fn the_recorded_policy_compiles_and_runs_ls() {
    let program = recorded_ls().build().unwrap().program().unwrap().clone();
    let plain = Command::new("ls").arg("/").output().unwrap();
    let listed = Command::new("ls")
        .arg("/")
        .seccomp(program)
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(listed.stdout, plain.stdout);
}

fn what_the_recording_never_saw_is_denied() {
    let program = recorded_ls().build().unwrap().program().unwrap().clone();
    let dir = std::env::temp_dir().join(format!("seccomp-dsl-recorded-{}", std::process::id()));
    let made = Command::new("mkdir")
        .arg(&dir)
        .seccomp(program)
        .output()
        .unwrap();
    assert!(!made.status.success());
    assert!(!dir.exists());
    assert!(
        String::from_utf8_lossy(&made.stderr).contains("Operation not permitted"),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

fn main() {
    support::run(&[
        (
            "the_recorded_policy_compiles_and_runs_ls",
            the_recorded_policy_compiles_and_runs_ls,
        ),
        (
            "what_the_recording_never_saw_is_denied",
            what_the_recording_never_saw_is_denied,
        ),
    ]);
}
