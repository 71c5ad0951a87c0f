//! systemd's syscall groups, member for member.
//!
//! Source: `src/shared/seccomp-util.c`, `syscall_filter_sets[]`, of systemd (LGPL-2.1-or-later;
//! only the lists of names are taken, as facts), read from the fork `bluca/systemd` at commit
//! `1a86520849728e8a7f10e343f996976fbd1ed851`, which follows systemd's main branch. The copy of
//! `systemd/systemd` itself available when this was written was years older. The lists hold
//! syscalls of Linux 6.17 (`file_getattr`, `file_setattr`, `open_tree_attr`), so they are newer
//! than systemd v257; the copy has no version file to pin the release exactly.
//!
//! Each group keeps systemd's order: nested groups first (systemd lists them first), then
//! syscalls in systemd's (alphabetical) order. systemd's `-` is written `_`.

use super::Group;

/// `@default`: what systemd always permits.
pub const DEFAULT: &Group = &Group {
    name: "default",
    description: "System calls that are always permitted",
    groups: &[SANDBOX],
    syscalls: &[
        // systemd: used during platform-specific initialization by ld-linux.so.
        "arch_prctl",
        "brk",
        "cacheflush",
        "clock_getres",
        "clock_getres_time64",
        "clock_gettime",
        "clock_gettime64",
        "clock_nanosleep",
        "clock_nanosleep_time64",
        "execve",
        "exit",
        "exit_group",
        "futex",
        "futex_time64",
        "futex_waitv",
        "get_robust_list",
        "get_thread_area",
        "getegid",
        "getegid32",
        "geteuid",
        "geteuid32",
        "getgid",
        "getgid32",
        "getgroups",
        "getgroups32",
        "getpgid",
        "getpgrp",
        "getpid",
        "getppid",
        "getrandom",
        "getresgid",
        "getresgid32",
        "getresuid",
        "getresuid32",
        // systemd: so that processes can query their stack size and such.
        "getrlimit",
        "getsid",
        "gettid",
        "gettimeofday",
        "getuid",
        "getuid32",
        "lsm_get_self_attr",
        "lsm_list_modules",
        "membarrier",
        "mmap",
        "mmap2",
        "mprotect",
        "mseal",
        "munmap",
        "nanosleep",
        "pause",
        "prlimit64",
        "restart_syscall",
        "riscv_flush_icache",
        "riscv_hwprobe",
        "rseq",
        "rt_sigreturn",
        "sched_getaffinity",
        "sched_yield",
        "set_robust_list",
        "set_thread_area",
        "set_tid_address",
        "set_tls",
        "sigreturn",
        "time",
        "ugetrlimit",
        "uretprobe",
    ],
    with_table: false,
};

/// `@aio`: asynchronous IO.
pub const AIO: &Group = &Group {
    name: "aio",
    description: "Asynchronous IO",
    groups: &[],
    syscalls: &[
        "io_cancel",
        "io_destroy",
        "io_getevents",
        "io_pgetevents",
        "io_pgetevents_time64",
        "io_setup",
        "io_submit",
        "io_uring_enter",
        "io_uring_register",
        "io_uring_setup",
    ],
    with_table: false,
};

/// `@basic_io`: reading, writing, seeking and closing file descriptors.
pub const BASIC_IO: &Group = &Group {
    name: "basic_io",
    description: "Basic IO",
    groups: &[],
    syscalls: &[
        "_llseek",
        "close",
        "close_range",
        "dup",
        "dup2",
        "dup3",
        "llseek",
        "lseek",
        "pread64",
        "preadv",
        "preadv2",
        "pwrite64",
        "pwritev",
        "pwritev2",
        "read",
        "readv",
        "write",
        "writev",
    ],
    with_table: false,
};

/// `@chown`: changing the owner of files.
pub const CHOWN: &Group = &Group {
    name: "chown",
    description: "Change ownership of files and directories",
    groups: &[],
    syscalls: &[
        "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
    ],
    with_table: false,
};

/// `@clock`: setting the system clock.
pub const CLOCK: &Group = &Group {
    name: "clock",
    description: "Change the system time",
    groups: &[],
    syscalls: &[
        "adjtimex",
        "clock_adjtime",
        "clock_adjtime64",
        "clock_settime",
        "clock_settime64",
        "settimeofday",
    ],
    with_table: false,
};

/// `@cpu_emulation`: CPU emulation (`vm86`, `modify_ldt`, ...).
pub const CPU_EMULATION: &Group = &Group {
    name: "cpu_emulation",
    description: "System calls for CPU emulation functionality",
    groups: &[],
    syscalls: &[
        "modify_ldt",
        "subpage_prot",
        "switch_endian",
        "vm86",
        "vm86old",
    ],
    with_table: false,
};

/// `@debug`: debugging, performance monitoring and tracing.
pub const DEBUG: &Group = &Group {
    name: "debug",
    description: "Debugging, performance monitoring and tracing functionality",
    groups: &[],
    syscalls: &[
        "lookup_dcookie",
        "perf_event_open",
        "pidfd_getfd",
        "ptrace",
        "rtas",
        "s390_runtime_instr",
        "sys_debug_setcontext",
    ],
    with_table: false,
};

/// `@file_system`: file system operations.
pub const FILE_SYSTEM: &Group = &Group {
    name: "file_system",
    description: "File system operations",
    groups: &[],
    syscalls: &[
        "access",
        "chdir",
        "chmod",
        "close",
        "creat",
        "faccessat",
        "faccessat2",
        "fallocate",
        "fchdir",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "fcntl",
        "fcntl64",
        "fgetxattr",
        "file_getattr",
        "file_setattr",
        "flistxattr",
        "fremovexattr",
        "fsetxattr",
        "fstat",
        "fstat64",
        "fstatat",
        "fstatat64",
        "fstatfs",
        "fstatfs64",
        "ftruncate",
        "ftruncate64",
        "futimesat",
        "getcwd",
        "getdents",
        "getdents64",
        "getxattr",
        "getxattrat",
        "inotify_add_watch",
        "inotify_init",
        "inotify_init1",
        "inotify_rm_watch",
        "lgetxattr",
        "link",
        "linkat",
        "listmount",
        "listxattr",
        "listxattrat",
        "llistxattr",
        "lremovexattr",
        "lsetxattr",
        "lstat",
        "lstat64",
        "mkdir",
        "mkdirat",
        "mknod",
        "mknodat",
        "newfstat",
        "newfstatat",
        "oldfstat",
        "oldlstat",
        "oldstat",
        "open",
        "open_tree",
        "openat",
        "openat2",
        "readlink",
        "readlinkat",
        "removexattr",
        "removexattrat",
        "rename",
        "renameat",
        "renameat2",
        "rmdir",
        "setxattr",
        "setxattrat",
        "stat",
        "stat64",
        "statfs",
        "statfs64",
        "statmount",
        "statx",
        "symlink",
        "symlinkat",
        "truncate",
        "truncate64",
        "unlink",
        "unlinkat",
        "utime",
        "utimensat",
        "utimensat_time64",
        "utimes",
    ],
    with_table: false,
};

/// `@io_event`: event loops (`epoll`, `poll`, `select`, `eventfd`).
pub const IO_EVENT: &Group = &Group {
    name: "io_event",
    description: "Event loop system calls",
    groups: &[],
    syscalls: &[
        "_newselect",
        "epoll_create",
        "epoll_create1",
        "epoll_ctl",
        "epoll_ctl_old",
        "epoll_pwait",
        "epoll_pwait2",
        "epoll_wait",
        "epoll_wait_old",
        "eventfd",
        "eventfd2",
        "poll",
        "ppoll",
        "ppoll_time64",
        "pselect6",
        "pselect6_time64",
        "select",
    ],
    with_table: false,
};

/// `@ipc`: SysV IPC, POSIX message queues, pipes and cross-process memory access.
pub const IPC: &Group = &Group {
    name: "ipc",
    description: "SysV IPC, POSIX Message Queues or other IPC",
    groups: &[],
    syscalls: &[
        "ipc",
        "memfd_create",
        "mq_getsetattr",
        "mq_notify",
        "mq_open",
        "mq_timedreceive",
        "mq_timedreceive_time64",
        "mq_timedsend",
        "mq_timedsend_time64",
        "mq_unlink",
        "msgctl",
        "msgget",
        "msgrcv",
        "msgsnd",
        "pipe",
        "pipe2",
        "process_madvise",
        "process_vm_readv",
        "process_vm_writev",
        "semctl",
        "semget",
        "semop",
        "semtimedop",
        "semtimedop_time64",
        "shmat",
        "shmctl",
        "shmdt",
        "shmget",
    ],
    with_table: false,
};

/// `@keyring`: the kernel keyring.
pub const KEYRING: &Group = &Group {
    name: "keyring",
    description: "Kernel keyring access",
    groups: &[],
    syscalls: &["add_key", "keyctl", "request_key"],
    with_table: false,
};

/// `@memlock`: locking memory into RAM.
pub const MEMLOCK: &Group = &Group {
    name: "memlock",
    description: "Memory locking control",
    groups: &[],
    syscalls: &["mlock", "mlock2", "mlockall", "munlock", "munlockall"],
    with_table: false,
};

/// `@module`: loading and unloading kernel modules.
pub const MODULE: &Group = &Group {
    name: "module",
    description: "Loading and unloading of kernel modules",
    groups: &[],
    syscalls: &["delete_module", "finit_module", "init_module"],
    with_table: false,
};

/// `@mount`: mounting and unmounting file systems.
pub const MOUNT: &Group = &Group {
    name: "mount",
    description: "Mounting and unmounting of file systems",
    groups: &[],
    syscalls: &[
        "chroot",
        "fsconfig",
        "fsmount",
        "fsopen",
        "fspick",
        "mount",
        "mount_setattr",
        "move_mount",
        "open_tree_attr",
        "pivot_root",
        "umount",
        "umount2",
    ],
    with_table: false,
};

/// `@network_io`: sockets, network and Unix.
pub const NETWORK_IO: &Group = &Group {
    name: "network_io",
    description: "Network or Unix socket IO, should not be needed if not network facing",
    groups: &[],
    syscalls: &[
        "accept",
        "accept4",
        "bind",
        "connect",
        "getpeername",
        "getsockname",
        "getsockopt",
        "listen",
        "recv",
        "recvfrom",
        "recvmmsg",
        "recvmmsg_time64",
        "recvmsg",
        "send",
        "sendmmsg",
        "sendmsg",
        "sendto",
        "setsockopt",
        "shutdown",
        "socket",
        "socketcall",
        "socketpair",
    ],
    with_table: false,
};

/// `@obsolete`: unusual, obsolete or unimplemented syscalls.
///
/// systemd notes that some of them are unknown even to libseccomp.
pub const OBSOLETE: &Group = &Group {
    name: "obsolete",
    description: "Unusual, obsolete or unimplemented system calls",
    groups: &[],
    syscalls: &[
        "_sysctl",
        "afs_syscall",
        "bdflush",
        "break",
        "create_module",
        "ftime",
        "get_kernel_syms",
        "getpmsg",
        "gtty",
        "idle",
        "lock",
        "mpx",
        "prof",
        "profil",
        "putpmsg",
        "query_module",
        "security",
        "sgetmask",
        "ssetmask",
        "stime",
        "stty",
        "sysfs",
        "tuxcall",
        "ulimit",
        "uselib",
        "ustat",
        "vserver",
    ],
    with_table: false,
};

/// `@pkey`: memory protection keys.
pub const PKEY: &Group = &Group {
    name: "pkey",
    description: "System calls used for memory protection keys",
    groups: &[],
    syscalls: &["pkey_alloc", "pkey_free", "pkey_mprotect"],
    with_table: false,
};

/// `@privileged`: syscalls that need super-user capabilities.
pub const PRIVILEGED: &Group = &Group {
    name: "privileged",
    description: "All system calls which need super-user capabilities",
    groups: &[CHOWN, CLOCK, MODULE, RAW_IO, REBOOT, SWAP],
    syscalls: &[
        "_sysctl",
        "acct",
        "bpf",
        "capset",
        "chroot",
        "fanotify_init",
        "fanotify_mark",
        "nfsservctl",
        "open_by_handle_at",
        "pivot_root",
        "quotactl",
        "quotactl_fd",
        "setdomainname",
        "setfsuid",
        "setfsuid32",
        "setgroups",
        "setgroups32",
        "sethostname",
        "setresuid",
        "setresuid32",
        "setreuid",
        "setreuid32",
        // systemd lists the uid calls one by one rather than `@setuid`, which also holds
        // `setgid`, and that is not necessarily privileged.
        "setuid",
        "setuid32",
        "vhangup",
    ],
    with_table: false,
};

/// `@process`: process control, execution and namespaces.
pub const PROCESS: &Group = &Group {
    name: "process",
    description: "Process control, execution, namespacing operations",
    groups: &[],
    syscalls: &[
        // systemd: can query arbitrary processes.
        "capget",
        // ia64's `clone2` is left out as systemd leaves it out: ia64 has no seccomp.
        "clone",
        "clone3",
        "execveat",
        "fork",
        "getrusage",
        "kill",
        "pidfd_open",
        "pidfd_send_signal",
        "prctl",
        "rt_sigqueueinfo",
        "rt_tgsigqueueinfo",
        "setns",
        // systemd: some ABIs (32-bit PowerPC) switch user-space contexts with it.
        "swapcontext",
        "tgkill",
        "times",
        "tkill",
        "unshare",
        "vfork",
        "wait4",
        "waitid",
        "waitpid",
    ],
    with_table: false,
};

/// `@raw_io`: raw I/O port and PCI access.
pub const RAW_IO: &Group = &Group {
    name: "raw_io",
    description: "Raw I/O port access",
    groups: &[],
    syscalls: &[
        "ioperm",
        "iopl",
        "pciconfig_iobase",
        "pciconfig_read",
        "pciconfig_write",
        "s390_pci_mmio_read",
        "s390_pci_mmio_write",
    ],
    with_table: false,
};

/// `@reboot`: rebooting and `kexec`.
pub const REBOOT: &Group = &Group {
    name: "reboot",
    description: "Reboot and reboot preparation/kexec",
    groups: &[],
    syscalls: &["kexec_file_load", "kexec_load", "reboot"],
    with_table: false,
};

/// `@resources`: changing scheduling, memory policy and resource limits.
pub const RESOURCES: &Group = &Group {
    name: "resources",
    description: "Alter resource settings",
    groups: &[],
    syscalls: &[
        "ioprio_set",
        "mbind",
        "migrate_pages",
        "move_pages",
        "nice",
        "sched_setaffinity",
        "sched_setattr",
        "sched_setparam",
        "sched_setscheduler",
        "set_mempolicy",
        "set_mempolicy_home_node",
        "setpriority",
        "setrlimit",
    ],
    with_table: false,
};

/// `@sandbox`: sandboxing (Landlock, seccomp).
pub const SANDBOX: &Group = &Group {
    name: "sandbox",
    description: "Sandbox functionality",
    groups: &[],
    syscalls: &[
        "landlock_add_rule",
        "landlock_create_ruleset",
        "landlock_restrict_self",
        "seccomp",
    ],
    with_table: false,
};

/// `@setuid`: changing user and group credentials.
pub const SETUID: &Group = &Group {
    name: "setuid",
    description: "Operations for changing user/group credentials",
    groups: &[],
    syscalls: &[
        "setgid",
        "setgid32",
        "setgroups",
        "setgroups32",
        "setregid",
        "setregid32",
        "setresgid",
        "setresgid32",
        "setresuid",
        "setresuid32",
        "setreuid",
        "setreuid32",
        "setuid",
        "setuid32",
    ],
    with_table: false,
};

/// `@signal`: signal handling.
pub const SIGNAL: &Group = &Group {
    name: "signal",
    description: "Process signal handling",
    groups: &[],
    syscalls: &[
        "rt_sigaction",
        "rt_sigpending",
        "rt_sigprocmask",
        "rt_sigsuspend",
        "rt_sigtimedwait",
        "rt_sigtimedwait_time64",
        "sigaction",
        "sigaltstack",
        "signal",
        "signalfd",
        "signalfd4",
        "sigpending",
        "sigprocmask",
        "sigsuspend",
    ],
    with_table: false,
};

/// `@swap`: enabling and disabling swap.
pub const SWAP: &Group = &Group {
    name: "swap",
    description: "Enable/disable swap devices",
    groups: &[],
    syscalls: &["swapoff", "swapon"],
    with_table: false,
};

/// `@sync`: flushing files and memory to storage.
pub const SYNC: &Group = &Group {
    name: "sync",
    description: "Synchronize files and memory to storage",
    groups: &[],
    syscalls: &[
        "fdatasync",
        "fsync",
        "msync",
        "sync",
        "sync_file_range",
        "sync_file_range2",
        "syncfs",
    ],
    with_table: false,
};

/// `@system_service`: what a typical system service needs; 395 syscalls once expanded.
///
/// systemd's usual service hardening is this group minus `@privileged` and `@resources`.
pub const SYSTEM_SERVICE: &Group = &Group {
    name: "system_service",
    description: "General system service operations",
    groups: &[
        AIO,
        BASIC_IO,
        CHOWN,
        DEFAULT,
        FILE_SYSTEM,
        IO_EVENT,
        IPC,
        KEYRING,
        MEMLOCK,
        NETWORK_IO,
        PROCESS,
        RESOURCES,
        SETUID,
        SIGNAL,
        SYNC,
        TIMER,
    ],
    syscalls: &[
        "arm_fadvise64_64",
        "capget",
        "capset",
        "copy_file_range",
        "fadvise64",
        "fadvise64_64",
        "flock",
        "get_mempolicy",
        "getcpu",
        "getpriority",
        "ioctl",
        "ioprio_get",
        "kcmp",
        "madvise",
        "mremap",
        "name_to_handle_at",
        "oldolduname",
        "olduname",
        "personality",
        "readahead",
        "readdir",
        "remap_file_pages",
        "sched_get_priority_max",
        "sched_get_priority_min",
        "sched_getattr",
        "sched_getparam",
        "sched_getscheduler",
        "sched_rr_get_interval",
        "sched_rr_get_interval_time64",
        "sched_yield",
        "sendfile",
        "sendfile64",
        "setfsgid",
        "setfsgid32",
        "setfsuid",
        "setfsuid32",
        "setpgid",
        "setsid",
        "splice",
        "sysinfo",
        "tee",
        "umask",
        "uname",
        "userfaultfd",
        "vmsplice",
    ],
    with_table: false,
};

/// `@timer`: timers and alarms.
pub const TIMER: &Group = &Group {
    name: "timer",
    description: "Schedule operations by time",
    groups: &[],
    syscalls: &[
        "alarm",
        "getitimer",
        "setitimer",
        "timer_create",
        "timer_delete",
        "timer_getoverrun",
        "timer_gettime",
        "timer_gettime64",
        "timer_settime",
        "timer_settime64",
        "timerfd_create",
        "timerfd_gettime",
        "timerfd_gettime64",
        "timerfd_settime",
        "timerfd_settime64",
        "times",
    ],
    with_table: false,
};

/// `@known`: every syscall the project's syscall table knows, on any ABI, and `@obsolete`.
///
/// systemd generates this group from the kernel's syscall list at build time; here it is
/// read from the syscall table when expanded (see [`Group::syscalls`]).
pub const KNOWN: &Group = &Group {
    name: "known",
    description: "All known syscalls declared in the kernel",
    groups: &[OBSOLETE],
    syscalls: &[],
    with_table: true,
};
