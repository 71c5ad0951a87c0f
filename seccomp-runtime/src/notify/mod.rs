//! User notification: a supervisor answers the syscalls a filter sends to it.
//!
//! A filter whose action is `notify` (`SECCOMP_RET_USER_NOTIF`, Linux 5.0+) stops the
//! calling thread and queues a request on the filter's *listener*, a file descriptor the
//! kernel hands out once, when the filter is installed with
//! `SECCOMP_FILTER_FLAG_NEW_LISTENER`. The supervisor holding it receives each request
//! and answers it with an errno, a return value, or "continue" (run the syscall as if
//! allowed, Linux 5.5+).
//!
//! - [`Program::install_with_listener`](crate::Program::install_with_listener) (and
//!   [`Filter::load_with_listener`](crate::Filter::load_with_listener)) install in the
//!   calling process and return the [`Listener`].
//! - [`CommandExt::seccomp_with_listener`](crate::CommandExt::seccomp_with_listener)
//!   installs in a child between `fork` and `exec` and hands the listener to the parent
//!   through a [`ListenerHandle`].
//!
//! The ioctls, structures and flags are the kernel's, from
//! `include/uapi/linux/seccomp.h`, as the `libc` crate (0.2.150+) declares them.

mod error;
mod handoff;
mod listener;

pub use error::{NotifyError, NotifyOp};
pub(crate) use handoff::Handoff;
pub use handoff::ListenerHandle;
pub use listener::{Listener, Readiness, Request};
