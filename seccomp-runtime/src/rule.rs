//! Rules: an action for some syscalls, maybe under a condition.

use std::borrow::Cow;
use std::fmt;

use crate::{Action, Comparison};

/// An action for one or more syscalls, taken when every comparison holds.
///
/// Displayed as the policy language spells it:
///
/// ```
/// use seccomp_runtime::{arg, Action, Rule};
/// let rule = Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3));
/// assert_eq!(rule.to_string(), "allow fcntl if arg1 == 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    action: Action,
    syscalls: Vec<Cow<'static, str>>,
    conditions: Vec<Comparison>,
}

impl Rule {
    /// A rule taking `action` for each of `syscalls`, named as libseccomp names them.
    pub fn new<S>(action: Action, syscalls: impl IntoIterator<Item = S>) -> Rule
    where
        S: Into<Cow<'static, str>>,
    {
        Rule {
            action,
            syscalls: syscalls.into_iter().map(Into::into).collect(),
            conditions: Vec::new(),
        }
    }

    /// Add a comparison that must hold for the rule to apply.
    #[must_use]
    pub fn when(mut self, comparison: Comparison) -> Rule {
        self.conditions.push(comparison);
        self
    }

    /// The action taken.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The syscalls, by name.
    pub fn syscalls(&self) -> impl ExactSizeIterator<Item = &str> {
        self.syscalls.iter().map(|s| &**s)
    }

    /// The syscalls' names as given, to share rather than copy them.
    #[cfg(feature = "libseccomp")]
    pub(crate) fn syscall_names(&self) -> &[Cow<'static, str>] {
        &self.syscalls
    }

    /// The comparisons that must all hold.
    pub fn conditions(&self) -> &[Comparison] {
        &self.conditions
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.action, self.syscalls.join(", "))?;
        for (i, comparison) in self.conditions.iter().enumerate() {
            f.write_str(if i == 0 { " if " } else { " && " })?;
            write!(f, "{comparison}")?;
        }
        Ok(())
    }
}

/// Where a rule sits in its policy: among the common rules or in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    /// The block's index, or `None` for a common rule.
    pub block: Option<usize>,
    /// The rule's index among the common rules or the block's rules.
    pub index: usize,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.block {
            None => write!(f, "common rule #{}", self.index + 1),
            Some(block) => write!(f, "rule #{} of block #{}", self.index + 1, block + 1),
        }
    }
}

/// One syscall name of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SyscallRef {
    /// The rule.
    pub rule: RuleRef,
    /// The syscall's position in the rule's list.
    pub position: usize,
}
