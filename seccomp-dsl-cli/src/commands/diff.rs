//! `seccomp-dsl diff OLD NEW`: what changes, per ABI, when a policy file is replaced.
//!
//! Semantic: both policies are asked ([`Policy::decide`]) about every syscall of every ABI
//! the table knows, so that two files that differ only in order or grouping (a group
//! against its members) have no diff. A syscall with argument conditions in either policy
//! is asked again at the boundary values of every one of those conditions.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use seccomp_runtime::syntax::ParsedPolicy;
use seccomp_runtime::{syscall_names, Abi, Action, CmpOp, Comparison, Decision, Policy};

use crate::exit;
use crate::input;

// The doc comment is the subcommand's `--help`.
/// Compare two policy files by what they do, per ABI: syscalls newly allowed, newly
/// denied, with another action or other conditions; ABIs added or removed; changed
/// settings. Order and grouping do not count.
///
/// Exits 0 when they do the same, 1 when they differ, 2 on bad input.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The policy file before the change.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The policy file after the change.
    #[arg(value_name = "NEW")]
    new: PathBuf,
}

/// `seccomp-dsl diff`: what it writes and its exit statuses are in [`DiffArgs`]'s help.
pub fn exec(args: &DiffArgs) -> ExitCode {
    let (old, new) = match (input::policy_file(&args.old), input::policy_file(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            for error in [old.err(), new.err()].into_iter().flatten() {
                error.print();
            }
            return ExitCode::from(exit::FAILED);
        }
    };
    let report = diff(&old, &new, &args.old, &args.new);
    if report.is_empty() {
        println!("no difference");
        ExitCode::SUCCESS
    } else {
        print!("{report}");
        ExitCode::from(exit::NO)
    }
}

/// The differences, as text; empty when there are none.
fn diff(old: &ParsedPolicy, new: &ParsedPolicy, old_path: &PathBuf, new_path: &PathBuf) -> String {
    let (o, n) = (&old.policy, &new.policy);
    let mut out = String::new();
    let setting = |out: &mut String, what: &str, before: String, after: String| {
        if before != after {
            let _ = writeln!(out, "{what}: {before} -> {after}");
        }
    };
    setting(
        &mut out,
        "default",
        o.default_action().to_string(),
        n.default_action().to_string(),
    );
    setting(
        &mut out,
        "bad_arch",
        o.bad_arch_action().to_string(),
        n.bad_arch_action().to_string(),
    );
    let unknown = |p: &Policy| {
        p.unknown_action()
            .map_or("(default)".to_owned(), |a| a.to_string())
    };
    setting(&mut out, "unknown", unknown(o), unknown(n));
    setting(
        &mut out,
        "attributes",
        format!("{:?}", o.attributes()),
        format!("{:?}", n.attributes()),
    );
    let (old_abis, new_abis) = (o.abis(), n.abis());
    for abi in &new_abis {
        if !old_abis.contains(abi) {
            let _ = writeln!(out, "ABI added: {abi}");
        }
    }
    for abi in &old_abis {
        if !new_abis.contains(abi) {
            let _ = writeln!(out, "ABI removed: {abi}");
        }
    }
    // ABIs with the same changes are listed together.
    let mut by_changes: BTreeMap<String, Vec<Abi>> = BTreeMap::new();
    for &abi in old_abis.iter().filter(|abi| new_abis.contains(abi)) {
        let changes = abi_changes(old, new, abi, old_path, new_path);
        if !changes.is_empty() {
            by_changes.entry(changes).or_default().push(abi);
        }
    }
    for (changes, abis) in by_changes {
        let names: Vec<&str> = abis.iter().map(|abi| abi.name()).collect();
        let _ = write!(out, "{}:\n{changes}", names.join(", "));
    }
    out
}

fn abi_changes(
    old: &ParsedPolicy,
    new: &ParsedPolicy,
    abi: Abi,
    old_path: &PathBuf,
    new_path: &PathBuf,
) -> String {
    let (o, n) = (&old.policy, &new.policy);
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    let mut changed = Vec::new();
    let mut conditions = String::new();
    for name in syscall_names(abi) {
        let comparisons: Vec<Vec<Comparison>> = [o, n]
            .iter()
            .flat_map(|policy| policy.rules_for(abi))
            .filter(|(_, rule)| rule.covers(abi, name) && !rule.conditions().is_empty())
            .map(|(_, rule)| rule.conditions().to_vec())
            .collect();
        let multiplexed = name == "socketcall" || name == "ipc";
        if comparisons.is_empty() && !multiplexed {
            let (before, after) = (outcome(o, abi, name, [0; 6]), outcome(n, abi, name, [0; 6]));
            if before != after {
                let entry = format!("{name} ({} -> {})", show(&before), show(&after));
                match (permits(&before), permits(&after)) {
                    (false, true) => allowed.push(entry),
                    (true, false) => denied.push(entry),
                    _ => changed.push(entry),
                }
            }
            continue;
        }
        let differs = points(&comparisons, multiplexed)
            .into_iter()
            .find(|&args| outcome(o, abi, name, args) != outcome(n, abi, name, args));
        if let Some(args) = differs {
            let (before, after) = (outcome(o, abi, name, args), outcome(n, abi, name, args));
            let _ = writeln!(
                conditions,
                "  conditions changed: {name} (e.g. args [{}]: {} -> {})",
                args.map(|a| format!("{a:#x}")).join(", "),
                show(&before),
                show(&after)
            );
            for (sign, parsed, path) in [("-", old, old_path), ("+", new, new_path)] {
                for (at, rule) in parsed.policy.rules_for(abi) {
                    if rule.covers(abi, name) {
                        let place = parsed.rule_location(at).map_or(String::new(), |l| {
                            format!("{}:{}: ", path.display(), l.line)
                        });
                        let _ = writeln!(conditions, "      {sign} {place}{rule}");
                    }
                }
            }
        }
    }
    let mut out = String::new();
    for (what, list) in [
        ("newly allowed", allowed),
        ("newly denied", denied),
        ("action changed", changed),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {what}: {}", list.join(", "));
        }
    }
    out + &conditions
}

/// The actions a policy permits for one call: one, or several when it is ambiguous.
fn outcome(policy: &Policy, abi: Abi, name: &str, args: [u64; 6]) -> Vec<Action> {
    match policy.decide(abi, name, args) {
        Decision::Ambiguous(candidates) => {
            let mut actions: Vec<Action> = candidates.into_iter().map(|(_, a)| a).collect();
            actions.sort_by_key(ToString::to_string);
            actions.dedup();
            actions
        }
        decided => decided.action().into_iter().collect(),
    }
}

fn permits(actions: &[Action]) -> bool {
    actions
        .iter()
        .all(|a| matches!(a, Action::Allow | Action::Log))
}

fn show(actions: &[Action]) -> String {
    let names: Vec<String> = actions.iter().map(ToString::to_string).collect();
    match names.len() {
        1 => names.join(""),
        _ => format!("ambiguous: {}", names.join(" or ")),
    }
}

/// Argument vectors that sit on every boundary of `rules`' conditions: for each rule, one
/// that satisfies it, and that one moved to each side of each of its comparisons.
fn points(rules: &[Vec<Comparison>], multiplexed: bool) -> Vec<[u64; 6]> {
    let mut points = vec![[0u64; 6]];
    if multiplexed {
        // socketcall's and ipc's call numbers are small.
        points.extend((0..=24).map(|call| [call, 0, 0, 0, 0, 0]));
    }
    for comparisons in rules {
        let mut base = [0u64; 6];
        for comparison in comparisons {
            if let Some(slot) = base.get_mut(usize::from(comparison.arg)) {
                *slot = satisfying(comparison);
            }
        }
        points.push(base);
        for comparison in comparisons {
            for value in boundary(comparison) {
                let mut point = base;
                if let Some(slot) = point.get_mut(usize::from(comparison.arg)) {
                    *slot = value;
                    points.push(point);
                }
            }
        }
    }
    points.sort_unstable();
    points.dedup();
    points
}

fn satisfying(comparison: &Comparison) -> u64 {
    let v = comparison.value;
    match comparison.op {
        CmpOp::Eq | CmpOp::Le | CmpOp::Ge | CmpOp::MaskedEq(_) => v,
        CmpOp::Ne => u64::from(v == 0),
        CmpOp::Lt => v.saturating_sub(1),
        CmpOp::Gt => v.saturating_add(1),
    }
}

fn boundary(comparison: &Comparison) -> Vec<u64> {
    let v = comparison.value;
    let mut values = vec![0, v.saturating_sub(1), v, v.saturating_add(1), u64::MAX];
    if let CmpOp::MaskedEq(mask) = comparison.op {
        // Each bit of the mask, flipped: on and off the boundary.
        values.extend(
            (0..64)
                .filter(|bit| mask >> bit & 1 == 1)
                .map(|bit| v ^ 1 << bit),
        );
        values.push(mask);
        values.push(v | !mask);
    }
    values
}
