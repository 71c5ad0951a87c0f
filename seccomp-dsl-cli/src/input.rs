//! Reading what a subcommand is given, with one error for every way that fails.
//!
//! Three readers, one per thing a user can hand the tool: a policy file (the body of a
//! `seccomp_policy! { ... }`, read by the macro's own parser and checks, with the
//! positions of its rules), a policy in either form (`export` also takes an OCI or
//! Docker profile), and an OCI or Docker profile (`import`).

use std::io::Read as _;
use std::path::Path;

use seccomp_runtime::syntax::{self, FileError, ParsedPolicy, MAX_FILE_SIZE, MAX_RULES};
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
    /// A profile larger than a policy file may be ([`MAX_FILE_SIZE`]).
    #[error(
        "{path} is {size} bytes; a profile, like a policy file, is read up to {MAX_FILE_SIZE}"
    )]
    ProfileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
    },
    /// A profile that adds more rules than a policy file may hold ([`MAX_RULES`]).
    #[error(
        "{path} adds {count} rules (one per name and set of comparisons runc adds); a \
         profile, like a policy file, holds at most {MAX_RULES}: one seccomp filter holds at \
         most 4096 BPF instructions, so a larger profile could not load anyway"
    )]
    TooManyRules {
        /// The file.
        path: String,
        /// The rules it adds.
        count: usize,
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
    let read_error = |source| LoadError::Read {
        path: shown.clone(),
        source,
    };
    // Checked before reading, and the read is bounded too: the file may grow meanwhile.
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    let too_large = |size| LoadError::ProfileTooLarge {
        path: shown.clone(),
        size,
    };
    if size > MAX_FILE_SIZE as u64 {
        return Err(too_large(size));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(MAX_FILE_SIZE as u64 + 1)
                .read_to_string(&mut text)
        })
        .map_err(read_error)?;
    if text.len() > MAX_FILE_SIZE {
        return Err(too_large(text.len() as u64));
    }
    let profile = oci::profile::read(&text, assume).map_err(|source| LoadError::Profile {
        path: shown.clone(),
        source,
    })?;
    let count = oci::profile::added_rules(&profile);
    if count > MAX_RULES {
        return Err(LoadError::TooManyRules { path: shown, count });
    }
    oci::import::import(&profile).map_err(|source| LoadError::Import {
        path: shown,
        source,
    })
}
