use seccomp_dsl::seccomp_policy;

fn main() {
    let _policy = seccomp_policy! {
        fn main() { let x = 1 + 2; } 0x12 "string" #[attr] @ ~ $ [nested { tokens ( ) }]
    };
}
