//! The tool's exit statuses, all of them: `--help` and the tests promise these numbers, so
//! they are written once.
//!
//! Two families, because the subcommands answer two kinds of question. `check`,
//! `explain`, `diff`, `export` and `import` answer about a policy, as `diff(1)` and
//! `grep(1)` do: 0 yes, 1 no ([`NO`]), 2 could not tell ([`FAILED`]). `run` and `record`
//! stand in for the command they run, as `env(1)` and `timeout(1)` do: its own status
//! passes through ([`of_command`]), and the tool's own failures take the statuses a shell
//! leaves free for that ([`TOOL_FAILED`], [`CANNOT_RUN`], [`NOT_FOUND`]).

use std::io;
use std::os::unix::process::ExitStatusExt as _;
use std::process::{ExitCode, ExitStatus};

/// The answer is no: the policy has mistakes, the two policies differ, the filter
/// disagrees with its policy, the profile has findings, or the policy is not one OCI
/// profile exactly.
pub const NO: u8 = 1;
/// The question could not be answered: bad input, or an error.
pub const FAILED: u8 = 2;

/// The tool itself failed before the command ran, as `env` and `timeout` use it.
pub const TOOL_FAILED: u8 = 125;
/// The command was found but cannot be run, as shells use it.
pub const CANNOT_RUN: u8 = 126;
/// The command cannot be found, as shells use it.
pub const NOT_FOUND: u8 = 127;

/// The status a shell would report for a command that ended with `status`: its code, or
/// 128 + the signal that ended it.
pub fn of_command(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(u8::MAX),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(u8::MAX),
        (None, None) => u8::MAX,
    }
}

/// The status for a command that could not be started: [`NOT_FOUND`] when there is no
/// such file (`ENOENT`), [`CANNOT_RUN`] for any other reason.
pub fn of_spawn_error(error: &io::Error) -> u8 {
    match error.kind() {
        io::ErrorKind::NotFound => NOT_FOUND,
        _ => CANNOT_RUN,
    }
}

/// The name of `signal`, as `kill -l` spells it with the `SIG` prefix (`SIGSYS`), or
/// `signal N` for one without a fixed name (the real-time signals).
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}

/// Say on stderr why the question could not be answered, and exit [`FAILED`].
pub fn failed(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("seccomp-dsl: {error}");
    ExitCode::from(FAILED)
}
