use seccomp_dsl::seccomp_policy;

fn main() {
    let policy = seccomp_policy! {
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
    };
    let _ = policy;
}
