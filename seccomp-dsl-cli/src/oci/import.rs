//! A seccomp profile as a policy: what runc (with libseccomp) builds from it, written in
//! the policy language, and what in the profile is ambiguous or weaker than written.
//!
//! The profile is read the way runc reads it: one filter for all listed architectures;
//! each rule added by name on every architecture that has the name (names no listed
//! architecture has are ignored); rules whose action is the default action skipped; two
//! comparisons on one argument split into one rule each (so either may hold); the first
//! unconditional rule for a syscall decides it, and makes conditional rules beside it
//! dead. The policy says the same per ABI, with `?name` where an ABI lacks a name.
//!
//! What runc adds is written too: `bad_arch kill_thread` (libseccomp's default, which runc
//! keeps); its ENOSYS stub (see [`super::enosys`]) as `errno(ENOSYS)` rules for the syscalls
//! newer than the profile, and `unknown errno(ENOSYS)` (which also answers ENOSYS for holes
//! in the syscall table, where runc gives the default action). A conditional rule for a
//! call that a 32-bit ABI also reaches through `socketcall` or `ipc` is left out on that
//! ABI, because libseccomp cannot check those arguments there (a finding says what runc
//! does instead).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use oci_spec::runtime::{LinuxSeccompAction, LinuxSeccompFilterFlag, LinuxSeccompOperator};
use seccomp_runtime::{
    arg, errno, multiplexer, syscall_exists, Abi, Action, Block, Comparison, Entry, Policy, Rule,
    MAX_ARG,
};

use super::profile::Profile;
use super::rules::{Clause, Decides};
use super::{arch, enosys, resolve};

/// The policy a profile gives, with what the import found.
#[derive(Debug)]
pub struct Imported {
    /// The policy.
    pub policy: Policy,
    /// What in the profile is ambiguous, weaker than written, or refused by runc.
    pub findings: Vec<String>,
    /// How things the policy language says differently were settled.
    pub notes: Vec<String>,
}

/// Why a profile cannot be imported at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// An errno above 4095 or a trace message above 65535.
    #[error("{0}: errnoRet {1} is out of range")]
    Value(String, u32),
    /// No architecture the syscall table knows.
    #[error("no architecture of the profile is one this tool knows ({0})")]
    NoAbi(String),
}

/// One rule of the profile on one ABI, before libseccomp's reading.
struct Added {
    clause: Clause,
    /// The profile's rule number, for findings.
    index: usize,
}

/// Import `profile`.
///
/// # Errors
///
/// [`ImportError`].
pub fn import(profile: &Profile) -> Result<Imported, ImportError> {
    let mut findings = Vec::new();
    let mut notes = profile.notes.clone();

    let default = action(
        profile.default_action,
        profile.default_errno_ret,
        "defaultAction",
    )?;
    let mut abis: Vec<Abi> = Vec::new();
    for &oci in &profile.architectures {
        match arch::from_oci(oci) {
            Some(abi) if !abis.contains(&abi) => abis.push(abi),
            Some(_) => {}
            None => findings.push(format!(
                "architecture {} is not in this tool's syscall table: left out (it gets \
                 bad_arch here)",
                arch::oci_name(oci)
            )),
        }
    }
    if abis.is_empty() {
        match Abi::native() {
            Some(native) if profile.architectures.is_empty() => {
                notes.push(format!(
                    "no architectures: runc filters the native one only; assumed {native}"
                ));
                abis.push(native);
            }
            _ => {
                let listed: Vec<String> = profile
                    .architectures
                    .iter()
                    .map(|a| arch::oci_name(*a))
                    .collect();
                return Err(ImportError::NoAbi(listed.join(", ")));
            }
        }
    }

    // Each ABI's rules, per syscall name, in the profile's order.
    let mut added: Vec<BTreeMap<&str, Vec<Added>>> = abis.iter().map(|_| BTreeMap::new()).collect();
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for (index, rule) in profile.syscalls.iter().enumerate() {
        let what = format!("rule {index} ({})", rule.names.join(", "));
        let action = action(rule.action, rule.errno_ret, &what)?;
        if action == default {
            // Harmless: runc skips it (but counts its names for the ENOSYS stub).
            notes.push(format!(
                "{what}: {action} is the default action; runc skips the rule"
            ));
            continue;
        }
        let Some(alternatives) =
            conditions(rule.args.as_deref().unwrap_or(&[]), &what, &mut findings)
        else {
            continue;
        };
        let mut unresolvable: Vec<(Abi, Vec<String>)> = Vec::new();
        for name in &rule.names {
            let mut anywhere = false;
            for (at, &abi) in abis.iter().enumerate() {
                if !syscall_exists(abi, name) {
                    continue;
                }
                anywhere = true;
                if !resolve::knows(abi, name) {
                    match unresolvable.iter_mut().find(|(on, _)| *on == abi) {
                        Some((_, names)) => names.push(name.clone()),
                        None => unresolvable.push((abi, vec![name.clone()])),
                    }
                }
                for conditions in &alternatives {
                    added[at].entry(name).or_default().push(Added {
                        clause: Clause::new(action, conditions),
                        index,
                    });
                }
            }
            if !anywhere {
                unknown.insert(name);
            }
        }
        if !unresolvable.is_empty() {
            // The policy keeps the rule (a runtime with a newer libseccomp enforces it);
            // whether this one does is not in the profile.
            // The rule's own name list can be hundreds of names long (Docker's first rule).
            findings.push(format!(
                "rule {index}: not enforced by runc or crun built on libseccomp {} (the one \
                 installed here) or older, which does not know {}: they ignore names their \
                 libseccomp cannot resolve, so these calls get the default action (or ENOSYS \
                 from runc's stub)",
                resolve::version(),
                super::export::unresolvable(&unresolvable)
            ));
        }
    }
    let partial: Vec<&str> = profile
        .syscalls
        .iter()
        .flat_map(|rule| rule.names.iter().map(String::as_str))
        .filter(|name| {
            let has = abis
                .iter()
                .filter(|&&abi| syscall_exists(abi, name))
                .count();
            has > 0 && has < abis.len()
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !partial.is_empty() {
        notes.push(format!(
            "{} names exist on some of the listed architectures only, written `?name`: {}",
            partial.len(),
            partial.join(", ")
        ));
    }
    if !unknown.is_empty() {
        findings.push(format!(
            "unknown on every listed architecture, ignored (as runc ignores them): {}",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }

    let allows = matches!(default, Action::Allow | Action::Log | Action::Trace(_));
    let stub = enosys::applies(allows, profile.default_errno_ret);
    if stub {
        let named = || {
            profile
                .syscalls
                .iter()
                .flat_map(|r| r.names.iter().map(String::as_str))
        };
        for (at, &abi) in abis.iter().enumerate() {
            let Some(max) = enosys::highest(abi, named()) else {
                continue;
            };
            let newer = enosys::above(abi, max);
            if newer.is_empty() {
                continue;
            }
            notes.push(format!(
                "runc answers ENOSYS for syscalls numbered above the profile's highest on \
                 {abi} ({max}); written as errno(ENOSYS): {}",
                newer.join(", ")
            ));
            for name in newer {
                added[at].entry(name).or_default().push(Added {
                    clause: Clause::new(Action::Errno(errno::ENOSYS), &[]),
                    index: profile.syscalls.len(),
                });
            }
        }
    }

    // What libseccomp makes of each ABI's rules.
    let mut decided: Vec<Vec<(&str, Decides)>> = Vec::new();
    for (at, &abi) in abis.iter().enumerate() {
        let mut on_abi = Vec::new();
        for (&name, rules) in &added[at] {
            let decides = read_like_libseccomp(abi, name, rules, &added[at], &mut findings);
            if !decides.is_empty() {
                on_abi.push((name, decides));
            }
        }
        decided.push(on_abi);
    }

    let mut policy = Policy::new(default).bad_arch(Action::KillThread);
    if stub {
        // Numbers the table does not know are newer than the profile (runc's stub answers
        // ENOSYS) or holes (runc leaves them to the default action; this answers ENOSYS).
        policy = policy.unknown(Action::Errno(errno::ENOSYS));
    }
    for flag in &profile.flags {
        policy = match flag {
            LinuxSeccompFilterFlag::SeccompFilterFlagTsync => policy.tsync(true),
            LinuxSeccompFilterFlag::SeccompFilterFlagLog => policy.log(true),
            LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow => policy.ssb(true),
            other => {
                notes.push(format!("flag {other} has no policy setting: left out"));
                policy
            }
        };
    }
    let policy = assemble(policy, &abis, &decided);
    for violation in policy.violations() {
        let finding = format!("the imported policy: {violation}");
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    }
    Ok(Imported {
        policy,
        findings,
        notes,
    })
}

/// The action of an OCI action and `errnoRet`, as runc reads them.
///
/// # Errors
///
/// [`ImportError::Value`] for an errno above 4095 or a trace message above 65535.
pub fn action(
    oci: LinuxSeccompAction,
    errno_ret: Option<u32>,
    what: &str,
) -> Result<Action, ImportError> {
    let value = |max: u32| match errno_ret {
        Some(value) if value > max => Err(ImportError::Value(what.to_owned(), value)),
        // runc's default for both: EPERM.
        Some(value) => Ok(value),
        None => Ok(errno::EPERM.unsigned_abs()),
    };
    Ok(match oci {
        LinuxSeccompAction::ScmpActAllow => Action::Allow,
        LinuxSeccompAction::ScmpActLog => Action::Log,
        LinuxSeccompAction::ScmpActKillProcess => Action::KillProcess,
        // SCMP_ACT_KILL is libseccomp's old name of KILL_THREAD.
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            Action::KillThread
        }
        LinuxSeccompAction::ScmpActTrap => Action::Trap,
        LinuxSeccompAction::ScmpActNotify => Action::Notify,
        LinuxSeccompAction::ScmpActErrno => {
            Action::Errno(i32::try_from(value(errno::MAX.unsigned_abs())?).unwrap_or(errno::MAX))
        }
        LinuxSeccompAction::ScmpActTrace => {
            Action::Trace(u16::try_from(value(u32::from(u16::MAX))?).unwrap_or(u16::MAX))
        }
    })
}

/// A rule's comparisons, as the alternatives runc adds: one rule with all of them, or,
/// when two compare the same argument, one rule per comparison. `None` if runc would
/// refuse the rule.
fn conditions(
    args: &[oci_spec::runtime::LinuxSeccompArg],
    what: &str,
    findings: &mut Vec<String>,
) -> Option<Vec<Vec<Comparison>>> {
    let mut all = Vec::new();
    for oci in args {
        let Ok(index) = u8::try_from(oci.index()) else {
            findings.push(format!(
                "{what}: argument {} does not exist: runc fails to load the profile; rule left out",
                oci.index()
            ));
            return None;
        };
        if index > MAX_ARG {
            findings.push(format!("{what}: argument {index} does not exist: runc fails to load the profile; rule left out"));
            return None;
        }
        let on = arg(index);
        let value = oci.value();
        all.push(match oci.op() {
            LinuxSeccompOperator::ScmpCmpEq => on.eq(value),
            LinuxSeccompOperator::ScmpCmpNe => on.ne(value),
            LinuxSeccompOperator::ScmpCmpLt => on.lt(value),
            LinuxSeccompOperator::ScmpCmpLe => on.le(value),
            LinuxSeccompOperator::ScmpCmpGt => on.gt(value),
            LinuxSeccompOperator::ScmpCmpGe => on.ge(value),
            LinuxSeccompOperator::ScmpCmpMaskedEq => {
                on.masked_eq(value, oci.value_two().unwrap_or_default())
            }
        });
    }
    let mut seen = 0u8;
    let repeated = all.iter().any(|c| {
        let bit = 1 << c.arg;
        let again = seen & bit != 0;
        seen |= bit;
        again
    });
    if repeated {
        findings.push(format!(
            "{what}: two comparisons on one argument: runc adds one rule per comparison, so \
             the rule holds when ANY of them holds, not all"
        ));
        return Some(all.into_iter().map(|c| vec![c]).collect());
    }
    Some(vec![all])
}

/// What libseccomp makes of the rules for `name` on `abi`, with findings on rules that
/// never apply, duplicates and what 32-bit multiplexed calls do to conditions.
fn read_like_libseccomp(
    abi: Abi,
    name: &str,
    rules: &[Added],
    all: &BTreeMap<&str, Vec<Added>>,
    findings: &mut Vec<String>,
) -> Decides {
    let mut rules: Vec<&Added> = rules.iter().collect();
    if let Some(via) = multiplexer(abi, name) {
        if rules.iter().any(|r| !r.clause.is_unconditional()) {
            let through = all
                .get(via)
                .and_then(|r| r.iter().find(|r| r.clause.is_unconditional()))
                .map(|r| r.clause.action);
            let conditional: Vec<String> = rules
                .iter()
                .filter(|r| !r.clause.is_unconditional())
                .map(|r| format!("rule {} ({})", r.index, r.clause))
                .collect();
            findings.push(match through {
                Some(action) => format!(
                    "{name} on {abi}: the conditions of {} cannot hold for 32-bit callers: \
                     {via} gets {action} outright, so {via}() reaches {name} whatever \
                     its arguments (the socketcall bypass); left out on {abi}",
                    conditional.join(", ")
                ),
                None => format!(
                    "{name} on {abi}: {} cannot be checked through {via} (its arguments are \
                     behind a pointer); libseccomp drops the check there; left out on {abi}",
                    conditional.join(", ")
                ),
            });
            rules.retain(|r| r.clause.is_unconditional());
        }
    }
    let first = rules.iter().find(|r| r.clause.is_unconditional());
    if let Some(first) = first {
        for other in &rules {
            if std::ptr::eq(*other, *first) || other.clause == first.clause {
                continue;
            }
            // Reported once, on the first ABI, to keep the list short.
            let finding = if other.clause.is_unconditional() {
                format!(
                    "{name}: rule {} ({}) and rule {} ({}): libseccomp keeps the first, the \
                     second never applies",
                    first.index, first.clause, other.index, other.clause
                )
            } else {
                format!(
                    "{name}: rule {} ({}) never applies: rule {} ({}) decides {name} whatever \
                     the arguments",
                    other.index, other.clause, first.index, first.clause
                )
            };
            if !findings.contains(&finding) {
                findings.push(finding);
            }
        }
    } else {
        // Per set of conditions, the first rule with each action: a map, not a pairwise
        // scan, since a profile may give one syscall thousands of rules. One finding per
        // action that differs from the first one's.
        let mut first: HashMap<&[Comparison], Vec<&Added>> = HashMap::new();
        for one in &rules {
            let seen = first.entry(&one.clause.conditions[..]).or_default();
            if seen.iter().any(|r| r.clause.action == one.clause.action) {
                continue;
            }
            if let Some(other) = seen.first() {
                let finding = format!(
                    "{name}: rules {} and {} give the same conditions different actions: \
                     libseccomp refuses that (EEXIST) and runc fails to start the container",
                    other.index, one.index
                );
                if !findings.contains(&finding) {
                    findings.push(finding);
                }
            }
            seen.push(one);
        }
    }
    Decides::reduce(rules.iter().map(|r| r.clause.clone()))
}

/// A clause for a syscall name, with the ABIs it holds on.
type Pair<'a> = (&'a Clause, &'a str, Vec<Abi>);

/// Write the per-ABI decisions as a policy: what every ABI that has a name agrees on as
/// common rules, the rest in one block per group of ABIs that agree.
fn assemble(mut policy: Policy, abis: &[Abi], decided: &[Vec<(&str, Decides)>]) -> Policy {
    // Every (clause, name) pair, with the ABIs it holds on, in first-seen order.
    let mut pairs: Vec<Pair> = Vec::new();
    let mut at: HashMap<(&Clause, &str), usize> = HashMap::new();
    for (&abi, on_abi) in abis.iter().zip(decided) {
        for (name, decides) in on_abi {
            for clause in decides.clauses() {
                match at.get(&(clause, *name)) {
                    Some(&i) => pairs[i].2.push(abi),
                    None => {
                        at.insert((clause, name), pairs.len());
                        pairs.push((clause, name, vec![abi]));
                    }
                }
            }
        }
    }
    let having = |name: &str| -> Vec<Abi> {
        abis.iter()
            .copied()
            .filter(|&abi| syscall_exists(abi, name))
            .collect()
    };
    let (common, rest): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|(_, name, on)| *on == having(name));
    for rule in rules(&common, abis) {
        policy = policy.rule(rule);
    }
    // ABIs that agree on the rest share a block.
    let mut blocks: Vec<(Vec<Abi>, Vec<Pair>)> = Vec::new();
    for &abi in abis {
        let own: Vec<_> = rest
            .iter()
            .filter(|(_, _, on)| on.contains(&abi))
            .cloned()
            .collect();
        let key: Vec<(&Clause, &str)> = own.iter().map(|(c, n, _)| (*c, *n)).collect();
        match blocks
            .iter_mut()
            .find(|(_, rules)| rules.iter().map(|(c, n, _)| (*c, *n)).collect::<Vec<_>>() == key)
        {
            Some((block_abis, _)) => block_abis.push(abi),
            None => blocks.push((vec![abi], own)),
        }
    }
    for (block_abis, own) in blocks {
        let mut block = Block::new(block_abis.iter().copied());
        for rule in rules(&own, &block_abis) {
            block = block.rule(rule);
        }
        policy = policy.block(block);
    }
    policy
}

/// The pairs as rules, one per clause, names sorted, unconditional rules first; `?name`
/// where some of `scope` lacks the name.
fn rules(pairs: &[Pair], scope: &[Abi]) -> Vec<Rule> {
    let mut clauses: Vec<(&Clause, BTreeSet<&str>)> = Vec::new();
    let mut at: HashMap<&Clause, usize> = HashMap::new();
    for (clause, name, _) in pairs {
        match at.get(clause) {
            Some(&i) => {
                clauses[i].1.insert(name);
            }
            None => {
                at.insert(clause, clauses.len());
                clauses.push((clause, BTreeSet::from([*name])));
            }
        }
    }
    // Unconditional rules first: they are what a reader looks for.
    clauses.sort_by_key(|(clause, _)| !clause.conditions.is_empty());
    clauses
        .into_iter()
        .map(|(clause, names)| {
            let entries = names.into_iter().map(|name| {
                if scope.iter().all(|&abi| syscall_exists(abi, name)) {
                    Entry::syscall(name.to_owned())
                } else {
                    Entry::optional(name.to_owned())
                }
            });
            clause
                .conditions
                .iter()
                .fold(Rule::new(clause.action, entries), |rule, c| rule.when(*c))
        })
        .collect()
}
