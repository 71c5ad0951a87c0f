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
#![deny(missing_docs)]

mod abi;
mod action;
mod build;
mod check;
mod condition;
mod decide;
pub mod errno;
mod error;
mod export;
mod filter;
mod overlap;
mod policy;
mod program;
mod rule;
mod simulate;
mod stack;
mod suggest;
mod syscall;
mod violation;

pub use abi::{Abi, Endian, UnknownAbi};
pub use action::Action;
pub use condition::{arg, Arg, CmpOp, Comparison, MAX_ARG};
pub use decide::Decision;
pub use error::{Code, Error, Libseccomp, LoadStep, Result};
pub use filter::{AbiSummary, AddedRule, Filter};
pub use policy::{Attributes, Block, Optimize, Policy};
pub use program::{CommandExt, Instruction, Program};
pub use rule::{Rule, RuleRef, SyscallRef};
pub use simulate::{SeccompData, SimError};
pub use stack::{PartRule, StackError};
pub use suggest::nearest;
pub use syscall::{
    multiplexer, nearest_syscall, syscall_exists, syscall_name, syscall_names, syscall_number,
};
pub use violation::{AbiRef, ActionSite, Violation};
