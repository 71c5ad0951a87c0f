//! Running a command under a filter that notifies every syscall, and counting them.

use std::ffi::OsString;
use std::io;
use std::process::{Command, ExitStatus};
use std::thread;

use seccomp_runtime::{
    Abi, Action, Block, CommandExt, ListenerHandle, NotifyError, Policy, Readiness,
};

use super::recording::Recording;

/// What went wrong recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The notify-everything filter could not be built.
    #[error("building the recording filter failed: {0}")]
    Filter(#[from] seccomp_runtime::Error),
    /// Setting up or using the listener failed.
    #[error("recording failed: {0}")]
    Notify(#[from] NotifyError),
    /// The command could not be started.
    #[error("cannot run {command}: {source}")]
    Spawn {
        /// The command, as given.
        command: String,
        /// Why.
        source: io::Error,
    },
    /// Waiting for the command failed.
    #[error("waiting for the command failed: {0}")]
    Wait(io::Error),
    /// The thread answering the command's syscalls panicked.
    #[error("the recording thread stopped unexpectedly")]
    Supervisor,
}

impl RecordError {
    /// Why the command could not be started, if that is what went wrong: shells turn it
    /// into 126 or 127, where the tool's own failures are 125.
    pub fn spawn_error(&self) -> Option<&io::Error> {
        match self {
            RecordError::Spawn { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The ABIs a kernel of this machine's kind accepts: all of them are recorded, and the
/// ones the command does not use stay out of the policy (their syscalls get the bad_arch
/// action).
fn recorded_abis() -> Vec<Abi> {
    match Abi::native() {
        Some(Abi::X86_64) => vec![Abi::X86_64, Abi::X86, Abi::X32],
        Some(Abi::Aarch64) => vec![Abi::Aarch64, Abi::Arm],
        Some(native) => vec![native],
        None => Vec::new(),
    }
}

/// Run `command` under the notify-everything filter; every syscall is let through and
/// counted. Returns once every process of the command has exited.
pub fn record(
    command: &[OsString],
    with_args: bool,
) -> Result<(Recording, ExitStatus), RecordError> {
    let policy = recorded_abis()
        .into_iter()
        .fold(Policy::new(Action::Notify), |policy, abi| {
            policy.block(Block::new([abi]))
        });
    let program = policy.build()?.program()?.clone();
    let (program_name, arguments) = command.split_first().ok_or_else(|| RecordError::Spawn {
        command: String::new(),
        source: io::Error::from_raw_os_error(libc::ENOENT),
    })?;
    let mut child = Command::new(program_name);
    child.args(arguments);
    let handle = child.seccomp_with_listener(program)?;
    // The child's execve waits for an answer while spawn waits for the execve: the
    // answers come from another thread.
    let supervisor = thread::spawn(move || supervise(&handle, with_args));
    let spawned = child.spawn();
    // Drop the command, and with it the parent's copy of the hand-over socket's child
    // end: if no child ever sends a listener, the supervisor then stops waiting.
    drop(child);
    let status = match spawned {
        Ok(mut running) => {
            ignore_terminal_signals();
            running.wait().map_err(RecordError::Wait)
        }
        Err(source) => Err(RecordError::Spawn {
            command: program_name.to_string_lossy().into_owned(),
            source,
        }),
    };
    let recording = supervisor.join().map_err(|_| RecordError::Supervisor);
    let status = status?;
    Ok((recording??, status))
}

/// While the command runs in the foreground, Ctrl-C and Ctrl-\ are for it (the terminal
/// sends them to both): the recorder stays, to write what it saw, as shells do while they
/// wait for a command. Set after the spawn, so the command keeps the default handlers.
fn ignore_terminal_signals() {
    for signal in [libc::SIGINT, libc::SIGQUIT] {
        // SAFETY: SIG_IGN is a valid disposition for these signals.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
}

/// Receive the child's listener, then answer every request with "continue" until no
/// process uses the filter any more.
fn supervise(handle: &ListenerHandle, with_args: bool) -> Result<Recording, NotifyError> {
    let listener = handle.recv()?;
    let mut recording = Recording::default();
    loop {
        match listener.poll(None)? {
            Readiness::Pending => {}
            Readiness::Hangup => return Ok(recording),
            Readiness::TimedOut => continue,
        }
        let request = match listener.recv() {
            Ok(request) => request,
            Err(e) if e.is_target_gone() => continue,
            Err(e) => return Err(e),
        };
        // Answer first: the thread waits until then.
        match listener.respond_continue(&request) {
            Ok(()) => {}
            Err(e) if e.is_target_gone() => {}
            Err(e) => return Err(e),
        }
        // The filter only has sections for the recorded ABIs, so the ABI is known.
        if let Some(abi) = request.abi {
            recording.add(abi, &request, with_args);
        }
    }
}
