//! The pipeline of `seccomp_policy!` as a plain library.
//!
//! A proc-macro crate can export nothing but its macros, so tests that need the expansion
//! itself (snapshots, random inputs) build the very same source files here, as
//! `serde_derive_internals` does for `serde_derive`. Not published; not an API.

#[path = "../../src/ast.rs"]
mod ast;
#[path = "../../src/check.rs"]
mod check;
#[path = "../../src/expand.rs"]
mod expand;
#[path = "../../src/fallback.rs"]
mod fallback;
#[path = "../../src/kw.rs"]
mod kw;
#[path = "../../src/lower.rs"]
mod lower;

/// What `seccomp_policy! { input }` expands to.
pub fn seccomp_policy(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    expand::seccomp_policy(input)
}
