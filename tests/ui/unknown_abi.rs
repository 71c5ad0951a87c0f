use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x68_64 {
            allow read;
        }
        abi amd64 {
            allow read;
        }
    };
}
