use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow fcntl if arg1 == 1 && arg1 == 3;
        }
    };
}
