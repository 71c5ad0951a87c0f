use seccomp_dsl::seccomp_policy;

fn main() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        allow exit_group;

        abi native {
            allow read, write, getpid;
        }
    };
    let _ = policy;
}
