//! `seccomp-dsl`: the command-line tool of seccomp-dsl.
//!
//! `seccomp-dsl record [--output FILE] [--args] -- CMD [ARGS...]` runs CMD, everything it
//! starts and every thread of it under a filter that asks this tool about every syscall
//! (seccomp user notification; no root and no ptrace needed), lets each one run, and
//! writes a `seccomp_policy! { ... }` that allows exactly what it saw.
//!
//! `check`, `explain`, `diff` and `run` work on policy files: the body of a
//! `seccomp_policy! { ... }`, read with the macro's own parser and checks. `export` and
//! `import` turn a policy into a BPF program, libseccomp pseudo code or an OCI profile,
//! and an OCI or Docker profile into a policy.
//!
//! This file only parses the command line and dispatches: each subcommand is in
//! `commands/`, reading its input through `input`, with its exit statuses from `exit`.
#![deny(missing_docs)]

mod commands;
mod exit;
mod input;
mod oci;
mod record;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{check, diff, explain, export, import, record as record_cmd, run};

/// Tools for seccomp-dsl policies.
#[derive(Debug, Parser)]
#[command(name = "seccomp-dsl", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

/// The subcommands; each one's help is on its arguments, in `commands/`.
#[derive(Debug, Subcommand)]
enum Commands {
    Record(record_cmd::RecordArgs),
    Check(check::CheckArgs),
    Explain(explain::ExplainArgs),
    Diff(diff::DiffArgs),
    Run(run::RunArgs),
    Export(export::ExportArgs),
    Import(import::ImportArgs),
}

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    match Cli::parse().command {
        Commands::Record(args) => record_cmd::exec(&args),
        Commands::Check(args) => check::exec(&args),
        Commands::Explain(args) => explain::exec(&args),
        Commands::Diff(args) => diff::exec(&args),
        Commands::Run(args) => run::exec(&args),
        Commands::Export(args) => export::exec(&args),
        Commands::Import(args) => import::exec(&args),
    }
}

/// Restore the default action of SIGPIPE, so that writing to a closed pipe
/// (`seccomp-dsl explain ... | head -1`) ends the tool quietly, as it ends `cat` or `grep`.
///
/// Rust starts every program with SIGPIPE ignored, so such a write fails with EPIPE
/// instead, and `println!` panics on it. Every subcommand prints with `println!`; ending
/// on the signal covers all of them, and a shell reports nothing for it (status 141). The
/// commands `run` and `record` start get the default action back anyway (the standard
/// library restores it in a child before exec), so this changes nothing for them.
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: `signal` with SIG_DFL installs no handler; it runs before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
