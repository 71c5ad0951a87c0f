use seccomp_dsl::{seccomp_policy, Policy};
pub fn policy() -> Policy {
    ::seccomp_dsl::__private::Policy::new(
            ::seccomp_dsl::__private::Action::Errno(
                ::seccomp_dsl::__private::errno::EPERM,
            ),
        )
        .rule(
            ::seccomp_dsl::__private::Rule::new(
                ::seccomp_dsl::__private::Action::Allow,
                ["exit_group", "rt_sigreturn"],
            ),
        )
        .block(
            ::seccomp_dsl::__private::Block::new([
                    ::seccomp_dsl::__private::Abi::X86_64,
                    ::seccomp_dsl::__private::Abi::X32,
                ])
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                        ::seccomp_dsl::__private::Action::Allow,
                        ["read", "write", "close", "openat"],
                    ),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                            ::seccomp_dsl::__private::Action::Allow,
                            ["fcntl"],
                        )
                        .when(::seccomp_dsl::__private::arg(1).eq(3)),
                )
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                        ::seccomp_dsl::__private::Action::KillProcess,
                        ["ptrace"],
                    ),
                ),
        )
        .block(
            ::seccomp_dsl::__private::Block::new([::seccomp_dsl::__private::Abi::X86])
                .rule(
                    ::seccomp_dsl::__private::Rule::new(
                        ::seccomp_dsl::__private::Action::Allow,
                        ["read", "write", "close", "socketcall"],
                    ),
                ),
        )
}
