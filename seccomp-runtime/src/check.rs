//! The checks a policy must pass before libseccomp is touched.
//!
//! libseccomp accepts several mistakes silently (a second action for a syscall is ignored, a
//! conditional rule beside an unconditional one is dead), so they are caught here. The
//! `seccomp_policy!` macro runs these same checks at compile time and puts each message on
//! the offending token, which is why every violation says *where* it is.

use std::collections::HashSet;
use std::fmt;

use crate::condition::MAX_ARG;
use crate::suggest::did_you_mean;
use crate::syscall::{presence, Presence};
use crate::{errno, Abi, Action, CmpOp, Comparison, Policy, Rule, RuleRef, SyscallRef};

/// One ABI name in a block's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbiRef {
    /// The block's index.
    pub block: usize,
    /// The ABI's position in the block's list.
    pub position: usize,
}

/// Where an action is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionSite {
    /// The policy's default action.
    Default,
    /// The policy's bad-ABI action.
    BadAbi,
    /// A rule's action.
    Rule(RuleRef),
}

impl fmt::Display for ActionSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionSite::Default => f.write_str("the default action"),
            ActionSite::BadAbi => f.write_str("the bad-ABI action"),
            ActionSite::Rule(rule) => write!(f, "{rule}"),
        }
    }
}

/// A mistake in a policy, found before any filter is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The policy names no ABI, so it would filter nothing.
    #[error("the policy has no `abi` block; name the ABIs it is for, e.g. `abi x86_64 {{ ... }}`")]
    NoBlocks,
    /// A block with no ABI.
    #[error("block #{} names no ABI", .block + 1)]
    EmptyBlock {
        /// The block's index.
        block: usize,
    },
    /// A rule with no syscall.
    #[error("{rule} names no syscall")]
    EmptyRule {
        /// The rule.
        rule: RuleRef,
    },
    /// An ABI in two blocks: each ABI gets exactly one filter.
    #[error(
        "ABI `{abi}` is already named in block #{}; each ABI gets one filter, so name it in one block only",
        .first.block + 1
    )]
    AbiInTwoBlocks {
        /// The ABI.
        abi: Abi,
        /// Where it is named first.
        first: AbiRef,
        /// Where it is named again.
        second: AbiRef,
    },
    /// An ABI named twice in one block's list.
    #[error("ABI `{abi}` is named twice in this block")]
    AbiRepeated {
        /// The ABI.
        abi: Abi,
        /// Where it is named first.
        first: AbiRef,
        /// Where it is named again.
        second: AbiRef,
    },
    /// ABIs of both byte orders: libseccomp cannot merge their filters.
    #[error(
        "ABI `{abi}` is {} but `{other}` is {}; one filter holds ABIs of one byte order only",
        .abi.endian(), .other.endian()
    )]
    MixedEndianness {
        /// The ABI that differs from the first one.
        abi: Abi,
        /// Where it is named.
        at: AbiRef,
        /// The policy's first ABI.
        other: Abi,
    },
    /// A syscall name the ABI does not have.
    #[error("`{syscall}` is not a syscall on {abi}{}", unknown_hint(.elsewhere, .suggestion))]
    UnknownSyscall {
        /// The ABI.
        abi: Abi,
        /// The name.
        syscall: String,
        /// Where it is named.
        at: SyscallRef,
        /// Another ABI of the policy that has the syscall, if one does.
        elsewhere: Option<Abi>,
        /// The nearest name the ABI has, if one is close and no other ABI has this one.
        suggestion: Option<String>,
    },
    /// One syscall, one condition, two actions: which one wins would be an accident.
    #[error(
        "`{syscall}` already gets {first_action} under the same condition on {abi} ({}); \
         one syscall and condition can have one action only",
        .first.rule
    )]
    ConflictingActions {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The second rule's syscall entry.
        second: SyscallRef,
        /// The first rule's action.
        first_action: Action,
        /// The second rule's action.
        second_action: Action,
    },
    /// The same rule twice.
    #[error("`{syscall}` already gets {action} under the same condition on {abi} ({})", .first.rule)]
    DuplicateRule {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The repeated entry.
        second: SyscallRef,
        /// Their action.
        action: Action,
    },
    /// A conditional rule beside an unconditional one for the same syscall never applies.
    #[error(
        "this rule for `{syscall}` can never apply on {abi}: {} already decides `{syscall}` \
         whatever its arguments",
        .unconditional.rule
    )]
    DeadRule {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The rule without conditions.
        unconditional: SyscallRef,
        /// The rule with conditions, which is dead.
        conditional: SyscallRef,
    },
    /// Conditions on a syscall the ABI also reaches through `socketcall` or `ipc`, where a
    /// filter cannot see its arguments: libseccomp cannot add such a rule exactly.
    #[error(
        "on {abi}, `{syscall}` is also reachable through `{via}`, where its arguments cannot \
         be checked; give it no condition on {abi}, or decide `{via}` instead"
    )]
    MultiplexedWithConditions {
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// `"socketcall"` or `"ipc"`.
        via: &'static str,
        /// Where it is named.
        at: SyscallRef,
    },
    /// A multiplexer allowed outright opens every syscall behind it, whatever the rules for
    /// those syscalls say.
    #[error(
        "`{syscall}` gets {action} on {abi}, but `{via}` gets {via_action} whatever its \
         arguments ({}), and `{via}` reaches `{syscall}` too",
        .via_at.rule
    )]
    MultiplexerBypass {
        /// The ABI.
        abi: Abi,
        /// The syscall behind the multiplexer.
        syscall: String,
        /// Its rule's action.
        action: Action,
        /// Where it is named.
        at: SyscallRef,
        /// `"socketcall"` or `"ipc"`.
        via: &'static str,
        /// The multiplexer's unconditional action.
        via_action: Action,
        /// Where the multiplexer is named.
        via_at: SyscallRef,
    },
    /// A comparison with a value or mask wider than what the ABI's filter compares.
    #[error(
        "on {abi}, libseccomp compares only the low {} bits of an argument, so `{comparison}` \
         would not be checked as written; use values below 2^{} in rules for {abi}",
        .abi.compared_bits(), .abi.compared_bits()
    )]
    ValueTooWide {
        /// The first ABI of the rule where it is too wide.
        abi: Abi,
        /// The rule.
        rule: RuleRef,
        /// The comparison's position in the rule.
        condition: usize,
        /// The comparison.
        comparison: Comparison,
    },
    /// `argN & mask == value` with bits of `value` outside `mask`: it can never hold, but
    /// libseccomp would compare only the bits inside the mask.
    #[error("`{comparison}` can never hold: the value has bits outside the mask")]
    ValueOutsideMask {
        /// The rule.
        rule: RuleRef,
        /// The comparison's position in the rule.
        condition: usize,
        /// The comparison.
        comparison: Comparison,
    },
    /// Two rules that the installed libseccomp is known to turn into a filter weaker than
    /// the policy (the comparison merge bug fixed in libseccomp 2.6.1).
    #[error(
        "libseccomp {version} builds a wrong filter for this rule and {} for `{syscall}` on {abi}: \
         two rules comparing arg{arg}, one of them with an ordering (<, <=, >, >=, !=), let \
         through calls both deny (fixed in libseccomp 2.6.1); compare arg{arg} with == or a \
         mask in one of them, or write one rule",
        .first.rule
    )]
    MisbuiltByLibseccomp {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The second rule's syscall entry.
        second: SyscallRef,
        /// The argument both compare.
        arg: u8,
        /// The installed libseccomp's version.
        version: String,
    },
    /// Two conditional rules for one syscall, with different actions, that can both match:
    /// which one the filter takes is not defined.
    #[error(
        "`{syscall}` gets {first_action} ({}) and {second_action} (this rule) on {abi} when \
         both conditions hold, e.g. for {}; which one the filter takes is not defined, so \
         make the conditions exclusive",
        .first.rule, Example(.example)
    )]
    OverlappingRules {
        /// An ABI where both rules apply.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The first rule's syscall entry.
        first: SyscallRef,
        /// The second rule's syscall entry.
        second: SyscallRef,
        /// The first rule's action.
        first_action: Action,
        /// The second rule's action.
        second_action: Action,
        /// Arguments both rules match: `Some` for the compared ones.
        example: [Option<u64>; 6],
    },
    /// A rule whose action is the default one: libseccomp refuses it, and it does nothing.
    #[error("{rule} has action {action}, which is already the default action; remove the rule")]
    ActionIsDefault {
        /// The rule.
        rule: RuleRef,
        /// The action.
        action: Action,
    },
    /// A comparison on an argument syscalls do not have.
    #[error("{rule} compares arg{arg}, but syscalls have arguments arg0 to arg5")]
    ArgOutOfRange {
        /// The rule.
        rule: RuleRef,
        /// The comparison's position in the rule.
        condition: usize,
        /// The argument index.
        arg: u8,
    },
    /// Two comparisons on one argument in one rule.
    #[error(
        "{rule} compares arg{arg} twice; a rule may compare each argument once \
         (use `argN & mask == value` to test several bits, or write two rules)"
    )]
    ArgComparedTwice {
        /// The rule.
        rule: RuleRef,
        /// The first comparison's position.
        first: usize,
        /// The second comparison's position.
        second: usize,
        /// The argument index.
        arg: u8,
    },
    /// An errno the kernel cannot return.
    #[error("errno({value}) in {site} is out of range: an errno is 0 to 4095")]
    ErrnoOutOfRange {
        /// Where the action is.
        site: ActionSite,
        /// The value.
        value: i32,
    },
}

impl Policy {
    /// Every mistake in the policy, check by check, each check's in the order of the
    /// policy's text; empty if none.
    ///
    /// [`Policy::build`] refuses a policy with any; the `seccomp_policy!` macro runs the
    /// same checks at compile time.
    pub fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        self.check_abis(&mut found);
        self.check_actions(&mut found);
        self.check_rules(&mut found);
        self.check_widths(&mut found);
        self.check_syscalls(&mut found);
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
            (ActionSite::BadAbi, self.bad_abi_action),
        ];
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
            if rule.syscalls().len() == 0 {
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

    /// Values wider than what an ABI the rule applies to compares.
    fn check_widths(&self, found: &mut Vec<Violation>) {
        for (rule_ref, rule) in self.rules() {
            let abis = match rule_ref.block {
                None => self.abis(),
                Some(block) => self.blocks[block].abis().to_vec(),
            };
            let Some(narrow) = abis.into_iter().find(|abi| abi.compared_bits() == 32) else {
                continue;
            };
            for (position, comparison) in rule.conditions().iter().enumerate() {
                let mask = match comparison.op {
                    CmpOp::MaskedEq(mask) => mask,
                    _ => 0,
                };
                if (comparison.value | mask) > u64::from(u32::MAX) {
                    found.push(Violation::ValueTooWide {
                        abi: narrow,
                        rule: rule_ref,
                        condition: position,
                        comparison: *comparison,
                    });
                }
            }
        }
    }

    /// Unknown names, multiplexed syscalls, and rules that meet on one syscall of one ABI.
    fn check_syscalls(&self, found: &mut Vec<Violation>) {
        // A block with several ABIs would report the same pair of rules once per ABI.
        let mut reported: HashSet<(SyscallRef, SyscallRef)> = HashSet::new();
        for abi in self.abis() {
            // Every entry that exists on the ABI, and the ones a multiplexer also reaches.
            let mut entries: Vec<(&str, SyscallRef, &Rule)> = Vec::new();
            let mut multiplexed: Vec<(SyscallRef, &str, &Rule, &'static str)> = Vec::new();
            for (rule_ref, rule) in self.rules_for(abi) {
                for (position, syscall) in rule.syscalls().enumerate() {
                    let at = SyscallRef {
                        rule: rule_ref,
                        position,
                    };
                    match presence(abi, syscall) {
                        Presence::Absent => {
                            // `socketcall` in a common rule or an x86_64 block: the fix is to
                            // move it, not to rename it.
                            let elsewhere = self
                                .abis()
                                .into_iter()
                                .find(|&other| presence(other, syscall) != Presence::Absent);
                            found.push(Violation::UnknownSyscall {
                                abi,
                                syscall: syscall.to_owned(),
                                at,
                                elsewhere,
                                suggestion: match elsewhere {
                                    Some(_) => None,
                                    None => crate::syscall::nearest_syscall(abi, syscall),
                                },
                            });
                            continue;
                        }
                        Presence::Direct => {}
                        Presence::Multiplexed(via) => {
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
                    if reported.insert((first, at)) {
                        met.extend(
                            meeting(abi, syscall, (first, first_rule), (at, rule)).map(|v| (at, v)),
                        );
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
    syscall: &str,
    (first, first_rule): (SyscallRef, &Rule),
    (second, second_rule): (SyscallRef, &Rule),
) -> Option<Violation> {
    let syscall = syscall.to_owned();
    let (a, b) = (first_rule.conditions(), second_rule.conditions());
    if same_condition(a, b) {
        let (first_action, second_action) = (first_rule.action(), second_rule.action());
        return Some(if first_action == second_action {
            Violation::DuplicateRule {
                abi,
                syscall,
                first,
                second,
                action: first_action,
            }
        } else {
            Violation::ConflictingActions {
                abi,
                syscall,
                first,
                second,
                first_action,
                second_action,
            }
        });
    }
    if let Some(version) = libseccomp_with_merge_bug() {
        if let Some(arg) = weakened_argument(a, b) {
            return Some(Violation::MisbuiltByLibseccomp {
                abi,
                syscall,
                first,
                second,
                arg,
                version,
            });
        }
    }
    let (first_action, second_action) = (first_rule.action(), second_rule.action());
    if !a.is_empty() && !b.is_empty() && first_action != second_action {
        let limit = u64::MAX >> (64 - abi.arg_bits());
        let args = crate::overlap::common_arguments(a, b, limit)?;
        let compared = |i: usize| a.iter().chain(b).any(|c| usize::from(c.arg) == i);
        let example = std::array::from_fn(|i| compared(i).then_some(args[i]));
        return Some(Violation::OverlappingRules {
            abi,
            syscall,
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
            syscall,
            unconditional: first,
            conditional: second,
        }),
        (false, true) => Some(Violation::DeadRule {
            abi,
            syscall,
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

/// The installed libseccomp's version, if it has the comparison merge bug (before 2.6.1).
fn libseccomp_with_merge_bug() -> Option<String> {
    let v = libseccomp::ScmpVersion::current().ok()?;
    ((v.major, v.minor, v.micro) < (2, 6, 1))
        .then(|| format!("{}.{}.{}", v.major, v.minor, v.micro))
}

/// Whether two lists of comparisons hold for exactly the same arguments, in any order.
fn same_condition(a: &[crate::Comparison], b: &[crate::Comparison]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// What to do about an unknown syscall: move it, or fix a typo.
fn unknown_hint(elsewhere: &Option<Abi>, suggestion: &Option<String>) -> String {
    match elsewhere {
        Some(other) => format!(" (it is one on {other}): name it in a rule for {other} only"),
        None => did_you_mean(suggestion.as_deref()),
    }
}

/// Example arguments, as `arg0 = 5, arg1 = 3`.
struct Example<'a>(&'a [Option<u64>; 6]);

impl fmt::Display for Example<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        for (index, value) in self.0.iter().enumerate() {
            if let Some(value) = value {
                write!(
                    f,
                    "{separator}arg{index} = {}",
                    crate::condition::Value(*value)
                )?;
                separator = ", ";
            }
        }
        Ok(())
    }
}

impl fmt::Display for AbiRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ABI #{} of block #{}", self.position + 1, self.block + 1)
    }
}
