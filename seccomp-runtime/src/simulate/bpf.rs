//! Classic BPF as the kernel runs it for seccomp: its opcodes and return values, the
//! load-time checks, and the interpreter.

use super::data::{AUDIT_ARCH_LE, DATA_SIZE};
use super::{SeccompData, SimError};
use crate::{Action, Instruction, Program};

// Classic BPF opcodes (<linux/bpf_common.h>, <linux/filter.h>), as seccomp allows them.
pub(crate) const LD_W_ABS: u16 = 0x20;
pub(crate) const LD_W_LEN: u16 = 0x80;
pub(crate) const LD_IMM: u16 = 0x00;
pub(crate) const LD_MEM: u16 = 0x60;
pub(crate) const LDX_W_LEN: u16 = 0x81;
pub(crate) const LDX_IMM: u16 = 0x01;
pub(crate) const LDX_MEM: u16 = 0x61;
pub(crate) const ST: u16 = 0x02;
pub(crate) const STX: u16 = 0x03;
pub(crate) const RET_K: u16 = 0x06;
pub(crate) const RET_A: u16 = 0x16;
pub(crate) const TAX: u16 = 0x07;
pub(crate) const TXA: u16 = 0x87;
pub(crate) const JA: u16 = 0x05;
pub(crate) const CLASS_ALU: u16 = 0x04;
pub(crate) const CLASS_JMP: u16 = 0x05;
pub(crate) const SRC_X: u16 = 0x08;
pub(crate) const ALU_ADD: u16 = 0x00;
pub(crate) const ALU_SUB: u16 = 0x10;
pub(crate) const ALU_MUL: u16 = 0x20;
pub(crate) const ALU_DIV: u16 = 0x30;
pub(crate) const ALU_OR: u16 = 0x40;
pub(crate) const ALU_AND: u16 = 0x50;
pub(crate) const ALU_LSH: u16 = 0x60;
pub(crate) const ALU_RSH: u16 = 0x70;
pub(crate) const ALU_NEG: u16 = 0x80;
pub(crate) const ALU_XOR: u16 = 0xa0;
pub(crate) const JMP_JEQ: u16 = 0x10;
pub(crate) const JMP_JGT: u16 = 0x20;
pub(crate) const JMP_JGE: u16 = 0x30;
pub(crate) const JMP_JSET: u16 = 0x40;
/// Scratch memory slots (`BPF_MEMWORDS`).
pub(crate) const MEM_WORDS: u32 = 16;

/// The seccomp return values (`SECCOMP_RET_*`, action part).
pub(crate) const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub(crate) const RET_KILL_THREAD: u32 = 0x0000_0000;
pub(crate) const RET_TRAP: u32 = 0x0003_0000;
pub(crate) const RET_ERRNO: u32 = 0x0005_0000;
pub(crate) const RET_USER_NOTIF: u32 = 0x7fc0_0000;
pub(crate) const RET_TRACE: u32 = 0x7ff0_0000;
pub(crate) const RET_LOG: u32 = 0x7ffc_0000;
pub(crate) const RET_ALLOW: u32 = 0x7fff_0000;
pub(crate) const RET_ACTION_FULL: u32 = 0xffff_0000;
pub(crate) const RET_DATA: u32 = 0x0000_ffff;

pub(super) fn is_alu(code: u16) -> Option<(u16, bool)> {
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

pub(super) fn is_cond_jump(code: u16) -> Option<(u16, bool)> {
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

    /// The value a filter returns for this action: the inverse of
    /// [`Action::from_return_value`]. An errno outside 0..=4095 is clamped into it, as the
    /// kernel would cap it.
    pub(crate) fn to_return_value(self) -> u32 {
        match self {
            Action::KillProcess => RET_KILL_PROCESS,
            Action::KillThread => RET_KILL_THREAD,
            Action::Trap => RET_TRAP,
            // Clamped to 0..=4095, so the cast is lossless.
            Action::Errno(value) => RET_ERRNO | value.clamp(0, crate::errno::MAX) as u32,
            Action::Notify => RET_USER_NOTIF,
            Action::Trace(message) => RET_TRACE | u32::from(message),
            Action::Log => RET_LOG,
            Action::Allow => RET_ALLOW,
        }
    }
}

/// Run `program` over `data`, after the kernel's load-time checks: the value it returns
/// and how many instructions it ran.
pub(super) fn run(program: &[Instruction], data: &SeccompData) -> Result<(u32, usize), SimError> {
    run_traced(program, data, &mut |_| {})
}

/// As [`run`], calling `step` with the index of each instruction as it runs.
pub(super) fn run_traced(
    program: &[Instruction],
    data: &SeccompData,
    step: &mut dyn FnMut(usize),
) -> Result<(u32, usize), SimError> {
    verify(program)?;
    run_verified_traced(program, data, step)
}

/// As [`run`], for a program already verified: for callers that run one program many
/// times (translation validation).
pub(crate) fn run_verified(
    program: &[Instruction],
    data: &SeccompData,
) -> Result<(u32, usize), SimError> {
    run_verified_traced(program, data, &mut |_| {})
}

fn run_verified_traced(
    program: &[Instruction],
    data: &SeccompData,
    step: &mut dyn FnMut(usize),
) -> Result<(u32, usize), SimError> {
    let bytes = data.to_bytes();
    let little = data.arch & AUDIT_ARCH_LE != 0;
    let word = |pc: usize, offset: u32| -> Result<u32, SimError> {
        let at = offset as usize;
        match bytes.get(at..at + 4) {
            Some(raw) if offset.is_multiple_of(4) => {
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
    let mut executed = 0;
    // Jumps only go forward, so the loop ends within `program.len()` steps.
    while let Some(&Instruction { code, jt, jf, k }) = program.get(pc) {
        step(pc);
        let next = pc + 1;
        pc = next;
        executed += 1;
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
            RET_K => return Ok((k, executed)),
            RET_A => return Ok((a, executed)),
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
                            None => return Ok((0, executed)),
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
pub(super) fn verify(program: &[Instruction]) -> Result<(), SimError> {
    let len = program.len();
    if len == 0 || len > Program::MAX_LEN {
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
