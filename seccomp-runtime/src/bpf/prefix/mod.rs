//! A short BPF prefix run before libseccomp's program, for what libseccomp 2.5.4 cannot
//! express in its own:
//!
//! - an action for a syscall *number* libseccomp does not know (`mseal`, `listmount`, ...
//!   on an ABI that is not the native one), and
//! - one action for every number a syscall table does not know (holes and numbers past the
//!   last syscall: `unknown errno(ENOSYS);`), so that glibc falls back to an older syscall
//!   where a newer one is missing, while known syscalls without a rule keep the default.
//!
//! The prefix reads only `nr` and `arch`, never an argument, and uses only the instructions
//! that the kernel's action cache (5.11+) follows when it runs a filter with the arguments
//! unknown: unconditional allows stay cached. Whatever the prefix does not decide falls
//! through to libseccomp's program, which starts right after it; an ABI the prefix does not
//! name falls through untouched.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::bpf::opcodes::{CLASS_JMP, JA, JMP_JEQ, JMP_JGE, LD_W_ABS};

use crate::bpf::opcodes::RET_K;
use crate::bpf::program::{Instruction, Program};
use crate::error::Result;
use crate::model::abi::Abi;
use crate::model::action::Action;

/// Offsets of the two fields of `struct seccomp_data` the prefix reads. Both are 32-bit
/// words, at the same offsets whatever the byte order.
const NR: u32 = 0;
const ARCH: u32 = 4;

/// x32 shares x86-64's `arch` value; its numbers carry this bit instead.
const X32_BIT: u32 = 0x4000_0000;

/// What the prefix decides for some ABIs, by syscall number, before libseccomp's program
/// runs; see [`Program::with_prefix`](crate::Program::with_prefix).
///
/// Numbers are as the kernel puts them in `seccomp_data.nr`: x32 numbers carry
/// `0x40000000` (as [`syscall_number`](crate::syscall_number) returns them), MIPS numbers
/// their ABI's base (4000, 5000, 6000).
///
/// ```
/// use seccomp_runtime::{errno, Abi, Action, Prefix};
///
/// // mseal (462) allowed on x86, and ENOSYS for every x86-64 number outside 0..=335 and
/// // 424..=469.
/// let prefix = Prefix::new()
///     .number(Abi::X86, 462, Action::Allow)
///     .unknown(Abi::X86_64, Action::Errno(errno::ENOSYS), [0..=335, 424..=469]);
/// assert!(!prefix.instructions().is_empty());
/// assert!(Prefix::new().instructions().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefix {
    abis: BTreeMap<Abi, AbiPrefix>,
}

/// What the prefix decides for one ABI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct AbiPrefix {
    /// Numbers with an action of their own; these come before `unknown`.
    by_number: BTreeMap<u32, Action>,
    /// The action for numbers outside `known`, if any.
    unknown: Option<Action>,
    /// The numbers a syscall table knows for the ABI, as sorted, disjoint ranges that do
    /// not touch.
    known: Vec<RangeInclusive<u32>>,
}

impl Prefix {
    /// A prefix that decides nothing: it has no instructions at all.
    pub fn new() -> Prefix {
        Prefix::default()
    }

    /// Syscall `nr` made through `abi` gets `action` (set again, the last action wins).
    /// This goes before [`Prefix::unknown`]: a number given here gets its action even if
    /// the table does not know it.
    #[must_use]
    pub fn number(mut self, abi: Abi, nr: u32, action: Action) -> Prefix {
        self.abis
            .entry(abi)
            .or_default()
            .by_number
            .insert(nr, action);
        self
    }

    /// Every number made through `abi` outside the `known` ranges gets `action`; numbers
    /// inside them go on to libseccomp's program (which gives a syscall without a rule the
    /// default action). Called again for one ABI, the known ranges add up and the last
    /// action wins. An empty `known` gives every number of the ABI `action`.
    #[must_use]
    pub fn unknown(
        mut self,
        abi: Abi,
        action: Action,
        known: impl IntoIterator<Item = RangeInclusive<u32>>,
    ) -> Prefix {
        let entry = self.abis.entry(abi).or_default();
        entry.unknown = Some(action);
        entry.known.extend(known);
        entry.known = merge(std::mem::take(&mut entry.known));
        self
    }

    /// The prefix for `abis` alone.
    #[cfg(feature = "libseccomp")]
    pub(crate) fn only(mut self, abis: &[Abi]) -> Prefix {
        self.abis.retain(|abi, _| abis.contains(abi));
        self
    }

    /// Whether the prefix decides nothing (and so has no instructions).
    pub fn is_empty(&self) -> bool {
        self.abis.values().all(AbiPrefix::is_empty)
    }

    /// The prefix's instructions, to be followed directly by libseccomp's program (a jump
    /// past the last one lands on that program's first instruction). Empty if the prefix
    /// decides nothing.
    pub fn instructions(&self) -> Vec<Instruction> {
        let mut groups: Vec<(u32, Vec<(Abi, &AbiPrefix)>)> = Vec::new();
        for (&abi, spec) in self.abis.iter().filter(|(_, spec)| !spec.is_empty()) {
            let arch = abi.audit_arch();
            match groups.iter_mut().find(|(a, _)| *a == arch) {
                Some((_, members)) => members.push((abi, spec)),
                None => groups.push((arch, vec![(abi, spec)])),
            }
        }
        if groups.is_empty() {
            return Vec::new();
        }
        // This machine's ABI first: its syscalls then pass one `arch` check, not several.
        let native_arch = Abi::native().map(Abi::audit_arch);
        groups.sort_by_key(|(arch, _)| Some(*arch) != native_arch);

        let mut asm = Backwards::default();
        let end = asm.here();
        let mut next_group = end;
        for (arch, members) in groups.iter().rev() {
            let spec = |abi| members.iter().find(|(a, _)| *a == abi).map(|(_, s)| *s);
            // Each body ends in a return or a jump: they can sit in any order.
            if *arch == Abi::X86_64.audit_arch() {
                // One `arch` value, two ABIs: the x32 bit of `nr` tells them apart.
                let x32 =
                    spec(Abi::X32).map_or(end, |s| s.emit(&mut asm, end, &(X32_BIT..=u32::MAX)));
                let x86_64 =
                    spec(Abi::X86_64).map_or(end, |s| s.emit(&mut asm, end, &(0..=X32_BIT - 1)));
                asm.jump(JMP_JGE, X32_BIT, x32, x86_64);
            } else if let Some((_, spec)) = members.first() {
                // Every other ABI has an `arch` value of its own: one member. Its entry
                // may be a shared target (a `ret`, or `end`) rather than the next
                // instruction.
                let entry = spec.emit(&mut asm, end, &(0..=u32::MAX));
                asm.goto(entry);
            }
            // What was emitted last comes right after the `ld nr`.
            let body = asm.load(NR);
            next_group = asm.jump(JMP_JEQ, *arch, body, next_group);
        }
        asm.load(ARCH);
        asm.finish()
    }
}

impl AbiPrefix {
    fn is_empty(&self) -> bool {
        self.by_number.is_empty() && self.unknown.is_none()
    }

    /// What the prefix does with each number of `domain` (the numbers that can reach this
    /// ABI's checks): sorted, disjoint intervals covering it, each with an action, or
    /// `None` to fall through to libseccomp's program. Neighbours with the same outcome
    /// are joined, so that `mseal` and its neighbours allowed by number are one interval.
    fn partition(&self, domain: &RangeInclusive<u32>) -> Vec<Interval> {
        let (lo, hi) = (*domain.start(), *domain.end());
        let mut intervals = Vec::new();
        match self.unknown {
            None => intervals.push((lo, hi, None)),
            Some(unknown) => {
                let mut next = Some(lo);
                for range in &self.known {
                    let (start, end) = ((*range.start()).max(lo), (*range.end()).min(hi));
                    let Some(from) = next.filter(|_| start <= end) else {
                        continue;
                    };
                    if from < start {
                        intervals.push((from, start - 1, Some(unknown)));
                    }
                    intervals.push((start, end, None));
                    next = end.checked_add(1).filter(|&n| n <= hi);
                }
                if let Some(from) = next {
                    intervals.push((from, hi, Some(unknown)));
                }
            }
        }
        for (&nr, &action) in self.by_number.range(lo..=hi) {
            // The interval holding `nr` becomes up to three: below, `nr`, above.
            let Some(at) = intervals.iter().position(|&(s, e, _)| s <= nr && nr <= e) else {
                continue;
            };
            let (s, e, outcome) = intervals[at];
            let mut split = Vec::with_capacity(3);
            if s < nr {
                split.push((s, nr - 1, outcome));
            }
            split.push((nr, nr, Some(action)));
            if nr < e {
                split.push((nr + 1, e, outcome));
            }
            intervals.splice(at..=at, split);
        }
        intervals.dedup_by(|next, last| {
            let joined = next.2 == last.2;
            if joined {
                last.1 = next.1;
            }
            joined
        });
        intervals
    }

    /// Emit the ABI's checks, entered with `A = nr` in `domain`; every path returns or
    /// jumps to `end`. Returns the entry.
    ///
    /// The checks are a binary search over [`AbiPrefix::partition`]: about log2(n)
    /// comparisons for n intervals, wherever the number lies.
    fn emit(&self, asm: &mut Backwards, end: Label, domain: &RangeInclusive<u32>) -> Label {
        let intervals = self.partition(domain);
        let mut rets: Vec<(Action, Label)> = Vec::new();
        for &(_, _, outcome) in &intervals {
            if let Some(action) = outcome {
                if !rets.iter().any(|(a, _)| *a == action) {
                    rets.push((action, asm.ret(action)));
                }
            }
        }
        let target = |outcome: Option<Action>| {
            outcome
                .and_then(|action| rets.iter().find(|(a, _)| *a == action))
                .map_or(end, |(_, label)| *label)
        };
        search(asm, &intervals, &target)
    }
}

/// An interval of syscall numbers, first and last included, and what the prefix does with
/// them: an action, or `None` to fall through.
type Interval = (u32, u32, Option<Action>);

/// A binary search over `intervals` (sorted, disjoint, covering every number that can
/// reach it), entered with `A = nr`: `jge` the first number of the middle interval, to
/// the upper half or else the lower half, down to single intervals, which are no
/// instruction but the target that comparisons jump to. n intervals take n - 1
/// comparisons, and a number passes about log2(n) of them. Returns the entry.
fn search(
    asm: &mut Backwards,
    intervals: &[Interval],
    target: &impl Fn(Option<Action>) -> Label,
) -> Label {
    match intervals {
        [] => target(None),
        [(_, _, outcome)] => target(*outcome),
        _ => {
            let (lower, upper) = intervals.split_at(intervals.len() / 2);
            let first = upper[0].0;
            let upper = search(asm, upper, target);
            let lower = search(asm, lower, target);
            asm.jump(JMP_JGE, first, upper, lower)
        }
    }
}

/// Sort ranges and join those that overlap or touch.
fn merge(mut ranges: Vec<RangeInclusive<u32>>) -> Vec<RangeInclusive<u32>> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_by_key(|r| *r.start());
    let mut merged: Vec<RangeInclusive<u32>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if *range.start() <= last.end().saturating_add(1) => {
                *last = *last.start()..=*last.end().max(range.end());
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// A place in the program, counted from its end: the number of instructions from it to the
/// end of the prefix. `Label(0)` is the first instruction after the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Label(usize);

/// A classic BPF assembler that emits back to front. Jumps only go forward, so every
/// target is already placed when a jump to it is emitted and its offset is known; a target
/// beyond a conditional jump's 8-bit reach gets a `ja` (32-bit) placed right after it.
#[derive(Debug, Default)]
struct Backwards {
    /// The instructions, last first.
    reversed: Vec<Instruction>,
}

impl Backwards {
    /// The instruction emitted last, the first in program order so far.
    fn here(&self) -> Label {
        Label(self.reversed.len())
    }

    /// The offset from the instruction emitted next to `to`.
    fn offset(&self, to: Label) -> usize {
        self.reversed.len() - to.0
    }

    fn push(&mut self, code: u16, jt: u8, jf: u8, k: u32) -> Label {
        self.reversed.push(Instruction { code, jt, jf, k });
        self.here()
    }

    fn load(&mut self, offset: u32) -> Label {
        self.push(LD_W_ABS, 0, 0, offset)
    }

    fn ret(&mut self, action: Action) -> Label {
        self.push(RET_K, 0, 0, action.to_return_value())
    }

    /// Go to `to`: nothing if it is next.
    fn goto(&mut self, to: Label) -> Label {
        match self.offset(to) {
            0 => to,
            // A prefix of 2^32 instructions cannot exist; the length check stops far less.
            offset => self.push(JA, 0, 0, u32::try_from(offset).unwrap_or(u32::MAX)),
        }
    }

    /// `if A <op> k goto jt else goto jf`.
    fn jump(&mut self, op: u16, k: u32, mut jt: Label, mut jf: Label) -> Label {
        let short = |asm: &Backwards, to| u8::try_from(asm.offset(to)).ok();
        // Each trampoline moves the other target one further, so check both again.
        let (t, f) = loop {
            match (short(self, jt), short(self, jf)) {
                (Some(t), Some(f)) => break (t, f),
                (None, _) => jt = self.goto(jt),
                (_, None) => jf = self.goto(jf),
            }
        };
        self.push(CLASS_JMP | op, t, f, k)
    }

    fn finish(mut self) -> Vec<Instruction> {
        self.reversed.reverse();
        self.reversed
    }
}

impl Program {
    /// This program with `prefix` in front: the prefix decides what it can from the syscall
    /// number and ABI alone, and every other syscall runs this program as before. The
    /// prefix's ABIs must be of this program's byte order. An empty prefix changes nothing.
    ///
    /// ```
    /// use seccomp_runtime::{errno, Abi, Action, Block, Policy, Prefix, Rule, SeccompData};
    ///
    /// let filter = Policy::new(Action::Errno(errno::EPERM))
    ///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["read"])))
    ///     .build()?;
    /// let prefix = Prefix::new()
    ///     .number(Abi::X86_64, 462, Action::Allow) // mseal
    ///     .unknown(Abi::X86_64, Action::Errno(errno::ENOSYS), [0..=335, 424..=462]);
    /// let program = filter.program()?.with_prefix(&prefix)?;
    /// let at = |nr| SeccompData::new(Abi::X86_64, nr, [0; 6]);
    /// assert_eq!(program.simulate(&at(462))?, Action::Allow);
    /// assert_eq!(program.simulate(&at(1000))?, Action::Errno(errno::ENOSYS));
    /// assert_eq!(program.simulate(&at(39))?, Action::Errno(errno::EPERM)); // getpid: default
    /// assert_eq!(program.simulate(&at(0))?, Action::Allow); // read
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::TooLong`](crate::Error::TooLong) if the prefixed program has more instructions than the kernel
    /// takes ([`Program::MAX_LEN`]).
    pub fn with_prefix(&self, prefix: &Prefix) -> Result<Program> {
        let program = self.prepend(prefix.instructions());
        program.check_length()?;
        Ok(program)
    }
}

#[cfg(test)]
mod tests;
