//! The checks a policy must pass before libseccomp is touched.
//!
//! libseccomp accepts several mistakes silently (a second action for a syscall is ignored, a
//! conditional rule beside an unconditional one is dead), so they are caught here. The
//! `seccomp_policy!` macro runs these same checks at compile time and puts each message on
//! the offending token, which is why every violation says *where* it is.

pub(crate) mod io_uring;
pub(crate) mod overlap;
pub(crate) mod violation;
pub(crate) mod violations;

use crate::util::hash::{FastMap, FastSet};

use crate::check::violation::{AbiRef, ActionSite, Violation};
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::{CmpOp, Comparison, MAX_ARG};
use crate::model::errno;
use crate::model::policy::Policy;
use crate::model::rule::{Entry, Rule, RuleRef, SyscallRef};
use crate::table::syscall::{kernel_exempt, presence, Presence};

impl Policy {
    /// Every mistake in the policy, check by check, each check's in the order of the
    /// policy's text; empty if none.
    ///
    /// `Policy::build` refuses a policy with any; the `seccomp_policy!` macro runs the
    /// same checks at compile time.
    pub fn violations(&self) -> Vec<Violation> {
        self.violations_with(None)
    }

    /// [`Policy::violations`], and where `merge_bug` names the version of a libseccomp with
    /// the comparison merge bug that will build the filter, the pairs of rules it would
    /// build weaker ([`Violation::MisbuiltByLibseccomp`]). The back end that knows the
    /// library passes it, so the checks themselves give the same answer on every machine.
    pub(crate) fn violations_with(&self, merge_bug: Option<&str>) -> Vec<Violation> {
        let mut found = Vec::new();
        self.check_abis(&mut found);
        self.check_actions(&mut found);
        self.check_rules(&mut found);
        self.check_widths(&mut found);
        self.check_syscalls(merge_bug, &mut found);
        self.check_exceptions(&mut found);
        self.check_io_uring(&mut found);
        found
    }

    fn check_abis(&self, found: &mut Vec<Violation>) {
        if self.blocks.is_empty() {
            found.push(Violation::NoBlocks);
        }
        let mut seen: Vec<(Abi, AbiRef)> = Vec::new();
        for (block, abis) in self.blocks.iter().map(|b| b.abis()).enumerate() {
            if abis.is_empty() {
                found.push(Violation::EmptyBlock { block });
            }
            for (position, &abi) in abis.iter().enumerate() {
                let here = AbiRef { block, position };
                if let Some(&(_, first)) = seen.iter().find(|(a, _)| *a == abi) {
                    found.push(if first.block == block {
                        Violation::AbiRepeated {
                            abi,
                            first,
                            second: here,
                        }
                    } else {
                        Violation::AbiInTwoBlocks {
                            abi,
                            first,
                            second: here,
                        }
                    });
                    continue;
                }
                if let Some(&(other, _)) = seen.first() {
                    if other.endian() != abi.endian() {
                        found.push(Violation::MixedEndianness {
                            abi,
                            at: here,
                            other,
                        });
                    }
                }
                seen.push((abi, here));
            }
        }
    }

    fn check_actions(&self, found: &mut Vec<Violation>) {
        let mut sites = vec![
            (ActionSite::Default, self.default_action),
            (ActionSite::BadArch, self.bad_arch_action),
        ];
        sites.extend(
            self.unknown_action
                .map(|action| (ActionSite::Unknown, action)),
        );
        sites.extend(
            self.rules()
                .map(|(at, rule)| (ActionSite::Rule(at), rule.action())),
        );
        for (site, action) in sites {
            if let Some(value) = action.errno() {
                if !(0..=errno::MAX).contains(&value) {
                    found.push(Violation::ErrnoOutOfRange { site, value });
                }
            }
            if let ActionSite::Rule(rule) = site {
                if action == self.default_action {
                    found.push(Violation::ActionIsDefault { rule, action });
                }
            }
        }
    }

    fn check_rules(&self, found: &mut Vec<Violation>) {
        for (rule_ref, rule) in self.rules() {
            if rule.entries().is_empty() {
                found.push(Violation::EmptyRule { rule: rule_ref });
            }
            let conditions = rule.conditions();
            for (position, comparison) in conditions.iter().enumerate() {
                if comparison.arg > MAX_ARG {
                    found.push(Violation::ArgOutOfRange {
                        rule: rule_ref,
                        condition: position,
                        arg: comparison.arg,
                    });
                } else if matches!(comparison.op, CmpOp::MaskedEq(mask) if comparison.value & !mask != 0)
                {
                    found.push(Violation::ValueOutsideMask {
                        rule: rule_ref,
                        condition: position,
                        comparison: *comparison,
                    });
                } else if let Some(first) = conditions[..position]
                    .iter()
                    .position(|c| c.arg == comparison.arg)
                {
                    found.push(Violation::ArgComparedTwice {
                        rule: rule_ref,
                        first,
                        second: position,
                        arg: comparison.arg,
                    });
                }
            }
        }
    }

    /// The rules the checks hold against each other on `abi`: the common rules and those of
    /// the first block naming it. A later block naming it again is already
    /// [`Violation::AbiInTwoBlocks`]; holding its rules against the first block's would
    /// add one message per syscall the two blocks share (the usual case: a block copied
    /// for another ABI), burying the one mistake to fix. Its rules are still checked on
    /// its other ABIs.
    fn checked_rules_for(&self, abi: Abi) -> impl Iterator<Item = (RuleRef, &Rule)> {
        let first = self.blocks.iter().position(|b| b.abis().contains(&abi));
        self.rules_for(abi)
            .filter(move |(at, _)| at.block.is_none() || at.block == first)
    }

    /// `except` items that remove nothing on any of their rule's ABIs.
    fn check_exceptions(&self, found: &mut Vec<Violation>) {
        for (rule_ref, rule) in self.rules() {
            if rule.exceptions().is_empty() {
                continue;
            }
            let abis: Vec<Abi> = match rule_ref.block {
                Some(block) => self.blocks[block].abis().to_vec(),
                None => self.abis(),
            };
            let mut idle: Option<Vec<usize>> = None;
            for abi in abis {
                let here = rule.idle_exceptions(abi);
                idle = Some(match idle {
                    None => here,
                    Some(before) => before.into_iter().filter(|p| here.contains(p)).collect(),
                });
            }
            for position in idle.unwrap_or_default() {
                found.push(Violation::ExceptRemovesNothing {
                    rule: rule_ref,
                    position,
                    entry: rule.exceptions()[position].to_string(),
                });
            }
        }
    }

    /// Values wider than what an ABI the rule applies to compares.
    fn check_widths(&self, found: &mut Vec<Violation>) {
        // A rule for several narrow ABIs is reported once, for the first.
        let mut reported: FastSet<(RuleRef, usize)> = FastSet::default();
        for abi in self
            .abis()
            .into_iter()
            .filter(|abi| abi.compared_bits() == 32)
        {
            for (rule_ref, rule) in self.checked_rules_for(abi) {
                for (position, comparison) in rule.conditions().iter().enumerate() {
                    let mask = match comparison.op {
                        CmpOp::MaskedEq(mask) => mask,
                        _ => 0,
                    };
                    if (comparison.value | mask) > u64::from(u32::MAX)
                        && reported.insert((rule_ref, position))
                    {
                        found.push(Violation::ValueTooWide {
                            abi,
                            rule: rule_ref,
                            condition: position,
                            comparison: *comparison,
                        });
                    }
                }
            }
        }
    }

    /// Unknown names, multiplexed syscalls, and rules that meet on one syscall of one ABI.
    fn check_syscalls(&self, merge_bug: Option<&str>, found: &mut Vec<Violation>) {
        // A block with several ABIs would report the same pair of rules once per ABI.
        let mut reported: FastSet<(SyscallRef, SyscallRef)> = FastSet::default();
        // A name missing on several ABIs of its rule is one mistake: where it was reported.
        let mut missing: FastMap<SyscallRef, usize> = FastMap::default();
        for abi in self.abis() {
            // Every entry that exists on the ABI, and the ones a multiplexer also reaches.
            let mut entries: Vec<(&str, SyscallRef, &Rule)> = Vec::new();
            let mut multiplexed: Vec<(SyscallRef, &str, &Rule, &'static str)> = Vec::new();
            for (rule_ref, rule) in self.checked_rules_for(abi) {
                let on = rule.on_abi(abi);
                for &(position, syscall) in &on.missing {
                    let at = SyscallRef {
                        rule: rule_ref,
                        position,
                    };
                    if let Some(&index) = missing.get(&at) {
                        if let Some(Violation::UnknownSyscall { also, .. }) = found.get_mut(index) {
                            also.push(abi);
                        }
                        continue;
                    }
                    missing.insert(at, found.len());
                    // `socketcall` in a common rule or an x86_64 block: the fix is to
                    // move it, not to rename it.
                    let elsewhere = self
                        .abis()
                        .into_iter()
                        .find(|&other| presence(other, syscall) != Presence::Absent);
                    found.push(Violation::UnknownSyscall {
                        abi,
                        also: Vec::new(),
                        syscall: syscall.to_owned(),
                        at,
                        elsewhere,
                        suggestion: match elsewhere {
                            Some(_) => None,
                            None => crate::table::syscall::nearest_syscall(abi, syscall)
                                .map(str::to_owned),
                        },
                    });
                }
                for (position, syscall) in on.syscalls {
                    let at = SyscallRef {
                        rule: rule_ref,
                        position,
                    };
                    if kernel_exempt(abi, syscall) && rule.action() != Action::Allow {
                        found.push(Violation::KernelExempt {
                            abi,
                            syscall: syscall.to_owned(),
                            action: rule.action(),
                            at,
                        });
                    }
                    match presence(abi, syscall) {
                        // `on_abi` keeps only names the ABI has.
                        Presence::Absent | Presence::Direct => {}
                        Presence::Multiplexed { via, .. } => {
                            if !rule.conditions().is_empty() {
                                found.push(Violation::MultiplexedWithConditions {
                                    abi,
                                    syscall: syscall.to_owned(),
                                    via,
                                    at,
                                });
                            }
                            multiplexed.push((at, syscall, rule, via));
                        }
                    }
                    entries.push((syscall, at, rule));
                }
            }
            // Rules meet per name: group the entries by name, in policy order within a name.
            entries.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            let mut met = Vec::new();
            for (i, &(syscall, at, rule)) in entries.iter().enumerate() {
                let start = entries.partition_point(|e| e.0 < syscall);
                for &(_, first, first_rule) in &entries[start..i] {
                    // Only pairs that meet badly are remembered: a policy with many rules
                    // for one syscall has as many pairs as rules squared.
                    if reported.contains(&(first, at)) {
                        continue;
                    }
                    let pair = ((first, first_rule), (at, rule));
                    if let Some(violation) = meeting(abi, syscall, pair, merge_bug) {
                        reported.insert((first, at));
                        met.push((at, violation));
                    }
                }
            }
            // Reported in the order of the policy's text, as the other checks are.
            met.sort_by_key(|&(at, _)| at);
            found.extend(met.into_iter().map(|(_, v)| v));
            for &(at, syscall, rule, via) in &multiplexed {
                let start = entries.partition_point(|e| e.0 < via);
                let via_rules = entries[start..].iter().take_while(|e| e.0 == via);
                for &(_, via_at, via_rule) in via_rules.filter(|e| e.2.conditions().is_empty()) {
                    if rule.action() != via_rule.action() && reported.insert((via_at, at)) {
                        found.push(Violation::MultiplexerBypass {
                            abi,
                            syscall: syscall.to_owned(),
                            action: rule.action(),
                            at,
                            via,
                            via_action: via_rule.action(),
                            via_at,
                        });
                    }
                }
            }
        }
    }
}

/// What is wrong, if anything, with two rules for the same syscall on one ABI.
fn meeting(
    abi: Abi,
    name: &str,
    ((first, first_rule), (second, second_rule)): ((SyscallRef, &Rule), (SyscallRef, &Rule)),
    merge_bug: Option<&str>,
) -> Option<Violation> {
    // Owned only for a violation: most pairs of rules are fine.
    let syscall = || name.to_owned();
    let (a, b) = (first_rule.conditions(), second_rule.conditions());
    let (first_action, second_action) = (first_rule.action(), second_rule.action());
    if same_condition(a, b) {
        // A group (or an optional name) that repeats what another rule already says is how
        // groups are used (`allow @system_service;` beside `allow exit_group;`); only the
        // same name written out twice is a mistake.
        let written_out = |at: SyscallRef, rule: &Rule| {
            matches!(rule.entries().get(at.position), Some(Entry::Syscall(_)))
        };
        if first_action == second_action
            && !(written_out(first, first_rule) && written_out(second, second_rule))
        {
            return None;
        }
        return Some(if first_action == second_action {
            Violation::DuplicateRule {
                abi,
                syscall: syscall(),
                first,
                second,
                action: first_action,
            }
        } else {
            Violation::ConflictingActions {
                abi,
                syscall: syscall(),
                first,
                second,
                first_action,
                second_action,
            }
        });
    }
    if let Some(version) = merge_bug {
        if let Some(arg) = weakened_argument(a, b) {
            return Some(Violation::MisbuiltByLibseccomp {
                abi,
                syscall: syscall(),
                first,
                second,
                arg,
                version: version.to_owned(),
            });
        }
    }
    if !a.is_empty() && !b.is_empty() && first_action != second_action {
        let limit = u64::MAX >> (64 - abi.arg_bits());
        let args = crate::check::overlap::common_arguments(a, b, limit)?;
        let compared = |i: usize| a.iter().chain(b).any(|c| usize::from(c.arg) == i);
        let example = std::array::from_fn(|i| compared(i).then_some(args[i]));
        return Some(Violation::OverlappingRules {
            abi,
            syscall: syscall(),
            first,
            second,
            first_action,
            second_action,
            example,
        });
    }
    match (a.is_empty(), b.is_empty()) {
        (true, false) => Some(Violation::DeadRule {
            abi,
            syscall: syscall(),
            unconditional: first,
            conditional: second,
        }),
        (false, true) => Some(Violation::DeadRule {
            abi,
            syscall: syscall(),
            unconditional: second,
            conditional: first,
        }),
        _ => None,
    }
}

/// The argument that two rules' comparisons both test, with an ordering in one of them:
/// the shape libseccomp before 2.6.1 merges into a filter weaker than either rule.
fn weakened_argument(a: &[Comparison], b: &[Comparison]) -> Option<u8> {
    let is_equality = |c: &Comparison| matches!(c.op, CmpOp::Eq | CmpOp::MaskedEq(_));
    a.iter().find_map(|x| {
        b.iter()
            .find(|y| y.arg == x.arg && !(is_equality(x) && is_equality(y)))
            .map(|_| x.arg)
    })
}

/// Whether two lists of comparisons hold for exactly the same arguments, in any order.
fn same_condition(a: &[Comparison], b: &[Comparison]) -> bool {
    // Without allocating: rules meet pairwise, and hold at most a few comparisons.
    a.iter().all(|x| b.contains(x)) && b.iter().all(|y| a.contains(y))
}

#[cfg(test)]
mod tests {
    use crate::check::violation::{AbiRef, Violation};
    use crate::model::abi::Abi;
    use crate::model::action::Action;
    use crate::model::condition::arg;
    use crate::model::errno;
    use crate::model::policy::{Block, Policy};
    use crate::model::rule::{Rule, RuleRef, SyscallRef};

    /// A block copied for another ABI that keeps one of the original's: the repeated ABI
    /// is the one violation, not followed by one per rule the copy repeats for it (the
    /// same rules, a conditional one, another action for `ptrace`); a mistake of the copy
    /// on its own ABI is still found.
    #[test]
    fn an_abi_in_two_blocks_is_reported_alone() {
        let block = |abis, ptrace| {
            Block::new(abis)
                .rule(Rule::new(Action::Allow, ["read", "write", "close"]))
                .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3)))
                .rule(Rule::new(ptrace, ["ptrace"]))
        };
        let policy = Policy::new(Action::Errno(errno::EPERM))
            .rule(Rule::new(Action::Allow, ["exit_group"]))
            .block(block([Abi::X86_64, Abi::X32], Action::KillProcess))
            .block(block([Abi::X86, Abi::X86_64], Action::Errno(errno::EACCES)));
        let in_two_blocks = Violation::AbiInTwoBlocks {
            abi: Abi::X86_64,
            first: AbiRef {
                block: 0,
                position: 0,
            },
            second: AbiRef {
                block: 1,
                position: 1,
            },
        };
        assert_eq!(policy.violations(), vec![in_two_blocks.clone()]);

        let at = |index| SyscallRef {
            rule: RuleRef {
                block: Some(1),
                index,
            },
            position: 0,
        };
        let mut with_own_mistake = policy;
        with_own_mistake.blocks[1] = with_own_mistake.blocks[1]
            .clone()
            .rule(Rule::new(Action::KillProcess, ["read"]));
        assert_eq!(
            with_own_mistake.violations(),
            vec![
                in_two_blocks,
                Violation::ConflictingActions {
                    abi: Abi::X86,
                    syscall: "read".to_owned(),
                    first: at(0),
                    second: at(3),
                    first_action: Action::Allow,
                    second_action: Action::KillProcess,
                },
            ]
        );
    }
}
