use seccomp_dsl::{seccomp_policy, Policy};
pub fn policy() -> Policy {
    {
        #[cfg(
            not(
                any(
                    target_arch = "x86",
                    all(target_arch = "x86_64", target_pointer_width = "64"),
                    all(target_arch = "x86_64", target_pointer_width = "32"),
                    all(target_arch = "arm", target_endian = "little"),
                    all(target_arch = "aarch64", target_endian = "little"),
                    all(target_arch = "mips", target_endian = "big"),
                    all(target_arch = "mips", target_endian = "little"),
                    all(
                        target_arch = "mips64",
                        target_endian = "big",
                        target_pointer_width = "64"
                    ),
                    all(
                        target_arch = "mips64",
                        target_endian = "little",
                        target_pointer_width = "64"
                    ),
                    all(
                        target_arch = "mips64",
                        target_endian = "big",
                        target_pointer_width = "32"
                    ),
                    all(
                        target_arch = "mips64",
                        target_endian = "little",
                        target_pointer_width = "32"
                    ),
                    target_arch = "powerpc",
                    all(target_arch = "powerpc64", target_endian = "big"),
                    all(target_arch = "powerpc64", target_endian = "little"),
                    target_arch = "s390x",
                    target_arch = "riscv64"
                )
            )
        )]
        ::core::compile_error! {
            "`native` is the target's own ABI, but libseccomp has no ABI for this target"
        }
        ::seccomp_dsl::__private::Policy::new(
                ::seccomp_dsl::__private::Action::Errno(
                    ::seccomp_dsl::__private::errno::EPERM,
                ),
            )
            .rule(
                ::seccomp_dsl::__private::Rule::new(
                    ::seccomp_dsl::__private::Action::Allow,
                    ["exit_group"],
                ),
            )
            .block(
                ::seccomp_dsl::__private::Block::new(
                        ::seccomp_dsl::__private::Abi::native(),
                    )
                    .rule(
                        ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["read", "write", "getpid"],
                        ),
                    ),
            )
    }
}
