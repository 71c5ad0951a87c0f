//! Reading what a subcommand is given, with one error for every way that fails.
//!
//! Three readers, one per thing a user can hand the tool: a policy file (the body of a
//! `seccomp_policy! { ... }`, read by the macro's own parser and checks, with the
//! positions of its rules), a policy in either form (`export` also takes an OCI or
//! Docker profile), and an OCI or Docker profile (`import`).

use std::path::Path;

use seccomp_runtime::syntax::{self, FileError, ParsedPolicy};
use seccomp_runtime::Policy;

use crate::oci;
use crate::oci::import::{ImportError, Imported};
use crate::oci::profile::{Assume, ProfileError};

/// Why a subcommand's input gives no policy.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A policy file with mistakes: every one, rendered as rustc renders errors.
    #[error("{}", .0.trim_end())]
    Mistakes(String),
    /// A policy file that cannot be read, or is too large to.
    #[error(transparent)]
    PolicyFile(FileError),
    /// A profile that cannot be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A profile that is not JSON, or not a seccomp profile.
    #[error("{path}: {source}")]
    Profile {
        /// The file.
        path: String,
        /// What went wrong.
        source: ProfileError,
    },
    /// A profile that cannot be imported.
    #[error("{path}: {source}")]
    Import {
        /// The file.
        path: String,
        /// What went wrong.
        source: ImportError,
    },
}

impl LoadError {
    /// Print it on stderr: mistakes as rustc prints them (they name the file themselves),
    /// anything else as one line of the tool's.
    pub fn print(&self) {
        match self {
            LoadError::Mistakes(rendered) => eprint!("{rendered}"),
            other => eprintln!("seccomp-dsl: {other}"),
        }
    }
}

/// Read and check the policy file at `path`.
///
/// # Errors
///
/// [`LoadError::Mistakes`] or [`LoadError::PolicyFile`].
pub fn policy_file(path: &Path) -> Result<ParsedPolicy, LoadError> {
    syntax::read(path).map_err(|error| match error.diagnostics() {
        Some(diagnostics) => LoadError::Mistakes(diagnostics.render()),
        None => LoadError::PolicyFile(error),
    })
}

/// The policy in `path`: a `*.json` OCI or Docker profile is imported (as `import` reads
/// it with no options: for this machine, Docker's default capabilities, the newest
/// kernel); anything else is a policy file.
///
/// # Errors
///
/// [`LoadError`].
pub fn policy(path: &Path) -> Result<Policy, LoadError> {
    if path.extension().is_some_and(|ext| ext == "json") {
        Ok(profile(path, &Assume::docker_default())?.policy)
    } else {
        Ok(policy_file(path)?.policy)
    }
}

/// The profile in `path`, with Docker's conditions resolved under `assume`, as a policy.
///
/// # Errors
///
/// [`LoadError::Read`], [`LoadError::Profile`] or [`LoadError::Import`].
pub fn profile(path: &Path, assume: &Assume) -> Result<Imported, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    let profile = oci::profile::read(&text, assume).map_err(|source| LoadError::Profile {
        path: shown.clone(),
        source,
    })?;
    oci::import::import(&profile).map_err(|source| LoadError::Import {
        path: shown,
        source,
    })
}
