//! The mistakes a policy can have, each saying where it is.
//!
//! The `seccomp_policy!` macro turns each into a compile error on the offending token,
//! which is why every violation carries the indexes of what it is about.

use std::fmt;

use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::Comparison;
use crate::model::rule::{RuleRef, SyscallRef};
use crate::util::ordinal::Nth;
use crate::util::suggest::did_you_mean;

/// One ABI name in a block's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbiRef {
    /// The block's index.
    pub block: usize,
    /// The ABI's position in the block's list.
    pub position: usize,
}

/// Where an action is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionSite {
    /// The policy's default action.
    Default,
    /// The policy's `bad_arch` action.
    BadArch,
    /// The action for syscalls the table does not know.
    Unknown,
    /// A rule's action.
    Rule(RuleRef),
}

impl fmt::Display for ActionSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionSite::Default => f.write_str("the default action"),
            ActionSite::BadArch => f.write_str("the `bad_arch` action"),
            ActionSite::Unknown => f.write_str("the unknown-syscall action"),
            ActionSite::Rule(rule) => write!(f, "{rule}"),
        }
    }
}

/// A mistake in a policy, found before any filter is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The policy names no ABI, so it would filter nothing.
    #[error("the policy has no `abi` block; name the ABIs it is for, e.g. `abi x86_64 {{ ... }}`")]
    NoBlocks,
    /// A block with no ABI.
    #[error("block {} names no ABI", Nth(*.block))]
    EmptyBlock {
        /// The block's index.
        block: usize,
    },
    /// A rule with no syscall.
    #[error("{rule} names no syscall")]
    EmptyRule {
        /// The rule.
        rule: RuleRef,
    },
    /// An ABI in two blocks: each ABI gets exactly one filter.
    #[error(
        "ABI `{abi}` is already named in block {}; each ABI gets one filter, so name it in one block only",
        Nth(.first.block)
    )]
    AbiInTwoBlocks {
        /// The ABI.
        abi: Abi,
        /// Where it is named first.
        first: AbiRef,
        /// Where it is named again.
        second: AbiRef,
    },
    /// An ABI named twice in one block's list.
    #[error("ABI `{abi}` is named twice in this block")]
    AbiRepeated {
        /// The ABI.
        abi: Abi,
        /// Where it is named first.
        first: AbiRef,
        /// Where it is named again.
        second: AbiRef,
    },
    /// ABIs of both byte orders: libseccomp cannot merge their filters.
    #[error(
        "ABI `{abi}` is {} but `{other}` is {}; one filter holds ABIs of one byte order only",
        .abi.endian(), .other.endian()
    )]
    MixedEndianness {
        /// The ABI that differs from the first one.
        abi: Abi,
        /// Where it is named.
        at: AbiRef,
        /// The policy's first ABI.
        other: Abi,
    },
    /// A syscall name an ABI of its rule does not have.
    #[error(
        "`{syscall}` is not a syscall on {}{}",
        AbiList(*.abi, .also), unknown_hint(.elsewhere, .suggestion)
    )]
    UnknownSyscall {
        /// The first ABI of the rule that lacks it.
        abi: Abi,
        /// The rule's other ABIs that lack it too.
        also: Vec<Abi>,
        /// The name.
        syscall: String,
        /// Where it is named.
        at: SyscallRef,
        /// Another ABI of the policy that has the syscall, if one does.
        elsewhere: Option<Abi>,
        /// The nearest name the ABI has, if one is close and no other ABI has this one.
        suggestion: Option<String>,
    },
    /// One syscall, one condition, two actions: which one wins would be an accident.
    #[error(
        "`{syscall}` already gets {first_action} under the same condition on {abi} ({}); \
         one syscall and condition can have one action only",
        .first.rule
    )]
    ConflictingActions {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The second rule's syscall entry.
        second: SyscallRef,
        /// The first rule's action.
        first_action: Action,
        /// The second rule's action.
        second_action: Action,
    },
    /// The same rule twice.
    #[error("`{syscall}` already gets {action} under the same condition on {abi} ({})", .first.rule)]
    DuplicateRule {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The repeated entry.
        second: SyscallRef,
        /// Their action.
        action: Action,
    },
    /// A conditional rule beside an unconditional one for the same syscall never applies.
    #[error(
        "this rule for `{syscall}` can never apply on {abi}: {} already decides `{syscall}` \
         whatever its arguments",
        .unconditional.rule
    )]
    DeadRule {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The rule without conditions.
        unconditional: SyscallRef,
        /// The rule with conditions, which is dead.
        conditional: SyscallRef,
    },
    /// Conditions on a syscall the ABI also reaches through `socketcall` or `ipc`, where a
    /// filter cannot see its arguments: libseccomp cannot add such a rule exactly.
    #[error(
        "on {abi}, `{syscall}` is also reachable through `{via}`, where its arguments cannot \
         be checked; give it no condition on {abi}, or decide `{via}` instead"
    )]
    MultiplexedWithConditions {
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// `"socketcall"` or `"ipc"`.
        via: &'static str,
        /// Where it is named.
        at: SyscallRef,
    },
    /// A rule other than `allow` for a syscall the kernel never shows a filter
    /// (`uretprobe`, `uprobe` on x86_64): it would say one thing and the kernel do
    /// another.
    #[error(
        "on {abi}, the kernel runs `{syscall}` before any seccomp filter (Linux 6.14+ for \
         uretprobe, 6.16+ for uprobe), so `{action}` for it would never be enforced; leave \
         it out of this rule"
    )]
    KernelExempt {
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The rule's action.
        action: Action,
        /// Where it is named (the group, if a group brings it in).
        at: SyscallRef,
    },
    /// A multiplexer allowed outright opens every syscall behind it, whatever the rules for
    /// those syscalls say.
    #[error(
        "`{syscall}` gets {action} on {abi}, but `{via}` gets {via_action} whatever its \
         arguments ({}), and `{via}` reaches `{syscall}` too",
        .via_at.rule
    )]
    MultiplexerBypass {
        /// The ABI.
        abi: Abi,
        /// The syscall behind the multiplexer.
        syscall: String,
        /// Its rule's action.
        action: Action,
        /// Where it is named.
        at: SyscallRef,
        /// `"socketcall"` or `"ipc"`.
        via: &'static str,
        /// The multiplexer's unconditional action.
        via_action: Action,
        /// Where the multiplexer is named.
        via_at: SyscallRef,
    },
    /// A comparison with a value or mask wider than what the ABI's filter compares.
    #[error(
        "on {abi}, libseccomp compares only the low {} bits of an argument, so `{comparison}` \
         would not be checked as written; use values below 2^{} in rules for {abi}",
        .abi.compared_bits(), .abi.compared_bits()
    )]
    ValueTooWide {
        /// The first ABI of the rule where it is too wide.
        abi: Abi,
        /// The rule.
        rule: RuleRef,
        /// The comparison's position in the rule.
        condition: usize,
        /// The comparison.
        comparison: Comparison,
    },
    /// `argN & mask == value` with bits of `value` outside `mask`: it can never hold, but
    /// libseccomp would compare only the bits inside the mask.
    #[error("`{comparison}` can never hold: the value has bits outside the mask")]
    ValueOutsideMask {
        /// The rule.
        rule: RuleRef,
        /// The comparison's position in the rule.
        condition: usize,
        /// The comparison.
        comparison: Comparison,
    },
    /// Two rules that the installed libseccomp is known to turn into a filter weaker than
    /// the policy (the comparison merge bug fixed in libseccomp 2.6.1).
    #[error(
        "libseccomp {version} builds a wrong filter for this rule and {} for `{syscall}` on {abi}: \
         two rules comparing arg{arg}, one of them with an ordering (<, <=, >, >=, !=), let \
         through calls both deny (fixed in libseccomp 2.6.1); compare arg{arg} with == or a \
         mask in one of them, or write one rule",
        .first.rule
    )]
    MisbuiltByLibseccomp {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The second rule's syscall entry.
        second: SyscallRef,
        /// The argument both compare.
        arg: u8,
        /// The installed libseccomp's version.
        version: String,
    },
    /// Two conditional rules for one syscall, with different actions, that can both match:
    /// which one the filter takes is not defined.
    #[error(
        "`{syscall}` gets {first_action} ({}) and {second_action} (this rule) on {abi} when \
         both conditions hold, e.g. for {}; which one the filter takes is not defined, so \
         make the conditions exclusive",
        .first.rule, Example(.example)
    )]
    OverlappingRules {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The second rule's syscall entry.
        second: SyscallRef,
        /// The first rule's action.
        first_action: Action,
        /// The second rule's action.
        second_action: Action,
        /// Arguments both rules match: `Some` for the compared ones.
        example: [Option<u64>; 6],
    },
    /// A rule whose action is the default one: libseccomp refuses it, and it does nothing.
    #[error("{rule} has action {action}, which is already the default action; remove the rule")]
    ActionIsDefault {
        /// The rule.
        rule: RuleRef,
        /// The action.
        action: Action,
    },
    /// A comparison on an argument syscalls do not have.
    #[error("{rule} compares arg{arg}, but syscalls have arguments arg0 to arg5")]
    ArgOutOfRange {
        /// The rule.
        rule: RuleRef,
        /// The comparison's position in the rule.
        condition: usize,
        /// The argument index.
        arg: u8,
    },
    /// Two comparisons on one argument in one rule.
    #[error(
        "{rule} compares arg{arg} twice; a rule may compare each argument once \
         (use `argN & mask == value` to test several bits, or write two rules)"
    )]
    ArgComparedTwice {
        /// The rule.
        rule: RuleRef,
        /// The first comparison's position.
        first: usize,
        /// The second comparison's position.
        second: usize,
        /// The argument index.
        arg: u8,
    },
    /// An `except` item that takes nothing out of its rule on any of the rule's ABIs: a
    /// typo, or a rule that changed under it.
    #[error(
        "`except {entry}` removes nothing from {rule} on any of its ABIs; remove it, or check \
         the name"
    )]
    ExceptRemovesNothing {
        /// The rule.
        rule: RuleRef,
        /// The item's position in the rule's `except` list.
        position: usize,
        /// The item, as written.
        entry: String,
    },
    /// A policy that lets a program set up an io_uring ring while denying a syscall the
    /// ring does the work of: operations submitted through the ring never pass through
    /// seccomp, so the syscall is denied in name only.
    #[error(
        "io_uring is allowed on {abi}{}, but its IORING_OP_{opcode} does what `{syscall}` \
         does, which {} there, and operations submitted through the ring never pass through \
         seccomp; take io_uring out (`except @aio`, or deny `io_uring_setup`), or write \
         `io_uring = unfiltered;` if the program may do that",
        match .at { Some(_) => "", None => " by the default action" },
        match .action {
            Some(action) => format!("gets {action}"),
            None => "is allowed only under conditions the ring does not check".to_owned(),
        }
    )]
    IoUringBypass {
        /// The first ABI where the hole is (a rule for several ABIs is reported once).
        abi: Abi,
        /// The entry that allows `io_uring_setup`, or `None` if the default action does.
        at: Option<SyscallRef>,
        /// The operation, without `IORING_OP_` (`"OPENAT"`).
        opcode: &'static str,
        /// A syscall the operation does the work of, which the policy denies.
        syscall: String,
        /// What the policy gives that syscall whatever its arguments, or `None` where its
        /// rules have conditions (which the ring bypasses).
        action: Option<Action>,
    },
    /// An errno the kernel cannot return.
    #[error(
        "errno({value}) in {site} is out of range: an errno is 0 to {}",
        crate::model::errno::MAX
    )]
    ErrnoOutOfRange {
        /// Where the action is.
        site: ActionSite,
        /// The value.
        value: i32,
    },
}

/// What to do about an unknown syscall: move it, or fix a typo.
fn unknown_hint(elsewhere: &Option<Abi>, suggestion: &Option<String>) -> String {
    match elsewhere {
        Some(other) => format!(" (it is one on {other}): name it in a rule for {other} only"),
        None => did_you_mean(suggestion.as_deref()),
    }
}

/// `x86_64`, `x86_64 or x32`, `x86_64, x32 or x86`.
struct AbiList<'a>(Abi, &'a [Abi]);

impl fmt::Display for AbiList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        for (i, abi) in self.1.iter().enumerate() {
            let last = i + 1 == self.1.len();
            write!(f, "{}{abi}", if last { " or " } else { ", " })?;
        }
        Ok(())
    }
}

/// Example arguments, as `arg0 = 5, arg1 = 3`.
struct Example<'a>(&'a [Option<u64>; 6]);

impl fmt::Display for Example<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        for (index, value) in self.0.iter().enumerate() {
            if let Some(value) = value {
                write!(
                    f,
                    "{separator}arg{index} = {}",
                    crate::model::condition::Value(*value)
                )?;
                separator = ", ";
            }
        }
        Ok(())
    }
}

impl fmt::Display for AbiRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ABI {} of block {}", Nth(self.position), Nth(self.block))
    }
}
