//! `native` is the ABI of the target being compiled for.
use seccomp_dsl::seccomp_policy;

fn main() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        allow exit_group;
        abi native {
            allow read, write;
        }
    };
    let filter = policy.build().expect("the policy builds");
    assert_eq!(filter.summary().len(), 1);
}
