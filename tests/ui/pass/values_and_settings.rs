//! Values may be literals, constants or parenthesized expressions; every setting.
use seccomp_dsl::seccomp_policy;

const SOCK_TYPE_MASK: u64 = 0xf;

fn main() {
    let policy = seccomp_policy! {
        default kill_process;
        bad_arch errno(ENOSYS);
        no_new_privs = true;
        tsync = false;
        log = false;
        ssb = false;
        optimize = binary_tree;

        allow exit_group;
        abi x86_64, x32 {
            allow fcntl if arg1 == libc::F_GETFL;
            allow fcntl if arg1 == (libc::F_SETFD) && arg2 == 1;
            allow socket if arg1 & SOCK_TYPE_MASK == 1;
            allow mmap if arg2 & 0b100 == 0 && arg3 != 0x20;
            errno(1) openat if arg0 <= 0o777;
            trap read if arg0 < 3;
            trace(65535) write if arg0 > 2;
            log close if arg0 >= 3;
            notify execve;
            kill_thread ptrace;
        }
    };
    policy.build().expect("the policy builds");
}
