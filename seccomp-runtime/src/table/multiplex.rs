//! `socketcall` and `ipc`: one syscall that reaches many calls by its `arg0`.
//!
//! Call numbers from the kernel's `include/uapi/linux/net.h` (`SYS_SOCKET` ...) and
//! `include/uapi/linux/ipc.h` / `ipc/syscall.c` (`SEMOP` ...); facts from GPL-2.0 WITH
//! Linux-syscall-note headers. Which ABIs have the multiplexers is a column of the ABI table
//! (`abi.rs`), as libseccomp treats them: x86, mips o32, ppc, ppc64 and s390(x).

/// A multiplexing syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Multiplexer {
    /// `socketcall(call, args)`: the socket calls.
    Socketcall,
    /// `ipc(call, ...)`: System V semaphores, messages and shared memory.
    Ipc,
}

impl Multiplexer {
    /// The multiplexer's syscall name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Multiplexer::Socketcall => "socketcall",
            Multiplexer::Ipc => "ipc",
        }
    }
}

/// `socketcall`'s calls: `SYS_SOCKET` = 1 ... `SYS_SENDMMSG` = 20.
const SOCKETCALL: [(&str, u64); 20] = [
    ("socket", 1),
    ("bind", 2),
    ("connect", 3),
    ("listen", 4),
    ("accept", 5),
    ("getsockname", 6),
    ("getpeername", 7),
    ("socketpair", 8),
    ("send", 9),
    ("recv", 10),
    ("sendto", 11),
    ("recvfrom", 12),
    ("shutdown", 13),
    ("setsockopt", 14),
    ("getsockopt", 15),
    ("sendmsg", 16),
    ("recvmsg", 17),
    ("accept4", 18),
    ("recvmmsg", 19),
    ("sendmmsg", 20),
];

/// `ipc`'s calls.
const IPC: [(&str, u64); 12] = [
    ("semop", 1),
    ("semget", 2),
    ("semctl", 3),
    ("semtimedop", 4),
    ("msgsnd", 11),
    ("msgrcv", 12),
    ("msgget", 13),
    ("msgctl", 14),
    ("shmat", 21),
    ("shmdt", 22),
    ("shmget", 23),
    ("shmctl", 24),
];

/// Every call a multiplexer reaches, on an ABI that has both multiplexers: its name, the
/// multiplexer's name, and the multiplexer's `arg0` for it.
pub(crate) fn multiplexed_calls() -> impl Iterator<Item = (&'static str, &'static str, u64)> {
    let calls = |list: &'static [(&'static str, u64)], via: Multiplexer| {
        list.iter()
            .map(move |&(name, call)| (name, via.name(), call))
    };
    calls(&SOCKETCALL, Multiplexer::Socketcall).chain(calls(&IPC, Multiplexer::Ipc))
}
