use seccomp_dsl::{seccomp_policy, Policy};

pub fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        allow exit_group, rt_sigreturn;

        abi x86_64, x32 {
            allow read, write, close, openat;
            allow fcntl if arg1 == 3;
            kill_process ptrace;
        }
        abi x86 {
            allow read, write, close, socketcall;
        }
    }
}
