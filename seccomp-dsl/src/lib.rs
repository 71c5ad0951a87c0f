//! Declare a seccomp policy in Rust, check it at compile time, and load it as one filter
//! for every ABI.
//!
//! A policy is written with [`seccomp_policy!`], which checks it at compile time and
//! expands to builder calls into the runtime; the runtime's types ([`Policy`], [`Filter`],
//! [`Program`], [`Error`], ...) are re-exported here from `seccomp-runtime`, one by one, so
//! that this page lists the API.
//!
//! With the cargo feature `files`, the same language is read from text at run time by the
//! macro's own parser and checks: `Policy::from_str`, `Policy::from_file`, and `syntax`
//! for positioned, rustc-style mistakes. It is off by default: it compiles syn into the
//! program.

pub use seccomp_dsl_macros::seccomp_policy;

// Policies: what they say and what is wrong with them.
pub use seccomp_runtime::{
    arg, errno, group, Abi, AbiRef, Action, ActionSite, Arg, Attributes, Block, CmpOp, Comparison,
    Decision, Endian, Entry, IoUring, OnAbi, Optimize, Policy, PrecompiledPolicy, Rule, RuleRef,
    SyscallRef, UnknownAbi, Violation, Violations, MAX_ARG,
};
// Composing policies.
pub use seccomp_runtime::{PartRule, StackError};
// The syscall table.
pub use seccomp_runtime::{
    multiplexer, syscall_exists, syscall_name, syscall_names, syscall_number, syscall_numbers,
    IoUringOp, IO_URING_KERNEL, IO_URING_OPS, SYSCALL_TABLE_KERNEL,
};
// Built filters and programs, loading, and what can go wrong.
#[cfg(feature = "files")]
pub use seccomp_runtime::syntax;
#[allow(deprecated)]
pub use seccomp_runtime::ValidationError;
pub use seccomp_runtime::{
    AbiSummary, AddedRule, CommandExt, Error, Instruction, LoadStep, Prefix, Program, Result,
    SeccompData, SimError, Skipped, VerifyError,
};
#[cfg(feature = "libseccomp")]
pub use seccomp_runtime::{Code, Filter, Libseccomp};
// User notification.
pub use seccomp_runtime::{Listener, ListenerHandle, NotifyError, NotifyOp, Readiness, Request};

/// What generated code names, and nothing else. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use seccomp_runtime::{
        arg, errno, group, Abi, Action, Block, Endian, Entry, Instruction, IoUring, Optimize,
        Policy, Program, Rule,
    };
}
