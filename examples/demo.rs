//! The demo: a three-ABI policy (x86_64, x32, x86) built as one merged filter, loaded into
//! this process, and put to work.
//!
//! Run it with `make demo` (or `cargo run --example demo`).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};

use seccomp_dsl::{seccomp_policy, Policy};

/// What the demo may do after loading: print, allocate, exit, handle signals (systemd's
/// `@signal` group: its members an ABI lacks are skipped there, and the summary says which),
/// read files (read-only), and ask `fcntl` for file status flags. Everything else fails with
/// EPERM; `ptrace` kills.
pub(crate) fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        allow exit_group, rt_sigreturn, futex, @signal;
        allow read, write, close, brk, mmap, munmap;

        abi x86_64, x32 {
            allow getppid, fstat, statx, lseek;
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow fcntl if arg1 == libc::F_GETFL;
            kill_process ptrace;
        }
        abi x86 {
            allow getppid, fstat64, _llseek;
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow fcntl64 if arg1 == libc::F_GETFL;
        }
    }
}

fn seccomp_filters() -> io::Result<String> {
    let mut status = String::new();
    File::open("/proc/self/status")?.read_to_string(&mut status)?;
    Ok(status
        .lines()
        .find_map(|line| line.strip_prefix("Seccomp_filters:"))
        .unwrap_or("?")
        .trim()
        .to_owned())
}

fn show<T: std::fmt::Debug>(what: &str, result: io::Result<T>) {
    match result {
        Ok(value) => println!("  allowed  {what:<48} -> {value:?}"),
        Err(e) => println!("  denied   {what:<48} -> {e}"),
    }
}

fn fcntl(fd: i32, cmd: i32) -> io::Result<i32> {
    // SAFETY: fcntl with a query command only reads the descriptor table.
    match unsafe { libc::fcntl(fd, cmd) } {
        -1 => Err(io::Error::last_os_error()),
        value => Ok(value),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let filter = policy().build()?;

    println!("== what each ABI's filter holds, before the merge");
    for abi in filter.summary() {
        print!("{abi}");
    }
    println!("\n== the merged filter, as libseccomp's pseudo code");
    print!("{}", filter.export_pfc()?);
    println!(
        "\n== {} BPF instructions; loading with one seccomp() call",
        filter.program()?.instructions().len()
    );
    println!("Seccomp_filters before: {}", seccomp_filters()?);
    filter.load()?;
    println!("Seccomp_filters after:  {}", seccomp_filters()?);

    println!("\n== syscalls under the filter");
    // SAFETY: getppid has no arguments and cannot fail.
    show("getppid()", Ok(unsafe { libc::getppid() }));
    show("fcntl(stdout, F_GETFL)", fcntl(1, libc::F_GETFL));
    show("fcntl(stdout, F_GETFD)", fcntl(1, libc::F_GETFD));
    show(
        "open(\"/proc/self/status\", O_RDONLY)",
        File::open("/proc/self/status").map(|_| "a file"),
    );
    show(
        "open(\"/tmp/seccomp-dsl-demo\", O_WRONLY|O_CREAT)",
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open("/tmp/seccomp-dsl-demo"),
    );
    show("getpid()", {
        // SAFETY: a raw getpid; the filter answers EPERM instead of the kernel.
        let pid = unsafe { libc::syscall(libc::SYS_getpid) };
        if pid < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(pid)
        }
    });
    Ok(())
}
