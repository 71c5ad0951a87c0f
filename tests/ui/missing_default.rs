use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        allow exit_group;
        abi x86_64 {
            allow read;
        }
    };
}
