//! Seccomp's classic BPF: its vocabulary (opcodes, return values, the encoding of an
//! action), a program with its install flags, the prefix placed in front of a program, and
//! installing a program with raw syscalls. The generator's output, the prefix, the
//! simulator and the notify hand-off all speak this vocabulary.

mod install;
pub(crate) mod opcodes;
pub(crate) mod prefix;
pub(crate) mod program;
pub(crate) mod ret;
