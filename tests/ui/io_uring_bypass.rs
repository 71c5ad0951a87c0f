use seccomp_dsl::seccomp_policy;

fn main() {
    // "No networking", except through the ring: `@system_service` holds `@aio`.
    let _service = seccomp_policy! {
        default errno(EPERM);
        abi x86_64, x32 {
            allow @system_service except @network_io;
        }
    };
    // A deny list: the default action lets the ring be set up.
    let _deny_list = seccomp_policy! {
        default allow;
        abi x86 {
            errno(EPERM) openat, open;
        }
    };
    // The ring's IORING_OP_OPENAT checks none of the conditions on `openat`.
    let _conditional = seccomp_policy! {
        default allow;
        abi x86_64 {
            errno(EACCES) openat if arg2 & 0x3 == 0x1;
        }
    };
    // Allowed under a condition is allowed: once set up, a ring is a ring.
    let _setup_conditional = seccomp_policy! {
        default errno(EPERM);
        abi x86_64 {
            allow read, write, io_uring_enter;
            allow io_uring_setup if arg0 <= 8;
        }
    };
    let _bad_value = seccomp_policy! {
        default allow;
        io_uring = off;
        abi x86_64 {}
    };
}
