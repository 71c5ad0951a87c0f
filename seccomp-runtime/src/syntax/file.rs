//! Policies read from text at run time: the body of a `seccomp_policy! { ... }` in a file,
//! tokenized by proc-macro2 and run through the macro's own parser and checks.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Span, TokenStream};

use super::{ast, check, lower};
use crate::model::abi::Abi;
use crate::model::policy::Policy;
use crate::model::rule::RuleRef;

/// The largest policy text read, in bytes (1 MiB: room for [`MAX_RULES`] rules of 250
/// characters). Larger input is refused before it is tokenized, which takes about 50
/// bytes of memory per byte of text.
pub const MAX_FILE_SIZE: usize = 1 << 20;

/// The most rules a policy file may hold (common rules and block rules together; a group
/// is one rule). One seccomp filter holds at most 4096 BPF instructions and each rule
/// takes at least one, so a larger policy could never load; and the checks compare the
/// rules of one syscall pairwise, which this bounds.
pub const MAX_RULES: usize = 4096;

/// A position in a policy text, both 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One mistake in a policy text, with the macro's message. Mistakes about the whole policy
/// (no `default`, no block), which the macro puts on the macro call, are at 1:1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, as the macro says it.
    pub message: String,
    /// Where the offending token starts.
    pub start: Location,
    /// Where it ends (exclusive); on the same line as `start` or after it.
    pub end: Location,
}

/// Every mistake found in a policy text, with the text, for rendering them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    origin: String,
    text: String,
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// The mistakes, in the order the macro reports them; never empty.
    pub fn list(&self) -> &[Diagnostic] {
        &self.list
    }

    /// Where the text came from: a file's path, or `<string>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The mistakes the way rustc shows them: `error: message`, ` --> file:line:col`, the
    /// source line and a caret under the token.
    pub fn render(&self) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        let mut out = String::new();
        for diagnostic in &self.list {
            let Location { line, column } = diagnostic.start;
            let gutter = " ".repeat(line.to_string().len());
            out.push_str(&format!("error: {}\n", diagnostic.message));
            out.push_str(&format!("{gutter}--> {}:{line}:{column}\n", self.origin));
            if let Some(source) = lines.get(line.wrapping_sub(1)) {
                let width = if diagnostic.end.line == line {
                    diagnostic.end.column.saturating_sub(column).max(1)
                } else {
                    source.chars().count().saturating_sub(column - 1).max(1)
                };
                // Tabs stay tabs so that the caret lines up under them.
                let pad: String = source
                    .chars()
                    .take(column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!("{gutter} |\n"));
                out.push_str(&format!("{line} | {source}\n"));
                out.push_str(&format!("{gutter} | {pad}{}\n", "^".repeat(width)));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "error: {} mistake{} in {}\n",
            self.list.len(),
            if self.list.len() == 1 { "" } else { "s" },
            self.origin
        ));
        out
    }
}

impl fmt::Display for Diagnostics {
    /// One mistake a line: `origin:line:col: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.list.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}: {}",
                self.origin, diagnostic.start, diagnostic.message
            )?;
        }
        Ok(())
    }
}

/// Why a policy text gives no policy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read the policy {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What reading it said.
        #[source]
        source: std::io::Error,
    },
    /// The text is larger than [`MAX_FILE_SIZE`].
    #[error("the policy {origin} is {size} bytes; at most {MAX_FILE_SIZE} are read")]
    TooLarge {
        /// The file's path, or `<string>`.
        origin: String,
        /// Its size in bytes.
        size: usize,
    },
    /// The text has mistakes: every one, each with its position.
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl FileError {
    /// The mistakes, if the text was read and has some.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            FileError::Invalid(diagnostics) => Some(diagnostics),
            _ => None,
        }
    }
}

/// A policy read from text, with where each of its rules is written.
#[derive(Debug, Clone)]
pub struct ParsedPolicy {
    /// The policy.
    pub policy: Policy,
    rules: Vec<(RuleRef, Location)>,
}

impl ParsedPolicy {
    /// Parse and check `text`, the body of a `seccomp_policy! { ... }`; `origin` names it in
    /// messages (a path, or `<string>`). `native` is this machine's ABI; values are
    /// integers or the names of [`constants`](super::constants).
    ///
    /// proc-macro2 keeps the text of everything it tokenizes on a thread, for its spans;
    /// this drops them all when it is done (`invalidate_current_thread_spans`), so that a
    /// program reading many policies does not keep every text. Spans of proc-macro2 token
    /// streams the caller made earlier on the same thread then no longer say where they
    /// are: do not read a policy between tokenizing text yourself and using its spans.
    ///
    /// # Errors
    ///
    /// [`FileError::Invalid`] with every mistake, each with the macro's message and its
    /// position; [`FileError::TooLarge`] past [`MAX_FILE_SIZE`].
    pub fn parse(text: &str, origin: &str) -> Result<ParsedPolicy, FileError> {
        if text.len() > MAX_FILE_SIZE {
            return Err(FileError::TooLarge {
                origin: origin.to_owned(),
                size: text.len(),
            });
        }
        let result = parse_tokens(text, origin);
        // proc-macro2 keeps every tokenized text for the thread's spans; none is used past
        // this point, and a program that reads many policies must not keep them all.
        proc_macro2::extra::invalidate_current_thread_spans();
        result
    }

    /// Where rule `at` is written (its action's first character).
    pub fn rule_location(&self, at: RuleRef) -> Option<Location> {
        self.rules
            .iter()
            .find(|(rule, _)| *rule == at)
            .map(|&(_, location)| location)
    }
}

fn parse_tokens(text: &str, origin: &str) -> Result<ParsedPolicy, FileError> {
    let invalid = |list| {
        FileError::Invalid(Diagnostics {
            origin: origin.to_owned(),
            text: text.to_owned(),
            list,
        })
    };
    let tokens = match TokenStream::from_str(text) {
        Ok(tokens) => tokens,
        Err(error) => {
            let span = error.span();
            return Err(invalid(vec![Diagnostic {
                // proc-macro2's own message says nothing more than that it failed.
                message: "the text cannot be split into tokens here: an unclosed `\"`, `'` or \
                          `/*`, an unbalanced bracket, or a character that is not allowed"
                    .to_owned(),
                start: start(span),
                end: end(span),
            }]));
        }
    };
    let (policy, mut errors) = ast::Policy::parse(tokens);
    let rules = policy
        .rules
        .iter()
        .chain(policy.blocks.iter().flat_map(|block| &block.rules));
    let count = rules.clone().count();
    if let Some(first_too_many) = rules.clone().nth(MAX_RULES) {
        let span = first_too_many.action.span;
        let mut list: Vec<Diagnostic> = errors.into_iter().flatten().map(diagnostic).collect();
        list.push(Diagnostic {
            message: format!(
                "this policy has {count} rules; a policy file holds at most {MAX_RULES} (one \
                 seccomp filter holds at most 4096 BPF instructions, so a larger policy \
                 could not load anyway): this is rule {}",
                MAX_RULES + 1
            ),
            start: start(span),
            end: end(span),
        });
        return Err(invalid(list));
    }
    let had_syntax_errors = !errors.is_empty();
    let source = lower::Source::File {
        native: Abi::native(),
    };
    let lowered = lower::lower(&policy, had_syntax_errors, source, &mut errors);
    let report = check::check(&lowered, errors);
    let list: Vec<Diagnostic> = report
        .errors
        .into_iter()
        .flatten()
        .map(diagnostic)
        .collect();
    if !list.is_empty() {
        return Err(invalid(list));
    }
    let mut rules = Vec::new();
    for (index, rule) in policy.rules.iter().enumerate() {
        rules.push((RuleRef { block: None, index }, start(rule.action.span)));
    }
    for (b, block) in policy.blocks.iter().enumerate() {
        for (index, rule) in block.rules.iter().enumerate() {
            let at = RuleRef {
                block: Some(b),
                index,
            };
            rules.push((at, start(rule.action.span)));
        }
    }
    Ok(ParsedPolicy {
        policy: lowered.to_policy(Abi::native()).0,
        rules,
    })
}

fn diagnostic(error: syn::Error) -> Diagnostic {
    let span = error.span();
    Diagnostic {
        message: error.to_string(),
        start: start(span),
        end: end(span),
    }
}

/// proc-macro2 counts lines from 1 and columns from 0; the call site is at 1:0.
fn start(span: Span) -> Location {
    let at = span.start();
    Location {
        line: at.line.max(1),
        column: at.column + 1,
    }
}

fn end(span: Span) -> Location {
    let at = span.end();
    Location {
        line: at.line.max(1),
        column: at.column + 1,
    }
}

impl FromStr for Policy {
    type Err = FileError;

    /// A policy from the text of a policy file: the body of a `seccomp_policy! { ... }`,
    /// with the macro's parser and checks. See [`ParsedPolicy::parse`].
    ///
    /// ```
    /// use seccomp_runtime::{Abi, Action, Policy};
    ///
    /// let policy: Policy = "
    ///     default errno(EPERM);
    ///     abi x86_64 { allow read, write; allow fcntl if arg1 == F_GETFL; }
    /// ".parse()?;
    /// assert_eq!(policy.decide(Abi::X86_64, "fcntl", [0, 3, 0, 0, 0, 0]).action(), Some(Action::Allow));
    ///
    /// let error = "default errno(EPERM); abi x86_64 { allow raed; }".parse::<Policy>().unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "<string>:1:42: `raed` is not a syscall on x86_64; did you mean `read`?"
    /// );
    /// # Ok::<(), seccomp_runtime::syntax::FileError>(())
    /// ```
    fn from_str(text: &str) -> Result<Policy, FileError> {
        ParsedPolicy::parse(text, "<string>").map(|parsed| parsed.policy)
    }
}

impl Policy {
    /// A policy from a policy file (`*.seccomp`): as [`Policy::from_str`], with the path in
    /// messages.
    ///
    /// # Errors
    ///
    /// [`FileError::Read`] if the file cannot be read, else as [`ParsedPolicy::parse`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Policy, FileError> {
        read(path.as_ref()).map(|parsed| parsed.policy)
    }
}

/// Read and parse a policy file, keeping where its rules are.
///
/// # Errors
///
/// As [`Policy::from_file`].
pub fn read(path: &Path) -> Result<ParsedPolicy, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })?;
    ParsedPolicy::parse(&text, &path.display().to_string())
}
