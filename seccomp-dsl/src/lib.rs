//! Declare a seccomp policy in Rust, check it at compile time, and load it as one filter
//! for every ABI.
//!
//! A policy is written with [`seccomp_policy!`], which checks it at compile time and
//! expands to builder calls into the runtime; the runtime types ([`Policy`], [`Filter`],
//! [`Program`], [`Error`], ...) are re-exported from `seccomp-runtime`.
//!
//! With the cargo feature `files`, the same language is read from text at run time by the
//! macro's own parser and checks: `Policy::from_str`, `Policy::from_file`, and `syntax`
//! for positioned, rustc-style mistakes. It is off by default: it compiles syn into the
//! program.

pub use seccomp_dsl_macros::seccomp_policy;
pub use seccomp_runtime::*;

/// What generated code may name. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use seccomp_runtime::*;
}
