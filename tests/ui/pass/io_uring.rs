use seccomp_dsl::seccomp_policy;

fn main() {
    // The ways out of the io_uring check: no ring, or the hole acknowledged.
    let no_ring = seccomp_policy! {
        default errno(EPERM);
        abi x86_64, x32 {
            allow @system_service except @network_io, @aio;
        }
    };
    let no_setup = seccomp_policy! {
        default allow;
        abi x86 {
            errno(EPERM) openat, io_uring_setup;
        }
    };
    let acknowledged = seccomp_policy! {
        default errno(EPERM);
        io_uring = unfiltered;
        abi x86_64, x32 {
            allow @system_service except @network_io;
        }
    };
    let checked = seccomp_policy! {
        default errno(EPERM);
        io_uring = checked;
        abi x86_64 {
            allow read;
        }
    };
    for policy in [no_ring, no_setup, acknowledged, checked] {
        assert_eq!(policy.violations(), []);
    }
}
