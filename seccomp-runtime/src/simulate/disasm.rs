//! Classic BPF instructions as text, for people reading a filter (`seccomp-dsl explain`).

use crate::bpf::opcodes::*;
use crate::bpf::program::Instruction;
use crate::model::abi::Endian;
use crate::model::action::Action;

impl Instruction {
    /// The instruction as text, jumps resolved to the absolute index of their target
    /// (`pc` is this instruction's index), loads from `struct seccomp_data` named by field
    /// (`arg1.lo` is the low 32 bits of `arg1` in a program for ABIs of byte order
    /// `endian`): `ld [arch]`, `jeq #0xc000003e, 3, 7`, `ld [arg1.lo]`, `ret allow`, ...
    ///
    /// ```
    /// use seccomp_runtime::{Endian, Instruction};
    /// let little = Endian::Little;
    /// let load = Instruction { code: 0x20, jt: 0, jf: 0, k: 0 };
    /// assert_eq!(load.text(0, little), "ld [nr]");
    /// let high = Instruction { code: 0x20, jt: 0, jf: 0, k: 28 };
    /// assert_eq!(high.text(1, little), "ld [arg1.hi]");
    /// assert_eq!(high.text(1, Endian::Big), "ld [arg1.lo]");
    /// let jump = Instruction { code: 0x15, jt: 0, jf: 2, k: 59 };
    /// assert_eq!(jump.text(4, little), "jeq #59, 5, 7");
    /// let ret = Instruction { code: 0x06, jt: 0, jf: 0, k: 0x0005_0001 };
    /// assert_eq!(ret.text(9, little), "ret errno(EPERM)");
    /// ```
    pub fn text(&self, pc: usize, endian: Endian) -> String {
        let Instruction { code, jt, jf, k } = *self;
        let next = pc + 1;
        match code {
            LD_W_ABS => format!("ld [{}]", field(k, endian)),
            LD_W_LEN => "ld #len".to_owned(),
            LDX_W_LEN => "ldx #len".to_owned(),
            LD_IMM => format!("ld #{k:#x}"),
            LDX_IMM => format!("ldx #{k:#x}"),
            LD_MEM => format!("ld M[{k}]"),
            LDX_MEM => format!("ldx M[{k}]"),
            ST => format!("st M[{k}]"),
            STX => format!("stx M[{k}]"),
            TAX => "tax".to_owned(),
            TXA => "txa".to_owned(),
            RET_K => format!("ret {}", Action::from_return_value(k)),
            RET_A => "ret a".to_owned(),
            JA => format!("ja {}", next + k as usize),
            _ => {
                if let Some((op, x)) = is_alu(code) {
                    let name = match op {
                        ALU_ADD => "add",
                        ALU_SUB => "sub",
                        ALU_MUL => "mul",
                        ALU_DIV => "div",
                        ALU_OR => "or",
                        ALU_AND => "and",
                        ALU_LSH => "lsh",
                        ALU_RSH => "rsh",
                        ALU_XOR => "xor",
                        _ => return "neg".to_owned(),
                    };
                    match x {
                        true => format!("{name} x"),
                        false => format!("{name} #{}", number(k)),
                    }
                } else if let Some((op, x)) = is_cond_jump(code) {
                    let name = match op {
                        JMP_JEQ => "jeq",
                        JMP_JGT => "jgt",
                        JMP_JGE => "jge",
                        _ => "jset",
                    };
                    let operand = match x {
                        true => "x".to_owned(),
                        false => format!("#{}", number(k)),
                    };
                    let (yes, no) = (next + usize::from(jt), next + usize::from(jf));
                    format!("{name} {operand}, {yes}, {no}")
                } else {
                    format!("unknown opcode {code:#06x} (k {k:#x})")
                }
            }
        }
    }
}

/// Small numbers in decimal, others in hex.
fn number(k: u32) -> String {
    match k < 4096 {
        true => k.to_string(),
        false => format!("{k:#x}"),
    }
}

/// The field of `struct seccomp_data` at byte offset `k`: `ip` and the arguments are 64-bit
/// values, read as two 32-bit words in the ABI's byte order.
fn field(k: u32, endian: Endian) -> String {
    let half = |second_word: bool| match (second_word, endian) {
        (false, Endian::Little) | (true, Endian::Big) => "lo",
        _ => "hi",
    };
    match k {
        0 => "nr".to_owned(),
        4 => "arch".to_owned(),
        8 | 12 => format!("ip.{}", half(k == 12)),
        16..=63 if k.is_multiple_of(4) => {
            format!("arg{}.{}", (k - 16) / 8, half((k - 16) % 8 == 4))
        }
        _ => k.to_string(),
    }
}
