use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow openat if arg2 & 0x3 == 0;
            kill_process openat if arg0 == 7;
        }
    };
}
