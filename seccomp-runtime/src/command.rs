//! Running a child under a program: [`CommandExt`] installs it between `fork` and `exec`.

use std::os::unix::process::CommandExt as _;
use std::process::Command;

use crate::bpf::program::Program;
use crate::notify::{Handoff, ListenerHandle, NotifyError};

/// Run a [`Command`] under a seccomp filter.
///
/// ```no_run
/// use std::process::Command;
/// use seccomp_runtime::{Action, Block, CommandExt, Policy, Rule, Abi, errno};
///
/// let policy = Policy::new(Action::Allow)
///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::EACCES), ["mkdir", "mkdirat"])));
/// let program = policy.build()?.program()?.clone();
/// let status = Command::new("mkdir").arg("/tmp/denied").seccomp(program).status()?;
/// assert!(!status.success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait CommandExt {
    /// Install `program` in the child between `fork` and `exec`. The program must allow
    /// `execve` and whatever the program run needs to start. Spawning fails with `EINVAL`
    /// if the program has no block for this machine's ABI and its `bad_arch` action would stop
    /// the child's `execve`.
    fn seccomp(&mut self, program: Program) -> &mut Self;

    /// Install `program` in the child between `fork` and `exec` with a listener, and send
    /// the listener to the parent: the returned [`ListenerHandle`] receives it (one per
    /// spawn). See [`ListenerHandle`] for answering requests while spawning, which a
    /// program that notifies `execve` needs.
    ///
    /// The child sends the listener with one `sendmsg` on a socket that the program lets
    /// through without notification; that exemption stays in the filter: `sendmsg` on the
    /// native ABI with that socket's fd number (1000 or above when the fd limit allows)
    /// is allowed in the child and everything it runs. Keep the handle until spawning
    /// returned: without it the child cannot send the listener and waits for ever at its
    /// first notified syscall.
    ///
    /// # Errors
    ///
    /// [`NotifyError::Kernel`] if the socket pair cannot be made, or (`EOPNOTSUPP`) if this
    /// machine's ABI is unknown.
    fn seccomp_with_listener(&mut self, program: Program) -> Result<ListenerHandle, NotifyError>;
}

impl CommandExt for Command {
    fn seccomp(&mut self, program: Program) -> &mut Self {
        // SAFETY: the closure only makes the prctl and seccomp syscalls, reads memory that
        // was allocated before the fork, and allocates nothing: it is async-signal-safe.
        unsafe { self.pre_exec(move || program.install_in_child()) }
    }

    fn seccomp_with_listener(&mut self, program: Program) -> Result<ListenerHandle, NotifyError> {
        let (handoff, handle) = Handoff::new(&program)?;
        // SAFETY: the closure makes the prctl, seccomp and sendmsg syscalls on memory that
        // was allocated before the fork (or is on its stack), and allocates nothing.
        unsafe { self.pre_exec(move || handoff.in_child()) };
        Ok(handle)
    }
}
