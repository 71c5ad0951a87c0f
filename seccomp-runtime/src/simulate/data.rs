//! What a filter reads: the kernel's `struct seccomp_data`.

use crate::model::abi::Abi;

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
pub(super) const DATA_SIZE: u32 = 64;

/// `__AUDIT_ARCH_LE`: the ABI is little-endian.
pub(super) const AUDIT_ARCH_LE: u32 = 0x4000_0000;

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
        let nr = crate::table::syscall::syscall_number(abi, name)?;
        Some(SeccompData::new(abi, nr, abi.as_passed(args)))
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
