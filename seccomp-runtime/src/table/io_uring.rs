//! The io_uring operations, and the syscalls whose work each one does.
//!
//! An operation submitted through an io_uring ring is carried out by the kernel without
//! passing through seccomp: a policy that lets a program set up a ring lets it open,
//! connect, unlink, ... whatever the policy says about `openat`, `connect`, `unlinkat`.
//! [`Policy::violations`](crate::Policy::violations) uses this table to say so.
//!
//! Source: the kernel's `include/uapi/linux/io_uring.h` (`enum io_uring_op`, opcodes 0 to
//! 64, `IORING_OP_URING_CMD128` being the last, as of Linux 6.18) and `io_uring/opdef.c`
//! (which handler each opcode runs). The opcodes and names are facts from a uAPI header
//! (licensed `(GPL-2.0 WITH Linux-syscall-note) OR MIT`); no code is copied. The syscalls
//! are ours: for each operation, the syscalls that do the same work, read from the
//! handler (`io_openat` does what `openat` does, `io_read` what `read` and `pread64` do).

/// One io_uring operation: its opcode and the syscalls that do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoUringOp {
    /// The name after `IORING_OP_` (`"OPENAT"`).
    pub name: &'static str,
    /// The opcode (`IORING_OP_OPENAT` is 18).
    pub opcode: u8,
    /// The syscalls whose work the operation does, as the syscall table names them; any
    /// one of them gives a program what the operation gives (`READ` reads with or without
    /// an offset: `read` or `pread64`). Empty for operations on the ring itself (`NOP`,
    /// timeouts, cancellation, buffer registration, messages to another ring).
    pub syscalls: &'static [&'static str],
}

/// The Linux version [`IO_URING_OPS`] was read from.
pub const IO_URING_KERNEL: &str = "6.18";

const fn op(name: &'static str, opcode: u8, syscalls: &'static [&'static str]) -> IoUringOp {
    IoUringOp {
        name,
        opcode,
        syscalls,
    }
}

/// Every io_uring operation of [`IO_URING_KERNEL`], by opcode.
pub const IO_URING_OPS: &[IoUringOp] = &[
    op("NOP", 0, &[]),
    op("READV", 1, &["readv", "preadv", "preadv2"]),
    op("WRITEV", 2, &["writev", "pwritev", "pwritev2"]),
    op("FSYNC", 3, &["fsync", "fdatasync"]),
    op("READ_FIXED", 4, &["read", "pread64"]),
    op("WRITE_FIXED", 5, &["write", "pwrite64"]),
    op("POLL_ADD", 6, &["poll", "ppoll"]),
    op("POLL_REMOVE", 7, &[]),
    op(
        "SYNC_FILE_RANGE",
        8,
        &["sync_file_range", "sync_file_range2"],
    ),
    op("SENDMSG", 9, &["sendmsg"]),
    op("RECVMSG", 10, &["recvmsg"]),
    op("TIMEOUT", 11, &[]),
    op("TIMEOUT_REMOVE", 12, &[]),
    op("ACCEPT", 13, &["accept4", "accept"]),
    op("ASYNC_CANCEL", 14, &[]),
    op("LINK_TIMEOUT", 15, &[]),
    op("CONNECT", 16, &["connect"]),
    op("FALLOCATE", 17, &["fallocate"]),
    op("OPENAT", 18, &["openat"]),
    op("CLOSE", 19, &["close"]),
    op("FILES_UPDATE", 20, &[]),
    op("STATX", 21, &["statx"]),
    op("READ", 22, &["read", "pread64"]),
    op("WRITE", 23, &["write", "pwrite64"]),
    op(
        "FADVISE",
        24,
        &["fadvise64", "fadvise64_64", "arm_fadvise64_64"],
    ),
    op("MADVISE", 25, &["madvise"]),
    op("SEND", 26, &["sendto"]),
    op("RECV", 27, &["recvfrom"]),
    op("OPENAT2", 28, &["openat2"]),
    op("EPOLL_CTL", 29, &["epoll_ctl"]),
    op("SPLICE", 30, &["splice"]),
    op("PROVIDE_BUFFERS", 31, &[]),
    op("REMOVE_BUFFERS", 32, &[]),
    op("TEE", 33, &["tee"]),
    op("SHUTDOWN", 34, &["shutdown"]),
    op("RENAMEAT", 35, &["renameat2", "renameat"]),
    op("UNLINKAT", 36, &["unlinkat"]),
    op("MKDIRAT", 37, &["mkdirat"]),
    op("SYMLINKAT", 38, &["symlinkat"]),
    op("LINKAT", 39, &["linkat"]),
    op("MSG_RING", 40, &[]),
    op("FSETXATTR", 41, &["fsetxattr"]),
    op("SETXATTR", 42, &["setxattr"]),
    op("FGETXATTR", 43, &["fgetxattr"]),
    op("GETXATTR", 44, &["getxattr"]),
    op("SOCKET", 45, &["socket"]),
    // A command to the file's driver (NVMe passthrough, ...) or, on a socket,
    // SOCKET_URING_OP_GETSOCKOPT / SETSOCKOPT / SIOCINQ / SIOCOUTQ.
    op("URING_CMD", 46, &["ioctl", "getsockopt", "setsockopt"]),
    op("SEND_ZC", 47, &["sendto"]),
    op("SENDMSG_ZC", 48, &["sendmsg"]),
    op("READ_MULTISHOT", 49, &["read"]),
    op("WAITID", 50, &["waitid"]),
    op("FUTEX_WAIT", 51, &["futex", "futex_wait"]),
    op("FUTEX_WAKE", 52, &["futex", "futex_wake"]),
    op("FUTEX_WAITV", 53, &["futex_waitv"]),
    // Makes a ring-only ("direct") descriptor an ordinary one: nothing a syscall denies.
    op("FIXED_FD_INSTALL", 54, &[]),
    op("FTRUNCATE", 55, &["ftruncate", "ftruncate64"]),
    op("BIND", 56, &["bind"]),
    op("LISTEN", 57, &["listen"]),
    op("RECV_ZC", 58, &["recvfrom", "recvmsg"]),
    op(
        "EPOLL_WAIT",
        59,
        &["epoll_wait", "epoll_pwait", "epoll_pwait2"],
    ),
    op("READV_FIXED", 60, &["readv", "preadv", "preadv2"]),
    op("WRITEV_FIXED", 61, &["writev", "pwritev", "pwritev2"]),
    op("PIPE", 62, &["pipe2", "pipe"]),
    op("NOP128", 63, &[]),
    op("URING_CMD128", 64, &["ioctl", "getsockopt", "setsockopt"]),
];

/// The syscall that sets up a ring: a program that cannot make it has no ring (one made
/// before the filter was loaded, and inherited, is beyond any filter).
pub(crate) const RING_SETUP: &str = "io_uring_setup";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::abi::Abi;
    use crate::table::syscall::syscall_exists;

    #[test]
    fn opcodes_are_the_headers_in_order() {
        for (index, op) in IO_URING_OPS.iter().enumerate() {
            assert_eq!(usize::from(op.opcode), index, "{}", op.name);
        }
        let by_name = |name: &str| IO_URING_OPS.iter().find(|op| op.name == name).copied();
        // Known numbers, from the header.
        assert_eq!(by_name("OPENAT").map(|op| op.opcode), Some(18));
        assert_eq!(by_name("SOCKET").map(|op| op.opcode), Some(45));
        assert_eq!(by_name("PIPE").map(|op| op.opcode), Some(62));
        assert_eq!(IO_URING_OPS.last().map(|op| op.name), Some("URING_CMD128"));
    }

    /// A misspelt name would never match a rule, and its hole would go unreported.
    #[test]
    fn every_syscall_is_in_the_table() {
        for op in IO_URING_OPS {
            for name in op.syscalls {
                assert!(
                    Abi::ALL.into_iter().any(|abi| syscall_exists(abi, name)),
                    "IORING_OP_{}: `{name}` is no syscall",
                    op.name
                );
            }
            // Every operation that does a syscall's work can be reported on x86_64 and x86.
            if !op.syscalls.is_empty() {
                for abi in [Abi::X86_64, Abi::X86] {
                    assert!(
                        op.syscalls.iter().any(|name| syscall_exists(abi, name)),
                        "IORING_OP_{} on {abi}",
                        op.name
                    );
                }
            }
        }
        assert!(syscall_exists(Abi::X86, RING_SETUP));
    }
}
