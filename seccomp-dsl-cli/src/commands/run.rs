//! `seccomp-dsl run FILE -- CMD [ARGS...]`: run a command under a policy file.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use seccomp_runtime::CommandExt as _;

use super::CommandLine;
use crate::exit;
use crate::input;

// The doc comment is the subcommand's `--help`.
/// Run a command under a policy file: one filter, installed between fork and exec.
///
/// The command's exit status passes through (128 + the signal if a signal ended it);
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
        Ok(status) => ExitCode::from(exit::of_command(status)),
        Err(error) => {
            eprintln!(
                "seccomp-dsl: cannot run {}: {error}",
                program_name.to_string_lossy()
            );
            ExitCode::from(exit::of_spawn_error(&error))
        }
    }
}
