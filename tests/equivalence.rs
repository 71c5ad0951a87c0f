//! A policy written with the macro is the policy written with the runtime API: equal as
//! values, and byte-identical as BPF.

use seccomp_dsl::{arg, errno, seccomp_policy, Abi, Action, Block, Optimize, Policy, Rule};

/// Both policies are equal, and build to the same BPF program.
fn assert_equivalent(from_macro: &Policy, by_hand: &Policy) {
    assert_eq!(from_macro, by_hand);
    let from_macro = from_macro.build().expect("the macro's policy builds");
    let by_hand = by_hand.build().expect("the hand-built policy builds");
    assert_eq!(
        from_macro.export_bpf().expect("export the macro's policy"),
        by_hand.export_bpf().expect("export the hand-built policy"),
    );
}

#[test]
fn the_design_example() {
    let from_macro = seccomp_policy! {
        default errno(EPERM);
        allow exit_group, rt_sigreturn;

        abi x86_64, x32 {
            allow read, write, close, openat;
            allow fcntl if arg1 == 3;
            kill_process ptrace;
        }
        abi x86 {
            allow read, write, close, socketcall;
        }
    };
    let by_hand = Policy::new(Action::Errno(errno::EPERM))
        .rule(Rule::new(Action::Allow, ["exit_group", "rt_sigreturn"]))
        .block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(
                    Action::Allow,
                    ["read", "write", "close", "openat"],
                ))
                .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3)))
                .rule(Rule::new(Action::KillProcess, ["ptrace"])),
        )
        .block(Block::new([Abi::X86]).rule(Rule::new(
            Action::Allow,
            ["read", "write", "close", "socketcall"],
        )));
    assert_equivalent(&from_macro, &by_hand);
}

#[test]
fn settings_and_every_action() {
    let from_macro = seccomp_policy! {
        default kill_process;
        bad_arch errno(ENOSYS);
        tsync = true;
        log = true;
        ssb = true;
        optimize = linear;

        abi aarch64 {
            allow read, write;
            trace(7) ptrace;
            trap kill;
            notify openat;
            log execve;
            kill_thread exit;
            errno(EACCES) unlinkat;
            errno(1) mkdirat;
        }
    };
    let by_hand = Policy::new(Action::KillProcess)
        .bad_arch(Action::Errno(errno::ENOSYS))
        .tsync(true)
        .log(true)
        .ssb(true)
        .optimize(Optimize::Linear)
        .block(
            Block::new([Abi::Aarch64])
                .rule(Rule::new(Action::Allow, ["read", "write"]))
                .rule(Rule::new(Action::Trace(7), ["ptrace"]))
                .rule(Rule::new(Action::Trap, ["kill"]))
                .rule(Rule::new(Action::Notify, ["openat"]))
                .rule(Rule::new(Action::Log, ["execve"]))
                .rule(Rule::new(Action::KillThread, ["exit"]))
                .rule(Rule::new(Action::Errno(errno::EACCES), ["unlinkat"]))
                .rule(Rule::new(Action::Errno(1), ["mkdirat"])),
        );
    assert_equivalent(&from_macro, &by_hand);
}

#[test]
fn conditions_with_constants_and_expressions() {
    const MASK: u64 = 0b100;
    let from_macro = seccomp_policy! {
        default errno(ENOSYS);
        abi x86_64 {
            allow fcntl if arg1 == libc::F_GETFL;
            allow fcntl if arg1 == libc::F_SETFD && arg2 == (libc::FD_CLOEXEC as u64);
            allow openat if arg2 & libc::O_ACCMODE == libc::O_RDONLY;
            allow mmap if arg2 & MASK == 0 && arg3 != 0x20;
            allow write if arg0 <= 2;
            allow read if arg0 < 3;
            allow dup if arg0 > 2;
            allow close if arg0 >= 3;
            allow kill if arg0 == (-1i64);
        }
    };
    let by_hand = Policy::new(Action::Errno(errno::ENOSYS)).block(
        Block::new([Abi::X86_64])
            .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(libc::F_GETFL as u64)))
            .rule(
                Rule::new(Action::Allow, ["fcntl"])
                    .when(arg(1).eq(libc::F_SETFD as u64))
                    .when(arg(2).eq(libc::FD_CLOEXEC as u64)),
            )
            .rule(
                Rule::new(Action::Allow, ["openat"])
                    .when(arg(2).masked_eq(libc::O_ACCMODE as u64, libc::O_RDONLY as u64)),
            )
            .rule(
                Rule::new(Action::Allow, ["mmap"])
                    .when(arg(2).masked_eq(MASK, 0))
                    .when(arg(3).ne(0x20)),
            )
            .rule(Rule::new(Action::Allow, ["write"]).when(arg(0).le(2)))
            .rule(Rule::new(Action::Allow, ["read"]).when(arg(0).lt(3)))
            .rule(Rule::new(Action::Allow, ["dup"]).when(arg(0).gt(2)))
            .rule(Rule::new(Action::Allow, ["close"]).when(arg(0).ge(3)))
            .rule(Rule::new(Action::Allow, ["kill"]).when(arg(0).eq(u64::MAX))),
    );
    assert_equivalent(&from_macro, &by_hand);
}

#[test]
fn native_and_keyword_syscalls() {
    let from_macro = seccomp_policy! {
        default errno(EPERM);
        no_new_privs = false;
        abi native {
            allow read, write;
        }
        abi x86 {
            allow break, _llseek, socketcall;
        }
    };
    let by_hand = Policy::new(Action::Errno(errno::EPERM))
        .no_new_privs(false)
        .block(Block::new(Abi::native()).rule(Rule::new(Action::Allow, ["read", "write"])))
        .block(
            Block::new([Abi::X86])
                .rule(Rule::new(Action::Allow, ["break", "_llseek", "socketcall"])),
        );
    assert_equivalent(&from_macro, &by_hand);
}
