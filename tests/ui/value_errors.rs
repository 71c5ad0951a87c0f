use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow read if arg0 == 0x1_0000_0000_0000_0000;
            allow write if arg0 == -1;
            errno(99999999999) close;
            allow mmap if arg300 == 1;
        }
    };
}
