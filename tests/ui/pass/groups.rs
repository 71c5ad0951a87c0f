use seccomp_dsl::seccomp_policy;

fn main() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        unknown errno(ENOSYS);
        allow exit_group;

        abi x86_64, x32 {
            allow @system_service except @privileged, @resources, kill;
        }
        abi x86 {
            allow @system_service, ?mseal, ?no_such_call;
        }
    };
    let _ = policy;
}
