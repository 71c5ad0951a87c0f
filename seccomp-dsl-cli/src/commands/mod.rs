//! One module per subcommand, as cargo's `commands/`: each holds the subcommand's clap
//! arguments and its `exec`, which does the work and chooses the exit status.

pub mod check;
pub mod diff;
pub mod explain;
pub mod export;
pub mod import;
pub mod record;
pub mod run;

use std::ffi::OsString;

/// The command `record` and `run` start: always last, so that its own flags stay its own.
#[derive(Debug, clap::Args)]
pub struct CommandLine {
    /// The command to run, and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
}
