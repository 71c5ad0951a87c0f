//! x86 has a syscall named `break`, a Rust keyword; it is a name like any other.
use seccomp_dsl::seccomp_policy;

fn main() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        abi x86 {
            allow socketcall, _llseek, break;
            kill_process waitpid;
        }
        abi x86_64 {
            allow read;
        }
    };
    policy.build().expect("the policy builds");
}
