//! What the filter does with a syscall.

use std::fmt;

use crate::model::errno;

/// The action a filter takes for a syscall.
///
/// Displayed as the policy language spells it: `allow`, `errno(EPERM)`, `trace(7)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Let the syscall run.
    Allow,
    /// Let the syscall run and log it.
    Log,
    /// Kill the whole process, as with an uncatchable `SIGSYS`.
    KillProcess,
    /// Kill the calling thread.
    KillThread,
    /// Send a catchable `SIGSYS` to the calling thread.
    Trap,
    /// Fail the syscall with this errno (0..=4095), without running it.
    Errno(i32),
    /// Notify a `ptrace` tracer with this message.
    Trace(u16),
    /// Ask the user-space supervisor listening on the filter's notification fd.
    Notify,
}

impl Action {
    /// The errno carried by an [`Action::Errno`], if any.
    pub fn errno(self) -> Option<i32> {
        match self {
            Action::Errno(value) => Some(value),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Action::Allow => f.write_str("allow"),
            Action::Log => f.write_str("log"),
            Action::KillProcess => f.write_str("kill_process"),
            Action::KillThread => f.write_str("kill_thread"),
            Action::Trap => f.write_str("trap"),
            Action::Errno(value) => match errno::name(value) {
                Some(name) => write!(f, "errno({name})"),
                None => write!(f, "errno({value})"),
            },
            Action::Trace(message) => write!(f, "trace({message})"),
            Action::Notify => f.write_str("notify"),
        }
    }
}
