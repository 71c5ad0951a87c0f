//! The policy language: one parser, one set of checks, for the `seccomp_policy!` macro and
//! for policy files (feature `syntax`; files need feature `files`).
//!
//! A pipeline, one module per stage, data flowing one way: `ast` parses tokens into a typed
//! view that keeps every token, `lower` resolves every name once, `check` runs
//! [`Policy::violations`] on the lowered policy and puts each message on its token, and
//! `expand` generates the macro's builder code from the lowered policy (or, through
//! `fallback`, the errors and a stub of the right type). A policy file is the body of a
//! `seccomp_policy! { ... }`, tokenized by proc-macro2 and run through the same `ast`,
//! `lower` and `check`; only the meaning of values (the constant names a file may use)
//! and of `native` differ.
//!
//! The public API here is reading policy files. `expand_macro`, `macro_policy` and
//! `constants` are public only for the macro crate and the workspace's tests, which sit in
//! other crates; they are hidden from the docs and not part of the API (they may change in
//! any release).

mod ast;
mod check;
#[doc(hidden)] // the table behind file values; see the module docs
pub mod constants;
mod expand;
mod fallback;
#[cfg(feature = "files")]
mod file;
mod kw;
mod lower;

use proc_macro2::TokenStream;

use crate::model::policy::Policy;

use crate::model::rule::RuleRef;

/// The deepest nesting of brackets the language takes, in the macro and in files.
pub use ast::MAX_NESTING;
#[cfg(feature = "files")]
pub use file::{
    read, Diagnostic, Diagnostics, FileError, Location, ParsedPolicy, MAX_FILE_SIZE, MAX_RULES,
};

/// What `seccomp_policy! { input }` expands to: the builder code, or `compile_error!`s on
/// the offending tokens and a stub of the right type. Never panics, whatever the tokens.
#[doc(hidden)] // seccomp-dsl-macros' entry point; see the module docs
pub fn expand_macro(input: TokenStream) -> TokenStream {
    expand::seccomp_policy(input)
}

/// The runtime policy the macro's checks see for `seccomp_policy! { input }`, with
/// `native` taken to be this machine's ABI, and the (rule, condition) pairs whose value
/// only the compiled program knows (a stand-in takes its place); `Err` with the messages,
/// one a line, if the input has mistakes. For tests that hold the checked policy against
/// the expanded one.
#[doc(hidden)] // for the workspace's tests; see the module docs
pub fn macro_policy(input: TokenStream) -> Result<(Policy, Vec<(RuleRef, usize)>), String> {
    expand::checked(input, |lowered, report| {
        if !report.errors.is_empty() {
            let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
            return Err(messages.join("\n"));
        }
        Ok((
            lowered.to_policy(crate::model::abi::Abi::native()).0,
            lowered.opaque_comparisons(),
        ))
    })
}
