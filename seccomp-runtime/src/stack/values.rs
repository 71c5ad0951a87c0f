//! Exact sets of argument values, and how to write them as the rule language's comparisons.
//!
//! A set is a union of disjoint *cubes*: the values `x` with `x & mask == value`, within
//! the ABI's argument width. Every comparison is a finite union of cubes (an interval is
//! at most two per bit), complements and intersections of cubes are cubes again, so every
//! set a composition needs is represented exactly, never approximated.

use crate::model::condition::{CmpOp, Comparison};

/// How many intervals a set may turn into before we stop looking for an interval form.
const MAX_INTERVALS: usize = 256;

/// The values `x` (below 2^width) with `x & mask == value`; `value` has no bit outside
/// `mask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Cube {
    pub(crate) mask: u64,
    pub(crate) value: u64,
}

impl Cube {
    fn intersect(self, other: Cube) -> Option<Cube> {
        ((self.value ^ other.value) & self.mask & other.mask == 0).then_some(Cube {
            mask: self.mask | other.mask,
            value: self.value | other.value,
        })
    }

    /// Whether every value of `other` is in `self`.
    fn contains(self, other: Cube) -> bool {
        self.mask & !other.mask == 0 && other.value & self.mask == self.value
    }

    /// Disjoint cubes covering every value (within `width`) outside `self`: for each fixed
    /// bit, from the highest, the values that agree above it and differ there.
    fn complement(self) -> impl Iterator<Item = Cube> {
        let mut above = 0u64;
        bits_high_to_low(self.mask).map(move |bit| {
            let cube = Cube {
                mask: above | bit,
                value: (self.value & above) | (!self.value & bit),
            };
            above |= bit;
            cube
        })
    }
}

fn bits_high_to_low(mut bits: u64) -> impl Iterator<Item = u64> {
    std::iter::from_fn(move || {
        if bits == 0 {
            return None;
        }
        let bit = 1u64 << (63 - bits.leading_zeros());
        bits &= !bit;
        Some(bit)
    })
}

/// The largest value an argument `width` bits wide can take.
pub(crate) fn limit(width: u32) -> u64 {
    ones(width)
}

/// The number whose low `n` bits are set.
fn ones(n: u32) -> u64 {
    match n {
        0 => 0,
        64.. => u64::MAX,
        n => (1u64 << n) - 1,
    }
}

/// A set of values of one argument, `width` bits wide: disjoint cubes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueSet {
    width: u32,
    cubes: Vec<Cube>,
}

impl ValueSet {
    pub(crate) fn all(width: u32) -> ValueSet {
        ValueSet {
            width,
            cubes: vec![Cube { mask: 0, value: 0 }],
        }
    }

    fn none(width: u32) -> ValueSet {
        ValueSet {
            width,
            cubes: Vec::new(),
        }
    }

    fn cube(width: u32, mask: u64, value: u64) -> ValueSet {
        let mask = mask & limit(width);
        if value & !mask != 0 {
            return ValueSet::none(width);
        }
        ValueSet {
            width,
            cubes: vec![Cube { mask, value }],
        }
    }

    /// The values from `low` to `high`, inclusive, as aligned power-of-two blocks.
    pub(crate) fn interval(width: u32, low: u64, high: u64) -> ValueSet {
        let high = high.min(limit(width));
        let mut cubes = Vec::new();
        let mut at = low;
        while at <= high {
            // The largest aligned block starting at `at` that ends by `high`.
            let mut size_bits = if at == 0 {
                width
            } else {
                at.trailing_zeros().min(width)
            };
            while size_bits > 0 && at.checked_add(ones(size_bits)).is_none_or(|end| end > high) {
                size_bits -= 1;
            }
            let free = ones(size_bits);
            cubes.push(Cube {
                mask: limit(width) & !free,
                value: at,
            });
            match (at | free).checked_add(1) {
                Some(next) if (at | free) < high => at = next,
                _ => break,
            }
        }
        ValueSet { width, cubes }
    }

    /// The values for which `comparison` holds.
    pub(crate) fn of(width: u32, comparison: &Comparison) -> ValueSet {
        let max = limit(width);
        let v = comparison.value;
        match comparison.op {
            CmpOp::Eq => ValueSet::cube(width, u64::MAX, v),
            CmpOp::Ne => ValueSet::cube(width, u64::MAX, v).complement(),
            CmpOp::Lt if v == 0 => ValueSet::none(width),
            CmpOp::Lt => ValueSet::interval(width, 0, v - 1),
            CmpOp::Le => ValueSet::interval(width, 0, v),
            CmpOp::Gt if v >= max => ValueSet::none(width),
            CmpOp::Gt => ValueSet::interval(width, v + 1, max),
            CmpOp::Ge if v > max => ValueSet::none(width),
            CmpOp::Ge => ValueSet::interval(width, v, max),
            CmpOp::MaskedEq(mask) => ValueSet::cube(width, mask, v),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    pub(crate) fn is_all(&self) -> bool {
        self.cubes.iter().any(|c| c.mask == 0)
    }

    pub(crate) fn contains(&self, x: u64) -> bool {
        self.cubes.iter().any(|c| x & c.mask == c.value)
    }

    pub(crate) fn intersect(&self, other: &ValueSet) -> ValueSet {
        let mut cubes = Vec::new();
        for a in &self.cubes {
            cubes.extend(other.cubes.iter().filter_map(|b| a.intersect(*b)));
        }
        ValueSet {
            width: self.width,
            cubes,
        }
        .normalized()
    }

    pub(crate) fn minus(&self, other: &ValueSet) -> ValueSet {
        let mut cubes = self.cubes.clone();
        for &b in &other.cubes {
            let mut next = Vec::with_capacity(cubes.len());
            for a in cubes {
                if a.intersect(b).is_none() {
                    next.push(a);
                } else if !b.contains(a) {
                    next.extend(b.complement().filter_map(|c| a.intersect(c)));
                }
            }
            cubes = next;
        }
        ValueSet {
            width: self.width,
            cubes,
        }
        .normalized()
    }

    pub(crate) fn complement(&self) -> ValueSet {
        ValueSet::all(self.width).minus(self)
    }

    /// The union of two disjoint sets.
    pub(crate) fn union_disjoint(&self, other: &ValueSet) -> ValueSet {
        let mut cubes = self.cubes.clone();
        cubes.extend_from_slice(&other.cubes);
        ValueSet {
            width: self.width,
            cubes,
        }
        .normalized()
    }

    pub(crate) fn same(&self, other: &ValueSet) -> bool {
        self.minus(other).is_empty() && other.minus(self).is_empty()
    }

    /// Fewer cubes for the same set: two cubes that differ in one fixed bit become one.
    fn normalized(mut self) -> ValueSet {
        loop {
            self.cubes.sort();
            self.cubes.dedup();
            let mut merged = false;
            'search: for i in 0..self.cubes.len() {
                for j in i + 1..self.cubes.len() {
                    let (a, b) = (self.cubes[i], self.cubes[j]);
                    let differ = a.value ^ b.value;
                    if a.mask == b.mask && differ.count_ones() == 1 {
                        self.cubes[i] = Cube {
                            mask: a.mask & !differ,
                            value: a.value & !differ,
                        };
                        self.cubes.swap_remove(j);
                        merged = true;
                        break 'search;
                    }
                }
            }
            if !merged {
                return self;
            }
        }
    }

    /// The set as sorted, merged intervals, unless that takes too many.
    fn intervals(&self) -> Option<Vec<(u64, u64)>> {
        let max = limit(self.width);
        let mut out = Vec::new();
        for c in &self.cubes {
            let free = max & !c.mask;
            let low_free = if c.mask == 0 {
                max
            } else {
                free & ((1u64 << c.mask.trailing_zeros()) - 1)
            };
            let high_free = free & !low_free;
            if high_free.count_ones() > 16
                || out.len() + (1usize << high_free.count_ones()) > MAX_INTERVALS
            {
                return None;
            }
            // Every assignment of the free bits above the lowest fixed one.
            let mut s = 0u64;
            loop {
                out.push((c.value | s, c.value | s | low_free));
                s = s.wrapping_sub(high_free) & high_free;
                if s == 0 {
                    break;
                }
            }
        }
        out.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (lo, hi) in out {
            match merged.last_mut() {
                Some(last) if last.1.checked_add(1) == Some(lo) => last.1 = hi,
                _ => merged.push((lo, hi)),
            }
        }
        Some(merged)
    }

    /// The set as comparisons on `arg` whose sets are disjoint and together make it:
    /// `None` for every value (no comparison needed), else the fewest pieces found. With
    /// `equality_only`, only `==` and masked `==` are used (see `Shape`).
    pub(crate) fn express(&self, arg: u8, equality_only: bool) -> Option<Vec<Comparison>> {
        if self.is_all() {
            return None;
        }
        let max = limit(self.width);
        let cmp = |op, value| Comparison { arg, op, value };
        let as_cube = |c: &Cube| {
            if c.mask == max {
                cmp(CmpOp::Eq, c.value)
            } else {
                cmp(CmpOp::MaskedEq(c.mask), c.value)
            }
        };
        let by_cubes: Vec<Comparison> = self.cubes.iter().map(as_cube).collect();
        let Some(intervals) = self.intervals() else {
            return Some(by_cubes);
        };
        if !equality_only {
            match *intervals.as_slice() {
                [(0, high)] => return Some(vec![cmp(CmpOp::Le, high)]),
                [(low, high)] if high == max => return Some(vec![cmp(CmpOp::Ge, low)]),
                [(0, a), (b, high)] if high == max && b == a + 2 => {
                    return Some(vec![cmp(CmpOp::Ne, a + 1)])
                }
                _ => {}
            }
        }
        // One comparison per interval where one does, aligned blocks elsewhere.
        let mut by_intervals = Vec::new();
        for &(low, high) in &intervals {
            if low == high {
                by_intervals.push(cmp(CmpOp::Eq, low));
            } else if !equality_only && low == 0 {
                by_intervals.push(cmp(CmpOp::Le, high));
            } else if !equality_only && high == max {
                by_intervals.push(cmp(CmpOp::Ge, low));
            } else {
                let blocks = ValueSet::interval(self.width, low, high);
                by_intervals.extend(blocks.cubes.iter().map(as_cube));
            }
        }
        Some(if by_intervals.len() < by_cubes.len() {
            by_intervals
        } else {
            by_cubes
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::condition::arg;

    fn agrees(set: &ValueSet, f: impl Fn(u64) -> bool, probes: &[u64]) {
        // Only values the ABI can pass are asked about.
        for &x in probes.iter().filter(|&&x| x <= limit(set.width)) {
            assert_eq!(set.contains(x), f(x), "{x:#x} in {set:?}");
        }
    }

    const PROBES: &[u64] = &[
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        15,
        16,
        17,
        0xff,
        0x100,
        0xffff_ffff,
        0x1_0000_0000,
        u64::MAX - 1,
        u64::MAX,
    ];

    #[test]
    fn comparisons_become_exact_sets() {
        for c in [
            arg(0).lt(5),
            arg(0).le(16),
            arg(0).gt(7),
            arg(0).ge(0x100),
            arg(0).ne(3),
            arg(0).eq(0xffff_ffff),
            arg(0).masked_eq(6, 2),
        ] {
            for width in [32, 64] {
                let set = ValueSet::of(width, &c);
                agrees(&set, |x| x <= limit(width) && c.holds(x), PROBES);
                agrees(
                    &set.complement(),
                    |x| x <= limit(width) && !c.holds(x),
                    PROBES,
                );
            }
        }
    }

    #[test]
    fn sets_are_written_back_as_single_comparisons_where_they_can_be() {
        let back = |c: Comparison| ValueSet::of(64, &c).express(c.arg, false).unwrap();
        assert_eq!(back(arg(1).lt(5)), vec![arg(1).le(4)]);
        assert_eq!(back(arg(1).gt(5)), vec![arg(1).ge(6)]);
        assert_eq!(back(arg(1).ne(5)), vec![arg(1).ne(5)]);
        assert_eq!(back(arg(1).eq(5)), vec![arg(1).eq(5)]);
        assert_eq!(back(arg(1).masked_eq(6, 2)), vec![arg(1).masked_eq(6, 2)]);
        let not_w_and_x = ValueSet::of(64, &arg(2).masked_eq(6, 6)).complement();
        assert_eq!(not_w_and_x.express(2, true).unwrap().len(), 2);
    }
}
