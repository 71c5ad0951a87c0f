//! Load a precompiled policy and check in the kernel that it took: `Seccomp_filters` in
//! `/proc/self/status` goes up by one and the denied syscall gets the policy's errno.
//! Exits 0 if so. Built without the runtime's `libseccomp` feature: `readelf -d` on the
//! binary shows no libseccomp (`scripts/check-precompiled.sh`).

use std::process::ExitCode;

use seccomp_dsl::seccomp_policy;

fn seccomp_filters() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Seccomp_filters:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let policy = seccomp_policy! {
        default allow;
        precompiled = true;
        abi native {
            errno(EHOSTDOWN) getppid;
            kill_process ptrace;
        }
    };
    let before = seccomp_filters();
    if let Err(e) = policy.load() {
        eprintln!("loading the precompiled policy failed: {e}");
        return ExitCode::FAILURE;
    }
    let after = seccomp_filters();
    // SAFETY: getppid takes no arguments.
    let rc = unsafe { libc::syscall(libc::SYS_getppid) };
    let errno = std::io::Error::last_os_error().raw_os_error();
    let one_more = before.zip(after).is_some_and(|(b, a)| a == b + 1);
    if one_more && rc == -1 && errno == Some(libc::EHOSTDOWN) {
        println!("precompiled policy loaded without libseccomp: one filter, getppid denied");
        ExitCode::SUCCESS
    } else {
        eprintln!("filters {before:?} -> {after:?}, getppid {rc} ({errno:?})");
        ExitCode::FAILURE
    }
}
