use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        allow read;
        abi x86_64 {
            kill_process read;
        }
    };
}
