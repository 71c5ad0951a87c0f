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
//! // An ABI the policy does not name gets the bad-ABI action (kill_process by default).
//! assert_eq!(filter.simulate(Abi::X86, "fcntl", [0, 3, 0, 0, 0, 0])?, Action::KillProcess);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::{Abi, Action, Error, Filter, Instruction, Program};

/// What a seccomp filter sees of one syscall: the kernel's `struct seccomp_data`.
///
/// The kernel lays it out in the machine's byte order: `nr` at offset 0, `arch` at 4,
/// `instruction_pointer` at 8 and `args[i]` at `16 + 8 * i`, each 64-bit field read by the
/// filter as two 32-bit words. The simulator takes the byte order from `arch` (its
/// `__AUDIT_ARCH_LE` bit), since a kernel only accepts ABIs of its own byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeccompData {
    /// The syscall number, as the ABI numbers it (x32 numbers carry `0x40000000`).
    pub nr: i32,
    /// The ABI's `AUDIT_ARCH_*` value; see [`Abi::audit_arch`].
    pub arch: u32,
    /// Where the syscall was made from.
    pub instruction_pointer: u64,
    /// The six arguments, as the kernel passes them (on a 32-bit ABI, zero-extended).
    pub args: [u64; 6],
}

/// Size of `struct seccomp_data` in bytes.
const DATA_SIZE: u32 = 64;

/// `__AUDIT_ARCH_LE`: the ABI is little-endian.
const AUDIT_ARCH_LE: u32 = 0x4000_0000;

impl SeccompData {
    /// The data for syscall number `nr` made through `abi`, with these arguments passed
    /// through unchanged and an instruction pointer of 0.
    pub fn new(abi: Abi, nr: i32, args: [u64; 6]) -> SeccompData {
        SeccompData {
            nr,
            arch: abi.audit_arch(),
            instruction_pointer: 0,
            args,
        }
    }

    /// The data for syscall `name` made through `abi`, if the ABI has it. Arguments are
    /// taken as the kernel would pass them: on a 32-bit ABI only their low 32 bits reach
    /// the filter.
    ///
    /// ```
    /// use seccomp_runtime::{Abi, SeccompData};
    /// let data = SeccompData::syscall(Abi::X86, "getpid", [u64::MAX, 0, 0, 0, 0, 0]).unwrap();
    /// assert_eq!((data.nr, data.args[0]), (20, 0xffff_ffff));
    /// assert!(SeccompData::syscall(Abi::X86_64, "socketcall", [0; 6]).is_none());
    /// ```
    pub fn syscall(abi: Abi, name: &str, args: [u64; 6]) -> Option<SeccompData> {
        let nr = crate::syscall_number(abi, name)?;
        Some(SeccompData::new(
            abi,
            nr,
            crate::decide::as_passed(abi, args),
        ))
    }

    /// The structure's bytes, as the kernel of `arch`'s byte order lays them out.
    pub fn to_bytes(&self) -> [u8; DATA_SIZE as usize] {
        let little = self.arch & AUDIT_ARCH_LE != 0;
        let mut bytes = [0; DATA_SIZE as usize];
        let mut put = |at: usize, field: &[u8]| bytes[at..at + field.len()].copy_from_slice(field);
        if little {
            put(0, &self.nr.to_le_bytes());
            put(4, &self.arch.to_le_bytes());
            put(8, &self.instruction_pointer.to_le_bytes());
            for (i, arg) in self.args.iter().enumerate() {
                put(16 + 8 * i, &arg.to_le_bytes());
            }
        } else {
            put(0, &self.nr.to_be_bytes());
            put(4, &self.arch.to_be_bytes());
            put(8, &self.instruction_pointer.to_be_bytes());
            for (i, arg) in self.args.iter().enumerate() {
                put(16 + 8 * i, &arg.to_be_bytes());
            }
        }
        bytes
    }
}

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

// Classic BPF opcodes (<linux/bpf_common.h>, <linux/filter.h>), as seccomp allows them.
const LD_W_ABS: u16 = 0x20;
const LD_W_LEN: u16 = 0x80;
const LD_IMM: u16 = 0x00;
const LD_MEM: u16 = 0x60;
const LDX_W_LEN: u16 = 0x81;
const LDX_IMM: u16 = 0x01;
const LDX_MEM: u16 = 0x61;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const RET_K: u16 = 0x06;
const RET_A: u16 = 0x16;
const TAX: u16 = 0x07;
const TXA: u16 = 0x87;
const JA: u16 = 0x05;
const CLASS_ALU: u16 = 0x04;
const CLASS_JMP: u16 = 0x05;
const SRC_X: u16 = 0x08;
const ALU_ADD: u16 = 0x00;
const ALU_SUB: u16 = 0x10;
const ALU_MUL: u16 = 0x20;
const ALU_DIV: u16 = 0x30;
const ALU_OR: u16 = 0x40;
const ALU_AND: u16 = 0x50;
const ALU_LSH: u16 = 0x60;
const ALU_RSH: u16 = 0x70;
const ALU_NEG: u16 = 0x80;
const ALU_XOR: u16 = 0xa0;
const JMP_JEQ: u16 = 0x10;
const JMP_JGT: u16 = 0x20;
const JMP_JGE: u16 = 0x30;
const JMP_JSET: u16 = 0x40;
/// Scratch memory slots (`BPF_MEMWORDS`).
const MEM_WORDS: u32 = 16;
/// The longest program the kernel takes (`BPF_MAXINSNS`).
const MAX_INSNS: usize = 4096;

/// The seccomp return values (`SECCOMP_RET_*`, action part).
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0x0000_0000;
const RET_TRAP: u32 = 0x0003_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_USER_NOTIF: u32 = 0x7fc0_0000;
const RET_TRACE: u32 = 0x7ff0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ACTION_FULL: u32 = 0xffff_0000;
const RET_DATA: u32 = 0x0000_ffff;

fn is_alu(code: u16) -> Option<(u16, bool)> {
    if code & 0x07 != CLASS_ALU {
        return None;
    }
    let op = code & 0xf0;
    let x = code & SRC_X != 0;
    let known = matches!(
        op,
        ALU_ADD | ALU_SUB | ALU_MUL | ALU_DIV | ALU_OR | ALU_AND | ALU_LSH | ALU_RSH | ALU_XOR
    ) || (op == ALU_NEG && !x);
    // Anything else in the opcode (unused bits) makes it an opcode the kernel refuses.
    (known && code & !(0xf0 | SRC_X | 0x07) == 0).then_some((op, x))
}

fn is_cond_jump(code: u16) -> Option<(u16, bool)> {
    if code & 0x07 != CLASS_JMP || code & !(0xf0 | SRC_X | 0x07) != 0 {
        return None;
    }
    let op = code & 0xf0;
    matches!(op, JMP_JEQ | JMP_JGT | JMP_JGE | JMP_JSET).then_some((op, code & SRC_X != 0))
}

impl Action {
    /// The action the kernel takes for a filter's return value.
    ///
    /// An errno above 4095 is capped at 4095, and an unknown action kills the process, as
    /// the kernel does.
    ///
    /// ```
    /// use seccomp_runtime::Action;
    /// assert_eq!(Action::from_return_value(0x7fff_0000), Action::Allow);
    /// assert_eq!(Action::from_return_value(0x0005_0001), Action::Errno(1));
    /// assert_eq!(Action::from_return_value(0x0001_0000), Action::KillProcess);
    /// ```
    pub fn from_return_value(value: u32) -> Action {
        let data = value & RET_DATA;
        match value & RET_ACTION_FULL {
            RET_KILL_PROCESS => Action::KillProcess,
            RET_KILL_THREAD => Action::KillThread,
            RET_TRAP => Action::Trap,
            // `data` is 16 bits, so the conversion is lossless; the kernel caps it.
            RET_ERRNO => Action::Errno(data.min(crate::errno::MAX as u32) as i32),
            RET_USER_NOTIF => Action::Notify,
            RET_TRACE => Action::Trace(data as u16),
            RET_LOG => Action::Log,
            RET_ALLOW => Action::Allow,
            _ => Action::KillProcess,
        }
    }
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
        run(self.instructions(), data)
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

/// Run `program` over `data`, after the kernel's load-time checks.
fn run(program: &[Instruction], data: &SeccompData) -> Result<u32, SimError> {
    verify(program)?;
    let bytes = data.to_bytes();
    let little = data.arch & AUDIT_ARCH_LE != 0;
    let word = |pc: usize, offset: u32| -> Result<u32, SimError> {
        let at = offset as usize;
        match bytes.get(at..at + 4) {
            Some(raw) if offset % 4 == 0 => {
                let raw = [raw[0], raw[1], raw[2], raw[3]];
                Ok(if little {
                    u32::from_le_bytes(raw)
                } else {
                    u32::from_be_bytes(raw)
                })
            }
            _ => Err(SimError::LoadOutOfRange { pc, offset }),
        }
    };
    let slot = |pc: usize, k: u32| -> Result<usize, SimError> {
        if k < MEM_WORDS {
            Ok(k as usize)
        } else {
            Err(SimError::MemOutOfRange { pc, slot: k })
        }
    };
    let (mut a, mut x) = (0u32, 0u32);
    let mut mem = [0u32; MEM_WORDS as usize];
    let mut pc = 0;
    // Jumps only go forward, so the loop ends within `program.len()` steps.
    while let Some(&Instruction { code, jt, jf, k }) = program.get(pc) {
        let next = pc + 1;
        pc = next;
        match code {
            LD_W_ABS => a = word(next - 1, k)?,
            LD_W_LEN => a = DATA_SIZE,
            LDX_W_LEN => x = DATA_SIZE,
            LD_IMM => a = k,
            LDX_IMM => x = k,
            LD_MEM => a = mem[slot(next - 1, k)?],
            LDX_MEM => x = mem[slot(next - 1, k)?],
            ST => mem[slot(next - 1, k)?] = a,
            STX => mem[slot(next - 1, k)?] = x,
            TAX => x = a,
            TXA => a = x,
            RET_K => return Ok(k),
            RET_A => return Ok(a),
            JA => pc = next + k as usize,
            _ => {
                if let Some((op, use_x)) = is_alu(code) {
                    let operand = if use_x { x } else { k };
                    a = match op {
                        ALU_ADD => a.wrapping_add(operand),
                        ALU_SUB => a.wrapping_sub(operand),
                        ALU_MUL => a.wrapping_mul(operand),
                        ALU_DIV => match a.checked_div(operand) {
                            Some(q) => q,
                            // Classic BPF: dividing by a zero X ends the program with 0.
                            None => return Ok(0),
                        },
                        ALU_OR => a | operand,
                        ALU_AND => a & operand,
                        ALU_LSH => a.checked_shl(operand).unwrap_or(0),
                        ALU_RSH => a.checked_shr(operand).unwrap_or(0),
                        ALU_XOR => a ^ operand,
                        _ => a.wrapping_neg(),
                    };
                } else if let Some((op, use_x)) = is_cond_jump(code) {
                    let operand = if use_x { x } else { k };
                    let taken = match op {
                        JMP_JEQ => a == operand,
                        JMP_JGT => a > operand,
                        JMP_JGE => a >= operand,
                        _ => a & operand != 0,
                    };
                    pc = next + usize::from(if taken { jt } else { jf });
                } else {
                    return Err(SimError::Unsupported { pc: next - 1, code });
                }
            }
        }
    }
    // Unreachable after `verify` (the last instruction returns), but never panic.
    Err(SimError::NoFinalReturn {
        code: program.last().map_or(0, |i| i.code),
    })
}

/// The kernel's load-time checks (`bpf_check_classic`, `seccomp_check_filter` and
/// `check_load_and_stores`), in one pass.
fn verify(program: &[Instruction]) -> Result<(), SimError> {
    let len = program.len();
    if len == 0 || len > MAX_INSNS {
        return Err(SimError::BadLength { len });
    }
    // Which scratch slots are surely written on every path reaching each instruction.
    let mut valid_at = vec![u16::MAX; len];
    let mut valid: u16 = 0;
    for (pc, &Instruction { code, jt, jf, k }) in program.iter().enumerate() {
        valid &= valid_at[pc];
        let target = |offset: u64| -> Result<usize, SimError> {
            let to = pc as u64 + 1 + offset;
            usize::try_from(to)
                .ok()
                .filter(|&to| to < len)
                .ok_or(SimError::JumpOutOfRange {
                    pc,
                    target: to,
                    len,
                })
        };
        let mem = |k: u32| -> Result<u16, SimError> {
            if k < MEM_WORDS {
                Ok(1 << k)
            } else {
                Err(SimError::MemOutOfRange { pc, slot: k })
            }
        };
        match code {
            LD_W_ABS => {
                if k >= DATA_SIZE || k % 4 != 0 {
                    return Err(SimError::LoadOutOfRange { pc, offset: k });
                }
            }
            LD_W_LEN | LDX_W_LEN | LD_IMM | LDX_IMM | TAX | TXA | RET_K | RET_A => {}
            LD_MEM | LDX_MEM => {
                let bit = mem(k)?;
                if valid & bit == 0 {
                    return Err(SimError::UninitializedMemory { pc, slot: k });
                }
            }
            ST | STX => valid |= mem(k)?,
            JA => {
                let to = target(u64::from(k))?;
                valid_at[to] &= valid;
                valid = u16::MAX;
            }
            _ => {
                if let Some((op, use_x)) = is_alu(code) {
                    let bad = !use_x
                        && match op {
                            ALU_DIV => k == 0,
                            ALU_LSH | ALU_RSH => k >= 32,
                            _ => false,
                        };
                    if bad {
                        return Err(SimError::BadOperand { pc, code, k });
                    }
                } else if is_cond_jump(code).is_some() {
                    let (t, f) = (target(u64::from(jt))?, target(u64::from(jf))?);
                    valid_at[t] &= valid;
                    valid_at[f] &= valid;
                    valid = u16::MAX;
                } else {
                    return Err(SimError::Unsupported { pc, code });
                }
            }
        }
    }
    match program[len - 1].code {
        RET_K | RET_A => Ok(()),
        code => Err(SimError::NoFinalReturn { code }),
    }
}

impl Filter {
    /// The action this filter takes for syscall `syscall` made through `abi` with `args`,
    /// found by running its BPF program in user space (nothing is loaded). On a 32-bit ABI
    /// only the low 32 bits of each argument reach the filter, as in the kernel.
    ///
    /// `abi` need not be one of the policy's: an ABI no block names gets the bad-ABI action.
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
    use crate::Attributes;

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
