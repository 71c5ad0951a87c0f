//! Reading the policy a subcommand is given.

use std::path::Path;

use seccomp_runtime::Policy;

use crate::oci;

/// Why a policy cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file cannot be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A JSON profile that cannot be read.
    #[error("{path}: {source}")]
    Profile {
        /// The file.
        path: String,
        /// What went wrong.
        source: oci::profile::ProfileError,
    },
    /// A JSON profile that cannot be imported.
    #[error("{path}: {source}")]
    Import {
        /// The file.
        path: String,
        /// What went wrong.
        source: oci::import::ImportError,
    },
    /// A policy file with mistakes, or one that cannot be read.
    #[error("{0}")]
    PolicyFile(String),
}

/// The policy in `path`: a `*.json` OCI or Docker profile is imported (as `import` reads
/// it, for this machine, Docker's default capabilities, the newest kernel); anything else
/// is a policy file, read and checked by the macro's own parser.
///
/// # Errors
///
/// [`LoadError`].
pub fn load_policy(path: &Path) -> Result<Policy, LoadError> {
    if path.extension().is_none_or(|ext| ext != "json") {
        return match crate::policy_file::load(path) {
            Ok(parsed) => Ok(parsed.policy),
            Err(crate::policy_file::LoadError::Mistakes(rendered)) => {
                Err(LoadError::PolicyFile(rendered.trim_end().to_owned()))
            }
            Err(crate::policy_file::LoadError::Unreadable(message)) => {
                Err(LoadError::PolicyFile(message))
            }
        };
    }
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    {
        let profile = oci::profile::read(&text, &crate::commands::export::assume_default())
            .map_err(|source| LoadError::Profile {
                path: shown.clone(),
                source,
            })?;
        let imported = oci::import::import(&profile).map_err(|source| LoadError::Import {
            path: shown,
            source,
        })?;
        Ok(imported.policy)
    }
}
