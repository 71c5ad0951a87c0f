//! Rules: an action for some syscalls, maybe under a condition.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::group::Group;
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::Comparison;
use crate::table::syscall::syscall_exists;
use crate::util::hash::FastSet;
use crate::util::ordinal::Nth;

/// One item of a rule's syscall list.
///
/// A plain name is strict: an ABI of the rule that lacks it is a mistake (a typo must not
/// pass). Groups and optional names are tolerant: a member an ABI lacks is skipped on that
/// ABI, and [`crate::Filter::summary`] lists what was skipped.
#[derive(Debug, Clone)]
pub enum Entry {
    /// `name`: a syscall every ABI of the rule must have.
    Syscall(Cow<'static, str>),
    /// `?name`: a syscall, skipped on ABIs that lack it.
    Optional(Cow<'static, str>),
    /// `@group`: every member of the group; members an ABI lacks are skipped there.
    Group(&'static Group),
}

impl Entry {
    /// `name`: a syscall every ABI of the rule must have.
    pub fn syscall(name: impl Into<Cow<'static, str>>) -> Entry {
        Entry::Syscall(name.into())
    }

    /// `?name`: a syscall skipped where the ABI lacks it.
    pub fn optional(name: impl Into<Cow<'static, str>>) -> Entry {
        Entry::Optional(name.into())
    }

    /// `@group`.
    pub fn group(group: &'static Group) -> Entry {
        Entry::Group(group)
    }

    /// The syscall names the entry stands for, before any ABI is considered.
    fn names(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Entry::Syscall(name) | Entry::Optional(name) => Box::new(std::iter::once(&**name)),
            Entry::Group(group) => Box::new(group.syscalls().into_iter()),
        }
    }

    /// Whether the entry stands for `name` on `abi`.
    fn covers(&self, abi: Abi, name: &str) -> bool {
        match self {
            Entry::Syscall(own) => own == name,
            Entry::Optional(own) => own == name && syscall_exists(abi, name),
            Entry::Group(group) => group.contains(name) && syscall_exists(abi, name),
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        match (self, other) {
            (Entry::Syscall(a), Entry::Syscall(b)) | (Entry::Optional(a), Entry::Optional(b)) => {
                a == b
            }
            (Entry::Group(a), Entry::Group(b)) => a.name() == b.name(),
            _ => false,
        }
    }
}

impl Eq for Entry {}

impl Hash for Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Entry::Syscall(name) | Entry::Optional(name) => name.hash(state),
            Entry::Group(group) => group.name().hash(state),
        }
    }
}

impl From<&'static str> for Entry {
    fn from(name: &'static str) -> Entry {
        Entry::Syscall(Cow::Borrowed(name))
    }
}

impl From<String> for Entry {
    fn from(name: String) -> Entry {
        Entry::Syscall(Cow::Owned(name))
    }
}

impl From<Cow<'static, str>> for Entry {
    fn from(name: Cow<'static, str>) -> Entry {
        Entry::Syscall(name)
    }
}

impl From<&'static Group> for Entry {
    fn from(group: &'static Group) -> Entry {
        Entry::Group(group)
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Syscall(name) => f.write_str(name),
            Entry::Optional(name) => write!(f, "?{name}"),
            Entry::Group(group) => write!(f, "{group}"),
        }
    }
}

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
    entries: Vec<Entry>,
    except: Vec<Entry>,
    conditions: Vec<Comparison>,
}

impl Rule {
    /// A rule taking `action` for each of `syscalls`: names as libseccomp spells them,
    /// [groups](crate::group) or [optional names](Entry::optional).
    pub fn new<S>(action: Action, syscalls: impl IntoIterator<Item = S>) -> Rule
    where
        S: Into<Entry>,
    {
        Rule {
            action,
            entries: syscalls.into_iter().map(Into::into).collect(),
            except: Vec::new(),
            conditions: Vec::new(),
        }
    }

    /// Leave these syscalls out of the rule: `allow @system_service except @privileged`.
    /// Each must remove something on at least one of the rule's ABIs.
    #[must_use]
    pub fn except<S>(mut self, syscalls: impl IntoIterator<Item = S>) -> Rule
    where
        S: Into<Entry>,
    {
        self.except.extend(syscalls.into_iter().map(Into::into));
        self
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

    /// The syscall list as written: names, optional names and groups.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// What `except` leaves out.
    pub fn exceptions(&self) -> &[Entry] {
        &self.except
    }

    /// The comparisons that must all hold.
    pub fn conditions(&self) -> &[Comparison] {
        &self.conditions
    }

    /// Whether the rule is for `syscall` on `abi`.
    pub fn covers(&self, abi: Abi, syscall: &str) -> bool {
        self.entries.iter().any(|entry| entry.covers(abi, syscall))
            && !self.except.iter().any(|entry| entry.covers(abi, syscall))
    }

    /// The rule's syscalls on `abi`, with what was skipped or is missing there.
    pub fn on_abi(&self, abi: Abi) -> OnAbi<'_> {
        // The common case, plain names and no `except`: nothing can be left out or taken
        // twice, so no sets are needed (the build and the checks ask this for every rule
        // and ABI, and the sets were a good part of their cost).
        if self.except.is_empty() {
            let names: Option<Vec<&str>> = self
                .entries
                .iter()
                .map(|entry| match entry {
                    Entry::Syscall(name) => Some(&**name),
                    _ => None,
                })
                .collect();
            if let Some(names) = names {
                let mut on = OnAbi {
                    syscalls: Vec::with_capacity(names.len()),
                    ..OnAbi::default()
                };
                for (position, name) in names.into_iter().enumerate() {
                    match syscall_exists(abi, name) {
                        true => on.syscalls.push((position, name)),
                        false => on.missing.push((position, name)),
                    }
                }
                return on;
            }
        }
        let excepted: FastSet<&str> = self.except.iter().flat_map(Entry::names).collect();
        let mut on = OnAbi::default();
        // Names already taken, and whether from a plain name: a plain name given twice is
        // reported by the checks; a name a group repeats is not a mistake.
        let mut taken: FastSet<&str> = FastSet::default();
        let mut plain: FastSet<&str> = FastSet::default();
        for (position, entry) in self.entries.iter().enumerate() {
            for name in entry.names() {
                if excepted.contains(name) {
                    continue;
                }
                let is_plain = matches!(entry, Entry::Syscall(_));
                let repeated_plain = is_plain && plain.contains(name);
                if !taken.insert(name) && !repeated_plain {
                    continue;
                }
                if is_plain {
                    plain.insert(name);
                }
                match (syscall_exists(abi, name), is_plain) {
                    (true, _) => on.syscalls.push((position, name)),
                    (false, true) => on.missing.push((position, name)),
                    (false, false) => on.skipped.push((position, name)),
                }
            }
        }
        on
    }

    /// The positions in [`Rule::exceptions`] of the entries that remove nothing from the
    /// rule on `abi`.
    pub(crate) fn idle_exceptions(&self, abi: Abi) -> Vec<usize> {
        self.except
            .iter()
            .enumerate()
            .filter(|(_, except)| {
                !except.names().any(|name| {
                    syscall_exists(abi, name)
                        && self.entries.iter().any(|entry| entry.covers(abi, name))
                })
            })
            .map(|(position, _)| position)
            .collect()
    }
}

/// A rule's syscalls on one ABI, each with the position of the entry it comes from.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OnAbi<'r> {
    /// The syscalls the rule decides on the ABI, in the order written, once each (a plain
    /// name written twice stays twice, for the checks to report).
    pub syscalls: Vec<(usize, &'r str)>,
    /// Members of groups and optional names the ABI lacks.
    pub skipped: Vec<(usize, &'r str)>,
    /// Plain names the ABI lacks: mistakes.
    pub missing: Vec<(usize, &'r str)>,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.action)?;
        write_list(f, &self.entries)?;
        if !self.except.is_empty() {
            f.write_str(" except ")?;
            write_list(f, &self.except)?;
        }
        for (i, comparison) in self.conditions.iter().enumerate() {
            f.write_str(if i == 0 { " if " } else { " && " })?;
            write!(f, "{comparison}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, entries: &[Entry]) -> fmt::Result {
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{entry}")?;
    }
    Ok(())
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
            None => write!(f, "common rule {}", Nth(self.index)),
            Some(block) => write!(f, "rule {} of block {}", Nth(self.index), Nth(block)),
        }
    }
}

/// One entry of one rule's syscall list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SyscallRef {
    /// The rule.
    pub rule: RuleRef,
    /// The entry's position in the rule's list.
    pub position: usize,
}
