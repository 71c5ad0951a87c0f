//! The io_uring check: a ring the policy allows does, unfiltered, what the policy denies.
//!
//! The kernel carries out operations submitted through an io_uring ring without running
//! seccomp, so `allow @system_service except @network_io;` still lets the program connect
//! (`IORING_OP_CONNECT`): `@system_service` holds `@aio`, and so `io_uring_setup`. This
//! is the same class of mistake as allowing `socketcall` outright on x86, on every ABI.

use crate::util::hash::{FastMap, FastSet};

use crate::check::violation::Violation;
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::policy::{IoUring, Policy};
use crate::model::rule::SyscallRef;
use crate::table::io_uring::{IO_URING_OPS, RING_SETUP};
use crate::table::syscall::syscall_exists;

/// Whether a syscall that gets `action` is carried out: `log` lets it run too, so a ring
/// set up under `log` is as open as one under `allow`.
fn runs(action: Action) -> bool {
    matches!(action, Action::Allow | Action::Log)
}

/// What the rules of one ABI say about one syscall.
#[derive(Default)]
struct Rules {
    /// The first rule without conditions: it decides whatever the arguments.
    unconditional: Option<(SyscallRef, Action)>,
    /// The first conditional rule that lets the syscall run.
    first_running: Option<SyscallRef>,
    /// Whether some conditional rule stops it.
    conditional_stop: bool,
}

impl Policy {
    /// For each ABI where a rule (or the default action) lets `io_uring_setup` run, the
    /// first ring operation none of whose syscalls runs whatever its arguments.
    pub(crate) fn check_io_uring(&self, found: &mut Vec<Violation>) {
        if self.io_uring == IoUring::Unfiltered {
            return;
        }
        let wanted: FastSet<&str> = IO_URING_OPS
            .iter()
            .flat_map(|op| op.syscalls.iter().copied())
            .chain([RING_SETUP])
            .collect();
        // A rule for several ABIs, or the default, opens the ring once: reported once.
        let mut reported: FastSet<Option<SyscallRef>> = FastSet::default();
        for abi in self.abis() {
            let rules = self.ring_rules(abi, &wanted);
            let Some(at) = self.ring_allowed(&rules) else {
                continue;
            };
            if reported.contains(&at) {
                continue;
            }
            if let Some((opcode, syscall, action)) = self.first_hole(abi, &rules) {
                reported.insert(at);
                found.push(Violation::IoUringBypass {
                    abi,
                    at,
                    opcode,
                    syscall: syscall.to_owned(),
                    action,
                });
            }
        }
    }

    /// What the rules for `abi` say about each of `wanted`, in one pass over the rules.
    fn ring_rules<'p>(&'p self, abi: Abi, wanted: &FastSet<&str>) -> FastMap<&'p str, Rules> {
        let mut rules: FastMap<&str, Rules> = FastMap::default();
        for (rule_ref, rule) in self.rules_for(abi) {
            for (position, name) in rule.on_abi(abi).syscalls {
                if !wanted.contains(name) {
                    continue;
                }
                let at = SyscallRef {
                    rule: rule_ref,
                    position,
                };
                let entry = rules.entry(name).or_default();
                if rule.conditions().is_empty() {
                    entry.unconditional.get_or_insert((at, rule.action()));
                } else if runs(rule.action()) {
                    entry.first_running.get_or_insert(at);
                } else {
                    entry.conditional_stop = true;
                }
            }
        }
        rules
    }

    /// Whether a ring can be set up on the ABI, and by which entry (`None`: the default).
    fn ring_allowed(&self, rules: &FastMap<&str, Rules>) -> Option<Option<SyscallRef>> {
        let Some(setup) = rules.get(RING_SETUP) else {
            return runs(self.default_action).then_some(None);
        };
        match setup.unconditional {
            Some((at, action)) => runs(action).then_some(Some(at)),
            // Allowed for some arguments is allowed: once set up, the ring is the same. A
            // conditional rule that stops it leaves the default for other arguments.
            None => match setup.first_running {
                Some(at) => Some(Some(at)),
                None => runs(self.default_action).then_some(None),
            },
        }
    }

    /// The first operation that does the work only of syscalls the policy stops (for some
    /// arguments at least) on `abi`: its name, the first such syscall, and what that
    /// syscall gets whatever its arguments (`None`: it depends on them).
    fn first_hole(
        &self,
        abi: Abi,
        rules: &FastMap<&str, Rules>,
    ) -> Option<(&'static str, &'static str, Option<Action>)> {
        let free = |name: &str| match rules.get(name) {
            None => runs(self.default_action),
            Some(r) => match r.unconditional {
                Some((_, action)) => runs(action),
                None => !r.conditional_stop && runs(self.default_action),
            },
        };
        IO_URING_OPS.iter().find_map(|op| {
            let mut names = op.syscalls.iter().filter(|n| syscall_exists(abi, n));
            let first = *names.clone().next()?;
            if names.any(|name| free(name)) {
                return None;
            }
            let action = match rules.get(first) {
                None => Some(self.default_action),
                Some(r) => r.unconditional.map(|(_, action)| action),
            };
            Some((op.name, first, action))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::check::violation::Violation;
    use crate::group;
    use crate::model::abi::Abi;
    use crate::model::action::Action;
    use crate::model::condition::arg;
    use crate::model::errno;
    use crate::model::policy::{Block, IoUring, Policy};
    use crate::model::rule::{Entry, Rule};

    fn ring_violations(policy: &Policy) -> Vec<Violation> {
        policy
            .violations()
            .into_iter()
            .filter(|v| matches!(v, Violation::IoUringBypass { .. }))
            .collect()
    }

    fn deny_list(extra: Rule) -> Policy {
        Policy::new(Action::Allow).block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(Action::Errno(errno::EPERM), ["openat"]))
                .rule(extra),
        )
    }

    #[test]
    fn a_ring_beside_a_denied_syscall_is_refused_once_per_rule() {
        let policy = Policy::new(Action::Errno(errno::EPERM)).block(
            Block::new([Abi::X86_64, Abi::X32])
                .rule(Rule::new(Action::Allow, ["read", "io_uring_setup"])),
        );
        let found = ring_violations(&policy);
        assert_eq!(found.len(), 1, "{found:?}");
        let Violation::IoUringBypass {
            abi,
            at,
            opcode,
            syscall,
            action,
        } = &found[0]
        else {
            unreachable!()
        };
        assert_eq!(*abi, Abi::X86_64);
        assert_eq!(at.map(|at| at.position), Some(1));
        // READV is the first operation none of whose syscalls is allowed.
        assert_eq!((*opcode, syscall.as_str()), ("READV", "readv"));
        assert_eq!(*action, Some(Action::Errno(errno::EPERM)));
        let message = found[0].to_string();
        assert!(message.starts_with("io_uring is allowed on x86_64, but its IORING_OP_READV"));
        assert!(message.contains("`except @aio`"), "{message}");
        assert!(message.contains("`io_uring = unfiltered;`"), "{message}");
    }

    #[test]
    fn the_default_can_open_the_ring() {
        let policy = deny_list(Rule::new(Action::KillProcess, ["ptrace"]));
        let found = ring_violations(&policy);
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0].to_string();
        assert!(
            message.starts_with(
                "io_uring is allowed on x86_64 by the default action, but its \
                 IORING_OP_OPENAT does what `openat` does, which gets errno(EPERM) there"
            ),
            "{message}"
        );
    }

    #[test]
    fn the_ways_out() {
        let denied = deny_list(Rule::new(Action::Errno(errno::EPERM), ["io_uring_setup"]));
        assert_eq!(ring_violations(&denied), []);
        let unfiltered =
            deny_list(Rule::new(Action::KillProcess, ["ptrace"])).io_uring(IoUring::Unfiltered);
        assert_eq!(ring_violations(&unfiltered), []);
        let service = |except: Vec<Entry>| {
            Policy::new(Action::Errno(errno::EPERM)).block(
                Block::new([Abi::X86_64, Abi::X32, Abi::X86]).rule(
                    Rule::new(Action::Allow, [Entry::group(group::SYSTEM_SERVICE)]).except(except),
                ),
            )
        };
        // `@system_service` allows every syscall its ring can do, so it passes as it is...
        assert_eq!(ring_violations(&service(Vec::new())), []);
        // ... but without `@network_io` the ring still connects.
        let no_network = service(vec![Entry::group(group::NETWORK_IO)]);
        let found = ring_violations(&no_network);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(matches!(
            &found[0],
            Violation::IoUringBypass { opcode: "SENDMSG", syscall, .. } if syscall == "sendmsg"
        ));
        let without_aio = service(vec![
            Entry::group(group::NETWORK_IO),
            Entry::group(group::AIO),
        ]);
        assert_eq!(ring_violations(&without_aio), []);
    }

    #[test]
    fn conditions_are_bypassed_and_alternatives_count() {
        let policy = Policy::new(Action::Errno(errno::EPERM)).block(
            Block::new([Abi::X86_64])
                .rule(Rule::new(Action::Allow, ["io_uring_setup"]))
                .rule(
                    Rule::new(Action::Allow, ["readv", "writev", "fsync", "read", "write"])
                        .when(arg(0).eq(1)),
                ),
        );
        let found = ring_violations(&policy);
        assert!(
            matches!(
                &found[..],
                [Violation::IoUringBypass {
                    opcode: "READV",
                    action: None,
                    ..
                }]
            ),
            "{found:?}"
        );
        assert!(found[0]
            .to_string()
            .contains("which is allowed only under conditions the ring does not check"));
        // `preadv2` allowed outright: READV gives nothing the program lacks.
        let policy = Policy::new(Action::Errno(errno::EPERM)).block(
            Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["io_uring_setup", "preadv2"])),
        );
        assert!(matches!(
            &ring_violations(&policy)[..],
            [Violation::IoUringBypass {
                opcode: "WRITEV",
                ..
            }]
        ));
    }

    #[test]
    fn a_ring_denied_or_conditioned_away_is_no_hole() {
        // `io_uring_setup` only ever denied: no ring, whatever else is denied.
        let policy = Policy::new(Action::Allow).block(
            Block::new([Abi::X86])
                .rule(Rule::new(Action::Errno(errno::EPERM), ["openat"]))
                .rule(Rule::new(Action::Trap, ["io_uring_setup"]).when(arg(1).ne(0))),
        );
        let found = ring_violations(&policy);
        // Allowed by the default when arg1 == 0: a ring can be set up.
        assert_eq!(found.len(), 1, "{found:?}");
        let policy = Policy::new(Action::Errno(errno::EPERM))
            .block(Block::new([Abi::X86]).rule(Rule::new(Action::Allow, ["read"])));
        assert_eq!(ring_violations(&policy), []);
    }
}
