//! The benchmark's policy: what a small network service might allow, on all three x86 ABIs.
//!
//! About 160 syscalls: common rules for every ABI, one block for x86_64 and x32 (the
//! service's own ABI and its twin) and one for the 32-bit x86 ABI (a legacy helper), with
//! fourteen argument-checked rules. Anything else gets `errno(EPERM)`.
//!
//! Written with the runtime's builder API until `seccomp_policy!` lands in the facade; the
//! switch to the macro is a change of this file only.

use seccomp_dsl::{arg, errno, Abi, Action, Block, Policy, Rule};

/// Every ABI: process life, time, memory, plain file and event I/O. `seccomp` because the
/// classic stacked layout loads its filters one by one and each must let the next through;
/// it is here rather than in the reference code so that both sides have the same rules.
const COMMON: &str = "
    exit exit_group rt_sigreturn rt_sigaction rt_sigprocmask rt_sigtimedwait sigaltstack
    restart_syscall futex set_robust_list get_robust_list set_tid_address rseq sched_yield
    sched_getaffinity getpid getppid gettid getuid geteuid getgid getegid getresuid getresgid
    getgroups prlimit64 uname getrandom tgkill clock_gettime clock_getres clock_nanosleep
    nanosleep gettimeofday brk munmap mremap madvise membarrier read write readv writev
    pread64 pwrite64 close openat dup dup3 pipe2 statx faccessat readlinkat getcwd getdents64
    fsync fdatasync ftruncate unlinkat renameat2 mkdirat fchmod flock epoll_create1 epoll_ctl
    epoll_pwait eventfd2 timerfd_create timerfd_settime timerfd_gettime signalfd4 poll ppoll
    pselect6 seccomp
";

/// x86_64 and x32: the rest of the service's own ABI, networking included.
const NATIVE: &str = "
    fstat newfstatat stat lstat lseek access open pipe dup2 readlink rename unlink mkdir rmdir
    fchown chdir fchdir umask sendfile splice copy_file_range fallocate memfd_create
    inotify_init1 inotify_add_watch inotify_rm_watch epoll_wait select accept4 bind listen
    connect getsockname getpeername getsockopt sendto recvfrom sendmsg recvmsg sendmmsg
    recvmmsg shutdown socketpair wait4 kill arch_prctl getrusage sysinfo times getpgrp setsid
    sched_getparam sched_getscheduler capget
";

/// x86: what a 32-bit helper needs beyond the common rules. No sockets: on x86 they are
/// also reachable through `socketcall`, where arguments cannot be checked.
const LEGACY: &str = "
    fstat64 fstatat64 stat64 lstat64 _llseek waitpid set_thread_area get_thread_area
    ugetrlimit sigreturn time getuid32 geteuid32 getgid32 getegid32
";

const AF_UNIX: u64 = 1;
const AF_INET: u64 = 2;
const AF_INET6: u64 = 10;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_DUPFD_CLOEXEC: u64 = 1030;
const FIONREAD: u64 = 0x541b;
const FIONBIO: u64 = 0x5421;
const PROT_EXEC: u64 = 0x4;
const SOL_SOCKET: u64 = 1;
const PR_SET_NAME: u64 = 15;
/// Every `CLONE_NEW*` flag: threads and plain forks are fine, new namespaces are not.
const CLONE_NEW_ANY: u64 = 0x7e02_0080;

fn allow(names: &'static str) -> Rule {
    Rule::new(Action::Allow, names.split_whitespace())
}

/// The policy with its default settings.
pub fn service() -> Policy {
    Policy::new(Action::Errno(errno::EPERM))
        .rule(allow(COMMON))
        .block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(allow(NATIVE))
                .rule(allow("socket").when(arg(0).eq(AF_UNIX)))
                .rule(allow("socket").when(arg(0).eq(AF_INET)))
                .rule(allow("socket").when(arg(0).eq(AF_INET6)))
                .rule(allow("fcntl").when(arg(1).eq(F_GETFL)))
                .rule(allow("fcntl").when(arg(1).eq(F_SETFL)))
                .rule(allow("fcntl").when(arg(1).eq(F_DUPFD_CLOEXEC)))
                .rule(allow("ioctl").when(arg(1).eq(FIONREAD)))
                .rule(allow("ioctl").when(arg(1).eq(FIONBIO)))
                .rule(allow("mmap mprotect").when(arg(2).masked_eq(PROT_EXEC, 0)))
                .rule(allow("setsockopt").when(arg(1).eq(SOL_SOCKET)))
                .rule(allow("prctl").when(arg(0).eq(PR_SET_NAME)))
                .rule(allow("clone").when(arg(0).masked_eq(CLONE_NEW_ANY, 0)))
                // glibc falls back to clone() when clone3() says ENOSYS.
                .rule(Rule::new(Action::Errno(errno::ENOSYS), ["clone3"]))
                .rule(Rule::new(
                    Action::KillProcess,
                    [
                        "ptrace",
                        "process_vm_readv",
                        "process_vm_writev",
                        "kexec_load",
                    ],
                )),
        )
        .block(
            Block::new([Abi::X86])
                .rule(allow(LEGACY))
                .rule(allow("mmap2 mprotect").when(arg(2).masked_eq(PROT_EXEC, 0)))
                .rule(allow("fcntl64").when(arg(1).eq(F_GETFL)))
                .rule(Rule::new(Action::KillProcess, ["ptrace"])),
        )
}
