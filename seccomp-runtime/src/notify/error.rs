//! What can go wrong talking to a listener.

use std::fmt;
use std::io;

/// The listener operation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotifyOp {
    /// `SECCOMP_IOCTL_NOTIF_RECV`: receiving a request.
    Recv,
    /// `SECCOMP_IOCTL_NOTIF_SEND`: answering a request.
    Send,
    /// `SECCOMP_IOCTL_NOTIF_ID_VALID`: checking a request is still pending.
    IdValid,
    /// `poll` on the listener.
    Poll,
    /// Receiving the listener from a child over the hand-over socket.
    Handoff,
}

impl fmt::Display for NotifyOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotifyOp::Recv => "ioctl(SECCOMP_IOCTL_NOTIF_RECV)",
            NotifyOp::Send => "ioctl(SECCOMP_IOCTL_NOTIF_SEND)",
            NotifyOp::IdValid => "ioctl(SECCOMP_IOCTL_NOTIF_ID_VALID)",
            NotifyOp::Poll => "poll on the listener",
            NotifyOp::Handoff => "receiving the listener from the child",
        })
    }
}

/// A failure of a [`Listener`](crate::Listener) or
/// [`ListenerHandle`](crate::ListenerHandle) operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The request is no longer pending (`ENOENT`): its thread died or was interrupted by a
    /// signal, or the request was already answered. Nothing is left to answer; a supervisor
    /// goes on with the next request.
    #[error("{op}: request {id:#x} is no longer pending (its thread died or was interrupted)")]
    TargetGone {
        /// The operation.
        op: NotifyOp,
        /// The request's id (0 when receiving: the request was withdrawn before it was read).
        id: u64,
    },
    /// The kernel refused the operation.
    #[error("{op} failed: {source}")]
    Kernel {
        /// The operation.
        op: NotifyOp,
        /// The errno the kernel returned.
        source: io::Error,
    },
    /// The child could not install its filter; it did not run the command.
    #[error("the child could not install its filter: {source}")]
    ChildInstall {
        /// The errno the child's `seccomp()` (or `prctl`) call returned.
        source: io::Error,
    },
    /// The hand-over socket closed without a listener: the child died before installing
    /// its filter, or every [`Command`](std::process::Command) that could send one is gone.
    #[error("the hand-over socket closed before a child sent its listener")]
    NoListener,
}

impl NotifyError {
    /// The errno behind the error, if there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NotifyError::TargetGone { .. } => Some(libc::ENOENT),
            NotifyError::Kernel { source, .. } | NotifyError::ChildInstall { source } => {
                source.raw_os_error()
            }
            NotifyError::NoListener => None,
        }
    }

    /// Whether the request's thread is gone, so there is nothing to answer.
    pub fn is_target_gone(&self) -> bool {
        matches!(self, NotifyError::TargetGone { .. })
    }

    /// The error of `op` on request `id` from the errno just set.
    pub(crate) fn last(op: NotifyOp, id: u64) -> NotifyError {
        let source = io::Error::last_os_error();
        match source.raw_os_error() {
            Some(libc::ENOENT) => NotifyError::TargetGone { op, id },
            _ => NotifyError::Kernel { op, source },
        }
    }
}
