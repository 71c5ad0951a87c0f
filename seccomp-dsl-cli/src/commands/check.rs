//! `seccomp-dsl check FILE`: every mistake in a policy file, or a one-line summary.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::policy_file::{self, LoadError};

/// `check`'s arguments.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The policy file: the body of a `seccomp_policy! { ... }`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// Exit 0 and a summary if the policy is sound and libseccomp builds it; else every
/// mistake on stderr and exit 1 (2 if the file cannot be read).
pub fn run(args: &CheckArgs) -> ExitCode {
    let parsed = match policy_file::load(&args.file) {
        Ok(parsed) => parsed,
        Err(error) => {
            error.print();
            return ExitCode::from(match error {
                LoadError::Mistakes(_) => 1,
                LoadError::Unreadable(_) => 2,
            });
        }
    };
    let policy = &parsed.policy;
    // The checks passed; building also asks the installed libseccomp (which may lack a
    // syscall the table knows).
    if let Err(error) = policy.build() {
        eprintln!("error: {error}\n --> {}", args.file.display());
        return ExitCode::from(1);
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

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
