//! The runtime of `seccomp-dsl`: build one libseccomp filter per ABI with exact rule adds,
//! merge them into one filter, and load it with one `seccomp()` call.
//!
//! Every filter a process has runs on every syscall, so a policy for three ABIs loaded as
//! three filters costs three times on the hot path. A [`Policy`] keeps per-ABI control (each
//! ABI gets its own filter, built exactly, and errors name the ABI) and pays for one.
//!
//! Policies are usually written with the `seccomp_policy!` macro of `seccomp-dsl`, which
//! expands to calls into this crate; they can also be built in code:
//!
//! ```
//! use seccomp_runtime::{arg, errno, Abi, Action, Block, Policy, Rule};
//!
//! let policy = Policy::new(Action::Errno(errno::EPERM))
//!     .rule(Rule::new(Action::Allow, ["exit_group", "rt_sigreturn"]))
//!     .block(
//!         Block::new([Abi::X86_64])
//!             .rule(Rule::new(Action::Allow, ["read", "write", "close"]))
//!             .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))),
//!     );
//! let filter = policy.build()?;
//! println!("{}", filter.export_pfc()?);
//! # Ok::<(), seccomp_runtime::Error>(())
//! ```
//!
//! # Cargo features
//!
//! - `libseccomp` (default): build filters with libseccomp (`Policy::build`,
//!   `Policy::load`, `Filter`). Without it the crate links no C library: policies, their
//!   checks ([`Policy::violations`], except the one about the installed libseccomp's known
//!   bug, which `Policy::build` always runs), [`Policy::decide`], the simulator and
//!   installing a prebuilt [`Program`] all still work. The syscall names and numbers come
//!   from the crate's own table either way (Linux [`SYSCALL_TABLE_KERNEL`]).
//! - `syntax` (off): the policy language's parser, checks and code generation
//!   (`seccomp_runtime::syntax`), which the `seccomp_policy!` macro runs. Pulls in syn.
//! - `files` (off; implies `syntax`): policies read from text at run time with the macro's
//!   parser and checks: `Policy::from_str`, `Policy::from_file`. Off by default because
//!   syn is a compile cost that a program whose policy is in its source does not need.
#![deny(missing_docs)]

// The stages, in the order a policy goes through them: the model is written (by hand, by
// the macro, or from a file by `syntax`), checked, decided and composed, built by the
// libseccomp back end into BPF, verified in the simulator, and loaded.
mod bpf;
mod check;
mod command;
mod decide;
mod error;
pub mod group;
mod libseccomp;
mod load;
mod model;
mod notify;
mod simulate;
mod stack;
#[cfg(feature = "syntax")]
pub mod syntax;
mod table;
mod util;

pub use bpf::prefix::Prefix;
pub use bpf::program::{Instruction, Program};
pub use check::violation::{AbiRef, ActionSite, Violation};
pub use check::violations::Violations;
pub use command::CommandExt;
pub use decide::Decision;
#[cfg(feature = "libseccomp")]
pub use error::{Code, Libseccomp};
pub use error::{Error, LoadStep, Result};
#[cfg(feature = "libseccomp")]
pub use libseccomp::filter::Filter;
pub use libseccomp::summary::{AbiSummary, AddedRule, Skipped};
pub use load::PrecompiledPolicy;
pub use model::abi::{Abi, Endian, UnknownAbi};
pub use model::action::Action;
pub use model::condition::{arg, Arg, CmpOp, Comparison, MAX_ARG};
pub use model::errno;
pub use model::policy::{Attributes, Block, IoUring, Optimize, Policy};
pub use model::rule::{Entry, OnAbi, Rule, RuleRef, SyscallRef};
pub use notify::{Listener, ListenerHandle, NotifyError, NotifyOp, Readiness, Request};
pub use simulate::verify::VerifyError;
/// The old name of [`VerifyError`].
#[deprecated(since = "0.2.0", note = "renamed `VerifyError`")]
pub type ValidationError = VerifyError;
pub use simulate::{SeccompData, SimError};
pub use stack::{PartRule, StackError};
pub use table::io_uring::{IoUringOp, IO_URING_KERNEL, IO_URING_OPS};
pub use table::syscall::{
    multiplexer, nearest_syscall, syscall_exists, syscall_name, syscall_names, syscall_number,
    syscall_numbers,
};
pub use table::SYSCALL_TABLE_KERNEL;
