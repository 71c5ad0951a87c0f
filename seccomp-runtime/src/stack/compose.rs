//! One syscall on one ABI: each policy's rules as a function of the arguments, their
//! stacked maximum, and that maximum written back as rules.

use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::{CmpOp, Comparison};
use crate::model::policy::Policy;
use crate::model::rule::Rule;
use crate::table::syscall::{presence, Presence};

use crate::libseccomp::merge_bug;

use super::values::ValueSet;
use super::{syscalls_on, PartRule, StackError};

/// Most pieces a composed function may have before composition gives up.
const MAX_PIECES: usize = 4096;
/// Most rules one syscall of one ABI may need in the composed policy.
pub(crate) const MAX_RULES: usize = 256;

/// A product of value sets, one per argument.
pub(crate) type Region = [ValueSet; 6];

/// Where a function of the arguments takes one action.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub(crate) region: Region,
    pub(crate) action: Action,
    /// For each policy stacked so far, the rule that decides here (or its default).
    pub(crate) from: Vec<PartRule>,
}

/// The kernel's precedence of actions, lowest first wins (`ACTION_ONLY`, signed).
pub(crate) fn rank(action: Action) -> u8 {
    match action {
        Action::KillProcess => 0,
        Action::KillThread => 1,
        Action::Trap => 2,
        Action::Errno(_) => 3,
        Action::Notify => 4,
        Action::Trace(_) => 5,
        Action::Log => 6,
        Action::Allow => 7,
    }
}

/// What two stacked filters do when the one loaded first says `earlier` and the one loaded
/// after it `later`: the higher precedence, and on a tie the later filter's (its data).
pub(crate) fn stack(earlier: Action, later: Action) -> Action {
    if rank(later) <= rank(earlier) {
        later
    } else {
        earlier
    }
}

fn all(width: u32) -> Region {
    std::array::from_fn(|_| ValueSet::all(width))
}

fn intersect(a: &Region, b: &Region) -> Option<Region> {
    let mut out = a.clone();
    for (k, set) in out.iter_mut().enumerate() {
        *set = set.intersect(&b[k]);
        if set.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// `region` without `cut`, as disjoint regions.
fn minus(region: &Region, cut: &Region) -> Vec<Region> {
    let mut out = Vec::new();
    let mut inside = region.clone();
    for k in 0..6 {
        if cut[k].is_all() {
            continue;
        }
        let mut outside = inside.clone();
        outside[k] = inside[k].minus(&cut[k]);
        if !outside[k].is_empty() {
            out.push(outside);
        }
        inside[k] = inside[k].intersect(&cut[k]);
        if inside[k].is_empty() {
            break;
        }
    }
    out
}

/// The region where all of `conditions` hold.
fn region_of(width: u32, conditions: &[Comparison]) -> Region {
    let mut region = all(width);
    for c in conditions {
        let k = usize::from(c.arg);
        region[k] = region[k].intersect(&ValueSet::of(width, c));
    }
    region
}

/// What policy `part` (the `index`th) does with `syscall` on `abi`, as `Policy::decide`
/// reads it: disjoint pieces covering every argument.
pub(crate) fn part_function(
    part: &Policy,
    index: usize,
    abi: Abi,
    syscall: &str,
) -> Result<Vec<Piece>, StackError> {
    let width = abi.arg_bits();
    let whole = |action, rule| {
        vec![Piece {
            region: all(width),
            action,
            from: vec![PartRule {
                part: index,
                rule,
                outside: None,
            }],
        }]
    };
    if !part.abis().contains(&abi) {
        return Ok(whole(part.bad_arch_action(), None));
    }
    let mut conditional = Vec::new();
    for (at, rule) in part.rules_for(abi) {
        let names = syscalls_on(rule, abi);
        if names.contains(&syscall) {
            if rule.conditions().is_empty() {
                return Ok(whole(rule.action(), Some(at)));
            }
            conditional.push((region_of(width, rule.conditions()), rule.action(), at));
        } else if rule.conditions().is_empty() {
            // `socket` on x86 is also `socketcall(SYS_SOCKET, ...)`.
            for name in names {
                if let Presence::Multiplexed { via, call } = presence(abi, name) {
                    if via == syscall {
                        let region = region_of(width, &[crate::model::condition::arg(0).eq(call)]);
                        conditional.push((region, rule.action(), at));
                    }
                }
            }
        }
    }
    let mut pieces = whole(part.default_action(), None);
    for (cut, action, at) in conditional {
        let mut next = Vec::with_capacity(pieces.len() + 6);
        for piece in pieces {
            let Some(inside) = intersect(&piece.region, &cut) else {
                next.push(piece);
                continue;
            };
            if piece.from[0].rule.is_some() {
                if piece.action != action {
                    return Err(StackError::AmbiguousPart {
                        part: index,
                        abi,
                        syscall: syscall.to_owned(),
                    });
                }
                next.push(piece);
                continue;
            }
            for outside in minus(&piece.region, &cut) {
                let mut from = piece.from.clone();
                from[0].outside = from[0].outside.or(Some(at));
                next.push(Piece {
                    region: outside,
                    action: piece.action,
                    from,
                });
            }
            next.push(Piece {
                region: inside,
                action,
                from: vec![PartRule {
                    part: index,
                    rule: Some(at),
                    outside: None,
                }],
            });
        }
        pieces = next;
    }
    Ok(pieces)
}

/// The two rules (or defaults) a piece comes from, for errors: rules first, then defaults
/// outside a rule, then plain defaults (which compose with anything).
fn culprits(from: &[PartRule]) -> (PartRule, PartRule) {
    let mut ordered: Vec<PartRule> = from.to_vec();
    ordered.sort_by_key(|f| (f.rule.is_none(), f.outside.is_none(), f.part));
    let first = ordered[0];
    (first, ordered.get(1).copied().unwrap_or(first))
}

fn inexpressible(abi: Abi, syscall: &str, from: &[PartRule]) -> StackError {
    let (first, second) = culprits(from);
    StackError::Inexpressible {
        abi,
        syscall: syscall.to_owned(),
        first,
        second,
    }
}

/// The stacked function of `syscall` on `abi`: every policy's function, the later one
/// winning ties.
pub(crate) fn stacked_function(
    parts: &[Policy],
    abi: Abi,
    syscall: &str,
) -> Result<Vec<Piece>, StackError> {
    let mut acc: Option<Vec<Piece>> = None;
    for (index, part) in parts.iter().enumerate() {
        let own = part_function(part, index, abi, syscall)?;
        acc = Some(match acc {
            None => own,
            Some(before) => {
                let mut next = Vec::new();
                for a in &before {
                    for b in &own {
                        if let Some(region) = intersect(&a.region, &b.region) {
                            let mut from = a.from.clone();
                            from.extend_from_slice(&b.from);
                            if next.len() == MAX_PIECES {
                                return Err(inexpressible(abi, syscall, &from));
                            }
                            next.push(Piece {
                                region,
                                action: stack(a.action, b.action),
                                from,
                            });
                        }
                    }
                }
                next
            }
        });
    }
    Ok(acc.unwrap_or_default())
}

/// The one action a function takes everywhere, if it takes one.
pub(crate) fn constant(pieces: &[Piece]) -> Option<Action> {
    let first = pieces.first()?.action;
    pieces.iter().all(|p| p.action == first).then_some(first)
}

/// Most pieces worth trying to merge (the search is quadratic); more cannot become
/// [`MAX_RULES`] rules in practice, and writing them refuses.
const MAX_MERGED: usize = 4 * MAX_RULES;

/// Pieces with the same action that differ in one argument only become one.
fn merged(mut pieces: Vec<Piece>) -> Vec<Piece> {
    if pieces.len() > MAX_MERGED {
        return pieces;
    }
    'again: loop {
        for i in 0..pieces.len() {
            for j in i + 1..pieces.len() {
                let (a, b) = (&pieces[i], &pieces[j]);
                if a.action != b.action {
                    continue;
                }
                let differing: Vec<usize> = (0..6)
                    .filter(|&k| !a.region[k].same(&b.region[k]))
                    .collect();
                if differing.len() <= 1 {
                    let k = differing.first().copied().unwrap_or(0);
                    let union = a.region[k].union_disjoint(&b.region[k]);
                    pieces[i].region[k] = union;
                    pieces.swap_remove(j);
                    continue 'again;
                }
            }
        }
        return pieces;
    }
}

/// Whether the installed libseccomp merges two rules comparing one argument with an
/// ordering into a weaker filter (see `Violation::MisbuiltByLibseccomp`).
fn ordering_shared_badly() -> bool {
    merge_bug::installed().is_some()
}

/// The rules that give `syscall` on `abi` the function `pieces`, where the policy's default
/// is `default`. `arg0_shared`: the filter also compares arg0 elsewhere for this syscall
/// (the `socketcall(SYS_SOCKET)` that a `socket` rule adds on x86).
pub(crate) fn rules_for(
    abi: Abi,
    syscall: &str,
    pieces: Vec<Piece>,
    default: Action,
    arg0_shared: bool,
) -> Result<Vec<(Action, Vec<Comparison>)>, StackError> {
    if let Some(action) = constant(&pieces) {
        return Ok(if action == default {
            Vec::new()
        } else {
            vec![(action, Vec::new())]
        });
    }
    let pieces = merged(pieces.into_iter().filter(|p| p.action != default).collect());
    let careful = ordering_shared_badly();
    // Arguments that only `==` and masked `==` may compare: with libseccomp's merge bug,
    // those compared by two rules.
    let mut equality_only = [false; 6];
    loop {
        let rules = write(abi, syscall, &pieces, &equality_only)?;
        if !careful {
            return Ok(rules);
        }
        let mut changed = false;
        for k in 0..6u8 {
            let on_k = || rules.iter().flat_map(|(_, c)| c).filter(|c| c.arg == k);
            let comparing = rules
                .iter()
                .filter(|(_, c)| c.iter().any(|c| c.arg == k))
                .count()
                + usize::from(k == 0 && arg0_shared);
            let ordering = on_k().any(|c| !matches!(c.op, CmpOp::Eq | CmpOp::MaskedEq(_)));
            if comparing >= 2 && ordering && !equality_only[usize::from(k)] {
                equality_only[usize::from(k)] = true;
                changed = true;
            }
        }
        if !changed {
            return Ok(rules);
        }
    }
}

/// One rule per combination of the pieces each argument's set is written as.
fn write(
    abi: Abi,
    syscall: &str,
    pieces: &[Piece],
    equality_only: &[bool; 6],
) -> Result<Vec<(Action, Vec<Comparison>)>, StackError> {
    let fits = |c: &Comparison| {
        let mask = match c.op {
            CmpOp::MaskedEq(mask) => mask,
            _ => 0,
        };
        (c.value | mask) <= super::values::limit(abi.compared_bits())
    };
    let mut rules = Vec::new();
    for piece in pieces {
        let mut combos: Vec<Vec<Comparison>> = vec![Vec::new()];
        for (k, set) in piece.region.iter().enumerate() {
            let Some(options) = set.express(k as u8, equality_only[k]) else {
                continue;
            };
            if !options.iter().all(fits) || combos.len() * options.len() > MAX_RULES {
                return Err(inexpressible(abi, syscall, &piece.from));
            }
            combos = combos
                .iter()
                .flat_map(|combo| {
                    options.iter().map(move |c| {
                        let mut next = combo.clone();
                        next.push(*c);
                        next
                    })
                })
                .collect();
        }
        rules.extend(combos.into_iter().map(|c| (piece.action, c)));
        if rules.len() > MAX_RULES {
            return Err(inexpressible(abi, syscall, &piece.from));
        }
    }
    Ok(rules)
}

/// `syscall`'s rules as policy rules, one per set of conditions.
pub(crate) fn as_rules(syscall: &str, rules: Vec<(Action, Vec<Comparison>)>) -> Vec<Rule> {
    rules
        .into_iter()
        .map(|(action, conditions)| {
            conditions
                .into_iter()
                .fold(Rule::new(action, [syscall.to_owned()]), Rule::when)
        })
        .collect()
}
