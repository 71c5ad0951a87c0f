//! `seccomp-dsl run FILE -- CMD [ARGS...]`: run a command under a policy file.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use seccomp_runtime::CommandExt as _;

use crate::record::supervise::Status;
use crate::{policy_file, CANNOT_RUN, NOT_FOUND, TOOL_FAILED};

/// `run`'s arguments.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The policy file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The command to run, and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<OsString>,
}

/// The command's exit status (128 + the signal if a signal ended it); 125 if the policy
/// cannot be read or built, 126 if the command cannot be run, 127 if it is not found.
pub fn run(args: &RunArgs) -> ExitCode {
    let parsed = match policy_file::load(&args.file) {
        Ok(parsed) => parsed,
        Err(error) => {
            error.print();
            return ExitCode::from(TOOL_FAILED);
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
            return ExitCode::from(TOOL_FAILED);
        }
    };
    let Some((program_name, program_args)) = args.command.split_first() else {
        return ExitCode::from(TOOL_FAILED);
    };
    let status = Command::new(program_name)
        .args(program_args)
        .seccomp(program)
        .status();
    match status {
        Ok(status) => ExitCode::from(Status(status).shell_code()),
        Err(error) => {
            eprintln!(
                "seccomp-dsl: cannot run {}: {error}",
                program_name.to_string_lossy()
            );
            ExitCode::from(match error.kind() {
                io::ErrorKind::NotFound => NOT_FOUND,
                _ => CANNOT_RUN,
            })
        }
    }
}
