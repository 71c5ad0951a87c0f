//! `seccomp-dsl check FILE`: every mistake in a policy file, or a one-line summary.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::exit;
use crate::input::{self, LoadError};

// The doc comment is the subcommand's `--help`.
/// Check a policy file: every mistake, rustc-style, with the source line and a caret.
///
/// Exits 1 if the policy has mistakes (or libseccomp cannot build it), 2 if the file
/// cannot be read, and 0 with a one-line summary otherwise.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The policy file: the body of a `seccomp_policy! { ... }`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// `seccomp-dsl check`: what it writes and its exit statuses are in [`CheckArgs`]'s help.
pub fn exec(args: &CheckArgs) -> ExitCode {
    let parsed = match input::policy_file(&args.file) {
        Ok(parsed) => parsed,
        Err(error) => {
            error.print();
            return ExitCode::from(match error {
                LoadError::Mistakes(_) => exit::NO,
                _ => exit::FAILED,
            });
        }
    };
    let policy = &parsed.policy;
    // The checks passed; building also asks the installed libseccomp (which may lack a
    // syscall the table knows).
    if let Err(error) = policy.build() {
        eprintln!("error: {error}\n --> {}", args.file.display());
        return ExitCode::from(exit::NO);
    }
    let abis: Vec<&str> = policy.abis().iter().map(|abi| abi.name()).collect();
    println!(
        "{}: ok: {} ABI{} ({}), {} rule{}, default {}",
        args.file.display(),
        abis.len(),
        plural(abis.len()),
        abis.join(", "),
        policy.rules().count(),
        plural(policy.rules().count()),
        policy.default_action()
    );
    ExitCode::SUCCESS
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
