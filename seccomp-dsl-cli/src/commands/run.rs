//! `seccomp-dsl run FILE -- CMD [ARGS...]`: run a command under a policy file.

use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use seccomp_runtime::CommandExt as _;

use super::CommandLine;
use crate::exit;
use crate::input;

// The doc comment is the subcommand's `--help`.
/// Run a command under a policy file: one filter, installed between fork and exec.
///
/// The command's exit status passes through (128 + the signal if a signal ended it, and a
/// line on stderr names the signal: `killed by SIGSYS` is a syscall the policy kills);
/// 125 if the policy cannot be read or built, 126 if the command cannot be run, 127 if
/// it is not found.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The policy file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    command_line: CommandLine,
}

/// `seccomp-dsl run`: what it writes and its exit statuses are in [`RunArgs`]'s help.
pub fn exec(args: &RunArgs) -> ExitCode {
    let parsed = match input::policy_file(&args.file) {
        Ok(parsed) => parsed,
        Err(error) => {
            error.print();
            return ExitCode::from(exit::TOOL_FAILED);
        }
    };
    // Generated once, here; the child only makes the install syscalls between fork and exec.
    let program = match parsed
        .policy
        .build()
        .and_then(|filter| filter.program().cloned())
    {
        Ok(program) => program,
        Err(error) => {
            eprintln!("seccomp-dsl: building {}: {error}", args.file.display());
            return ExitCode::from(exit::TOOL_FAILED);
        }
    };
    let Some((program_name, program_args)) = args.command_line.command.split_first() else {
        return ExitCode::from(exit::TOOL_FAILED);
    };
    let status = Command::new(program_name)
        .args(program_args)
        .seccomp(program)
        .status();
    match status {
        Ok(status) => {
            if let Some(signal) = status.signal() {
                eprintln!(
                    "seccomp-dsl: {} {}",
                    program_name.to_string_lossy(),
                    killed_by(signal, &args.file)
                );
            }
            ExitCode::from(exit::of_command(status))
        }
        Err(error) => {
            eprintln!(
                "seccomp-dsl: cannot run {}: {error}",
                program_name.to_string_lossy()
            );
            ExitCode::from(exit::of_spawn_error(&error))
        }
    }
}

/// How a command a signal ended is reported: `killed by SIGTERM`.
///
/// For SIGSYS this does not name the syscall. A `kill_process` or `kill_thread` action
/// delivers no signal the child could catch or a parent could read: the kernel ends the
/// process directly, and the syscall's number and ABI are only in the siginfo of a core
/// dump and in the kernel's audit record (`type=1326 ... syscall=N arch=...`). Reading them
/// back would make `run` a ptrace tracer of the command (which changes what the command
/// may do itself, e.g. be debugged) or need the privileges that reading the kernel log
/// takes; so the line says where to look instead.
fn killed_by(signal: i32, file: &Path) -> String {
    let name = exit::signal_name(signal);
    if signal == libc::SIGSYS {
        format!(
            "killed by {name}: it made a syscall the policy kills (or traps); the kernel's \
             log (`dmesg`, `journalctl -k`: `type=1326 ... syscall=N arch=...`) names it, and \
             `seccomp-dsl explain {} ABI SYSCALL` says which rule decided",
            file.display()
        )
    } else {
        format!("killed by {name}")
    }
}
