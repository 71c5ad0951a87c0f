use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow ?@basic_io;
            allow ?;
        }
    };
}
