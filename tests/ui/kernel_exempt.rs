//! The kernel runs `uretprobe` and `uprobe` before any filter on x86_64: a rule that
//! denies them would never be enforced.
use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        default allow;
        abi x86_64 {
            kill_process uretprobe;
            errno(EPERM) uprobe, ptrace;
        }
    };
}
