//! The constant names a policy file may compare arguments with (`F_GETFL`, `O_RDONLY`,
//! `AF_UNIX`, ...), with their value on each ABI.
//!
//! In the macro a value may be any Rust constant (`libc::F_GETFL`), which the compiled
//! program knows for its own target. A file is read at run time, by a program that may
//! build filters for other ABIs than its own, so its names are resolved here, per ABI of
//! the rule. Most of these values are the same on every Linux ABI; the open flags, socket
//! types and a few mmap and fcntl values differ on arm/aarch64, powerpc, mips and parisc.
//!
//! Source of the values: the Linux kernel's UAPI headers (`include/uapi/asm-generic/*.h`
//! and `arch/{arm,arm64,powerpc,mips,parisc}/include/uapi/asm/*.h`, GPL-2.0 WITH
//! Linux-syscall-note), as facts; cross-checked against the `libc` crate 0.2.191 where it
//! covers the ABI.

use crate::model::abi::Abi;

/// ABIs whose headers define some of these values differently from asm-generic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Arm,
    Ppc,
    Mips,
    Parisc,
}

fn family(abi: Abi) -> Option<Family> {
    Some(match abi {
        Abi::Arm | Abi::Aarch64 => Family::Arm,
        Abi::Ppc | Abi::Ppc64 | Abi::Ppc64Le => Family::Ppc,
        Abi::Mips
        | Abi::Mipsel
        | Abi::Mips64
        | Abi::Mipsel64
        | Abi::Mips64N32
        | Abi::Mipsel64N32 => Family::Mips,
        Abi::Parisc | Abi::Parisc64 => Family::Parisc,
        _ => return None,
    })
}

/// One named constant: its asm-generic value and where it differs.
pub struct Constant {
    /// The name, as C and the `libc` crate spell it.
    pub name: &'static str,
    generic: u64,
    differs: &'static [(Family, u64)],
}

impl Constant {
    /// The value on `abi`.
    pub fn value(&self, abi: Abi) -> u64 {
        let family = family(abi);
        self.differs
            .iter()
            .find(|(f, _)| Some(*f) == family)
            .map_or(self.generic, |&(_, value)| value)
    }

    /// Whether the value is the same on every ABI.
    pub fn is_uniform(&self) -> bool {
        self.differs.is_empty()
    }
}

macro_rules! constants {
    ($($name:ident = $generic:expr $(, $family:ident: $value:expr)*;)*) => {
        /// Every constant a policy file may name, in the order of the table.
        pub const ALL: &[Constant] = &[$(Constant {
            name: stringify!($name),
            generic: $generic,
            differs: &[$((Family::$family, $value)),*],
        }),*];
    };
}

constants! {
    // fcntl commands and flags.
    F_DUPFD = 0;
    F_GETFD = 1;
    F_SETFD = 2;
    F_GETFL = 3;
    F_SETFL = 4;
    F_GETLK = 5, Mips: 14;
    F_SETLK = 6;
    F_SETLKW = 7;
    F_SETOWN = 8, Mips: 24, Parisc: 12;
    F_GETOWN = 9, Mips: 23, Parisc: 11;
    F_OFD_GETLK = 36;
    F_OFD_SETLK = 37;
    F_OFD_SETLKW = 38;
    F_DUPFD_CLOEXEC = 1030;
    F_SETPIPE_SZ = 1031;
    F_GETPIPE_SZ = 1032;
    F_ADD_SEALS = 1033;
    F_GET_SEALS = 1034;
    FD_CLOEXEC = 1;
    // open flags.
    O_RDONLY = 0;
    O_WRONLY = 1;
    O_RDWR = 2;
    O_ACCMODE = 3;
    O_CREAT = 0o100, Mips: 0x100, Parisc: 0o400;
    O_EXCL = 0o200, Mips: 0x400, Parisc: 0o2000;
    O_NOCTTY = 0o400, Mips: 0x800, Parisc: 0o400000;
    O_TRUNC = 0o1000;
    O_APPEND = 0o2000, Mips: 0x8, Parisc: 0o10;
    O_NONBLOCK = 0o4000, Mips: 0x80, Parisc: 0o200004;
    O_DIRECTORY = 0o200000, Arm: 0o40000, Ppc: 0o40000, Parisc: 0o10000;
    O_NOFOLLOW = 0o400000, Arm: 0o100000, Ppc: 0o100000, Parisc: 0o200;
    O_CLOEXEC = 0o2000000, Parisc: 0o10000000;
    O_PATH = 0o10000000, Parisc: 0o20000000;
    // *at flags.
    AT_SYMLINK_NOFOLLOW = 0x100;
    AT_REMOVEDIR = 0x200;
    AT_SYMLINK_FOLLOW = 0x400;
    AT_EMPTY_PATH = 0x1000;
    // Sockets.
    AF_UNSPEC = 0;
    AF_UNIX = 1;
    AF_LOCAL = 1;
    AF_INET = 2;
    AF_INET6 = 10;
    AF_NETLINK = 16;
    AF_PACKET = 17;
    AF_VSOCK = 40;
    SOCK_STREAM = 1, Mips: 2;
    SOCK_DGRAM = 2, Mips: 1;
    SOCK_RAW = 3;
    SOCK_SEQPACKET = 5;
    SOCK_NONBLOCK = 0o4000, Mips: 0x80, Parisc: 0x4000_0000;
    SOCK_CLOEXEC = 0o2000000, Parisc: 0o10000000;
    // Namespaces and clone.
    CLONE_VM = 0x100;
    CLONE_FS = 0x200;
    CLONE_FILES = 0x400;
    CLONE_SIGHAND = 0x800;
    CLONE_PIDFD = 0x1000;
    CLONE_VFORK = 0x4000;
    CLONE_PARENT = 0x8000;
    CLONE_THREAD = 0x10000;
    CLONE_NEWNS = 0x20000;
    CLONE_SYSVSEM = 0x40000;
    CLONE_SETTLS = 0x80000;
    CLONE_NEWCGROUP = 0x0200_0000;
    CLONE_NEWUTS = 0x0400_0000;
    CLONE_NEWIPC = 0x0800_0000;
    CLONE_NEWUSER = 0x1000_0000;
    CLONE_NEWPID = 0x2000_0000;
    CLONE_NEWNET = 0x4000_0000;
    // Memory.
    PROT_NONE = 0;
    PROT_READ = 1;
    PROT_WRITE = 2;
    PROT_EXEC = 4;
    MAP_SHARED = 1;
    MAP_PRIVATE = 2;
    MAP_FIXED = 0x10, Parisc: 0x4;
    MAP_ANONYMOUS = 0x20, Mips: 0x800, Parisc: 0x10;
    MFD_CLOEXEC = 1;
    MFD_ALLOW_SEALING = 2;
    // prctl options.
    PR_SET_PDEATHSIG = 1;
    PR_GET_DUMPABLE = 3;
    PR_SET_DUMPABLE = 4;
    PR_SET_NAME = 15;
    PR_GET_NAME = 16;
    PR_SET_SECCOMP = 22;
    PR_SET_NO_NEW_PRIVS = 38;
    PR_GET_NO_NEW_PRIVS = 39;
    // futex operations.
    FUTEX_WAIT = 0;
    FUTEX_WAKE = 1;
    FUTEX_PRIVATE_FLAG = 128;
    // getrandom flags.
    GRND_NONBLOCK = 1;
    GRND_RANDOM = 2;
}

/// The constant called `name` (also accepted as `libc::name`), if the table has it.
pub fn by_name(name: &str) -> Option<&'static Constant> {
    ALL.iter().find(|constant| constant.name == name)
}

/// The name closest to `name`, for "did you mean".
pub fn nearest(name: &str) -> Option<&'static str> {
    crate::util::suggest::nearest(name, ALL.iter().map(|constant| constant.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the `libc` crate describes this very machine, it agrees with the table.
    #[test]
    fn the_table_agrees_with_libc_here() {
        let Some(native) = Abi::native() else { return };
        let known: &[(&str, i64)] = &[
            ("F_GETFL", libc::F_GETFL.into()),
            ("F_GETLK", libc::F_GETLK.into()),
            ("F_SETOWN", libc::F_SETOWN.into()),
            ("F_DUPFD_CLOEXEC", libc::F_DUPFD_CLOEXEC.into()),
            ("O_CREAT", libc::O_CREAT.into()),
            ("O_EXCL", libc::O_EXCL.into()),
            ("O_NOCTTY", libc::O_NOCTTY.into()),
            ("O_TRUNC", libc::O_TRUNC.into()),
            ("O_APPEND", libc::O_APPEND.into()),
            ("O_NONBLOCK", libc::O_NONBLOCK.into()),
            ("O_DIRECTORY", libc::O_DIRECTORY.into()),
            ("O_NOFOLLOW", libc::O_NOFOLLOW.into()),
            ("O_CLOEXEC", libc::O_CLOEXEC.into()),
            ("O_PATH", libc::O_PATH.into()),
            ("AT_EMPTY_PATH", libc::AT_EMPTY_PATH.into()),
            ("AF_NETLINK", libc::AF_NETLINK.into()),
            ("SOCK_STREAM", libc::SOCK_STREAM.into()),
            ("SOCK_DGRAM", libc::SOCK_DGRAM.into()),
            ("SOCK_NONBLOCK", libc::SOCK_NONBLOCK.into()),
            ("SOCK_CLOEXEC", libc::SOCK_CLOEXEC.into()),
            ("CLONE_NEWUSER", libc::CLONE_NEWUSER.into()),
            ("CLONE_PIDFD", libc::CLONE_PIDFD.into()),
            ("MAP_FIXED", libc::MAP_FIXED.into()),
            ("MAP_ANONYMOUS", libc::MAP_ANONYMOUS.into()),
            ("PR_SET_NO_NEW_PRIVS", libc::PR_SET_NO_NEW_PRIVS.into()),
            ("FUTEX_PRIVATE_FLAG", libc::FUTEX_PRIVATE_FLAG.into()),
            ("GRND_RANDOM", libc::GRND_RANDOM.into()),
        ];
        for &(name, value) in known {
            let constant = by_name(name).unwrap_or_else(|| panic!("{name} is in the table"));
            assert_eq!(constant.value(native) as i64, value, "{name} on {native}");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ALL.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
