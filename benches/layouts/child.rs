//! Forked children: install a layout, time syscalls, report through a pipe.
//!
//! Everything a child needs is built by the parent before the fork; the parent has one
//! thread, so the child may do anything, but it only installs, loops and writes. A filter
//! is never loaded into the benchmark process itself.

use std::io;
use std::time::Instant;

use seccomp_dsl::{Instruction, Program};

/// The most numbers a child reports.
pub const SLOTS: usize = 16;

/// What a child reports: numbers, in an order its caller knows.
pub type Report = [f64; SLOTS];

/// Run `body` in a forked child and return what it reported.
///
/// # Errors
///
/// The child's own error code, or how it died (a filter that kills it shows here).
pub fn run(body: impl FnOnce() -> Result<Report, i32>) -> Result<Report, String> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe2: {}", io::Error::last_os_error()));
    }
    let [read_fd, write_fd] = fds;
    // SAFETY: the benchmark has one thread, so the child is a complete copy.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", io::Error::last_os_error()));
    }
    if pid == 0 {
        // The child never returns into the parent's code: it reports and `_exit`s.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        let code = match outcome {
            Ok(Ok(report)) => {
                let bytes = report_bytes(&report);
                // SAFETY: writing a buffer we own to our pipe.
                let n = unsafe { libc::write(write_fd, bytes.as_ptr().cast(), bytes.len()) };
                if n == bytes.len() as isize {
                    0
                } else {
                    3
                }
            }
            Ok(Err(code)) => code,
            Err(_) => 101,
        };
        // SAFETY: ends the child without running the parent's destructors or atexit.
        unsafe { libc::_exit(code) }
    }
    // SAFETY: closing our copy of the write end, so that read sees EOF if the child dies.
    unsafe { libc::close(write_fd) };
    let mut bytes = [0u8; SLOTS * 8];
    let mut got = 0;
    while got < bytes.len() {
        // SAFETY: reading into the rest of a buffer we own.
        let n = unsafe { libc::read(read_fd, bytes[got..].as_mut_ptr().cast(), bytes.len() - got) };
        if n <= 0 {
            break;
        }
        got += n as usize;
    }
    // SAFETY: closing a descriptor we own.
    unsafe { libc::close(read_fd) };
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFSIGNALED(status) {
        return Err(format!("child killed by signal {}", libc::WTERMSIG(status)));
    }
    if libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "child failed with code {}",
            libc::WEXITSTATUS(status)
        ));
    }
    if got != bytes.len() {
        return Err("child reported nothing".to_owned());
    }
    let mut report = [0.0; SLOTS];
    for (slot, raw) in report.iter_mut().zip(bytes.chunks_exact(8)) {
        *slot = f64::from_ne_bytes(raw.try_into().expect("8 bytes"));
    }
    Ok(report)
}

fn report_bytes(report: &Report) -> [u8; SLOTS * 8] {
    let mut bytes = [0u8; SLOTS * 8];
    for (raw, value) in bytes.chunks_exact_mut(8).zip(report) {
        raw.copy_from_slice(&value.to_ne_bytes());
    }
    bytes
}

/// Nanoseconds since `start`.
pub fn since(start: Instant) -> f64 {
    start.elapsed().as_nanos() as f64
}

/// How a layout gets into a child.
#[derive(Clone)]
pub enum Install {
    /// Nothing: the baseline.
    Nothing,
    /// Our policy's prebuilt program, with the runtime's own raw install.
    Program(Program),
    /// Programs exported from libseccomp, installed in order with raw syscalls, as the
    /// runtime does (`prctl(PR_SET_NO_NEW_PRIVS)`, then one `seccomp()` each).
    Raw(Vec<Vec<Instruction>>),
}

impl Install {
    /// Install into the calling process: call in a child only.
    pub fn apply(&self) -> Result<(), i32> {
        match self {
            Install::Nothing => Ok(()),
            Install::Program(program) => program.install().map_err(|_| 10),
            Install::Raw(programs) => {
                // SAFETY: PR_SET_NO_NEW_PRIVS takes plain integers.
                if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
                    return Err(11);
                }
                for program in programs {
                    install_raw(program)?;
                }
                Ok(())
            }
        }
    }

    /// The programs, in load order.
    pub fn programs(&self) -> Vec<&[Instruction]> {
        match self {
            Install::Nothing => Vec::new(),
            Install::Program(program) => vec![program.instructions()],
            Install::Raw(programs) => programs.iter().map(Vec::as_slice).collect(),
        }
    }
}

fn install_raw(program: &[Instruction]) -> Result<(), i32> {
    let fprog = libc::sock_fprog {
        len: u16::try_from(program.len()).map_err(|_| 12)?,
        filter: program.as_ptr().cast_mut().cast(),
    };
    // SAFETY: `fprog` points at `len` instructions laid out as `struct sock_filter`.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(13)
    }
}
