//! A generated BPF program: its instructions, byte order and install flags.
//!
//! libseccomp's own load regenerates the program on every call and allocates, so it is
//! neither cheap nor safe between `fork` and `exec` in a threaded program. A [`Program`] is
//! generated once and installed with `prctl` and `seccomp` alone (see `install.rs`).

use std::sync::Arc;

use crate::error::{Error, Result};

use crate::model::abi::{Abi, Endian};

use crate::model::action::Action;

use crate::model::policy::Attributes;

/// One classic BPF instruction, as the kernel's `struct sock_filter` lays it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Instruction {
    /// Operation code.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Operand.
    pub k: u32,
}

/// Size of one [`Instruction`] in bytes.
const INSTRUCTION_SIZE: usize = std::mem::size_of::<Instruction>();

/// A seccomp BPF program with the flags it is installed with; cheap to clone and to
/// install again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub(super) instructions: Arc<[Instruction]>,
    /// The byte order of the program's ABIs, which libseccomp exports it in.
    pub(super) endian: Endian,
    pub(super) no_new_privs: bool,
    pub(super) flags: libc::c_ulong,
    /// This machine's ABI and the action its syscalls would get, when the program has no
    /// section for that ABI and the action stops them: installing it here would be fatal.
    pub(super) stranded: Option<(Abi, Action)>,
}

impl Program {
    /// The most instructions the kernel takes in one filter (`BPF_MAXINSNS`).
    pub const MAX_LEN: usize = 4096;

    /// A program from BPF bytes as `seccomp_export_bpf` writes them (in the byte order of
    /// the program's ABIs, `endian`), to be installed with `attributes`' flags; `None` if
    /// the bytes are not whole instructions.
    pub fn from_bytes(bytes: &[u8], endian: Endian, attributes: Attributes) -> Option<Program> {
        if !bytes.len().is_multiple_of(INSTRUCTION_SIZE) {
            return None;
        }
        let instructions: Vec<Instruction> = bytes
            .chunks_exact(INSTRUCTION_SIZE)
            .map(|raw| {
                let code = [raw[0], raw[1]];
                let k = [raw[4], raw[5], raw[6], raw[7]];
                let (code, k) = match endian {
                    Endian::Little => (u16::from_le_bytes(code), u32::from_le_bytes(k)),
                    Endian::Big => (u16::from_be_bytes(code), u32::from_be_bytes(k)),
                };
                Instruction {
                    code,
                    jt: raw[2],
                    jf: raw[3],
                    k,
                }
            })
            .collect();
        Some(Program::with_endian(&instructions, endian, attributes))
    }

    /// A program made of `instructions`, for this machine, installed with `attributes`'
    /// flags: for tools and tests that build or alter BPF by hand. Nothing checks it until
    /// it is simulated, [verified](Program::verify) or installed.
    pub fn from_instructions(instructions: &[Instruction], attributes: Attributes) -> Program {
        Program::with_endian(instructions, Endian::HOST, attributes)
    }

    pub(crate) fn with_endian(
        instructions: &[Instruction],
        endian: Endian,
        attributes: Attributes,
    ) -> Program {
        let mut flags = 0;
        if attributes.tsync {
            flags |= libc::SECCOMP_FILTER_FLAG_TSYNC;
        }
        if attributes.log {
            flags |= libc::SECCOMP_FILTER_FLAG_LOG;
        }
        if attributes.ssb {
            flags |= libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        }
        Program {
            instructions: instructions.into(),
            endian,
            no_new_privs: attributes.no_new_privs,
            flags,
            stranded: None,
        }
    }

    /// This program with `prefix` run first, falling through to the program: the length
    /// is checked when it is installed.
    pub(crate) fn prepend(&self, prefix: Vec<Instruction>) -> Program {
        if prefix.is_empty() {
            return self.clone();
        }
        let mut instructions = prefix;
        instructions.extend_from_slice(&self.instructions);
        Program {
            instructions: instructions.into(),
            ..self.clone()
        }
    }

    /// Refuse a program the kernel would refuse for its length, with a message that says
    /// what to do; allocates nothing, so that it can run between `fork` and `exec`.
    pub(super) fn check_length(&self) -> Result<()> {
        match self.instructions.len() {
            len if len > Program::MAX_LEN => Err(Error::TooLong {
                instructions: len,
                limit: Program::MAX_LEN,
            }),
            _ => Ok(()),
        }
    }

    /// Refuse to install where the native ABI is not among `abis` and `bad_arch_action` stops
    /// its syscalls: every syscall after the install, `exit` and `execve` included, would get
    /// that action.
    pub(crate) fn for_abis(mut self, abis: &[Abi], bad_arch_action: Action) -> Program {
        self.stranded = Program::stranded(abis, bad_arch_action);
        self
    }

    /// This machine's ABI and `bad_arch_action`, if a program for `abis` alone would stop
    /// this process's every syscall.
    pub(crate) fn stranded(abis: &[Abi], bad_arch_action: Action) -> Option<(Abi, Action)> {
        let stops = !matches!(bad_arch_action, Action::Allow | Action::Log);
        Abi::native()
            .filter(|native| stops && !abis.contains(native))
            .map(|native| (native, bad_arch_action))
    }

    /// The instructions.
    pub fn instructions(&self) -> &[Instruction] {
        &self.instructions
    }

    /// The byte order of the program's ABIs; a program is only meant for a kernel of that
    /// byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The program as the bytes the kernel reads, in the program's byte order, as
    /// `seccomp_export_bpf` writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.instructions.len() * INSTRUCTION_SIZE);
        for i in self.instructions.iter() {
            let (code, k) = match self.endian {
                Endian::Little => (i.code.to_le_bytes(), i.k.to_le_bytes()),
                Endian::Big => (i.code.to_be_bytes(), i.k.to_be_bytes()),
            };
            bytes.extend_from_slice(&code);
            bytes.extend_from_slice(&[i.jt, i.jf]);
            bytes.extend_from_slice(&k);
        }
        bytes
    }

    /// A program from instructions built ahead of time (what `precompiled = true;` embeds
    /// as a `static`), for a kernel of byte order `endian`, installed with `attributes`'
    /// flags. Nothing is checked here: the macro verified the program against its policy
    /// before embedding it.
    pub fn from_static(
        instructions: &'static [Instruction],
        endian: Endian,
        attributes: Attributes,
    ) -> Program {
        Program::with_endian(instructions, endian, attributes)
    }
}
