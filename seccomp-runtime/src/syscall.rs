//! Syscall names, resolved the way libseccomp expects them.

use libseccomp::{ScmpArch, ScmpSyscall};

use crate::Abi;

/// The number libseccomp wants in a rule for `name`: the *native* number, or a negative
/// pseudo number for a syscall the native ABI lacks. libseccomp translates it by name to
/// each ABI in the filter, so a number resolved for another ABI would name another syscall.
pub(crate) fn native_number(name: &str) -> Result<ScmpSyscall, libseccomp::error::SeccompError> {
    ScmpSyscall::from_name(name)
}

/// The number of `name` on `abi`, or `None` if the ABI has no such syscall.
///
/// ```
/// use seccomp_runtime::{syscall_number, Abi};
/// assert_eq!(syscall_number(Abi::X86, "getpid"), Some(20));
/// assert_eq!(syscall_number(Abi::X32, "getpid"), Some(0x4000_0000 | 39));
/// assert_eq!(syscall_number(Abi::X86_64, "socketcall"), None);
/// ```
pub fn syscall_number(abi: Abi, name: &str) -> Option<i32> {
    // libseccomp answers a negative pseudo number, not an error, for a name that the ABI
    // lacks but some other ABI has.
    ScmpSyscall::from_name_by_arch(name, abi.to_scmp())
        .ok()
        .map(i32::from)
        .filter(|&nr| nr >= 0)
}

/// The name of syscall `nr` on `abi`, if libseccomp knows one.
pub fn syscall_name(abi: Abi, nr: i32) -> Option<String> {
    ScmpSyscall::from(nr).get_name_by_arch(abi.to_scmp()).ok()
}

/// Every syscall name libseccomp knows for `abi`.
///
/// libseccomp 2.5 has no call that lists them, so this walks the ABI's number range.
pub fn syscall_names(abi: Abi) -> Vec<String> {
    let scmp = abi.to_scmp();
    let base: i32 = match abi {
        Abi::X32 => 0x4000_0000,
        Abi::Mips | Abi::Mipsel => 4000,
        Abi::Mips64 | Abi::Mipsel64 => 5000,
        Abi::Mips64N32 | Abi::Mipsel64N32 => 6000,
        _ => 0,
    };
    // ARM's private syscalls (`cacheflush`, `set_tls`, ...) live at 0x0f0000.
    let private = if scmp == ScmpArch::Arm { 0x0f_0000..0x0f_0010 } else { 0..0 };
    let mut names: Vec<String> = (base..base + 1024)
        .chain(private)
        .filter_map(|nr| syscall_name(abi, nr))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The syscall name on `abi` nearest to `name`, for "did you mean" messages.
pub fn nearest_syscall(abi: Abi, name: &str) -> Option<String> {
    let names = syscall_names(abi);
    crate::suggest::nearest(name, names.iter().map(String::as_str)).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_per_abi() {
        let x86 = syscall_names(Abi::X86);
        assert!(x86.iter().any(|n| n == "socketcall"));
        assert!(x86.iter().any(|n| n == "break"));
        let x86_64 = syscall_names(Abi::X86_64);
        assert!(!x86_64.iter().any(|n| n == "socketcall"));
        assert!(syscall_names(Abi::X32).iter().any(|n| n == "openat"));
        assert!(syscall_names(Abi::Mips64N32).iter().any(|n| n == "openat"));
        assert_eq!(nearest_syscall(Abi::X86_64, "opnat").as_deref(), Some("openat"));
    }
}
