//! Support for kernel-verified tests: run a probe in a forked child under a filter and
//! report what the kernel did to it.
//!
//! Test binaries that load filters are `harness = false`: their main thread is the only
//! thread, so a forked child may allocate, build policies and start threads without
//! inheriting a lock some other harness thread held at the fork. Filters are only ever
//! loaded in those children, never in the test process itself.
#![allow(dead_code)] // each test binary uses part of it

use std::panic::{self, AssertUnwindSafe};

use seccomp_dsl::Policy;

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `_exit(code)`.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

/// The exit code of a child whose filter could not be installed.
pub const INSTALL_FAILED: i32 = 254;

/// Fork; the child runs `probe` and exits with what it returns. Waits for the child.
pub fn in_child(probe: impl FnOnce() -> i32) -> Outcome {
    // SAFETY: the test process is single-threaded (harness = false), so the child is a
    // full copy that can run any code.
    match unsafe { libc::fork() } {
        -1 => panic!("fork: {}", std::io::Error::last_os_error()),
        0 => {
            let code = panic::catch_unwind(AssertUnwindSafe(probe)).unwrap_or(253);
            // SAFETY: ends the child without running the parent's exit handlers twice.
            unsafe { libc::_exit(code) }
        }
        pid => wait(pid),
    }
}

/// Build `policy`, then in a child load it and run `probe` under it.
pub fn under(policy: &Policy, probe: impl FnOnce() -> i32) -> Outcome {
    let filter = policy.build().expect("the policy builds");
    // Generated before the fork, so the child only makes the install syscalls.
    filter.program().expect("the program exports");
    in_child(|| match filter.load() {
        Ok(()) => probe(),
        Err(_) => INSTALL_FAILED,
    })
}

/// A child that exited with `code`.
pub fn exited(code: i32) -> Outcome {
    Outcome::Exited(code)
}

fn wait(pid: libc::pid_t) -> Outcome {
    let mut status = 0;
    // SAFETY: `pid` is our child and `status` is a valid out pointer.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid, "waitpid: {}", std::io::Error::last_os_error());
    if libc::WIFSIGNALED(status) {
        Outcome::Signaled(libc::WTERMSIG(status))
    } else {
        Outcome::Exited(libc::WEXITSTATUS(status))
    }
}

/// 0 if the raw return value `ret` is a success, else its errno.
fn errno_of(ret: i64) -> i32 {
    if (-4095..0).contains(&ret) {
        -ret as i32
    } else {
        0
    }
}

/// An x86_64 syscall: 0 on success, else the errno.
pub fn x86_64(nr: i64, args: [u64; 3]) -> i32 {
    // SAFETY: the probes only make syscalls whose arguments are plain integers or invalid
    // file descriptors.
    let ret = unsafe { libc::syscall(nr, args[0], args[1], args[2]) };
    if ret == -1 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    } else {
        0
    }
}

/// A 32-bit x86 syscall through `int 0x80` (i386 numbers): 0 on success, else the errno.
pub fn x86(nr: u32, args: [u32; 3]) -> i32 {
    let ret: u32;
    // SAFETY: as for `x86_64`. LLVM reserves rbx, so the first argument is swapped into it
    // around the trap; a 64-bit xchg keeps the upper half of rbx intact.
    unsafe {
        std::arch::asm!(
            "xchg {b}, rbx",
            "int 0x80",
            "xchg {b}, rbx",
            b = inout(reg) u64::from(args[0]) => _,
            inlateout("eax") nr => ret,
            in("ecx") args[1],
            in("edx") args[2],
        );
    }
    errno_of(i64::from(ret as i32))
}

/// An x32 syscall: `nr` is the x32 number without the `0x40000000` bit. 0 on success, else
/// the errno.
pub fn x32(nr: u64, args: [u64; 3]) -> i32 {
    let ret: i64;
    // SAFETY: as for `x86_64`.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr | 0x4000_0000 => ret,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    errno_of(ret)
}

/// `Seccomp_filters` of `/proc/self/status` (`thread-self` for the calling thread), read
/// without allocating, so that it works under a filter that allows only open, read, close.
pub fn seccomp_filters(thread: bool) -> i32 {
    let path: &[u8] = if thread {
        b"/proc/thread-self/status\0"
    } else {
        b"/proc/self/status\0"
    };
    filters_in(path, false)
}

/// `Seccomp_filters` of `/proc/self/status`, read with `pread64` instead of `read`: for a
/// child whose filter denies `read`.
pub fn seccomp_filters_by_pread() -> i32 {
    filters_in(b"/proc/self/status\0", true)
}

fn filters_in(path: &[u8], pread: bool) -> i32 {
    let mut buf = [0u8; 8192];
    // SAFETY: the path is NUL-terminated and `buf` is valid for its length.
    let len = unsafe {
        let fd = libc::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return -1;
        }
        let mut len = 0;
        loop {
            let (at, room) = (buf[len..].as_mut_ptr().cast(), buf.len() - len);
            let n = if pread {
                libc::pread(fd, at, room, len as libc::off_t)
            } else {
                libc::read(fd, at, room)
            };
            if n <= 0 {
                break;
            }
            len += n as usize;
        }
        libc::close(fd);
        len
    };
    let key = b"Seccomp_filters:";
    let Some(at) = buf[..len].windows(key.len()).position(|w| w == key) else {
        return -1;
    };
    buf[at + key.len()..len]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .fold(0, |n, b| n * 10 + i32::from(b - b'0'))
}

/// Run `tests` one after another, each caught on panic, and print a summary line the
/// way test runners do. Arguments that are not flags select tests by substring.
pub fn run(tests: &[(&str, fn())]) {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let selected: Vec<_> = tests
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut failed = Vec::new();
    for (name, test) in &selected {
        let ok = panic::catch_unwind(*test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(*name);
        }
    }
    let passed = selected.len() - failed.len();
    println!();
    if !failed.is_empty() {
        println!("failures: {}", failed.join(", "));
    }
    println!(
        "test result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; {} filtered out\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        tests.len() - selected.len()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
