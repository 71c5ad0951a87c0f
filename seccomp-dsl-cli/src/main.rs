//! `seccomp-dsl`: the command-line tool of seccomp-dsl.
//!
//! `seccomp-dsl record [--output FILE] [--args] -- CMD [ARGS...]` runs CMD, everything it
//! starts and every thread of it under a filter that asks this tool about every syscall
//! (seccomp user notification; no root and no ptrace needed), lets each one run, and
//! writes a `seccomp_policy! { ... }` that allows exactly what it saw.
//!
//! `check`, `explain`, `diff` and `run` work on policy files: the body of a
//! `seccomp_policy! { ... }`, read with the macro's own parser and checks.
#![deny(missing_docs)]

mod commands;
mod input;
mod oci;
mod policy_file;
mod record;

use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{check, diff, explain, export, run};

/// Tools for seccomp-dsl policies.
#[derive(Debug, Parser)]
#[command(name = "seccomp-dsl", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Commands {
    /// Run a command and write the policy that allows exactly the syscalls it made.
    ///
    /// The command, everything it forks or executes and all their threads run under a
    /// filter that notifies this tool of every syscall on every ABI the kernel accepts
    /// (x86_64, x86 and x32 on x86-64); each syscall is let through unchanged. The
    /// command's standard streams and exit status are its own (death by a signal exits
    /// 128 + the signal, as shells do); the policy goes to FILE, and a line on stderr says
    /// so. Recording ends when every process of the command has exited.
    Record(RecordArgs),
    /// Check a policy file: every mistake, rustc-style, with the source line and a caret.
    ///
    /// Exits 1 if the policy has mistakes (or libseccomp cannot build it), 2 if the file
    /// cannot be read, and 0 with a one-line summary otherwise.
    Check(check::CheckArgs),
    /// Explain what a policy file does with one syscall: the action, the rule that decides
    /// it (file:line, and the group the syscall comes from), the same from the built
    /// filter's simulated BPF, and the BPF instructions that run.
    ///
    /// Exits 0 when the policy and its filter agree, 1 when they do not, 2 on bad input.
    Explain(explain::ExplainArgs),
    /// Compare two policy files by what they do, per ABI: syscalls newly allowed, newly
    /// denied, with another action or other conditions; ABIs added or removed; changed
    /// settings. Order and grouping do not count.
    ///
    /// Exits 0 when they do the same, 1 when they differ, 2 on bad input.
    Diff(diff::DiffArgs),
    /// Run a command under a policy file: one filter, installed between fork and exec.
    ///
    /// The command's exit status passes through (128 + the signal if a signal ended it);
    /// 125 if the policy cannot be read or built, 126 if the command cannot be run, 127 if
    /// it is not found.
    Run(run::RunArgs),
    /// Write a policy as a raw BPF program, libseccomp pseudo code or an OCI profile.
    ///
    /// `--format oci` writes the OCI runtime-spec `linux.seccomp` object that runc and
    /// crun build the same filter from, or refuses (exit 1) a policy whose blocks give one
    /// syscall different rules on ABIs that all have it, naming the syscall and the ABIs.
    /// Exit status: 0 written, 1 refused as not one OCI profile exactly, 2 on error.
    Export(export::ExportArgs),
    /// Read an OCI or Docker seccomp profile and write it as a policy file.
    ///
    /// The policy goes to standard output; what in the profile is ambiguous, dead or
    /// weaker than written goes to standard error. Exit status: 0 clean, 1 with findings,
    /// 2 on error.
    Import(export::ImportArgs),
}

/// `record`'s arguments.
#[derive(Debug, clap::Args)]
struct RecordArgs {
    /// Where to write the policy (overwritten).
    #[arg(short, long, value_name = "FILE", default_value = "seccomp-policy.rs")]
    output: PathBuf,
    /// Record the values of a syscall's command or flags argument (fcntl's cmd, ioctl's
    /// request, ...) as conditions, when a run saw at most 8 distinct values of it.
    #[arg(long)]
    args: bool,
    /// The command to run, and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<OsString>,
}

/// Exit status when the tool itself fails, as `env` and `timeout` use it.
const TOOL_FAILED: u8 = 125;
/// Exit status when the command cannot be found, as shells use it.
const NOT_FOUND: u8 = 127;
/// Exit status when the command cannot be run, as shells use it.
const CANNOT_RUN: u8 = 126;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Commands::Record(args) => record_command(&args),
        Commands::Check(args) => check::run(&args),
        Commands::Explain(args) => explain::run(&args),
        Commands::Diff(args) => diff::run(&args),
        Commands::Run(args) => run::run(&args),
        Commands::Export(args) => export::export_command(&args),
        Commands::Import(args) => export::import_command(&args),
    }
}

fn record_command(args: &RecordArgs) -> ExitCode {
    let (recording, status) = match record::supervise::record(&args.command, args.args) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("seccomp-dsl: {e}");
            return ExitCode::from(match e.spawn_errno() {
                Some(libc::ENOENT) => NOT_FOUND,
                Some(_) => CANNOT_RUN,
                None => TOOL_FAILED,
            });
        }
    };
    let text = record::render::render(&recording, &args.command, status.describe());
    if let Err(e) = fs::write(&args.output, text) {
        eprintln!(
            "seccomp-dsl: writing the policy to {} failed: {e}",
            args.output.display()
        );
        return ExitCode::from(TOOL_FAILED);
    }
    eprintln!(
        "seccomp-dsl: recorded {} syscalls ({}); policy written to {}",
        recording.distinct(),
        recording.abi_list(),
        args.output.display()
    );
    ExitCode::from(status.shell_code())
}
