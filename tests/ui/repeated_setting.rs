use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        tsync = true;
        tsync = false;
        optimize = linear;
        tsnyc = true;
        abi x86_64 {
            allow read;
        }
    };
}
