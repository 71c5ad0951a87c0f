//! What a policy declares for a syscall, decided from its rules alone.
//!
//! This is the specification a built filter is held to: it reads the policy as the
//! language defines it and never asks libseccomp, so comparing it with the
//! [simulated](crate::Program::simulate) filter checks libseccomp's code generation and
//! ours independently.

use std::fmt;

use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::Comparison;
use crate::model::policy::Policy;
use crate::model::rule::RuleRef;
use crate::table::syscall::{kernel_exempt, presence, Presence};

/// What a policy declares for one syscall made through one ABI with given arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// No block names the ABI: the `bad_arch` action.
    BadArch(Action),
    /// No rule for the syscall matches: the default action.
    Default(Action),
    /// The syscall table does not know the number: the policy's unknown action.
    Unknown(Action),
    /// A rule decides: the syscall's rule without conditions, or the only conditional
    /// rule that matches (the first, if several match with the same action).
    Rule {
        /// The action.
        action: Action,
        /// The rule.
        at: RuleRef,
    },
    /// Several conditional rules match, with different actions, and the policy does not
    /// say which wins. A policy without [violations](Policy::violations) never has such
    /// rules: they are refused as overlapping. libseccomp picks one from the shape of its decision tree (for
    /// instance the rule whose comparisons are a prefix of the other's); a filter is
    /// faithful if it takes one of these actions.
    Ambiguous(Vec<(RuleRef, Action)>),
    /// The kernel runs the syscall without asking any filter (`uretprobe` and `uprobe` on
    /// x86_64, Linux 6.14+ and 6.16+): it is allowed whatever the policy says. The action
    /// is what the policy's filter answers, which the kernel never uses (and which
    /// [`Policy::violations`] only accepts as `allow` where a rule names the syscall).
    KernelExempt(Action),
}

impl Decision {
    /// The declared action, unless the decision is [ambiguous](Decision::Ambiguous).
    pub fn action(&self) -> Option<Action> {
        match *self {
            Decision::BadArch(action)
            | Decision::Default(action)
            | Decision::Unknown(action)
            | Decision::Rule { action, .. } => Some(action),
            Decision::KernelExempt(_) => Some(Action::Allow),
            Decision::Ambiguous(_) => None,
        }
    }

    /// Whether a filter that takes `action` does what the policy declares: the declared
    /// action, or, for an ambiguous decision, one of the matching rules' actions.
    pub fn permits(&self, action: Action) -> bool {
        match self {
            Decision::Ambiguous(candidates) => candidates.iter().any(|&(_, a)| a == action),
            // The filter's answer is never used, but it is still the policy's.
            Decision::KernelExempt(filter) => *filter == action,
            decided => decided.action() == Some(action),
        }
    }
}

/// The declared action (`allow`, `errno(EPERM)`), or `one of ...` for an ambiguous
/// decision.
impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Ambiguous(candidates) => {
                f.write_str("one of ")?;
                for (i, (_, action)) in candidates.iter().enumerate() {
                    let comma = if i == 0 { "" } else { ", " };
                    write!(f, "{comma}{action}")?;
                }
                Ok(())
            }
            Decision::KernelExempt(filter) => write!(
                f,
                "allow (the kernel runs it before any filter; the filter's {filter} is never used)"
            ),
            decided => match decided.action() {
                Some(action) => write!(f, "{action}"),
                None => f.write_str("nothing"),
            },
        }
    }
}

impl Policy {
    /// The action the policy declares for syscall `syscall` made through `abi` with `args`,
    /// read from the policy alone (libseccomp is not asked). Meant for a policy without
    /// [violations](Policy::violations).
    ///
    /// - An ABI that no block names gets the `bad_arch` action.
    /// - Otherwise the common rules and the rules of the ABI's block are searched for the
    ///   syscall: a rule without conditions decides it whatever the arguments (with two, the
    ///   first, as libseccomp keeps it); else the conditional rules whose comparisons all
    ///   hold decide it, [ambiguously](Decision::Ambiguous) if they disagree.
    /// - Otherwise, including for a name the ABI does not have, the default action.
    /// - On x86_64, where a block names it, `uretprobe` and `uprobe` are
    ///   [run by the kernel without a filter](Decision::KernelExempt): the decision says
    ///   `allow`, and carries what the filter would answer. (Where no block names x86_64
    ///   the decision is still `BadArch`, though the kernel runs them there too.)
    ///
    /// On an ABI that reaches socket or IPC calls through `socketcall` or `ipc` (x86, ...),
    /// a rule for such a call (`socket`) also decides the multiplexer when its `arg0` is the
    /// call's number (`socketcall` with `arg0 == 1`), as libseccomp adds it.
    ///
    /// Comparisons are unsigned and on 64 bits. On a 32-bit ABI (x86, arm, mips, mipsel,
    /// ppc, s390, parisc) the kernel passes 32-bit registers zero-extended, so only the low
    /// 32 bits of each of `args` count, as for `Filter::simulate`.
    ///
    /// # Where libseccomp 2.5 builds something else
    ///
    /// libseccomp compares only the low 32 bits of arguments and values on every ABI it
    /// deems 32-bit, which includes x32 and mips n32, whose syscalls take 64-bit registers.
    /// Values above `u32::MAX` in rules for those ABIs are refused by
    /// [`Policy::violations`], but on x32 and mips n32 an argument whose high 32 bits are
    /// not zero is still compared by its low bits: `arg1 == 3` also holds for
    /// `0x1_0000_0003` in the filter, not in this decision.
    ///
    /// ```
    /// use seccomp_runtime::{arg, errno, Abi, Action, Block, Decision, Policy, Rule};
    ///
    /// let policy = Policy::new(Action::Errno(errno::EPERM))
    ///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))));
    /// assert_eq!(policy.decide(Abi::X86_64, "fcntl", [0, 3, 0, 0, 0, 0]).action(), Some(Action::Allow));
    /// assert_eq!(policy.decide(Abi::X86_64, "fcntl", [0, 4, 0, 0, 0, 0]), Decision::Default(Action::Errno(errno::EPERM)));
    /// assert_eq!(policy.decide(Abi::X86, "fcntl", [0, 3, 0, 0, 0, 0]), Decision::BadArch(Action::KillProcess));
    /// ```
    pub fn decide(&self, abi: Abi, syscall: &str, args: [u64; 6]) -> Decision {
        let declared = self.declared(abi, syscall, args);
        match declared {
            // On an ABI no block names the kernel runs them too, but the decision stays
            // `BadArch`: the OCI round trip (seccomp-dsl-cli's oci/) reads it as "not
            // exported" and is being restructured elsewhere.
            Decision::BadArch(_) => declared,
            _ => match declared.action() {
                Some(filter) if kernel_exempt(abi, syscall) => Decision::KernelExempt(filter),
                _ => declared,
            },
        }
    }

    /// What the policy's filter answers for the call, as [`Policy::decide`] but for the
    /// kernel's exemptions.
    fn declared(&self, abi: Abi, syscall: &str, args: [u64; 6]) -> Decision {
        if !self.blocks.iter().any(|block| block.abis().contains(&abi)) {
            return Decision::BadArch(self.bad_arch_action);
        }
        let args = abi.as_passed(args);
        let mut matching: Vec<(RuleRef, Action)> = Vec::new();
        let multiplexing = matches!(syscall, "socketcall" | "ipc");
        for (at, rule) in self.rules_for(abi) {
            if rule.covers(abi, syscall) {
                if rule.conditions().is_empty() {
                    return Decision::Rule {
                        action: rule.action(),
                        at,
                    };
                }
                if rule.conditions().iter().all(|c| holds(c, &args)) {
                    matching.push((at, rule.action()));
                }
            } else if multiplexing
                && rule.conditions().is_empty()
                && rule
                    .on_abi(abi)
                    .syscalls
                    .iter()
                    .any(|&(_, name)| multiplexed_call(abi, name, syscall) == Some(args[0]))
            {
                // `socket` on x86 is also `socketcall(SYS_SOCKET, ...)`: as if the rule said
                // `socketcall if arg0 == SYS_SOCKET`.
                matching.push((at, rule.action()));
            }
        }
        match matching.as_slice() {
            [] => Decision::Default(self.default_action),
            &[(at, action), ref rest @ ..] if rest.iter().all(|&(_, a)| a == action) => {
                Decision::Rule { action, at }
            }
            _ => {
                // A rule unconditional after all would have returned above: only
                // disagreeing conditional rules are left.
                Decision::Ambiguous(matching)
            }
        }
    }
}

impl Policy {
    /// What the policy declares for syscall number `nr` (as `seccomp_data.nr` carries it:
    /// x32 numbers with their `0x40000000` bit) made through `abi`: as
    /// [`Policy::decide`] for a syscall the table knows; for a number it does not know,
    /// the [unknown action](Policy::unknown), or the default without one.
    pub fn decide_nr(&self, abi: Abi, nr: u32, args: [u64; 6]) -> Decision {
        if !self.blocks.iter().any(|block| block.abis().contains(&abi)) {
            return Decision::BadArch(self.bad_arch_action);
        }
        let name = i32::try_from(nr)
            .ok()
            .and_then(|nr| crate::table::syscall::syscall_name(abi, nr));
        match name {
            Some(name) => self.decide(abi, name, args),
            None => match self.unknown_action {
                Some(action) => Decision::Unknown(action),
                None => Decision::Default(self.default_action),
            },
        }
    }
}

/// The call number under which `via` (`socketcall` or `ipc`) reaches `name` on `abi`
/// (`SYS_SOCKET` is 1, `SEMOP` is 1, ...), if it does.
fn multiplexed_call(abi: Abi, name: &str, via: &str) -> Option<u64> {
    match presence(abi, name) {
        Presence::Multiplexed { via: through, call } if through == via => Some(call),
        _ => None,
    }
}

/// Whether `comparison` holds for `args`; a comparison on an argument past arg5 (a
/// violation) never holds.
fn holds(comparison: &Comparison, args: &[u64; 6]) -> bool {
    args.get(usize::from(comparison.arg))
        .is_some_and(|&value| comparison.holds(value))
}
