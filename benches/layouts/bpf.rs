//! What the kernel's action cache makes of a BPF program. (Running one on a syscall is the
//! runtime's simulator: `Program::executed`.)

use seccomp_dsl::Instruction;

/// `SECCOMP_RET_ALLOW`.
pub const RET_ALLOW: u32 = 0x7fff_0000;

// The classic BPF opcodes `seccomp_is_const_allow()` follows.
const LD_W_ABS: u16 = 0x20;
const ALU_AND_K: u16 = 0x54;
const JA: u16 = 0x05;
const JEQ_K: u16 = 0x15;
const JGT_K: u16 = 0x25;
const JGE_K: u16 = 0x35;
const JSET_K: u16 = 0x45;
const RET_K: u16 = 0x06;

/// Whether the kernel's action cache (5.11+) would let syscall `nr` of `arch` skip this
/// program: only if the program, with the arguments unknown, can only return ALLOW. This
/// is `seccomp_is_const_allow()` of `kernel/seccomp.c`, instruction for instruction.
pub fn const_allow(program: &[Instruction], arch: u32, nr: u32) -> bool {
    let mut a = 0u32;
    let mut pc = 0usize;
    while let Some(insn) = program.get(pc) {
        pc += 1;
        let k = insn.k;
        let jump = |taken: bool| {
            if taken {
                usize::from(insn.jt)
            } else {
                usize::from(insn.jf)
            }
        };
        match insn.code {
            LD_W_ABS => match k {
                0 => a = nr,
                4 => a = arch,
                _ => return false,
            },
            RET_K => return k == RET_ALLOW,
            JA => pc += k as usize,
            JEQ_K => pc += jump(a == k),
            JGE_K => pc += jump(a >= k),
            JGT_K => pc += jump(a > k),
            JSET_K => pc += jump(a & k != 0),
            ALU_AND_K => a &= k,
            _ => return false,
        }
    }
    false
}
