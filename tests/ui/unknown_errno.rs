use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPRM);
        abi x86_64 {
            allow read;
            errno(ENOTAREALERRNO) ptrace;
        }
    };
}
