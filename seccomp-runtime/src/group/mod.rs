//! Named sets of syscalls: systemd's syscall groups (`@system_service`, `@file_system`, ...),
//! with the same members as systemd, so a policy can say what a service does in a few words.
//!
//! Each group is a constant ([`SYSTEM_SERVICE`], [`BASIC_IO`], ...) whose members a caller
//! can read. A group may hold other groups (`@system_service` holds `@basic_io`); they stay
//! references in [`Group::members`] and are expanded by [`Group::syscalls`].
//!
//! The members are systemd's, from `src/shared/seccomp-util.c` (LGPL-2.1-or-later; only the
//! lists of names are taken) at commit `1a86520849728e8a7f10e343f996976fbd1ed851` of the
//! fork `bluca/systemd`, which follows systemd's main branch: newer than systemd v257 (the
//! lists hold Linux 6.17's `file_getattr`); the copy carries no version to pin the release.
//! systemd writes `@system-service`; here names use `_` (`@system_service`), the spelling a
//! Rust identifier and the policy language can hold.
//!
//! A group lists names the way systemd does: for every ABI at once. Some members exist on
//! some ABIs only (`_llseek`, `socketcall`, `arch_prctl`), and some are not in every syscall
//! table (`mseal` is newer than libseccomp 2.5.4).
//!
//! ```
//! use seccomp_runtime::group::{self, Group};
//!
//! let service = group::SYSTEM_SERVICE;
//! assert_eq!(service.to_string(), "@system_service");
//! assert!(service.contains("read")); // through @basic_io
//! assert!(!service.contains("reboot"));
//! assert_eq!(Group::by_name("@basic_io"), Some(group::BASIC_IO));
//! ```

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::model::abi::Abi;

use crate::table::syscall::syscall_names;

mod systemd;

pub use systemd::*;

/// A named set of syscalls, possibly holding other groups.
///
/// Groups are constants of this module ([`SYSTEM_SERVICE`], ...), found by name with
/// [`Group::by_name`]; two groups are equal when their names are.
pub struct Group {
    /// The name without `@`, `_` for systemd's `-`.
    name: &'static str,
    /// systemd's one-line help text.
    description: &'static str,
    /// Nested groups, which systemd lists before the syscalls.
    groups: &'static [&'static Group],
    /// Syscall names, in systemd's order.
    syscalls: &'static [&'static str],
    /// Whether every name of the syscall table is a member too (`@known`).
    with_table: bool,
}

/// One member of a [`Group`], as the group lists it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Member {
    /// A syscall, by name.
    Syscall(&'static str),
    /// Another group, whose members are members too.
    Group(&'static Group),
    /// Every syscall the syscall table knows, on any ABI; only `@known` has it, where
    /// systemd generates the list from the kernel's.
    SyscallTable,
}

impl Group {
    /// Every group, in systemd's order.
    pub const ALL: &'static [&'static Group] = &[
        DEFAULT,
        AIO,
        BASIC_IO,
        CHOWN,
        CLOCK,
        CPU_EMULATION,
        DEBUG,
        FILE_SYSTEM,
        IO_EVENT,
        IPC,
        KEYRING,
        MEMLOCK,
        MODULE,
        MOUNT,
        NETWORK_IO,
        OBSOLETE,
        PKEY,
        PRIVILEGED,
        PROCESS,
        RAW_IO,
        REBOOT,
        RESOURCES,
        SANDBOX,
        SETUID,
        SIGNAL,
        SWAP,
        SYNC,
        SYSTEM_SERVICE,
        TIMER,
        KNOWN,
    ];

    /// The name, without `@` (`"system_service"`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the group is for, in systemd's words.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The members as the group lists them, nested groups unexpanded: the groups first,
    /// then the syscalls, in systemd's order.
    ///
    /// ```
    /// use seccomp_runtime::group::{self, Member};
    /// assert_eq!(
    ///     group::DEFAULT.members().next(),
    ///     Some(Member::Group(group::SANDBOX))
    /// );
    /// ```
    pub fn members(&self) -> impl Iterator<Item = Member> + 'static {
        let table = self.with_table.then_some(Member::SyscallTable);
        self.groups
            .iter()
            .map(|&group| Member::Group(group))
            .chain(self.syscalls.iter().map(|&name| Member::Syscall(name)))
            .chain(table)
    }

    /// Every syscall name in the group, nested groups expanded, sorted, each once.
    ///
    /// Names are borrowed from the group's lists; only `@known` owns some, those it reads
    /// from the syscall table (walking every ABI's table: not cheap, call it once).
    ///
    /// ```
    /// use seccomp_runtime::group;
    /// let names = group::SWAP.syscalls();
    /// assert_eq!(names, ["swapoff", "swapon"]);
    /// ```
    pub fn syscalls(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        self.collect(&mut names);
        names.sort_unstable();
        names.dedup();
        names
    }

    fn collect(&self, names: &mut Vec<&'static str>) {
        for member in self.members() {
            match member {
                Member::Syscall(name) => names.push(name),
                Member::Group(group) => group.collect(names),
                Member::SyscallTable => names.extend(table_names()),
            }
        }
    }

    /// Whether `name` is a syscall of the group, nested groups included.
    pub fn contains(&self, name: &str) -> bool {
        self.members().any(|member| match member {
            Member::Syscall(member) => member == name,
            Member::Group(group) => group.contains(name),
            Member::SyscallTable => table_names().any(|known| known == name),
        })
    }

    /// The group called `name`, with or without the leading `@`.
    ///
    /// systemd's spelling with `-` is accepted too (`@system-service`), so names copied from
    /// a unit file's `SystemCallFilter=` work; [`Group::name`] and `Display` always use `_`.
    ///
    /// ```
    /// use seccomp_runtime::group::{self, Group};
    /// assert_eq!(Group::by_name("system_service"), Some(group::SYSTEM_SERVICE));
    /// assert_eq!(Group::by_name("@system-service"), Some(group::SYSTEM_SERVICE));
    /// assert_eq!(Group::by_name("@systemservice"), None);
    /// ```
    pub fn by_name(name: &str) -> Option<&'static Group> {
        let name = canonical(name);
        Group::ALL.iter().copied().find(|group| group.name == name)
    }

    /// The group called `name` (as [`Group::by_name`] takes it), or an error that suggests
    /// the nearest name.
    ///
    /// # Errors
    ///
    /// [`UnknownGroup`] if no group has that name.
    ///
    /// ```
    /// use seccomp_runtime::group::{self, Group};
    /// let err = Group::lookup("@file_sytem").unwrap_err();
    /// assert_eq!(err.suggestion, Some(group::FILE_SYSTEM));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "unknown syscall group `@file_sytem`; did you mean `@file_system`?"
    /// );
    /// ```
    pub fn lookup(name: &str) -> Result<&'static Group, UnknownGroup> {
        Group::by_name(name).ok_or_else(|| UnknownGroup {
            name: name.to_owned(),
            suggestion: Group::nearest(name),
        })
    }

    /// The group whose name is nearest to `name`, if it is close enough to be a typo.
    pub fn nearest(name: &str) -> Option<&'static Group> {
        let name = canonical(name);
        let nearest =
            crate::util::suggest::nearest(&name, Group::ALL.iter().map(|group| group.name))?;
        Group::by_name(nearest)
    }
}

/// `name` without its `@`, with systemd's `-` as `_`.
fn canonical(name: &str) -> Cow<'_, str> {
    let name = name.strip_prefix('@').unwrap_or(name);
    if name.contains('-') {
        Cow::Owned(name.replace('-', "_"))
    } else {
        Cow::Borrowed(name)
    }
}

/// Every name of the syscall table, on every ABI, with repeats.
fn table_names() -> impl Iterator<Item = &'static str> {
    Abi::ALL.into_iter().flat_map(syscall_names)
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.name)
    }
}

impl fmt::Debug for Group {
    /// The name and the members as listed; nested groups by name, not expanded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("name", &self.name)
            .field("members", &self.members().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Member::Syscall(name) => f.write_str(name),
            Member::Group(group) => write!(f, "{group}"),
            Member::SyscallTable => f.write_str("<syscall table>"),
        }
    }
}

impl PartialEq for Group {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Group {}

impl Hash for Group {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// The error of looking up a group by a name no group has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown syscall group `{name}`{}", hint(*.suggestion))]
pub struct UnknownGroup {
    /// The name given.
    pub name: String,
    /// The group with the nearest name, if one is close.
    pub suggestion: Option<&'static Group>,
}

/// The nearest group, or, when none is near, every group.
fn hint(suggestion: Option<&Group>) -> String {
    match suggestion {
        Some(group) => format!("; did you mean `{group}`?"),
        None => {
            let names: Vec<String> = Group::ALL.iter().map(ToString::to_string).collect();
            format!("; the groups are {}", names.join(", "))
        }
    }
}

#[cfg(test)]
mod tests;
