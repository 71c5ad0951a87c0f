//! Finding 2 of issue 21: a rule added to a precompiled policy would be decided but not in
//! the program that loads. `PrecompiledPolicy` has no builder methods, and `Deref` to
//! `Policy` does not lend it the by-value ones, so each change below must fail to compile.
use seccomp_dsl::{seccomp_policy, Action, Rule};

fn main() {
    let policy = seccomp_policy! {
        default errno(EPERM);
        precompiled = true;
        abi x86_64 {
            allow exit_group, getuid;
        }
    };
    let _ = policy.rule(Rule::new(Action::Errno(13), ["getuid"]));
    let _ = policy.unknown(Action::KillProcess);
    let _ = policy.tsync(true);
}
