//! Reading a policy file for a subcommand: the policy, or why not.

use std::path::Path;

use seccomp_runtime::syntax::{self, FileError, ParsedPolicy};

/// Why a policy file gives no policy.
pub enum LoadError {
    /// The policy has mistakes: each rendered as rustc renders errors.
    Mistakes(String),
    /// It could not be read at all.
    Unreadable(String),
}

impl LoadError {
    /// Print it on stderr.
    pub fn print(&self) {
        match self {
            LoadError::Mistakes(rendered) => eprint!("{rendered}"),
            LoadError::Unreadable(message) => eprintln!("seccomp-dsl: {message}"),
        }
    }
}

/// Read and check the policy file at `path`.
pub fn load(path: &Path) -> Result<ParsedPolicy, LoadError> {
    syntax::read(path).map_err(|error| match &error {
        FileError::Invalid(diagnostics) => LoadError::Mistakes(diagnostics.render()),
        _ => LoadError::Unreadable(error.to_string()),
    })
}
