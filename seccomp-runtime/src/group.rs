//! Placeholder for systemd's syscall groups (the real data lands from the `groups` branch).

use std::fmt;

/// A named set of syscalls.
#[derive(Debug)]
pub struct Group {
    name: &'static str,
    members: &'static [&'static str],
}

/// Placeholder.
pub const BASIC_IO: &Group = &Group {
    name: "basic_io",
    members: &[
        "read", "write", "close", "readv", "writev", "pread64", "pwrite64",
    ],
};

impl Group {
    /// Every group.
    pub const ALL: &'static [&'static Group] = &[BASIC_IO];

    /// The name, without `@`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Every syscall, nested groups expanded.
    pub fn syscalls(&self) -> Vec<&'static str> {
        self.members.to_vec()
    }

    /// The group called `name`.
    pub fn by_name(name: &str) -> Option<&'static Group> {
        let name = name.strip_prefix('@').unwrap_or(name);
        Group::ALL.iter().copied().find(|g| g.name == name)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.name)
    }
}
