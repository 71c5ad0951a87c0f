use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86 {
            allow socket if arg0 == 1;
        }
    };
}
