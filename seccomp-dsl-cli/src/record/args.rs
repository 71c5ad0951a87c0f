//! Which argument of a syscall `--args` records, and how many values make a small set.
//!
//! Only arguments that select an operation or carry flags are worth a condition: their
//! values are few and stable from run to run. Pointers, lengths and most fds change with
//! every run (ASLR, input size), so a condition on them would deny the next run; those
//! syscalls are allowed without conditions.

/// The most distinct values of an argument recorded as conditions; with more, the syscall
/// is allowed whatever the argument.
pub const MAX_VALUES: usize = 8;

/// The command or flags argument of `syscall`, if it has one worth recording.
pub fn condition_arg(syscall: &str) -> Option<u8> {
    Some(match syscall {
        // The operation selectors.
        "fcntl" | "fcntl64" | "ioctl" | "futex" | "setsockopt" | "getsockopt" | "prlimit64" => 1,
        "prctl" | "arch_prctl" | "rt_sigprocmask" | "personality" | "socket" | "socketpair"
        | "clock_gettime" | "clock_getres" | "getrlimit" | "bpf" => 0,
        // The protection and advice flags.
        "mprotect" | "madvise" => 2,
        "mmap" | "mmap2" => 2,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_flags_only() {
        assert_eq!(condition_arg("fcntl"), Some(1));
        assert_eq!(condition_arg("prctl"), Some(0));
        assert_eq!(condition_arg("read"), None);
        assert_eq!(condition_arg("openat"), None);
    }
}
