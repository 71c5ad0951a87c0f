//! `record --merge`: a policy written by an earlier recording, added to this one, so that
//! a policy can be grown from several runs.

use std::collections::btree_map::Entry as Slot;
use std::collections::BTreeMap;

use seccomp_runtime::{errno, syscall_number, Abi, Action, Attributes, CmpOp, Policy};

use super::args::MAX_VALUES;
use super::recording::{Recording, Seen};

/// What an earlier recording allows: per ABI and syscall number, outright (`None`) or
/// for one value of one argument, one entry per rule.
#[derive(Debug)]
pub struct Earlier(Vec<(Abi, i32, Condition)>);

/// A rule's condition as `record` writes it: none, or `argN == value`.
type Condition = Option<(u8, u64)>;

/// The rules of `policy`, an earlier recording, read before the command runs so that a
/// policy that cannot be merged does not waste the run.
///
/// # Errors
///
/// A message naming the first rule that a recording could not have written: an action
/// other than `allow`, a condition other than one `argN == value`, or settings other than
/// `record`'s (`default errno(EPERM);` and nothing else). Such a policy was edited by hand,
/// and merging into it would have to decide what the edit meant.
pub fn read(policy: &Policy) -> Result<Earlier, String> {
    let recorded = Policy::new(Action::Errno(errno::EPERM));
    if policy.default_action() != recorded.default_action()
        || policy.bad_arch_action() != recorded.bad_arch_action()
        || policy.unknown_action().is_some()
        || policy.attributes() != Attributes::default()
    {
        return Err(
            "its settings are not the ones `record` writes (`default errno(EPERM);` and no \
             other): a policy edited by hand is merged by hand"
                .to_owned(),
        );
    }
    let mut kept = Vec::new();
    for abi in policy.abis() {
        for (_, rule) in policy.rules_for(abi) {
            let condition = match (rule.action(), rule.conditions()) {
                (Action::Allow, []) => None,
                (Action::Allow, [cmp]) if cmp.op == CmpOp::Eq => Some((cmp.arg, cmp.value)),
                _ => {
                    return Err(format!(
                        "`{rule}` is not a rule `record` writes (`allow NAMES;` or `allow \
                         NAME if argN == VALUE;`): a policy edited by hand is merged by hand"
                    ))
                }
            };
            for (_, name) in rule.on_abi(abi).syscalls {
                if let Some(nr) = syscall_number(abi, name) {
                    kept.push((abi, nr, condition));
                }
            }
        }
    }
    Ok(Earlier(kept))
}

/// Add what `earlier` allows to `recording`, as rules of the count 0 (not seen in this
/// run).
///
/// The union is exact in what `record` writes: a syscall allowed outright by either side
/// is allowed outright; one allowed for some values of an argument by both sides is
/// allowed for the values of both (outright past [`MAX_VALUES`], as a recording does).
pub fn merge(recording: &mut Recording, earlier: &Earlier) {
    for &(abi, nr, condition) in &earlier.0 {
        keep(recording, abi, nr, condition);
    }
}

/// Allow syscall `nr` of `abi` in `recording`, outright or for one more argument value.
fn keep(recording: &mut Recording, abi: Abi, nr: i32, condition: Condition) {
    match recording.seen.entry((abi, nr)) {
        Slot::Vacant(slot) => {
            slot.insert(Seen {
                count: 0,
                values: condition.map(|(arg, value)| (arg, Some(BTreeMap::from([(value, 0)])))),
            });
        }
        Slot::Occupied(mut slot) => {
            let seen = slot.get_mut();
            match (&mut seen.values, condition) {
                (Some((arg, Some(values))), Some((other, value))) if *arg == other => {
                    values.entry(value).or_insert(0);
                    if values.len() > MAX_VALUES {
                        seen.values = seen.values.take().map(|(arg, _)| (arg, None));
                    }
                }
                // Allowed outright on either side, or for values of two different
                // arguments, which one rule per value cannot express: outright.
                _ => seen.values = None,
            }
        }
    }
}
