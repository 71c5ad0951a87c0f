//! Reading what a subcommand is given, with one error for every way that fails.
//!
//! Three readers, one per thing a user can hand the tool: a policy file (the body of a
//! `seccomp_policy! { ... }`, or that whole expression as `record --format macro` writes
//! it, read by the macro's own parser and checks, with the positions of its rules), a policy in either form (`export` also takes an OCI or
//! Docker profile), and an OCI or Docker profile (`import`).

use std::borrow::Cow;
use std::io::Read as _;
use std::path::Path;

use seccomp_runtime::syntax::{FileError, ParsedPolicy, MAX_FILE_SIZE, MAX_RULES};
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

/// Read and check the policy file at `path`: the body of a `seccomp_policy! { ... }`, or
/// the whole expression.
///
/// # Errors
///
/// [`LoadError::Mistakes`] or [`LoadError::PolicyFile`].
pub fn policy_file(path: &Path) -> Result<ParsedPolicy, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        LoadError::PolicyFile(FileError::Read {
            path: path.to_owned(),
            source,
        })
    })?;
    let body = macro_body(&text);
    ParsedPolicy::parse(&body, &path.display().to_string()).map_err(|error| {
        match error.diagnostics() {
            Some(diagnostics) => LoadError::Mistakes(diagnostics.render()),
            None => LoadError::PolicyFile(error),
        }
    })
}

/// `text` with a `seccomp_policy! { ... }` around the policy (`record --format macro`, or
/// a policy copied out of Rust code) blanked out: the macro's name, `!`, its braces and a
/// `;` after them become spaces, so every line and column the parser reports is still the
/// file's. Text without the wrapper, or whose braces do not close, is returned as it is,
/// for the parser to report.
fn macro_body(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let start = skip_trivia(bytes, 0);
    // The macro, by any path that ends in its name (`seccomp_dsl::seccomp_policy!`).
    let mut at = start;
    while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || b"_:".contains(&bytes[at])) {
        at += 1;
    }
    let path = &text[start..at];
    if path.rsplit("::").next() != Some("seccomp_policy") {
        return Cow::Borrowed(text);
    }
    let bang = skip_trivia(bytes, at);
    if bytes.get(bang) != Some(&b'!') {
        return Cow::Borrowed(text);
    }
    let open = skip_trivia(bytes, bang + 1);
    if bytes.get(open) != Some(&b'{') {
        return Cow::Borrowed(text);
    }
    let Some(close) = closing_brace(bytes, open + 1) else {
        return Cow::Borrowed(text);
    };
    let semicolon = Some(skip_trivia(bytes, close + 1)).filter(|&i| bytes.get(i) == Some(&b';'));
    let mut body = bytes.to_vec();
    // Only ASCII bytes are replaced, one space each, so the text stays UTF-8 and columns
    // (which count characters) do not move.
    for i in (start..at).chain([bang, open, close]).chain(semicolon) {
        body[i] = b' ';
    }
    Cow::Owned(String::from_utf8(body).unwrap_or_else(|_| text.to_owned()))
}

/// The index of the first byte at or after `at` that is not whitespace or a comment.
fn skip_trivia(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at..) {
            Some([b, ..]) if b.is_ascii_whitespace() => at += 1,
            Some([b'/', b'/', ..]) => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            Some([b'/', b'*', ..]) => at = block_comment_end(bytes, at),
            _ => return at,
        }
    }
}

/// Past the end of the block comment at `at`; block comments nest, as in Rust.
fn block_comment_end(bytes: &[u8], mut at: usize) -> usize {
    let mut depth = 0usize;
    while at < bytes.len() {
        match &bytes[at..] {
            [b'/', b'*', ..] => {
                depth += 1;
                at += 2;
            }
            [b'*', b'/', ..] => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return at;
                }
            }
            _ => at += 1,
        }
    }
    at
}

/// The index of the `}` that closes the brace opened just before `at`, passing over
/// comments and string literals.
fn closing_brace(bytes: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 1usize;
    while at < bytes.len() {
        match &bytes[at..] {
            [b'/', b'/' | b'*', ..] => at = skip_trivia(bytes, at),
            [b'"', ..] => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
                at += 1;
            }
            [b'{', ..] => {
                depth += 1;
                at += 1;
            }
            [b'}', ..] => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
                at += 1;
            }
            _ => at += 1,
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::macro_body;

    #[test]
    fn the_macro_call_is_blanked_in_place() {
        let text = "// note\nseccomp_policy! { // é\n    default allow; /* } */\n}; // end\n";
        let body = macro_body(text);
        let expected = format!(
            "// note\n{} // é\n    default allow; /* }} */\n   // end\n",
            " ".repeat("seccomp_policy! {".len())
        );
        assert_eq!(body, expected);
        assert_eq!(body.chars().count(), text.chars().count());
        let path = "seccomp_dsl::seccomp_policy!{default allow;}";
        assert_eq!(macro_body(path).trim(), "default allow;");
    }

    #[test]
    fn other_text_is_left_for_the_parser() {
        for text in [
            "default allow;\nabi x86_64 { allow read; }\n",
            "seccomp_policy! { default allow;\n",
            "other_macro! { default allow; }",
            "seccomp_policy { default allow; }",
        ] {
            assert_eq!(macro_body(text), text);
        }
    }
}
