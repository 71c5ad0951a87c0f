use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64, x86 {
            allow @basic_io except mount, @reboot, read;
            allow getpid, getppid except getpid, gettid;
        }
    };
}
