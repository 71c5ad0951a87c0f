//! Whether two rules' conditions can hold at once, shown by an example when they can.
//!
//! Two conditional rules for one syscall with different actions that both match a call
//! leave the filter's choice to the shape of libseccomp's decision tree: the policy does not
//! say what happens. The checks refuse such pairs, and the example makes the message one a
//! user can act on.

use crate::model::condition::{CmpOp, Comparison};

/// Arguments for which every comparison of `a` and of `b` holds, if there are any; each
/// argument at most `limit` (the ABI's widest argument value).
///
/// A rule compares an argument at most once, so at most two comparisons meet on one
/// argument; their common values, if any, include one of the candidates below (an
/// interval's ends, a value and its neighbours, a mask's least and greatest match).
pub(crate) fn common_arguments(a: &[Comparison], b: &[Comparison], limit: u64) -> Option<[u64; 6]> {
    let mut args = [0u64; 6];
    for (index, arg) in args.iter_mut().enumerate() {
        let tests: Vec<&Comparison> = a
            .iter()
            .chain(b)
            .filter(|c| usize::from(c.arg) == index)
            .collect();
        if tests.is_empty() {
            continue;
        }
        *arg = candidates(&tests, limit).find(|&v| tests.iter().all(|c| c.holds(v)))?;
    }
    Some(args)
}

fn candidates(tests: &[&Comparison], limit: u64) -> impl Iterator<Item = u64> {
    let mut values = vec![0, limit];
    for test in tests {
        let v = test.value;
        values.extend([v, v.wrapping_add(1), v.wrapping_sub(1)]);
        if let CmpOp::MaskedEq(mask) = test.op {
            // The greatest match, and matches that also take the other test's bits.
            values.push(v | (!mask & limit));
            values.extend(tests.iter().map(|other| v | (other.value & !mask)));
        }
    }
    values.into_iter().filter(move |&v| v <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::condition::arg;

    fn overlap(a: &[Comparison], b: &[Comparison]) -> Option<[u64; 6]> {
        let found = common_arguments(a, b, u64::MAX);
        if let Some(args) = found {
            for c in a.iter().chain(b) {
                assert!(c.holds(args[usize::from(c.arg)]), "{c} fails on {args:?}");
            }
        }
        found
    }

    #[test]
    fn different_arguments_always_meet() {
        assert_eq!(
            overlap(&[arg(1).eq(3)], &[arg(0).eq(5)]),
            Some([5, 3, 0, 0, 0, 0])
        );
    }

    #[test]
    fn disjoint_comparisons_do_not() {
        assert_eq!(overlap(&[arg(1).eq(3)], &[arg(1).eq(4)]), None);
        assert_eq!(overlap(&[arg(1).lt(5)], &[arg(1).ge(5)]), None);
        assert_eq!(overlap(&[arg(1).le(5)], &[arg(1).gt(5)]), None);
        assert_eq!(
            overlap(&[arg(2).masked_eq(3, 0)], &[arg(2).masked_eq(1, 1)]),
            None
        );
        assert_eq!(overlap(&[arg(2).masked_eq(3, 1)], &[arg(2).eq(2)]), None);
    }

    #[test]
    fn overlapping_comparisons_do() {
        assert!(overlap(&[arg(1).lt(10)], &[arg(1).gt(5)]).is_some());
        assert!(overlap(&[arg(1).ne(3)], &[arg(1).ne(4)]).is_some());
        assert!(overlap(&[arg(2).masked_eq(3, 1)], &[arg(2).masked_eq(0x40, 0x40)]).is_some());
        assert!(overlap(&[arg(2).masked_eq(3, 1)], &[arg(2).gt(100)]).is_some());
        assert!(overlap(&[arg(2).masked_eq(3, 1)], &[arg(2).lt(2)]).is_some());
        assert!(overlap(&[arg(2).masked_eq(0xf0, 0x30)], &[arg(2).ge(0x30)]).is_some());
    }

    #[test]
    fn the_limit_bounds_the_example() {
        assert_eq!(
            common_arguments(&[arg(0).gt(u64::from(u32::MAX))], &[], u64::from(u32::MAX)),
            None
        );
    }
}
