//! The listener: receive requests, check they are still pending, answer them.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::{NotifyError, NotifyOp};
use crate::model::abi::Abi;

/// The x32 ABI's bit in its syscall numbers: x32 shares x86_64's `AUDIT_ARCH`.
const X32_BIT: i32 = 0x4000_0000;

/// The notification file descriptor of one filter: whoever holds it answers the syscalls
/// the filter sends with `notify`.
///
/// While requests are pending their threads are stopped; dropping the listener makes every
/// pending and later `notify` syscall of the filter fail with `ENOSYS`.
///
/// `recv` blocks until a request arrives (the kernel ignores `O_NONBLOCK` on this ioctl):
/// for non-blocking use, [`poll`](Listener::poll) the listener or register it with your own
/// `poll`/`epoll` (it is readable when a request is pending, and reports a hang-up once no
/// process uses the filter any more), then [`try_recv`](Listener::try_recv).
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
}

/// One syscall waiting for an answer: the kernel's `struct seccomp_notif`, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The kernel's cookie for the request; answers name it.
    pub id: u64,
    /// The thread that made the syscall, in the listener's pid namespace (0 if it has no pid
    /// there). Before acting on it, check [`Listener::id_valid`]: the thread may be gone and
    /// its id reused.
    pub pid: u32,
    /// The ABI the syscall was made through; `None` for an `AUDIT_ARCH` this crate does not
    /// know.
    pub abi: Option<Abi>,
    /// The `AUDIT_ARCH_*` value of the syscall.
    pub arch: u32,
    /// The syscall number as the ABI numbers it (x32 numbers carry `0x40000000`).
    pub nr: i32,
    /// The six arguments.
    pub args: [u64; 6],
    /// Where the syscall was made from.
    pub instruction_pointer: u64,
}

impl Request {
    /// The syscall's name on its ABI, if it is known.
    pub fn syscall_name(&self) -> Option<&'static str> {
        crate::table::syscall::syscall_name(self.abi?, self.nr)
    }

    fn from_kernel(notif: &libc::seccomp_notif) -> Request {
        let data = &notif.data;
        Request {
            id: notif.id,
            pid: notif.pid,
            abi: abi_of(data.arch, data.nr),
            arch: data.arch,
            nr: data.nr,
            args: data.args,
            instruction_pointer: data.instruction_pointer,
        }
    }
}

/// The ABI of a syscall from `seccomp_data.arch` and, for x86_64 and x32 which share an
/// `AUDIT_ARCH`, the x32 bit of its number.
fn abi_of(arch: u32, nr: i32) -> Option<Abi> {
    let abi = Abi::ALL.into_iter().find(|abi| abi.audit_arch() == arch)?;
    Some(match abi {
        Abi::X86_64 | Abi::X32 if nr & X32_BIT != 0 => Abi::X32,
        Abi::X86_64 | Abi::X32 => Abi::X86_64,
        other => other,
    })
}

/// What [`Listener::poll`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// A request is pending: [`Listener::recv`] will not block (unless another thread
    /// takes it first, or its thread dies and `recv` fails with
    /// [`NotifyError::TargetGone`]).
    Pending,
    /// No process uses the filter any more: no request will ever come.
    Hangup,
    /// The timeout passed with neither.
    TimedOut,
}

impl Listener {
    /// Wait up to `timeout` (for ever with `None`) for a request or a hang-up. Interrupted
    /// waits are resumed.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Kernel`] if `poll` fails.
    pub fn poll(&self, timeout: Option<Duration>) -> Result<Readiness, NotifyError> {
        let millis = timeout.map_or(-1, |t| {
            // Round up, so that a short timeout still waits.
            i32::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX)
        });
        let mut pollfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pollfd, 1, millis) };
            if n < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(NotifyError::last(NotifyOp::Poll, 0));
            }
            // A pending request wins over a hang-up: it must still be answered.
            return Ok(if pollfd.revents & libc::POLLIN != 0 {
                Readiness::Pending
            } else if pollfd.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                Readiness::Hangup
            } else {
                Readiness::TimedOut
            });
        }
    }

    /// Receive the next request, waiting for one if none is pending.
    ///
    /// # Errors
    ///
    /// [`NotifyError::TargetGone`] if the pending request was withdrawn (its thread was
    /// killed) as it was being received: receive again. [`NotifyError::Kernel`] otherwise.
    pub fn recv(&self) -> Result<Request, NotifyError> {
        loop {
            // SAFETY: the kernel requires a zeroed `seccomp_notif` and fills it in.
            let mut notif: libc::seccomp_notif = unsafe { std::mem::zeroed() };
            // SAFETY: the ioctl writes one `seccomp_notif` through the pointer.
            let rc = unsafe {
                libc::ioctl(
                    self.fd.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_RECV,
                    &mut notif as *mut libc::seccomp_notif,
                )
            };
            if rc == 0 {
                return Ok(Request::from_kernel(&notif));
            }
            if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                return Err(NotifyError::last(NotifyOp::Recv, 0));
            }
        }
    }

    /// Receive a request if one is pending, without waiting.
    ///
    /// # Errors
    ///
    /// As [`Listener::poll`] and [`Listener::recv`].
    pub fn try_recv(&self) -> Result<Option<Request>, NotifyError> {
        match self.poll(Some(Duration::ZERO))? {
            Readiness::Pending => self.recv().map(Some),
            Readiness::Hangup | Readiness::TimedOut => Ok(None),
        }
    }

    /// Whether `request` is still pending: its thread is still stopped in the syscall, so
    /// its pid and memory are the ones the request was about. Check this after reading
    /// anything of the target (`/proc/<pid>/mem`, its fds) and before trusting it: the
    /// thread may have died and its pid been reused.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Kernel`] if the kernel refuses the check (not for a dead target: that
    /// is `Ok(false)`).
    pub fn id_valid(&self, request: &Request) -> Result<bool, NotifyError> {
        // SAFETY: the ioctl reads one u64 through the pointer.
        let rc = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
                &request.id as *const u64,
            )
        };
        if rc == 0 {
            return Ok(true);
        }
        match NotifyError::last(NotifyOp::IdValid, request.id) {
            NotifyError::TargetGone { .. } => Ok(false),
            other => Err(other),
        }
    }

    /// Answer `request`: the syscall fails with `errno` (1..=4095) without running.
    ///
    /// # Errors
    ///
    /// [`NotifyError::TargetGone`] if the request is no longer pending;
    /// [`NotifyError::Kernel`] otherwise (`EINVAL` for an errno out of range).
    pub fn respond_errno(&self, request: &Request, errno: i32) -> Result<(), NotifyError> {
        if !(1..=4095).contains(&errno) {
            return Err(NotifyError::Kernel {
                op: NotifyOp::Send,
                source: io::Error::from_raw_os_error(libc::EINVAL),
            });
        }
        self.send(request.id, 0, -errno, 0)
    }

    /// Answer `request`: the syscall returns `value` without running.
    ///
    /// # Errors
    ///
    /// As [`Listener::respond_errno`].
    pub fn respond_value(&self, request: &Request, value: i64) -> Result<(), NotifyError> {
        self.send(request.id, value, 0, 0)
    }

    /// Answer `request`: the syscall runs as if the filter had allowed it (Linux 5.5+).
    ///
    /// The kernel runs it with the arguments the thread has *now*: a supervisor must not
    /// use this to allow a call after checking arguments in the thread's memory, which
    /// another thread may change in between.
    ///
    /// # Errors
    ///
    /// As [`Listener::respond_errno`].
    pub fn respond_continue(&self, request: &Request) -> Result<(), NotifyError> {
        self.send(
            request.id,
            0,
            0,
            // u32 in the kernel's struct; libc declares the flag as c_ulong.
            libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        )
    }

    fn send(&self, id: u64, val: i64, error: i32, flags: u32) -> Result<(), NotifyError> {
        let mut resp = libc::seccomp_notif_resp {
            id,
            val,
            error,
            flags,
        };
        loop {
            // SAFETY: the ioctl reads one `seccomp_notif_resp` through the pointer.
            let rc = unsafe {
                libc::ioctl(
                    self.fd.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_SEND,
                    &mut resp as *mut libc::seccomp_notif_resp,
                )
            };
            if rc == 0 {
                return Ok(());
            }
            if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                return Err(NotifyError::last(NotifyOp::Send, id));
            }
        }
    }
}

impl From<OwnedFd> for Listener {
    /// A listener from a notification fd received some other way (from another process,
    /// `pidfd_getfd`, ...).
    fn from(fd: OwnedFd) -> Listener {
        Listener { fd }
    }
}

impl From<Listener> for OwnedFd {
    fn from(listener: Listener) -> OwnedFd {
        listener.fd
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl IntoRawFd for Listener {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl Listener {
    /// A listener owning the notification fd `fd` just returned by `seccomp()`.
    ///
    /// # Safety
    ///
    /// `fd` must be an open fd that nothing else owns.
    pub(crate) unsafe fn from_raw(fd: RawFd) -> Listener {
        // SAFETY: the caller's promise.
        Listener {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abis_from_arch_and_number() {
        let x86_64 = Abi::X86_64.audit_arch();
        assert_eq!(abi_of(x86_64, 39), Some(Abi::X86_64));
        assert_eq!(abi_of(x86_64, X32_BIT | 39), Some(Abi::X32));
        assert_eq!(abi_of(Abi::X86.audit_arch(), 20), Some(Abi::X86));
        assert_eq!(abi_of(Abi::Aarch64.audit_arch(), 172), Some(Abi::Aarch64));
        assert_eq!(abi_of(0x1234, 0), None);
    }
}
