//! Running a command under a filter that notifies every syscall, and counting them.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};
use std::thread;

use seccomp_runtime::{
    multiplexer, syscall_name, Abi, Action, Block, CommandExt, ListenerHandle, NotifyError, Policy,
    Readiness, Request,
};

use super::args::{condition_arg, MAX_VALUES};

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
    /// The errno of a failed start of the command, which shells turn into 126 or 127.
    pub fn spawn_errno(&self) -> Option<i32> {
        match self {
            RecordError::Spawn { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

/// Everything seen: per ABI and syscall number, how often, and the recorded argument.
#[derive(Debug, Default)]
pub struct Recording {
    /// Keyed by ABI and the syscall's number on it.
    pub seen: BTreeMap<(Abi, i32), Seen>,
}

/// One syscall of one ABI.
#[derive(Debug)]
pub struct Seen {
    /// How many times it was made.
    pub count: u64,
    /// The argument recorded with `--args`, and its values with their counts; `None` once
    /// it had more than [`MAX_VALUES`] values.
    pub values: Option<(u8, Option<BTreeMap<u64, u64>>)>,
}

impl Recording {
    fn add(&mut self, abi: Abi, request: &Request, with_args: bool) {
        let seen = self.seen.entry((abi, request.nr)).or_insert_with(|| Seen {
            count: 0,
            // Looked up once per syscall: the name is needed to pick the argument.
            values: with_args
                .then(|| recorded_arg(abi, request.nr))
                .flatten()
                .map(|arg| (arg, Some(BTreeMap::new()))),
        });
        seen.count += 1;
        if let Some((arg, Some(values))) = &mut seen.values {
            *values.entry(request.args[usize::from(*arg)]).or_default() += 1;
            if values.len() > MAX_VALUES {
                seen.values = seen.values.take().map(|(arg, _)| (arg, None));
            }
        }
    }

    /// How many distinct syscalls (per ABI) were seen.
    pub fn distinct(&self) -> usize {
        self.seen.len()
    }

    /// The ABIs seen, in order.
    pub fn abis(&self) -> Vec<Abi> {
        let mut abis: Vec<Abi> = self.seen.keys().map(|(abi, _)| *abi).collect();
        abis.dedup();
        abis
    }

    /// The ABIs seen, as a comma-separated list.
    pub fn abi_list(&self) -> String {
        let names: Vec<&str> = self.abis().into_iter().map(Abi::name).collect();
        names.join(", ")
    }
}

/// The argument `--args` records for syscall `nr` of `abi`, if any. None for a syscall that
/// the ABI also reaches through `socketcall`/`ipc`: a filter cannot check those arguments.
fn recorded_arg(abi: Abi, nr: i32) -> Option<u8> {
    let name = syscall_name(abi, nr)?;
    if multiplexer(abi, name).is_some() {
        return None;
    }
    condition_arg(name)
}

/// How a command ended (`record`'s and `run`'s).
#[derive(Debug, Clone, Copy)]
pub struct Status(pub ExitStatus);

impl Status {
    /// The exit status a shell would report: the code, or 128 + the signal.
    pub fn shell_code(self) -> u8 {
        match (self.0.code(), self.0.signal()) {
            (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(u8::MAX),
            (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(u8::MAX),
            (None, None) => u8::MAX,
        }
    }

    /// "exit status 0", "killed by signal 9".
    pub fn describe(self) -> String {
        match (self.0.code(), self.0.signal()) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "ended".to_owned(),
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
pub fn record(command: &[OsString], with_args: bool) -> Result<(Recording, Status), RecordError> {
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
    Ok((recording??, Status(status)))
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
