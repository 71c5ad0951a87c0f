use seccomp_dsl::{seccomp_policy, Policy};

pub fn policy() -> Policy {
    seccomp_policy! {
        default kill_process;
        bad_arch errno(38);
        tsync = true;
        no_new_privs = false;
        log = true;
        ssb = true;
        optimize = linear;

        abi aarch64 {
            allow read, write;
            trace(7) ptrace;
            trap kill;
            notify openat;
            log execve;
            kill_thread exit;
            errno(EACCES) unlinkat;
        }
    }
}
