use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow fcntl;
            kill_process fcntl if arg1 == 4;
        }
    };
}
