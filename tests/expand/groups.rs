use seccomp_dsl::{seccomp_policy, Policy};

pub fn policy() -> Policy {
    seccomp_policy! {
        default errno(EPERM);
        unknown errno(ENOSYS);
        allow exit_group, ?mseal;

        abi x86_64, x86 {
            allow @basic_io except readv, pwrite64;
            allow readv if arg0 == 1;
        }
    }
}
