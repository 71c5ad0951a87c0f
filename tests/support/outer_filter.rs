//! `outer-filter COMMAND [ARG...]`: run COMMAND under one outer allow-all seccomp filter.
//!
//! Docker's and podman's default profiles load a filter before the first process of a
//! container starts, so tests there start with `Seccomp_filters: 1`, not 0. `make test-outer`
//! runs the kernel tests under this wrapper to check that none of them assumes an unfiltered
//! process. The filter is installed with raw `prctl`/`seccomp` calls, independent of the code
//! under test, and the wrapper checks that the kernel counts it before it execs COMMAND.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{exit, Command};

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: outer-filter COMMAND [ARG...]");
        exit(2);
    };
    let before = seccomp_filters();
    if let Err(err) = load_allow_all() {
        eprintln!("outer-filter: loading the filter failed: {err}");
        exit(1);
    }
    let after = seccomp_filters();
    if after != before.map(|n| n + 1) {
        eprintln!("outer-filter: Seccomp_filters went from {before:?} to {after:?}, not up by one");
        exit(1);
    }
    // exec only returns on failure.
    let err = Command::new(&program).args(args).exec();
    eprintln!("outer-filter: {}: {err}", program.to_string_lossy());
    exit(127);
}

/// One instruction, `return ALLOW`: the filter changes no syscall's outcome, only the count.
fn load_allow_all() -> io::Result<()> {
    let mut allow = [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_ALLOW,
    }];
    let program = libc::sock_fprog {
        len: 1,
        filter: allow.as_mut_ptr(),
    };
    // Without CAP_SYS_ADMIN the kernel only accepts a filter from a no-new-privs process.
    // SAFETY: plain integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `program` points at `allow`, which outlives the call; the kernel copies both.
    let loaded = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &program as *const libc::sock_fprog,
        )
    };
    if loaded != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `Seccomp_filters` of `/proc/self/status`, if the kernel reports it.
fn seccomp_filters() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Seccomp_filters:"))?
        .trim()
        .parse()
        .ok()
}
