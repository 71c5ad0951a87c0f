use seccomp_dsl::{seccomp_policy, Policy};
pub fn policy() -> Policy {
    ::seccomp_dsl::__private::Policy::new(
            ::seccomp_dsl::__private::Action::Errno(
                ::seccomp_dsl::__private::errno::ENOSYS,
            ),
        )
        .block(
            ::seccomp_dsl::__private::Block::new([::seccomp_dsl::__private::Abi::X86_64])
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["fcntl"],
                        )
                        .when(
                            ::seccomp_dsl::__private::arg(1)
                                .eq(libc::F_GETFL as ::core::primitive::u64),
                        ),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["fcntl"],
                        )
                        .when(
                            ::seccomp_dsl::__private::arg(1)
                                .eq(libc::F_SETFD as ::core::primitive::u64),
                        )
                        .when(
                            ::seccomp_dsl::__private::arg(2)
                                .eq((libc::FD_CLOEXEC as u64) as ::core::primitive::u64),
                        ),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["openat"],
                        )
                        .when(
                            ::seccomp_dsl::__private::arg(2)
                                .masked_eq(
                                    libc::O_ACCMODE as ::core::primitive::u64,
                                    libc::O_RDONLY as ::core::primitive::u64,
                                ),
                        ),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["mmap"],
                        )
                        .when(::seccomp_dsl::__private::arg(2).masked_eq(0x4, 0))
                        .when(::seccomp_dsl::__private::arg(3).ne(0x20)),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["write"],
                        )
                        .when(::seccomp_dsl::__private::arg(0).le(2)),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["read"],
                        )
                        .when(::seccomp_dsl::__private::arg(0).lt(3)),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["dup"],
                        )
                        .when(::seccomp_dsl::__private::arg(0).gt(2)),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["close"],
                        )
                        .when(::seccomp_dsl::__private::arg(0).ge(3)),
                ),
        )
}
