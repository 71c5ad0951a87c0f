//! Installing a program: `prctl(PR_SET_NO_NEW_PRIVS)` and one `seccomp()` call, with no
//! allocation, so that it can run between `fork` and `exec`.

use std::io;
use std::os::fd::RawFd;

use super::program::Program;
use crate::error::{Error, LoadStep, Result};
use crate::notify::Listener;

impl Program {
    /// Install the program in the calling thread (every thread, with `tsync`): one
    /// `seccomp()` call, after `prctl(PR_SET_NO_NEW_PRIVS)` if the policy asks for it.
    ///
    /// # Errors
    ///
    /// [`Error::Load`] with the step and the kernel's errno, [`Error::ThreadSync`],
    /// [`Error::NativeAbiMissing`] for a program that would stop this process's every
    /// syscall, or [`Error::TooLong`] for a program longer than the kernel takes; in all
    /// cases no filter was installed.
    pub fn install(&self) -> Result<()> {
        match self.install_raw(self.flags)? {
            0 => Ok(()),
            tid => Err(Error::ThreadSync {
                tid: i32::try_from(tid).unwrap_or(i32::MAX),
            }),
        }
    }

    /// Install the program as [`Program::install`] does, with a listener
    /// (`SECCOMP_FILTER_FLAG_NEW_LISTENER`): the returned [`Listener`] answers the syscalls
    /// the program sends with `notify`. The kernel hands out one listener per filter, so
    /// this is the only chance to get it.
    ///
    /// A program whose `notify` rules catch a syscall this thread (or, with `tsync`, another
    /// thread) makes next waits for an answer: receive and answer on a thread that the
    /// program does not stop, or in another process the listener is sent to.
    ///
    /// # Errors
    ///
    /// As [`Program::install`], except that with `tsync` a thread that cannot be
    /// synchronised gives [`Error::Load`] with `ESRCH` (the kernel cannot return both a
    /// thread id and a listener, so `SECCOMP_FILTER_FLAG_TSYNC_ESRCH` is set, Linux 5.7+).
    pub fn install_with_listener(&self) -> Result<Listener> {
        let fd = self.install_raw(listener_flags(self.flags))?;
        let fd = RawFd::try_from(fd).map_err(|_| Error::Load {
            step: LoadStep::Seccomp,
            source: io::Error::from_raw_os_error(libc::EBADF),
        })?;
        // SAFETY: with NEW_LISTENER, seccomp() returned a new fd that nothing else owns.
        Ok(unsafe { Listener::from_raw(fd) })
    }

    /// The install itself: no allocation, so that it can run between `fork` and `exec`.
    /// Returns what `seccomp()` returned: 0, the thread that failed to synchronise, or the
    /// listener.
    fn install_raw(&self, flags: libc::c_ulong) -> Result<i64, Error> {
        if let Some((native, action)) = self.stranded {
            return Err(Error::NativeAbiMissing { native, action });
        }
        // Checked before anything changes, so that too long a program leaves no trace
        // (not even no-new-privs).
        self.check_length()?;
        let load = |step| Error::Load {
            step,
            source: io::Error::last_os_error(),
        };
        if self.no_new_privs {
            // SAFETY: PR_SET_NO_NEW_PRIVS takes plain integers.
            if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
                return Err(load(LoadStep::NoNewPrivs));
            }
        }
        let Ok(len) = u16::try_from(self.instructions.len()) else {
            // Unreachable: `check_length` keeps the length at 4096 or below.
            return Err(Error::TooLong {
                instructions: self.instructions.len(),
                limit: Program::MAX_LEN,
            });
        };
        let fprog = libc::sock_fprog {
            len,
            // The kernel only reads through this pointer; `Instruction` is `sock_filter`.
            filter: self.instructions.as_ptr().cast_mut().cast(),
        };
        // SAFETY: `fprog` points at `len` valid instructions that outlive the call.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &fprog as *const libc::sock_fprog,
            )
        };
        if rc < 0 {
            Err(load(LoadStep::Seccomp))
        } else {
            Ok(rc)
        }
    }

    /// What runs in the child: a child has one thread, so thread sync is dropped.
    pub(crate) fn install_in_child(&self) -> io::Result<()> {
        self.install_raw_in_child(self.flags).map(drop)
    }

    /// As `install_in_child`, with a listener: returns it. No allocation.
    pub(crate) fn install_listener_in_child(&self) -> io::Result<RawFd> {
        let fd = self.install_raw_in_child(listener_flags(self.flags))?;
        RawFd::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))
    }

    fn install_raw_in_child(&self, flags: libc::c_ulong) -> io::Result<i64> {
        match self.install_raw(flags & !libc::SECCOMP_FILTER_FLAG_TSYNC) {
            Ok(rc) => Ok(rc),
            Err(Error::Load { source, .. }) => Err(source),
            // The child would die at its `execve`, or the kernel would refuse the program
            // with EINVAL; spawn fails instead (std reports it).
            Err(_) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        }
    }
}

/// `flags` for an install that returns a listener. The kernel returns either a thread id
/// (thread sync failed) or a listener from one call, so with thread sync it wants
/// `SECCOMP_FILTER_FLAG_TSYNC_ESRCH` too, else it refuses with `EINVAL`.
fn listener_flags(flags: libc::c_ulong) -> libc::c_ulong {
    let mut flags = flags | libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if flags & libc::SECCOMP_FILTER_FLAG_TSYNC != 0 {
        flags |= libc::SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    flags
}
