//! Classic BPF opcodes (<linux/bpf_common.h>, <linux/filter.h>), as seccomp allows them:
//! the vocabulary of the generator, the prefix, the hand-off exemption and the simulator.

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

pub(crate) fn is_alu(code: u16) -> Option<(u16, bool)> {
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

pub(crate) fn is_cond_jump(code: u16) -> Option<(u16, bool)> {
    if code & 0x07 != CLASS_JMP || code & !(0xf0 | SRC_X | 0x07) != 0 {
        return None;
    }
    let op = code & 0xf0;
    matches!(op, JMP_JEQ | JMP_JGT | JMP_JGE | JMP_JSET).then_some((op, code & SRC_X != 0))
}
