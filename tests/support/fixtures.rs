//! Policies written once and read two ways: through `seccomp_policy!` and, as the text of
//! the very same tokens, through `Policy::from_str`. Values are integers or `libc::NAME`,
//! which both forms accept.

use seccomp_dsl::{seccomp_policy, Policy};

/// `(name, text, the macro's policy)` for each policy.
macro_rules! fixtures {
    ($($name:literal => { $($body:tt)* })*) => {
        /// Every fixture: its name, its text and the policy the macro makes of it.
        pub fn all() -> Vec<(&'static str, &'static str, Policy)> {
            vec![$(($name, stringify!($($body)*), seccomp_policy! { $($body)* })),*]
        }
    };
}

fixtures! {
    "demo" => {
        default errno(EPERM);
        allow exit_group, rt_sigreturn, futex, @signal;
        allow read, write, close, brk, mmap, munmap;

        abi x86_64, x32 {
            allow getppid, fstat, statx, lseek;
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow fcntl if arg1 == libc::F_GETFL;
            kill_process ptrace;
        }
        abi x86 {
            allow getppid, fstat64, _llseek;
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow fcntl64 if arg1 == libc::F_GETFL;
        }
    }
    "groups and settings" => {
        default errno(EPERM);
        bad_arch kill_thread;
        unknown errno(ENOSYS);
        tsync = true;
        optimize = linear;
        allow @basic_io, @signal except rt_sigtimedwait, pwritev2;
        abi x86_64 {
            allow ?pkey_mprotect;
            log clone3;
            errno(EACCES) mkdir if arg1 > 0o700;
            trap socket if arg0 == libc::AF_NETLINK && arg1 & 0xf == 3;
        }
    }
    "keywords and numbers" => {
        default allow;
        abi x86 {
            errno(1) break;
            trace(7) sysinfo;
            kill_process ptrace;
            errno(EPERM) prctl if arg0 == libc::PR_SET_DUMPABLE;
        }
        abi aarch64 {
            notify mount;
            kill_thread unshare if arg0 & libc::CLONE_NEWUSER == libc::CLONE_NEWUSER;
        }
    }
}
