//! The benchmark's policy: what a small network service might allow, on all three x86 ABIs.
//!
//! About 160 syscalls: common rules for every ABI, one block for x86_64 and x32 (the
//! service's own ABI and its twin) and one for the 32-bit x86 ABI (a legacy helper), with
//! fourteen argument-checked rules. Anything else gets `errno(EPERM)`.
//!
//! `seccomp` is allowed because the classic stacked layout loads its filters one by one and
//! each must let the next through; it is here rather than in the reference code so that both
//! sides have the same rules.

use seccomp_dsl::{seccomp_policy, Policy, PrecompiledPolicy};

/// The policy's tokens, once, with `extra` settings and common rules in front. Values are
/// literals (with the constant's name beside them) so that the policy can be precompiled.
macro_rules! service_policy {
    ($($extra:tt)*) => {
    seccomp_policy! {
        default errno(EPERM);
        $($extra)*

        // Every ABI: process life, time, memory, plain file and event I/O.
        allow exit, exit_group, rt_sigreturn, rt_sigaction, rt_sigprocmask, rt_sigtimedwait,
            sigaltstack, restart_syscall, futex, set_robust_list, get_robust_list,
            set_tid_address, rseq, sched_yield, sched_getaffinity, getpid, getppid, gettid,
            getuid, geteuid, getgid, getegid, getresuid, getresgid, getgroups, prlimit64,
            uname, getrandom, tgkill, clock_gettime, clock_getres, clock_nanosleep, nanosleep,
            gettimeofday, brk, munmap, mremap, madvise, membarrier, read, write, readv, writev,
            pread64, pwrite64, close, openat, dup, dup3, pipe2, statx, faccessat, readlinkat,
            getcwd, getdents64, fsync, fdatasync, ftruncate, unlinkat, renameat2, mkdirat,
            fchmod, flock, epoll_create1, epoll_ctl, epoll_pwait, eventfd2, timerfd_create,
            timerfd_settime, timerfd_gettime, signalfd4, poll, ppoll, pselect6, seccomp;

        // The service's own ABI and its twin, networking included.
        abi x86_64, x32 {
            allow fstat, newfstatat, stat, lstat, lseek, access, open, pipe, dup2, readlink,
                rename, unlink, mkdir, rmdir, fchown, chdir, fchdir, umask, sendfile, splice,
                copy_file_range, fallocate, memfd_create, inotify_init1, inotify_add_watch,
                inotify_rm_watch, epoll_wait, select, accept4, bind, listen, connect,
                getsockname, getpeername, getsockopt, sendto, recvfrom, sendmsg, recvmsg,
                sendmmsg, recvmmsg, shutdown, socketpair, wait4, kill, arch_prctl, getrusage,
                sysinfo, times, getpgrp, setsid, sched_getparam, sched_getscheduler, capget;
            allow socket if arg0 == 1;         // AF_UNIX
            allow socket if arg0 == 2;         // AF_INET
            allow socket if arg0 == 10;        // AF_INET6
            allow fcntl if arg1 == 3;          // F_GETFL
            allow fcntl if arg1 == 4;          // F_SETFL
            allow fcntl if arg1 == 1030;       // F_DUPFD_CLOEXEC
            allow ioctl if arg1 == 0x541b;     // FIONREAD
            allow ioctl if arg1 == 0x5421;     // FIONBIO
            allow mmap, mprotect if arg2 & 0x4 == 0;    // PROT_EXEC
            allow setsockopt if arg1 == 1;     // SOL_SOCKET
            allow prctl if arg0 == 15;       // PR_SET_NAME
            allow clone if arg0 & 0x7e02_0080 == 0;    // any CLONE_NEW*
            errno(ENOSYS) clone3;   // glibc falls back to clone()
            kill_process ptrace, process_vm_readv, process_vm_writev, kexec_load;
        }

        // A 32-bit helper. No sockets: on x86 they are also reachable through `socketcall`,
        // where arguments cannot be checked.
        abi x86 {
            allow fstat64, fstatat64, stat64, lstat64, _llseek, waitpid, set_thread_area,
                get_thread_area, ugetrlimit, sigreturn, time, getuid32, geteuid32, getgid32,
                getegid32;
            allow mmap2, mprotect if arg2 & 0x4 == 0;   // PROT_EXEC
            allow fcntl64 if arg1 == 3;       // F_GETFL
            kill_process ptrace;
        }
    }
    };
}

/// The policy with its default settings.
pub fn service() -> Policy {
    service_policy!()
}

/// The policy with `execve` allowed too, so that a `Command` child can start under it:
/// built at run time, or (`precompiled`) at compile time.
pub fn spawnable() -> Policy {
    service_policy!(allow execve;)
}

/// See [`spawnable`].
pub fn spawnable_precompiled() -> PrecompiledPolicy {
    service_policy!(precompiled = true; allow execve;)
}
