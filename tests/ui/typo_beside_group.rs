use seccomp_dsl::seccomp_policy;

fn main() {
    // Groups are tolerant of what an ABI lacks; a name written out stays strict.
    let _policy = seccomp_policy! {
        default errno(EPERM);
        abi x86_64, x86 {
            allow @basic_io, opnat;
        }
    };
}
