//! From a checked policy to one libseccomp filter per ABI, then to one merged filter.

use std::ops::RangeInclusive;

use libseccomp::{ScmpArch, ScmpArgCompare, ScmpFilterContext, ScmpSyscall};

use crate::bpf::prefix::Prefix;
use crate::check::violation::Violation;
use crate::check::violations::Violations;
use crate::error::{Error, Result};
use crate::libseccomp::filter::Filter;
use crate::libseccomp::merge_bug;
use crate::libseccomp::summary::{AbiSummary, AddedRule, Skipped};
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::Comparison;
use crate::model::policy::Policy;
use crate::model::rule::{Rule, RuleRef, SyscallRef};
use crate::table::syscall::{native_number, syscall_number, syscall_numbers};
use crate::util::hash::{FastMap, FastSet};

impl Policy {
    /// Every mistake that [`Policy::build`] refuses the policy for: those of
    /// [`Policy::violations`], which are the same on every machine, and the rules the
    /// installed libseccomp (before 2.6.1) would build into a weaker filter
    /// ([`Violation::MisbuiltByLibseccomp`](crate::Violation::MisbuiltByLibseccomp)).
    pub fn build_violations(&self) -> Vec<Violation> {
        self.violations_with(merge_bug::installed().as_deref())
    }

    /// Check the policy, build one filter per ABI with exact rule adds, and merge them into
    /// one filter, ready to load or export.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with every mistake if [`Policy::violations`] finds any, or if the
    /// installed libseccomp (before 2.6.1) would build two of its rules into a weaker filter
    /// ([`Violation::MisbuiltByLibseccomp`](crate::Violation::MisbuiltByLibseccomp));
    /// otherwise the first libseccomp failure, naming the ABI (and the syscall and rule, for
    /// a rule).
    pub fn build(&self) -> Result<Filter> {
        if let Some(violations) = Violations::new(self.build_violations()) {
            return Err(Error::Invalid(violations));
        }
        // Every rule of every ABI is added before anything is merged.
        let mut built = Vec::new();
        let mut natives = FastMap::default();
        let mut prefix = Prefix::new();
        for abi in self.abis() {
            built.push(self.build_abi(abi, &mut natives, &mut prefix)?);
            if let Some(action) = self.unknown_action {
                prefix = prefix.unknown(abi, action, known_ranges(abi));
            }
        }
        let mut built = built.into_iter();
        let (mut merged, first) = built.next().expect("a checked policy has an ABI");
        let mut summary = vec![first];
        for (ctx, abi_summary) in built {
            let abi = abi_summary.abi;
            merged.merge(ctx).map_err(|e| Error::Merge {
                abi,
                source: e.into(),
            })?;
            summary.push(abi_summary);
        }
        // What libseccomp cannot express goes in a prefix of its program: syscalls it does
        // not know, by number, and the `unknown` action for the numbers the table does not
        // know. Empty (no instruction at all) for a policy with neither.
        let notifies = [self.default_action, self.bad_arch_action]
            .into_iter()
            .chain(
                summary
                    .iter()
                    .flat_map(|s| s.rules.iter().map(|r| r.action)),
            )
            .any(|action| action == Action::Notify);
        Ok(Filter::new(
            merged,
            self.attributes,
            self.bad_arch_action,
            summary,
            notifies,
        )
        .with_prefix(prefix))
    }

    /// `natives` keeps each name's native number across ABIs: resolving is a table walk.
    /// Syscalls libseccomp does not know go to `prefix`, by number.
    fn build_abi<'p>(
        &'p self,
        abi: Abi,
        natives: &mut FastMap<&'p str, ScmpSyscall>,
        prefix: &mut Prefix,
    ) -> Result<(ScmpFilterContext, AbiSummary)> {
        let mut ctx = self.empty_filter(abi)?;
        let mut added = Vec::new();
        let mut skipped = Vec::new();
        // The same condition in any order, as the checks compare them; sorted once per
        // rule, so that the set below borrows rather than copies them.
        let rules: Vec<(RuleRef, &Rule, Vec<Comparison>)> = self
            .rules_for(abi)
            .map(|(at, rule)| {
                let mut condition = rule.conditions().to_vec();
                condition.sort();
                (at, rule, condition)
            })
            .collect();
        let mut added_once: FastSet<(&str, Action, &[Comparison])> = FastSet::default();
        for &(at, rule, ref condition) in &rules {
            let comparisons: Vec<ScmpArgCompare> =
                rule.conditions().iter().map(|c| c.to_scmp()).collect();
            let on = rule.on_abi(abi);
            skipped.extend(on.skipped.iter().map(|&(position, name)| Skipped {
                at: SyscallRef { rule: at, position },
                syscall: name.to_owned(),
                entry: rule.entries()[position].to_string(),
            }));
            for (_, syscall) in on.syscalls {
                // A group may repeat what another rule says, with the same action and
                // condition (the checks allow that): add it once.
                if !added_once.insert((syscall, rule.action(), condition)) {
                    continue;
                }
                let added_by_libseccomp = natives
                    .get(syscall)
                    .copied()
                    .map_or_else(|| native_number(syscall), Ok)
                    .and_then(|native| {
                        natives.entry(syscall).or_insert(native);
                        ctx.add_rule_conditional_exact(
                            rule.action().to_scmp(),
                            native,
                            &comparisons,
                        )
                    });
                if let Err(source) = added_by_libseccomp {
                    // The checks passed, so the table has the syscall. If libseccomp does
                    // not, the prefix filters it by number, which takes no conditions.
                    let number = syscall_number(abi, syscall).and_then(|nr| u32::try_from(nr).ok());
                    match number {
                        _ if libseccomp_knows(abi, syscall) => {
                            return Err(Error::AddRule {
                                abi,
                                syscall: syscall.to_owned(),
                                rule: rule.to_string(),
                                at,
                                source: source.into(),
                            })
                        }
                        Some(nr) if rule.conditions().is_empty() => {
                            *prefix = std::mem::take(prefix).number(abi, nr, rule.action());
                        }
                        _ => {
                            return Err(Error::LibseccompLacksSyscall {
                                abi,
                                syscall: syscall.to_owned(),
                                rule: rule.to_string(),
                                at,
                                version: libseccomp_version(),
                            })
                        }
                    }
                }
                added.push(AddedRule {
                    at,
                    abi,
                    syscall: syscall.to_owned().into(),
                    action: rule.action(),
                    conditions: rule.conditions().to_vec(),
                });
            }
        }
        Ok((
            ctx,
            AbiSummary {
                abi,
                rules: added,
                skipped,
            },
        ))
    }

    /// A filter holding `abi` alone, with the policy's actions and attributes.
    fn empty_filter(&self, abi: Abi) -> Result<ScmpFilterContext> {
        let setting = |setting: &'static str| {
            move |e: libseccomp::error::SeccompError| Error::Setting {
                abi,
                setting,
                source: e.into(),
            }
        };
        let mut ctx =
            ScmpFilterContext::new(self.default_action.to_scmp()).map_err(|e| Error::Create {
                abi,
                source: e.into(),
            })?;
        // seccomp_init() adds the native ABI. It goes first: libseccomp refuses to hold
        // ABIs of two byte orders at once, even for a moment.
        if !ctx.is_arch_present(abi.to_scmp()).map_err(setting("ABI"))? {
            ctx.remove_arch(ScmpArch::Native).map_err(setting("ABI"))?;
            ctx.add_arch(abi.to_scmp()).map_err(setting("ABI"))?;
        }
        let attributes = self.attributes;
        ctx.set_act_badarch(self.bad_arch_action.to_scmp())
            .map_err(setting("SCMP_FLTATR_ACT_BADARCH"))?;
        ctx.set_ctl_nnp(attributes.no_new_privs)
            .map_err(setting("SCMP_FLTATR_CTL_NNP"))?;
        ctx.set_ctl_tsync(attributes.tsync)
            .map_err(setting("SCMP_FLTATR_CTL_TSYNC"))?;
        ctx.set_ctl_log(attributes.log)
            .map_err(setting("SCMP_FLTATR_CTL_LOG"))?;
        ctx.set_ctl_ssb(attributes.ssb)
            .map_err(setting("SCMP_FLTATR_CTL_SSB"))?;
        ctx.set_ctl_optimize(attributes.optimize.level())
            .map_err(setting("SCMP_FLTATR_CTL_OPTIMIZE"))?;
        // Without raw return codes, every kernel failure comes back as ECANCELED.
        ctx.set_api_sysrawrc(true)
            .map_err(setting("SCMP_FLTATR_API_SYSRAWRC"))?;
        Ok(ctx)
    }
}

/// Whether the installed libseccomp has `name` on `abi`, as a syscall or as a call behind
/// `socketcall` or `ipc` (its pseudo numbers -100 - call and -200 - call).
fn libseccomp_knows(abi: Abi, name: &str) -> bool {
    ScmpSyscall::from_name_by_arch(name, abi.to_scmp())
        .is_ok_and(|nr| matches!(i32::from(nr), 0.. | -299..=-100))
}

/// The numbers the syscall table knows on `abi`, as ranges for the prefix.
fn known_ranges(abi: Abi) -> Vec<RangeInclusive<u32>> {
    let mut numbers: Vec<u32> = syscall_numbers(abi)
        .filter_map(|nr| u32::try_from(nr).ok())
        .collect();
    numbers.sort_unstable();
    let mut ranges: Vec<RangeInclusive<u32>> = Vec::new();
    for nr in numbers {
        match ranges.last_mut() {
            Some(last) if *last.end() + 1 >= nr => *last = *last.start()..=nr.max(*last.end()),
            _ => ranges.push(nr..=nr),
        }
    }
    ranges
}

/// The installed libseccomp's version, as `2.5.4`.
fn libseccomp_version() -> String {
    match libseccomp::ScmpVersion::current() {
        Ok(v) => format!("{}.{}.{}", v.major, v.minor, v.micro),
        Err(_) => "of unknown version".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Error;
    use crate::model::abi::Abi;
    use crate::model::action::Action;
    use crate::model::condition::arg;
    use crate::model::errno;
    use crate::model::policy::{Block, Policy};
    use crate::model::rule::Rule;

    /// A syscall the table knows and the installed libseccomp does not is filtered by
    /// number when its rule has no conditions; with conditions, building says which ABI,
    /// syscall and rule libseccomp could not add.
    #[test]
    fn a_syscall_newer_than_libseccomp() {
        let unconditional = Policy::new(Action::Errno(errno::EPERM))
            .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["read", "mseal"])));
        let filter = unconditional.build().unwrap();
        assert_eq!(
            filter.simulate(Abi::X86_64, "mseal", [0; 6]).unwrap(),
            Action::Allow
        );

        let conditional = Policy::new(Action::Errno(errno::EPERM)).block(
            Block::new([Abi::X86_64])
                .rule(Rule::new(Action::Allow, ["read", "mseal"]).when(arg(2).eq(0))),
        );
        assert_eq!(conditional.violations(), vec![]);
        let err = conditional.build().unwrap_err();
        assert!(
            matches!(&err, Error::LibseccompLacksSyscall { abi: Abi::X86_64, syscall, rule, .. }
                if syscall == "mseal" && rule == "allow read, mseal if arg2 == 0"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("x86_64: the installed libseccomp "),
            "{err}"
        );
    }
}
