//! A user-space interpreter for seccomp BPF programs: what would this filter do to that
//! syscall?
//!
//! The interpreter knows nothing of libseccomp or of policies: it runs the exported
//! instructions over a `struct seccomp_data` exactly as the kernel's classic-BPF checker and
//! interpreter would, which is what makes it useful as an independent oracle (see
//! [`Policy::decide`](crate::Policy::decide)) and for questions like "what does this policy
//! do to `openat` on x86 with these flags?":
//!
//! ```
//! use seccomp_runtime::{arg, errno, Abi, Action, Block, Policy, Rule};
//!
//! let filter = Policy::new(Action::Errno(errno::EPERM))
//!     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))))
//!     .build()?;
//! assert_eq!(filter.simulate(Abi::X86_64, "fcntl", [0, 3, 0, 0, 0, 0])?, Action::Allow);
//! assert_eq!(filter.simulate(Abi::X86_64, "fcntl", [0, 4, 0, 0, 0, 0])?, Action::Errno(errno::EPERM));
//! // An ABI the policy does not name gets the `bad_arch` action (kill_process by default).
//! assert_eq!(filter.simulate(Abi::X86, "fcntl", [0, 3, 0, 0, 0, 0])?, Action::KillProcess);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod data;
mod disasm;
pub(crate) mod interpreter;
pub(crate) mod verify;

pub use data::SeccompData;

use crate::bpf::program::Program;
use crate::error::Error;
#[cfg(feature = "libseccomp")]
use crate::libseccomp::filter::Filter;
use crate::model::abi::Abi;
use crate::model::action::Action;
use interpreter::{run, verify};

/// Why a program cannot be run: each is something the kernel refuses when the program is
/// loaded, or (for [`SimError::UnknownSyscall`] and [`SimError::Program`]) a question the
/// simulator cannot ask.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A program with no instruction, or more than the kernel's 4096.
    #[error("the program has {len} instructions; the kernel takes 1 to 4096")]
    BadLength {
        /// The number of instructions.
        len: usize,
    },
    /// An instruction seccomp does not allow (or classic BPF does not have).
    #[error("instruction {pc}: opcode {code:#06x} is not allowed in a seccomp filter")]
    Unsupported {
        /// The instruction's index.
        pc: usize,
        /// Its opcode.
        code: u16,
    },
    /// A jump past the last instruction.
    #[error(
        "instruction {pc}: jump to {target} is past the end of the program ({len} instructions)"
    )]
    JumpOutOfRange {
        /// The jump's index.
        pc: usize,
        /// Where it jumps.
        target: u64,
        /// The number of instructions.
        len: usize,
    },
    /// A load outside `struct seccomp_data`, or not at a multiple of 4.
    #[error(
        "instruction {pc}: load at offset {offset} is not a 32-bit word of struct seccomp_data"
    )]
    LoadOutOfRange {
        /// The load's index.
        pc: usize,
        /// The offset.
        offset: u32,
    },
    /// A scratch memory slot that does not exist (there are 16).
    #[error("instruction {pc}: scratch memory slot {slot} does not exist (slots are 0 to 15)")]
    MemOutOfRange {
        /// The instruction's index.
        pc: usize,
        /// The slot.
        slot: u32,
    },
    /// A read of a scratch memory slot that may not have been written on some path.
    #[error("instruction {pc}: scratch memory slot {slot} is read before it is written")]
    UninitializedMemory {
        /// The load's index.
        pc: usize,
        /// The slot.
        slot: u32,
    },
    /// A division by a constant zero, or a shift by 32 bits or more.
    #[error("instruction {pc}: operand {k} is invalid for opcode {code:#06x}")]
    BadOperand {
        /// The instruction's index.
        pc: usize,
        /// Its opcode.
        code: u16,
        /// The operand.
        k: u32,
    },
    /// The last instruction does not return, so the program could run off its end.
    #[error("the last instruction (opcode {code:#06x}) is not a return")]
    NoFinalReturn {
        /// The last instruction's opcode.
        code: u16,
    },
    /// The syscall name does not exist on the ABI, so it cannot be made there.
    #[error("`{syscall}` is not a syscall on {abi}")]
    UnknownSyscall {
        /// The ABI.
        abi: Abi,
        /// The name.
        syscall: String,
    },
    /// The filter's program could not be generated.
    #[error(transparent)]
    Program(Box<Error>),
}

impl Program {
    /// Check the program as the kernel does when it is loaded: length, allowed opcodes,
    /// jumps inside the program, loads inside `struct seccomp_data`, scratch memory written
    /// before it is read, a return at the end.
    ///
    /// # Errors
    ///
    /// The first problem found, in program order.
    pub fn verify(&self) -> Result<(), SimError> {
        verify(self.instructions())
    }

    /// Run the program over `data` and return the raw value it returns
    /// (`SECCOMP_RET_*` action and data), after [verifying](Program::verify) it.
    ///
    /// A division by a zero `X` register returns 0, as in the kernel.
    ///
    /// # Errors
    ///
    /// As [`Program::verify`]: the simulator never panics on a malformed program.
    pub fn run(&self, data: &SeccompData) -> Result<u32, SimError> {
        run(self.instructions(), data).map(|(value, _)| value)
    }

    /// How many instructions the program runs for `data`: what a syscall pays for the
    /// filter beyond the fixed cost of running one at all. (The kernel's action cache lets
    /// syscalls that are allowed whatever their arguments skip the program altogether.)
    ///
    /// # Errors
    ///
    /// As [`Program::run`].
    pub fn executed(&self, data: &SeccompData) -> Result<usize, SimError> {
        run(self.instructions(), data).map(|(_, executed)| executed)
    }

    /// The indexes of the instructions the program runs for `data`, in order, and the
    /// raw value it returns: the path a syscall takes through the filter.
    ///
    /// # Errors
    ///
    /// As [`Program::run`].
    pub fn trace(&self, data: &SeccompData) -> Result<(Vec<usize>, u32), SimError> {
        let mut path = Vec::new();
        let (value, _) =
            interpreter::run_traced(self.instructions(), data, &mut |pc| path.push(pc))?;
        Ok((path, value))
    }

    /// The action the kernel would take for `data` under this program alone.
    ///
    /// ```
    /// use seccomp_runtime::{errno, Abi, Action, Block, Policy, Rule, SeccompData};
    ///
    /// let filter = Policy::new(Action::Allow)
    ///     .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Errno(errno::EACCES), ["mkdir"])))
    ///     .build()?;
    /// let program = filter.program()?;
    /// let mkdir = SeccompData::syscall(Abi::X86_64, "mkdir", [0; 6]).unwrap();
    /// assert_eq!(program.simulate(&mkdir)?, Action::Errno(errno::EACCES));
    /// // A raw number: x32's mkdir (83 | 0x40000000); no block names x32.
    /// let x32 = SeccompData::new(Abi::X32, 0x4000_0000 | 83, [0; 6]);
    /// assert_eq!(program.simulate(&x32)?, Action::KillProcess);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Program::run`].
    pub fn simulate(&self, data: &SeccompData) -> Result<Action, SimError> {
        self.run(data).map(Action::from_return_value)
    }
}

#[cfg(feature = "libseccomp")]
impl Filter {
    /// The action this filter takes for syscall `syscall` made through `abi` with `args`,
    /// found by running its BPF program in user space (nothing is loaded). On a 32-bit ABI
    /// only the low 32 bits of each argument reach the filter, as in the kernel.
    ///
    /// `abi` need not be one of the policy's: an ABI no block names gets the `bad_arch` action.
    ///
    /// # Errors
    ///
    /// [`SimError::UnknownSyscall`] if `abi` has no such syscall, [`SimError::Program`] if
    /// the program cannot be generated.
    pub fn simulate(&self, abi: Abi, syscall: &str, args: [u64; 6]) -> Result<Action, SimError> {
        let data =
            SeccompData::syscall(abi, syscall, args).ok_or_else(|| SimError::UnknownSyscall {
                abi,
                syscall: syscall.to_owned(),
            })?;
        self.simulate_data(&data)
    }

    /// As [`Filter::simulate`] for a raw syscall number `nr` (x32 numbers carry
    /// `0x40000000`), with `args` passed through unchanged: for numbers no name has, and
    /// for x32 numbers seen under x86-64's `arch` value.
    ///
    /// # Errors
    ///
    /// [`SimError::Program`] if the program cannot be generated.
    pub fn simulate_nr(&self, abi: Abi, nr: i32, args: [u64; 6]) -> Result<Action, SimError> {
        self.simulate_data(&SeccompData::new(abi, nr, args))
    }

    fn simulate_data(&self, data: &SeccompData) -> Result<Action, SimError> {
        let program = self.program().map_err(|e| SimError::Program(Box::new(e)))?;
        program.simulate(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::opcodes::*;
    use crate::bpf::program::Instruction;
    use crate::bpf::ret::*;
    use crate::model::policy::Attributes;

    fn ins(code: u16, jt: u8, jf: u8, k: u32) -> Instruction {
        Instruction { code, jt, jf, k }
    }

    fn program(instructions: &[Instruction]) -> Program {
        Program::from_instructions(instructions, Attributes::default())
    }

    fn data(args: [u64; 6]) -> SeccompData {
        SeccompData::new(Abi::X86_64, 1, args)
    }

    #[test]
    fn executed_counts_the_instructions_run() {
        // ld nr; jeq 1 ? next : skip one; ret ALLOW; ld nr; ret A
        let p = program(&[
            ins(0x20, 0, 0, 0),
            ins(0x15, 0, 1, 1),
            ins(0x06, 0, 0, 0x7fff_0000),
            ins(0x20, 0, 0, 0),
            ins(0x16, 0, 0, 0),
        ]);
        let nr = |nr| SeccompData::new(Abi::X86_64, nr, [0; 6]);
        assert_eq!(p.executed(&nr(1)).unwrap(), 3);
        assert_eq!(p.executed(&nr(2)).unwrap(), 4);
        assert_eq!(p.run(&nr(2)).unwrap(), 2);
    }

    #[test]
    fn bytes_round_trip_in_either_byte_order() {
        let p = program(&[ins(0x20, 1, 2, 4), ins(0x06, 0, 0, 0x7fff_0000)]);
        for endian in [
            crate::model::abi::Endian::Little,
            crate::model::abi::Endian::Big,
        ] {
            let q = Program::from_bytes(&p.to_bytes(), endian, Attributes::default()).unwrap();
            let back = Program::from_bytes(&q.to_bytes(), endian, Attributes::default()).unwrap();
            assert_eq!(back.instructions(), q.instructions());
        }
        assert_eq!(
            Program::from_bytes(
                &p.to_bytes(),
                crate::model::abi::Endian::HOST,
                Attributes::default()
            )
            .unwrap()
            .instructions(),
            p.instructions()
        );
        assert!(Program::from_bytes(
            &[0; 7],
            crate::model::abi::Endian::HOST,
            Attributes::default()
        )
        .is_none());
    }

    #[test]
    fn reads_words_in_the_arch_byte_order() {
        // Return arg0's low word, then its high word.
        let lo = program(&[ins(LD_W_ABS, 0, 0, 16), ins(RET_A, 0, 0, 0)]);
        let hi = program(&[ins(LD_W_ABS, 0, 0, 20), ins(RET_A, 0, 0, 0)]);
        let mut d = data([0x1122_3344_5566_7788, 0, 0, 0, 0, 0]);
        assert_eq!(lo.run(&d).unwrap(), 0x5566_7788);
        assert_eq!(hi.run(&d).unwrap(), 0x1122_3344);
        d.arch = Abi::S390X.audit_arch();
        assert_eq!(lo.run(&d).unwrap(), 0x1122_3344);
        assert_eq!(hi.run(&d).unwrap(), 0x5566_7788);
    }

    #[test]
    fn alu_jumps_and_memory() {
        // A = nr; A += 4; A <<= 2; M[3] = A; X = 7; A = M[3]; A -= X; if A == 13 ret A else ret 0
        let p = program(&[
            ins(LD_W_ABS, 0, 0, 0),
            ins(CLASS_ALU | ALU_ADD, 0, 0, 4),
            ins(CLASS_ALU | ALU_LSH, 0, 0, 2),
            ins(ST, 0, 0, 3),
            ins(LDX_IMM, 0, 0, 7),
            ins(LD_MEM, 0, 0, 3),
            ins(CLASS_ALU | ALU_SUB | SRC_X, 0, 0, 0),
            ins(CLASS_JMP | JMP_JEQ, 0, 1, 13),
            ins(RET_A, 0, 0, 0),
            ins(RET_K, 0, 0, 0),
        ]);
        assert_eq!(p.run(&data([0; 6])).unwrap(), 13); // nr = 1: (1 + 4) * 4 - 7
        let jset = program(&[
            ins(LD_W_ABS, 0, 0, 24),
            ins(CLASS_JMP | JMP_JSET, 1, 0, 0x10),
            ins(RET_K, 0, 0, RET_ALLOW),
            ins(RET_K, 0, 0, RET_ERRNO | 1),
        ]);
        assert_eq!(
            jset.simulate(&data([0, 0x10, 0, 0, 0, 0])).unwrap(),
            Action::Errno(1)
        );
        assert_eq!(
            jset.simulate(&data([0, 0x0f, 0, 0, 0, 0])).unwrap(),
            Action::Allow
        );
        // Division by a zero X returns 0: kill the thread.
        let div = program(&[
            ins(LD_IMM, 0, 0, 9),
            ins(CLASS_ALU | ALU_DIV | SRC_X, 0, 0, 0),
            ins(RET_A, 0, 0, 0),
        ]);
        assert_eq!(div.simulate(&data([0; 6])).unwrap(), Action::KillThread);
    }

    #[test]
    fn malformed_programs_are_typed_errors() {
        let d = data([0; 6]);
        let err = |p: &[Instruction]| program(p).run(&d).unwrap_err();
        assert!(matches!(err(&[]), SimError::BadLength { len: 0 }));
        assert!(matches!(
            err(&[ins(JA, 0, 0, 1), ins(RET_K, 0, 0, 0)]),
            SimError::JumpOutOfRange {
                pc: 0,
                target: 2,
                ..
            }
        ));
        assert!(matches!(
            err(&[ins(CLASS_JMP | JMP_JEQ, 0, 200, 0), ins(RET_K, 0, 0, 0)]),
            SimError::JumpOutOfRange { .. }
        ));
        assert!(matches!(
            err(&[ins(LD_W_ABS, 0, 0, 64), ins(RET_A, 0, 0, 0)]),
            SimError::LoadOutOfRange { offset: 64, .. }
        ));
        assert!(matches!(
            err(&[ins(LD_W_ABS, 0, 0, 18), ins(RET_A, 0, 0, 0)]),
            SimError::LoadOutOfRange { offset: 18, .. }
        ));
        assert!(matches!(
            err(&[ins(LD_MEM, 0, 0, 16), ins(RET_A, 0, 0, 0)]),
            SimError::MemOutOfRange { slot: 16, .. }
        ));
        assert!(matches!(
            err(&[ins(LD_MEM, 0, 0, 2), ins(RET_A, 0, 0, 0)]),
            SimError::UninitializedMemory { slot: 2, .. }
        ));
        // Written on one branch only.
        let branchy = [
            ins(CLASS_JMP | JMP_JEQ, 0, 1, 0),
            ins(ST, 0, 0, 1),
            ins(LD_MEM, 0, 0, 1),
            ins(RET_A, 0, 0, 0),
        ];
        assert!(matches!(
            err(&branchy),
            SimError::UninitializedMemory { pc: 2, slot: 1 }
        ));
        assert!(matches!(
            err(&[ins(0x28, 0, 0, 0), ins(RET_A, 0, 0, 0)]),
            SimError::Unsupported { code: 0x28, .. }
        ));
        assert!(matches!(
            err(&[ins(CLASS_ALU | ALU_DIV, 0, 0, 0), ins(RET_A, 0, 0, 0)]),
            SimError::BadOperand { .. }
        ));
        assert!(matches!(
            err(&[ins(LD_IMM, 0, 0, 0)]),
            SimError::NoFinalReturn { code: LD_IMM }
        ));
    }

    #[test]
    fn return_values() {
        assert_eq!(
            Action::from_return_value(RET_KILL_PROCESS),
            Action::KillProcess
        );
        assert_eq!(
            Action::from_return_value(RET_KILL_THREAD),
            Action::KillThread
        );
        assert_eq!(Action::from_return_value(RET_TRAP | 9), Action::Trap);
        assert_eq!(
            Action::from_return_value(RET_ERRNO | 0xffff),
            Action::Errno(4095)
        );
        assert_eq!(Action::from_return_value(RET_TRACE | 7), Action::Trace(7));
        assert_eq!(Action::from_return_value(RET_USER_NOTIF), Action::Notify);
        assert_eq!(Action::from_return_value(RET_LOG), Action::Log);
        assert_eq!(Action::from_return_value(RET_ALLOW), Action::Allow);
    }
}
