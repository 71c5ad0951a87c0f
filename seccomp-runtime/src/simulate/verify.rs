//! Verification (translation validation): a built program, run in the simulator, against what its policy
//! declares ([`Policy::decide_nr`]), over every syscall number of every ABI and every
//! boundary of every condition.
//!
//! The program comes from libseccomp and our prefix; the declaration from the policy
//! alone. When they agree on every probe, a libseccomp code-generation bug (such as
//! GHSA-4q85-33p6-j5g6, a comparison built wrong) cannot hide in the program unnoticed. The
//! macro runs this before it embeds a precompiled program, so such a bug is a compile
//! error, not a weak filter.

use crate::bpf::program::Program;
use crate::decide::Decision;
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::{CmpOp, Comparison};
use crate::model::policy::Policy;
use crate::simulate::interpreter::run_verified;
use crate::simulate::{SeccompData, SimError};
use crate::table::syscall::{syscall_name, syscall_numbers};
use std::collections::BTreeSet;

/// Why [`Policy::verify`] refused a program.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The program is not one the kernel would take.
    #[error("the program is not valid seccomp BPF: {0}")]
    Program(#[from] SimError),
    /// The program takes another action than the policy declares for a syscall.
    #[error(
        "{abi}: {} with arguments ({}): the policy says {expected}, the program does {built}",
        syscall_label(*syscall, *nr),
        args.map(|arg| format!("{arg:#x}")).join(", ")
    )]
    Mismatch {
        /// The ABI the syscall was made through.
        abi: Abi,
        /// The syscall number, as `seccomp_data.nr` carries it.
        nr: u32,
        /// The syscall's name, if the table knows the number on `abi`.
        syscall: Option<&'static str>,
        /// The arguments, as the kernel passes them on `abi`.
        args: [u64; 6],
        /// What the policy declares.
        expected: Decision,
        /// What the program does.
        built: Action,
    },
}

fn syscall_label(syscall: Option<&str>, nr: u32) -> String {
    match syscall {
        Some(name) => format!("`{name}` (nr {nr})"),
        None => format!("syscall number {nr} (unknown to the table)"),
    }
}

/// How far past an ABI's last syscall number the validation probes, one by one.
const PAST_THE_TABLE: u32 = 64;

/// Numbers far past any table, still inside the ABI's own number space (x32's bit is the
/// boundary between x86-64's numbers and x32's).
const FAR: [u32; 2] = [0x1000, 0x3fff_ffff];

impl Policy {
    /// Check that `program` does what this policy declares, by running it in the simulator
    /// against [`Policy::decide_nr`]: on every ABI of the crate (those no block names
    /// included), for every number of the ABI's syscall table, the numbers just below and
    /// past it and a few far past it; for each syscall, with arguments at every boundary
    /// of every condition on it (value - 1, value, value + 1; for a mask, its smallest and
    /// largest match and their neighbours), 0 and the maximum, one argument at a time
    /// around a satisfying assignment of each rule. Returns how many cases were run.
    ///
    /// On x32 and mips n32, libseccomp 2.5 compares only the low 32 bits of arguments
    /// (see [`Policy::decide`]); there the probes keep the high 32 bits zero.
    ///
    /// ```
    /// use seccomp_runtime::{arg, errno, Abi, Action, Block, Policy, Rule};
    ///
    /// let policy = Policy::new(Action::Errno(errno::EPERM)).block(
    ///     Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))),
    /// );
    /// let program = policy.build()?.program()?.clone();
    /// assert!(policy.verify(&program)? > 1000);
    /// // Another policy's program does not pass.
    /// let other = Policy::new(Action::Allow)
    ///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::KillProcess, ["ptrace"])));
    /// assert!(other.verify(&program).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`VerifyError::Mismatch`] for the first case where the program's action is not
    /// the declared one; [`VerifyError::Program`] if the program is not valid BPF.
    pub fn verify(&self, program: &Program) -> Result<usize, VerifyError> {
        program.verify()?;
        let named = self.abis();
        let mut cases = 0;
        for abi in Abi::ALL {
            for nr in probe_numbers(abi) {
                let syscall = i32::try_from(nr).ok().and_then(|n| syscall_name(abi, n));
                // An ABI no block names gets one action whatever the arguments.
                let vectors = match named.contains(&abi) {
                    true => self.probe_args(abi, syscall),
                    false => vec![[0; 6]],
                };
                for args in vectors {
                    let args = abi.as_passed(args);
                    let expected = self.decide_nr(abi, nr, args);
                    // `nr` came from an i32 table number or a constant below 2^31.
                    let data = SeccompData::new(abi, nr as i32, args);
                    let (value, _) = run_verified(program.instructions(), &data)?;
                    let built = Action::from_return_value(value);
                    cases += 1;
                    if !expected.permits(built) {
                        return Err(VerifyError::Mismatch {
                            abi,
                            nr,
                            syscall,
                            args,
                            expected,
                            built,
                        });
                    }
                }
            }
        }
        Ok(cases)
    }

    /// Argument vectors worth running for `syscall` on `abi`.
    fn probe_args(&self, abi: Abi, syscall: Option<&str>) -> Vec<[u64; 6]> {
        let low32 = abi.compared_bits() < 64;
        let keep = |value: u64| if low32 { value & 0xffff_ffff } else { value };
        let mut vectors: BTreeSet<[u64; 6]> = BTreeSet::new();
        let max = keep(u64::MAX);
        let mut bases = vec![[0; 6], [max; 6]];
        // Only arguments some condition compares are varied.
        let mut candidates: [BTreeSet<u64>; 6] = Default::default();
        if let Some(name) = syscall {
            if matches!(name, "socketcall" | "ipc") {
                // The calls behind the multiplexer are its arg0 (1..=20 for socketcall,
                // up to 24 for ipc): probe them all.
                candidates[0].extend((0..=40).chain([max]));
            }
            for (_, rule) in self.rules_for(abi) {
                if !rule.covers(abi, name) || rule.conditions().is_empty() {
                    continue;
                }
                let mut base = [0; 6];
                for comparison in rule.conditions() {
                    let Some(values) = candidates.get_mut(usize::from(comparison.arg)) else {
                        continue;
                    };
                    values.extend([0, max]);
                    values.extend(boundaries(comparison).into_iter().map(keep));
                    base[usize::from(comparison.arg)] = keep(satisfying(comparison));
                }
                bases.push(base);
            }
        }
        for base in bases {
            vectors.insert(base);
            for (index, values) in candidates.iter().enumerate() {
                for &value in values {
                    let mut args = base;
                    args[index] = value;
                    vectors.insert(args);
                }
            }
        }
        vectors.into_iter().collect()
    }
}

/// The numbers probed on `abi`: its table and the two numbers on each side of each of its
/// numbers (the edges of its holes), every number up to a little past its last, and a few
/// far past it. (Not every number of a hole: arm's private syscalls sit near 0xf0000.)
fn probe_numbers(abi: Abi) -> BTreeSet<u32> {
    let table: BTreeSet<u32> = syscall_numbers(abi)
        .filter_map(|nr| u32::try_from(nr).ok())
        .collect();
    let base = u32::try_from(abi.syscall_base()).unwrap_or(0);
    let last = table.last().copied().unwrap_or(base);
    let mut numbers: BTreeSet<u32> = table
        .iter()
        .flat_map(|&nr| nr.saturating_sub(2)..=nr.saturating_add(2))
        .collect();
    numbers.extend(base.saturating_sub(2)..=base);
    numbers.extend(last..=last.saturating_add(PAST_THE_TABLE));
    numbers.extend(FAR.iter().map(|far| base.saturating_add(*far)));
    // Below the base is another ABI's space for x32 (x86-64's numbers, same `arch`).
    if abi == Abi::X32 {
        numbers.retain(|&nr| nr >= base);
    }
    numbers
}

/// Values at the edge of `comparison`: where it starts or stops holding.
fn boundaries(comparison: &Comparison) -> Vec<u64> {
    let value = comparison.value;
    let mut values = vec![value.wrapping_sub(1), value, value.wrapping_add(1)];
    if let CmpOp::MaskedEq(mask) = comparison.op {
        // The smallest and the largest argument that match, and each with one masked bit
        // flipped (the nearest that do not).
        let largest = value | !mask;
        values.extend([largest, largest.wrapping_add(1), largest.wrapping_sub(1)]);
        if mask != 0 {
            let low = mask & mask.wrapping_neg();
            let high = 1u64 << (63 - mask.leading_zeros());
            values.extend([value ^ low, value ^ high, largest ^ low, largest ^ high]);
        }
    }
    values
}

/// An argument value for which `comparison` holds, where one exists.
fn satisfying(comparison: &Comparison) -> u64 {
    let value = comparison.value;
    match comparison.op {
        CmpOp::Eq | CmpOp::Le | CmpOp::Ge | CmpOp::MaskedEq(_) => value,
        CmpOp::Ne | CmpOp::Gt => value.wrapping_add(1),
        CmpOp::Lt => value.saturating_sub(1),
    }
}

impl Policy {
    /// The old name of [`Policy::verify`]: in every peer, "validate" means the policy's own
    /// checks ([`Policy::violations`]).
    ///
    /// # Errors
    ///
    /// As [`Policy::verify`].
    #[deprecated(since = "0.2.0", note = "renamed `Policy::verify`")]
    pub fn validate(&self, program: &Program) -> Result<usize, VerifyError> {
        self.verify(program)
    }
}

#[cfg(all(test, feature = "libseccomp"))]
mod tests {
    use super::VerifyError;
    use crate::bpf::program::{Instruction, Program};
    use crate::model::abi::Abi;
    use crate::model::action::Action;
    use crate::model::condition::arg;
    use crate::model::errno;
    use crate::model::policy::{Block, Policy};
    use crate::model::rule::Rule;

    fn policy() -> Policy {
        Policy::new(Action::Errno(errno::EPERM))
            .unknown(Action::Errno(errno::ENOSYS))
            .rule(Rule::new(Action::Allow, ["exit_group", "mseal"]))
            .block(
                Block::new([Abi::X86_64, Abi::X32])
                    .rule(Rule::new(Action::Allow, ["read"]))
                    .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3)))
                    .rule(
                        Rule::new(Action::Errno(errno::EACCES), ["openat"])
                            .when(arg(2).masked_eq(0o3, 0o1))
                            .when(arg(0).ge(100)),
                    ),
            )
            .block(Block::new([Abi::X86]).rule(Rule::new(Action::Allow, ["read", "socket"])))
    }

    /// The built program passes; every ABI, named or not, is probed.
    #[test]
    fn the_built_program_passes() {
        let policy = policy();
        let program = policy.build().unwrap().program().unwrap().clone();
        let cases = policy.verify(&program).unwrap();
        assert!(cases > 20 * 400, "{cases}");
    }

    /// A comparison built one off (`>` for `>=`, as a code-generation bug would) is found
    /// at its boundary, with the ABI, the syscall and both actions.
    #[test]
    fn a_comparison_off_by_one_is_found() {
        let policy = policy();
        let program = policy.build().unwrap().program().unwrap().clone();
        // libseccomp compares the low word of `arg0 >= 100` with JGE k = 100.
        let mut instructions: Vec<Instruction> = program.instructions().to_vec();
        let jge = instructions
            .iter()
            .position(|i| i.code == 0x35 && i.k == 100)
            .expect("a JGE on 100");
        instructions[jge].code = 0x25; // JGT
        let broken = Program::from_instructions(&instructions, policy.attributes());
        let err = policy.verify(&broken).unwrap_err();
        match &err {
            VerifyError::Mismatch {
                abi, syscall, args, ..
            } => {
                assert!(matches!(abi, Abi::X86_64 | Abi::X32), "{err}");
                assert_eq!(*syscall, Some("openat"), "{err}");
                assert_eq!(args[0], 100, "{err}");
            }
            other => panic!("{other}"),
        }
        assert!(
            err.to_string().contains("the policy says errno(EACCES)"),
            "{err}"
        );
    }
}
