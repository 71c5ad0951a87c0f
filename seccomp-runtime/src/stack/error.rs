//! Why policies cannot be composed exactly, and which of their rules are involved.

use std::fmt;

use crate::check::violations::Violations;

use crate::model::abi::Abi;

use crate::model::action::Action;

use crate::model::rule::RuleRef;

/// A rule of one of the stacked policies, or that policy's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartRule {
    /// The policy's position in load order, from 0.
    pub part: usize,
    /// The rule, or `None` for the policy's default (no rule of it matches).
    pub rule: Option<RuleRef>,
    /// For a default: a rule of that policy for the syscall that does not match there,
    /// whose complement is what the composition has to write.
    pub outside: Option<RuleRef>,
}

impl fmt::Display for PartRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = self.part + 1;
        match (self.rule, self.outside) {
            (Some(rule), _) => write!(f, "{rule} of policy #{part}"),
            (None, Some(outside)) => {
                write!(
                    f,
                    "the default of policy #{part} where its {outside} does not match"
                )
            }
            (None, None) => write!(f, "the default of policy #{part}"),
        }
    }
}

/// Why policies cannot be composed into one that does exactly what stacking them does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StackError {
    /// No policy was given.
    #[error("no policy to stack")]
    Empty,
    /// One of the policies has mistakes of its own.
    #[error("policy #{} is invalid: {violations}", .part + 1)]
    InvalidPart {
        /// The policy's position in load order, from 0.
        part: usize,
        /// Its mistakes (never none).
        violations: Violations,
    },
    /// A flag that applies to a whole filter differs: one filter cannot have it both ways.
    #[error("policies #{} and #{} differ in `{flag}`; one filter has one value for it", .first + 1, .second + 1)]
    FlagsDiffer {
        /// `"tsync"` or `"log"`.
        flag: &'static str,
        /// A policy with one value.
        first: usize,
        /// A policy with the other.
        second: usize,
    },
    /// Two policies use `notify`: stacked, each has its own listener and supervisor; one
    /// filter has one listener, which could not tell whose requests it gets.
    #[error("policies #{} and #{} both use notify; one filter has one listener", .first + 1, .second + 1)]
    TwoListeners {
        /// The first policy that notifies.
        first: usize,
        /// The second.
        second: usize,
    },
    /// Syscalls no policy names get different actions on two ABIs (a policy that does
    /// not name an ABI gives it its `bad_arch` action), but a policy has one default.
    #[error(
        "syscalls no rule names would get {action} on {abi} but {other_action} on {other}; \
         one policy has one default action"
    )]
    DefaultsDiffer {
        /// An ABI.
        abi: Abi,
        /// What unnamed syscalls get there.
        action: Action,
        /// Another ABI.
        other: Abi,
        /// What they get there.
        other_action: Action,
    },
    /// Numbers the syscall table does not know get different actions on two ABIs once
    /// stacked (each part's `unknown` action, its default without one, or its `bad_arch`
    /// action where it does not name the ABI), but a policy has one `unknown` action.
    #[error(
        "syscall numbers the table does not know would get {action} on {abi} but \
         {other_action} on {other}; one policy has one unknown action"
    )]
    UnknownsDiffer {
        /// An ABI.
        abi: Abi,
        /// What unknown numbers get there.
        action: Action,
        /// Another ABI.
        other: Abi,
        /// What they get there.
        other_action: Action,
    },
    /// Two rules (or a rule and a default) whose combination the rule language cannot
    /// write exactly: it would need a comparison libseccomp cannot make on this ABI, or
    /// more than [`crate::Policy::STACKED_RULES_MAX`] rules for the syscall.
    #[error("{first} and {second} cannot be combined exactly for `{syscall}` on {abi}")]
    Inexpressible {
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// One rule or default involved.
        first: PartRule,
        /// The other.
        second: PartRule,
    },
    /// A policy whose rules for `socketcall`/`ipc` and for a call behind it disagree in a
    /// way `Policy::decide` leaves undefined.
    #[error("policy #{} decides `{syscall}` on {abi} ambiguously", .part + 1)]
    AmbiguousPart {
        /// The policy.
        part: usize,
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
    },
    /// A rule for a call behind a multiplexer (`socket` on x86) also decides the
    /// multiplexer with that call number, and the composition needs another action there.
    #[error(
        "on {abi}, `{syscall}` gets one action directly and another through `{via}` once \
         stacked; a rule for `{syscall}` decides both"
    )]
    MultiplexerConflict {
        /// The ABI.
        abi: Abi,
        /// The multiplexed syscall.
        syscall: String,
        /// `"socketcall"` or `"ipc"`.
        via: &'static str,
    },
    /// The composed policy would not pass the checks (a safety net; not expected).
    #[error("the composed policy would be invalid: {0}")]
    Unbuildable(Violations),
}
