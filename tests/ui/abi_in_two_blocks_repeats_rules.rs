// A block copied for another ABI that keeps an ABI of the original: the repeated ABI is the
// one mistake; the rules the copy repeats for it are not reported one by one.
use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default errno(EPERM);
        allow exit_group;
        abi x86_64, x32 {
            allow read, write, close;
            allow fcntl if arg1 == 3;
            kill_process ptrace;
        }
        abi x86, x86_64 {
            allow read, write, close;
            allow fcntl if arg1 == 3;
            errno(EACCES) ptrace;
        }
    };
}
