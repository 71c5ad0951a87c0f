//! Composing policies: the one policy whose filter does what loading several, one after
//! another, does.
//!
//! The kernel runs every stacked filter and takes the action of highest precedence
//! (kill_process > kill_thread > trap > errno > notify > trace > log > allow); among equal
//! actions the filter loaded last wins, with its errno or trace value. [`Policy::stacked`]
//! computes that maximum for every ABI, syscall and argument, exactly, and writes it back
//! as rules; where the rule language cannot say it exactly, it refuses.

// A refusal is large (it names the rules involved) and travels on the error path only,
// where its size costs nothing; `Error` boxes it when a caller converts with `?`.
#![allow(clippy::result_large_err)]

mod compose;
mod error;
mod values;

use std::collections::BTreeSet;

use crate::check::violations::Violations;
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::policy::{Attributes, Block, IoUring, Optimize, Policy};
use crate::model::rule::Rule;
use crate::table::syscall::{presence, Presence};

use compose::{constant, rank, stack};
pub use error::{PartRule, StackError};

/// The syscalls of `rule` on `abi`, by name: groups expanded, what the ABI lacks skipped,
/// `except` applied. Every look at a rule's syscalls in composition goes through here.
pub(crate) fn syscalls_on(rule: &Rule, abi: Abi) -> Vec<&str> {
    rule.on_abi(abi)
        .syscalls
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

impl Policy {
    /// Most rules one syscall on one ABI may need in a composed policy; past that,
    /// [`Policy::stacked`] refuses with [`StackError::Inexpressible`].
    pub const STACKED_RULES_MAX: usize = compose::MAX_RULES;

    /// The one policy whose filter does, for every ABI, syscall and arguments, exactly
    /// what loading `policies` one after another (first loaded first) does: every filter
    /// runs and the action of highest precedence wins (kill_process > kill_thread > trap >
    /// errno > notify > trace > log > allow), on a tie the one loaded last, with its errno
    /// or trace value.
    ///
    /// - An ABI a policy does not name gets that policy's `bad_arch` action, as stacked; the
    ///   result's `bad_arch` action is the stacked one of the policies'. An ABI whose every
    ///   syscall would get that action is left out of the result.
    /// - Conditions compose exactly: the result's rules for a syscall cover where the
    ///   stacked action differs from the result's default, written with one comparison
    ///   per argument per rule; a set no comparison writes is split into several rules
    ///   (`arg2 & 0x6 == 0x0`, `arg2 & 0x6 == 0x2`, ...). With libseccomp before 2.6.1,
    ///   an argument two rules compare is compared with `==` and masks only, as the checks
    ///   require. Where that is impossible, too large, or wider than what libseccomp
    ///   compares on the ABI: [`StackError::Inexpressible`], naming the rules.
    /// - On x86, a rule for `socket` also decides `socketcall(SYS_SOCKET)`; the result
    ///   decides both exactly or refuses ([`StackError::MultiplexerConflict`]).
    /// - Numbers the syscall table does not know get, stacked, each part's `unknown` action
    ///   (its default without one; its `bad_arch` action on an ABI it does not name): the
    ///   result's `unknown` action is that, unset where it equals the result's default. It
    ///   must be the same on every ABI the result names ([`StackError::UnknownsDiffer`]).
    /// - Flags: `no_new_privs` is set if any policy sets it (it is sticky); `ssb` (keep the
    ///   mitigation off) only if every policy asks for it; `optimize` is the binary tree if
    ///   any policy asks for it (it changes the layout only); `tsync` and `log` must agree
    ///   ([`StackError::FlagsDiffer`]). At most one policy may use `notify`
    ///   ([`StackError::TwoListeners`]).
    ///
    /// # Errors
    ///
    /// The [`StackError`] saying why, including a policy with
    /// [violations](Policy::violations) of its own. `?` converts it into
    /// [`Error::Stack`](crate::Error::Stack).
    ///
    /// ```
    /// use seccomp_runtime::{arg, errno, Abi, Action, Block, Policy, Rule};
    ///
    /// let allow_list = Policy::new(Action::Errno(errno::EPERM)).block(
    ///     Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["read", "mmap", "exit_group"])),
    /// );
    /// let w_xor_x = Policy::new(Action::Allow).block(
    ///     Block::new([Abi::X86_64])
    ///         .rule(Rule::new(Action::Errno(errno::EACCES), ["mmap"]).when(arg(2).masked_eq(6, 6))),
    /// );
    /// let one = Policy::stacked([allow_list, w_xor_x])?;
    /// let mmap = |prot| one.decide(Abi::X86_64, "mmap", [0, 4096, prot, 0, 0, 0]).action();
    /// assert_eq!(mmap(3), Some(Action::Allow));
    /// assert_eq!(mmap(7), Some(Action::Errno(errno::EACCES)));
    /// assert_eq!(one.decide(Abi::X86_64, "ptrace", [0; 6]).action(), Some(Action::Errno(errno::EPERM)));
    /// # Ok::<(), seccomp_runtime::Error>(())
    /// ```
    pub fn stacked(policies: impl IntoIterator<Item = Policy>) -> Result<Policy, StackError> {
        let parts: Vec<Policy> = policies.into_iter().collect();
        compose_all(&parts)
    }
}

fn compose_all(parts: &[Policy]) -> Result<Policy, StackError> {
    if parts.is_empty() {
        return Err(StackError::Empty);
    }
    for (part, policy) in parts.iter().enumerate() {
        if let Some(violations) = Violations::new(policy.violations()) {
            return Err(StackError::InvalidPart { part, violations });
        }
    }
    let attributes = attributes(parts)?;
    one_listener(parts)?;
    if let [only] = parts {
        return Ok(only.clone());
    }
    let bad_arch = fold(parts.iter().map(Policy::bad_arch_action));
    // Parts that pass the io_uring check compose into a policy that passes it (a ring
    // syscall the result denies or conditions, some part does, with the ring allowed);
    // the only holes are those a part acknowledged, so the result acknowledges them too.
    let io_uring = match parts.iter().any(|p| p.io_uring == IoUring::Unfiltered) {
        true => IoUring::Unfiltered,
        false => IoUring::Checked,
    };
    let mut named: Vec<Abi> = Vec::new();
    for abi in parts.iter().flat_map(Policy::abis) {
        if !named.contains(&abi) {
            named.push(abi);
        }
    }
    // The ABIs the result names, with what their unnamed syscalls get.
    let mut kept: Vec<(Abi, Action)> = Vec::new();
    for &abi in &named {
        if constant_on(parts, abi) == Some(bad_arch) {
            continue;
        }
        let unnamed = fold(parts.iter().map(|p| {
            if p.abis().contains(&abi) {
                p.default_action()
            } else {
                p.bad_arch_action()
            }
        }));
        kept.push((abi, unnamed));
    }
    let Some(&(first_abi, default)) = kept.first() else {
        // Every ABI gets the `bad_arch` action whatever the call: one block with no rules
        // and that action as default says so (a policy needs a block).
        let policy = Policy::new(bad_arch)
            .bad_arch(bad_arch)
            .with_attributes(attributes)
            .io_uring(io_uring)
            .block(Block::new([named[0]]));
        return checked(policy);
    };
    if let Some(&(other, other_action)) = kept.iter().find(|(_, a)| *a != default) {
        return Err(StackError::DefaultsDiffer {
            abi: first_abi,
            action: default,
            other,
            other_action,
        });
    }
    let unknown = unknown_numbers(parts, &kept)?;
    let mut per_abi: Vec<(Abi, Vec<Rule>)> = Vec::new();
    for &(abi, _) in &kept {
        per_abi.push((abi, abi_rules(parts, abi, default)?));
    }
    // ABIs with the same rules share a block, as a person would write them.
    let mut policy = Policy::new(default)
        .bad_arch(bad_arch)
        .with_attributes(attributes)
        .io_uring(io_uring);
    // Unknown numbers fall to the default without an `unknown` action: only say it where
    // it differs, so that composing policies without one gives a policy without one.
    if unknown != default {
        policy = policy.unknown(unknown);
    }
    let mut done = vec![false; per_abi.len()];
    for i in 0..per_abi.len() {
        if done[i] {
            continue;
        }
        let abis: Vec<Abi> = (i..per_abi.len())
            .filter(|&j| per_abi[j].1 == per_abi[i].1)
            .inspect(|&j| done[j] = true)
            .map(|j| per_abi[j].0)
            .collect();
        policy = policy.block(
            per_abi[i]
                .1
                .iter()
                .cloned()
                .fold(Block::new(abis), Block::rule),
        );
    }
    checked(policy)
}

fn checked(policy: Policy) -> Result<Policy, StackError> {
    match Violations::new(policy.violations()) {
        None => Ok(policy),
        Some(violations) => Err(StackError::Unbuildable(violations)),
    }
}

/// The stacked action of `actions`, in load order.
fn fold(actions: impl IntoIterator<Item = Action>) -> Action {
    actions
        .into_iter()
        .reduce(stack)
        .unwrap_or(Action::KillProcess)
}

/// What a part does with a number the table does not know on `abi`: its `unknown` action
/// (its default without one) where it names the ABI, else its `bad_arch` action.
fn part_unknown(part: &Policy, abi: Abi) -> Action {
    if part.abis().contains(&abi) {
        part.unknown_action().unwrap_or(part.default_action())
    } else {
        part.bad_arch_action()
    }
}

/// The stacked action for numbers the table does not know, one for every kept ABI: a
/// policy has one `unknown` action, so ABIs that would need two refuse.
fn unknown_numbers(parts: &[Policy], kept: &[(Abi, Action)]) -> Result<Action, StackError> {
    let on = |abi: Abi| fold(parts.iter().map(|p| part_unknown(p, abi)));
    let (first, _) = kept[0];
    let action = on(first);
    match kept
        .iter()
        .map(|&(abi, _)| (abi, on(abi)))
        .find(|(_, a)| *a != action)
    {
        Some((other, other_action)) => Err(StackError::UnknownsDiffer {
            abi: first,
            action,
            other,
            other_action,
        }),
        None => Ok(action),
    }
}

/// What every syscall on `abi` gets whatever the policies that name it say, if a policy
/// that does not name it decides them all with its `bad_arch` action.
fn constant_on(parts: &[Policy], abi: Abi) -> Option<Action> {
    let mut winner: Option<(usize, Action)> = None;
    for (i, part) in parts.iter().enumerate() {
        if !part.abis().contains(&abi) {
            let action = part.bad_arch_action();
            if winner.is_none_or(|(_, w)| rank(action) <= rank(w)) {
                winner = Some((i, action));
            }
        }
    }
    let (j, bad) = winner?;
    for (i, part) in parts.iter().enumerate() {
        if !part.abis().contains(&abi) {
            continue;
        }
        // Numbers the table does not know get the part's `unknown` action: it may beat
        // the `bad_arch` action as any rule may.
        let mut possible = std::iter::once(part.default_action())
            .chain(part.unknown_action())
            .chain(part.rules_for(abi).map(|(_, r)| r.action()));
        if possible.any(|x| rank(x) < rank(bad) || (rank(x) == rank(bad) && i > j)) {
            return None;
        }
    }
    Some(bad)
}

/// The flags of the stacked policies as one filter's.
fn attributes(parts: &[Policy]) -> Result<Attributes, StackError> {
    let first = parts[0].attributes();
    for (flag, get) in [
        (
            "tsync",
            (|a: &Attributes| a.tsync) as fn(&Attributes) -> bool,
        ),
        ("log", |a: &Attributes| a.log),
    ] {
        if let Some(second) = parts
            .iter()
            .position(|p| get(&p.attributes()) != get(&first))
        {
            return Err(StackError::FlagsDiffer {
                flag,
                first: 0,
                second,
            });
        }
    }
    let every = parts.iter().map(Policy::attributes);
    Ok(Attributes {
        // Once set, no_new_privs stays set for the process.
        no_new_privs: every.clone().any(|a| a.no_new_privs),
        tsync: first.tsync,
        log: first.log,
        // The kernel keeps the mitigation on unless every filter asks for it off.
        ssb: every.clone().all(|a| a.ssb),
        optimize: if every.clone().any(|a| a.optimize == Optimize::BinaryTree) {
            Optimize::BinaryTree
        } else {
            Optimize::Linear
        },
    })
}

fn one_listener(parts: &[Policy]) -> Result<(), StackError> {
    let notifies = |p: &Policy| {
        p.default_action() == Action::Notify
            || p.bad_arch_action() == Action::Notify
            || p.rules().any(|(_, r)| r.action() == Action::Notify)
    };
    let mut users = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| notifies(p))
        .map(|(i, _)| i);
    match (users.next(), users.next()) {
        (Some(first), Some(second)) => Err(StackError::TwoListeners { first, second }),
        _ => Ok(()),
    }
}

/// The composed rules for `abi`, syscall by syscall in name order.
fn abi_rules(parts: &[Policy], abi: Abi, default: Action) -> Result<Vec<Rule>, StackError> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for part in parts.iter().filter(|p| p.abis().contains(&abi)) {
        for (_, rule) in part.rules_for(abi) {
            for name in syscalls_on(rule, abi) {
                names.insert(name);
                if let Presence::Multiplexed { via, .. } = presence(abi, name) {
                    // The multiplexer's function changes with the rule: compose it too.
                    names.insert(via);
                }
            }
        }
    }
    // The calls behind each multiplexer that get a rule of their own in the result.
    let mut multiplexed: Vec<(&str, &'static str, u64, Action)> = Vec::new();
    let mut functions = Vec::new();
    for &name in &names {
        let function = compose::stacked_function(parts, abi, name)?;
        if let Presence::Multiplexed { via, call } = presence(abi, name) {
            match constant(&function) {
                Some(action) if action != default => multiplexed.push((name, via, call, action)),
                Some(_) => {}
                None => {
                    return Err(StackError::MultiplexerConflict {
                        abi,
                        syscall: name.to_owned(),
                        via,
                    })
                }
            }
        }
        functions.push((name, function));
    }
    let mut unconditional: Vec<(Action, Vec<&str>)> = Vec::new();
    let mut conditional: Vec<Rule> = Vec::new();
    for (name, function) in functions {
        let behind: Vec<_> = multiplexed.iter().filter(|m| m.1 == name).collect();
        // A rule for `socket` makes `socketcall(SYS_SOCKET)` take its action: the
        // composition must take it there too.
        for &&(call_name, via, call, action) in &behind {
            let disagrees = function
                .iter()
                .any(|p| p.region[0].contains(call) && p.action != action);
            if disagrees {
                return Err(StackError::MultiplexerConflict {
                    abi,
                    syscall: call_name.to_owned(),
                    via,
                });
            }
        }
        let rules = compose::rules_for(abi, name, function, default, !behind.is_empty())?;
        for (action, conditions) in rules {
            if conditions.is_empty() {
                match unconditional.iter_mut().find(|(a, _)| *a == action) {
                    Some((_, names)) => names.push(name),
                    None => unconditional.push((action, vec![name])),
                }
            } else {
                conditional.extend(compose::as_rules(name, vec![(action, conditions)]));
            }
        }
    }
    let mut rules: Vec<Rule> = unconditional
        .into_iter()
        .map(|(action, names)| Rule::new(action, names.into_iter().map(str::to_owned)))
        .collect();
    rules.extend(conditional);
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::abi::Abi;
    use crate::model::errno;

    fn on(abis: &[Abi], default: Action) -> Policy {
        Policy::new(default).block(Block::new(abis.iter().copied()))
    }

    fn refusal(parts: Vec<Policy>) -> StackError {
        match Policy::stacked(parts) {
            Err(error) => error,
            other => panic!("expected a stacking error, got {other:?}"),
        }
    }

    #[test]
    fn flags_combine_or_refuse() {
        let x86_64 = [Abi::X86_64];
        let a = on(&x86_64, Action::Allow).no_new_privs(false).ssb(true);
        let b = on(&x86_64, Action::Allow)
            .ssb(false)
            .optimize(Optimize::Linear);
        let one = Policy::stacked([a.clone(), b]).unwrap();
        assert!(one.attributes().no_new_privs);
        assert!(!one.attributes().ssb);
        assert_eq!(one.attributes().optimize, Optimize::BinaryTree);
        let refused = refusal(vec![a.clone(), a.tsync(true)]);
        assert_eq!(
            refused,
            StackError::FlagsDiffer {
                flag: "tsync",
                first: 0,
                second: 1
            }
        );
    }

    #[test]
    fn one_listener_only() {
        let notify = on(&[Abi::X86_64], Action::Notify);
        let refused = refusal(vec![
            notify.clone(),
            on(&[Abi::X86_64], Action::Allow),
            notify,
        ]);
        assert_eq!(
            refused,
            StackError::TwoListeners {
                first: 0,
                second: 2
            }
        );
    }

    #[test]
    fn an_abi_one_part_leaves_out() {
        let x86_64 = on(&[Abi::X86_64], Action::Errno(errno::EPERM));
        // Everything on x86 is killed by the first policy's `bad_arch` action: x86 is left out.
        let both = on(&[Abi::X86_64, Abi::X86], Action::Allow);
        let one = Policy::stacked([x86_64.clone(), both]).unwrap();
        assert_eq!(one.abis(), vec![Abi::X86_64]);
        assert_eq!(one.default_action(), Action::Errno(errno::EPERM));
        // With allowing `bad_arch` actions, x86_64's unnamed syscalls would get errno and
        // x86's kill_process: one default cannot say it.
        let lenient = x86_64.bad_arch(Action::Allow);
        let x86 = on(&[Abi::X86], Action::KillProcess).bad_arch(Action::Allow);
        assert!(matches!(
            refusal(vec![lenient, x86]),
            StackError::DefaultsDiffer { .. }
        ));
    }

    #[test]
    fn a_multiplexer_the_rule_language_cannot_split() {
        // Stacked, x86's direct socket() is allowed but socketcall(SYS_SOCKET) is killed; a
        // rule for `socket` would decide both.
        let first = Policy::new(Action::Errno(errno::EPERM))
            .block(Block::new([Abi::X86]).rule(Rule::new(Action::Allow, ["socket"])));
        let second = Policy::new(Action::Allow)
            .block(Block::new([Abi::X86]).rule(Rule::new(Action::KillProcess, ["socketcall"])));
        assert_eq!(
            refusal(vec![first, second]),
            StackError::MultiplexerConflict {
                abi: Abi::X86,
                syscall: "socket".to_owned(),
                via: "socketcall",
            }
        );
    }

    /// Issue 21, finding 1: the composition used to drop the parts' `unknown` actions, so
    /// numbers the table does not know were let through (or got the default's errno).
    #[test]
    fn unknown_numbers_compose_like_the_defaults() {
        let x86_64 = || Block::new([Abi::X86_64]);
        let killer = Policy::new(Action::Allow)
            .unknown(Action::KillProcess)
            .block(x86_64().rule(Rule::new(Action::Errno(errno::EPERM), ["ptrace"])));
        let mount = Policy::new(Action::Allow)
            .block(x86_64().rule(Rule::new(Action::Errno(errno::EPERM), ["mount"])));
        let one = Policy::stacked([killer, mount.clone()]).unwrap();
        assert_eq!(one.unknown_action(), Some(Action::KillProcess));
        assert_eq!(
            one.decide_nr(Abi::X86_64, 1000, [0; 6]).action(),
            Some(Action::KillProcess)
        );
        let enosys = Policy::new(Action::Errno(errno::EPERM))
            .unknown(Action::Errno(errno::ENOSYS))
            .block(x86_64().rule(Rule::new(Action::Allow, ["getpid"])));
        let one = Policy::stacked([enosys, mount.clone()]).unwrap();
        assert_eq!(one.unknown_action(), Some(Action::Errno(errno::ENOSYS)));
        // Without an `unknown` action anywhere, the result has none either.
        let one = Policy::stacked([mount.clone(), mount]).unwrap();
        assert_eq!(one.unknown_action(), None);
    }

    #[test]
    fn unknown_numbers_that_differ_by_abi_refuse() {
        let both = Policy::new(Action::Allow)
            .unknown(Action::Errno(errno::ENOSYS))
            .block(Block::new([Abi::X86_64]))
            .block(Block::new([Abi::X86]));
        // Stacked, x86_64's unknown numbers are killed (the third part) and x86's get
        // ENOSYS (the first): one `unknown` action cannot say both.
        let other = Policy::new(Action::Allow).block(Block::new([Abi::X86_64, Abi::X86]));
        let kill_x86_64 = Policy::new(Action::Allow)
            .unknown(Action::KillProcess)
            .block(Block::new([Abi::X86_64]))
            .bad_arch(Action::Allow);
        assert!(matches!(
            refusal(vec![both, other, kill_x86_64]),
            StackError::UnknownsDiffer { .. }
        ));
    }

    #[test]
    fn ties_go_to_the_later_policy() {
        let deny = |e| {
            Policy::new(Action::Allow)
                .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(e), ["getuid"])))
        };
        let one = Policy::stacked([deny(errno::EIO), deny(errno::EACCES)]).unwrap();
        assert_eq!(
            one.decide(Abi::X86_64, "getuid", [0; 6]).action(),
            Some(Action::Errno(errno::EACCES))
        );
    }
}
