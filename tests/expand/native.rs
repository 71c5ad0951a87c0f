use seccomp_dsl::{seccomp_policy, Policy};

pub fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        allow exit_group;

        abi native {
            allow read, write, getpid;
        }
    }
}
