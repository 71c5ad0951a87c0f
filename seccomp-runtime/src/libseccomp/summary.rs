//! What each ABI's filter holds: the rules added, one syscall each.

use std::borrow::Cow;
use std::fmt;

use crate::model::abi::Abi;

use crate::model::action::Action;

use crate::model::condition::Comparison;

use crate::model::rule::{RuleRef, SyscallRef};

const X32_BIT: i32 = 0x4000_0000;

/// What one ABI's filter holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiSummary {
    /// The ABI.
    pub abi: Abi,
    /// Every rule added, one syscall each, in the order added.
    pub rules: Vec<AddedRule>,
    /// Members of groups and optional names that the ABI lacks, left out of its filter.
    pub skipped: Vec<Skipped>,
}

/// A group member or optional name left out of one ABI's filter because the ABI lacks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The rule's entry it comes from.
    pub at: SyscallRef,
    /// The syscall.
    pub syscall: String,
    /// The entry as written: `@system_service` or `?mseal`.
    pub entry: String,
}

/// One rule as added to one ABI's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedRule {
    /// Where the rule sits in the policy.
    pub at: RuleRef,
    /// The syscall's name.
    pub syscall: Cow<'static, str>,
    /// The ABI whose filter it was added to.
    pub abi: Abi,
    /// The action.
    pub action: Action,
    /// The comparisons, all of which must hold.
    pub conditions: Vec<Comparison>,
}

impl AddedRule {
    /// The syscall's number on the rule's ABI; `None` for a syscall the ABI reaches only
    /// through `socketcall` or `ipc`. Looked up when asked: building does not need it.
    pub fn number(&self) -> Option<i32> {
        crate::table::syscall::syscall_number(self.abi, &self.syscall)
    }
}

impl fmt::Display for AbiSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} rules", self.abi, self.rules.len())?;
        for rule in &self.rules {
            write!(f, "  {} {}", rule.action, rule.syscall)?;
            match rule.number() {
                // x32 numbers carry the x32 bit; show the table number beside it.
                Some(number) if number & X32_BIT != 0 => {
                    write!(f, " (#{} | 0x40000000)", number & !X32_BIT)?
                }
                Some(number) => write!(f, " (#{number})")?,
                None => f.write_str(" (multiplexed)")?,
            }
            for (i, comparison) in rule.conditions.iter().enumerate() {
                f.write_str(if i == 0 { " if " } else { " && " })?;
                write!(f, "{comparison}")?;
            }
            writeln!(f)?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "  skipped, not on {}:", self.abi)?;
            for skipped in &self.skipped {
                writeln!(f, "    {} (from {})", skipped.syscall, skipped.entry)?;
            }
        }
        Ok(())
    }
}
