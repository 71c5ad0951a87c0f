//! Classic BPF as the kernel runs it for seccomp: the load-time checks and the
//! interpreter.

use super::data::{AUDIT_ARCH_LE, DATA_SIZE};
use super::{SeccompData, SimError};
use crate::bpf::opcodes::*;
use crate::bpf::program::{Instruction, Program};

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
