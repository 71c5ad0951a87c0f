//! Values that are constants are known only to the compiled program: the compile-time
//! check compares their tokens, and `Policy::build` their values.
use seccomp_dsl::seccomp_policy;

const ONE: u64 = 1;
const ALSO_ONE: u64 = 1;

fn main() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow fcntl if arg1 == libc::F_GETFL;
            errno(EBADF) fcntl if arg1 == libc::F_SETFD;
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            kill_process openat if arg2 & libc::O_ACCMODE == libc::O_WRONLY;
        }
    };
    policy.build().expect("the rules do not overlap");

    // Different tokens, same value: a conflict only the program can see.
    let conflicting = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow read if arg0 == ONE;
            kill_process read if arg0 == ALSO_ONE;
        }
    };
    let error = conflicting.build().err().expect("the rules conflict");
    assert_eq!(error.violations().map(|v| v.len()), Some(1), "{error}");
}
