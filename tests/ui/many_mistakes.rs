use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        allow read;
        abi x86_64, x32 {
            allow read;
            kill_process read;
            allow socketcall;
            allow mmap if arg7 == 0;
            errno(EPERM) ptrace;
        }
        abi x86, x86_64 {
            allow opnat;
        }
        abi aarch46 {
            errno(EPRM) write;
        }
    };
}
