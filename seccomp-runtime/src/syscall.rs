//! Syscall names, resolved the way libseccomp expects them.

use libseccomp::ScmpSyscall;

use crate::Abi;

/// The number libseccomp wants in a rule for `name`: the *native* number, or a negative
/// pseudo number for a syscall the native ABI lacks. libseccomp translates it by name to
/// each ABI in the filter, so a number resolved for another ABI would name another syscall.
pub(crate) fn native_number(name: &str) -> Result<ScmpSyscall, libseccomp::error::SeccompError> {
    ScmpSyscall::from_name(name)
}

/// The number of `name` on `abi`, or `None` if the ABI has no syscall of that number.
///
/// A syscall that an ABI reaches only through `socketcall` or `ipc` (`recv` on x86) has no
/// number of its own; see [`multiplexer`].
///
/// ```
/// use seccomp_runtime::{syscall_number, Abi};
/// assert_eq!(syscall_number(Abi::X86, "getpid"), Some(20));
/// assert_eq!(syscall_number(Abi::X86, "socket"), Some(359));
/// assert_eq!(syscall_number(Abi::X32, "getpid"), Some(0x4000_0000 | 39));
/// assert_eq!(syscall_number(Abi::X86_64, "socketcall"), None);
/// ```
pub fn syscall_number(abi: Abi, name: &str) -> Option<i32> {
    match resolve(abi, name)? {
        nr if nr >= 0 => Some(nr),
        // Multiplexed syscalls resolve to a pseudo number; find the direct one, if any.
        _ if multiplexer(abi, name).is_some() => {
            number_range(abi).find(|&nr| syscall_name(abi, nr).as_deref() == Some(name))
        }
        _ => None,
    }
}

/// Whether `abi` has syscall `name`, directly or through a multiplexer.
pub fn syscall_exists(abi: Abi, name: &str) -> bool {
    presence(abi, name) != Presence::Absent
}

/// The multiplexing syscall (`"socketcall"` or `"ipc"`) through which `abi` also reaches
/// `name`, if any: on x86, `socket` is both a syscall and `socketcall(SYS_SOCKET, ...)`.
///
/// A filter cannot check the arguments of a multiplexed call (they are behind a pointer),
/// so libseccomp cannot add a rule with conditions for such a syscall exactly.
pub fn multiplexer(abi: Abi, name: &str) -> Option<&'static str> {
    match presence(abi, name) {
        Presence::Multiplexed { via, .. } => Some(via),
        _ => None,
    }
}

/// How an ABI has a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Not at all.
    Absent,
    /// As a syscall of its own only.
    Direct,
    /// Through a multiplexer (and maybe also as a syscall of its own).
    Multiplexed {
        /// `"socketcall"` or `"ipc"`.
        via: &'static str,
        /// The multiplexer's `arg0` that selects the syscall (`SYS_SOCKET` is 1).
        call: u64,
    },
}

/// How `abi` has `name`, from one libseccomp lookup (two for a multiplexed name).
pub(crate) fn presence(abi: Abi, name: &str) -> Presence {
    // libseccomp's pseudo numbers: -100 - call for socketcall's calls, -200 - call for
    // ipc's, and -10000 and below for a name the ABI lacks altogether.
    let (via, call) = match resolve(abi, name) {
        None => return Presence::Absent,
        Some(nr) if nr >= 0 => return Presence::Direct,
        Some(nr @ -199..=-100) => ("socketcall", -100 - nr),
        Some(nr @ -299..=-200) => ("ipc", -200 - nr),
        Some(_) => return Presence::Absent,
    };
    if resolve(abi, via).is_some_and(|nr| nr >= 0) {
        Presence::Multiplexed {
            via,
            call: call.unsigned_abs().into(),
        }
    } else {
        Presence::Absent
    }
}

/// libseccomp's number for `name` on `abi`: negative pseudo numbers included.
fn resolve(abi: Abi, name: &str) -> Option<i32> {
    ScmpSyscall::from_name_by_arch(name, abi.to_scmp())
        .ok()
        .map(i32::from)
}

/// The name of syscall `nr` on `abi`, if libseccomp knows one.
pub fn syscall_name(abi: Abi, nr: i32) -> Option<String> {
    ScmpSyscall::from(nr).get_name_by_arch(abi.to_scmp()).ok()
}

/// Every syscall name libseccomp knows for `abi`.
///
/// libseccomp 2.5 has no call that lists them, so this walks the ABI's number range.
pub fn syscall_names(abi: Abi) -> Vec<String> {
    let mut names: Vec<String> = number_range(abi)
        .filter_map(|nr| syscall_name(abi, nr))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Every number a syscall of `abi` may have.
fn number_range(abi: Abi) -> impl Iterator<Item = i32> {
    let base: i32 = match abi {
        Abi::X32 => 0x4000_0000,
        Abi::Mips | Abi::Mipsel => 4000,
        Abi::Mips64 | Abi::Mipsel64 => 5000,
        Abi::Mips64N32 | Abi::Mipsel64N32 => 6000,
        _ => 0,
    };
    // ARM's private syscalls (`cacheflush`, `set_tls`, ...) live at 0x0f0000.
    let private = if abi == Abi::Arm {
        0x0f_0000..0x0f_0010
    } else {
        0..0
    };
    (base..base + 1024).chain(private)
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
        assert_eq!(
            nearest_syscall(Abi::X86_64, "opnat").as_deref(),
            Some("openat")
        );
    }

    #[test]
    fn multiplexed_syscalls() {
        assert_eq!(multiplexer(Abi::X86, "socket"), Some("socketcall"));
        assert_eq!(multiplexer(Abi::X86, "semop"), Some("ipc"));
        assert_eq!(multiplexer(Abi::X86_64, "socket"), None);
        assert_eq!(multiplexer(Abi::X86_64, "recv"), None);
        assert!(syscall_exists(Abi::X86, "recv"));
        assert_eq!(syscall_number(Abi::X86, "recv"), None);
        assert!(!syscall_exists(Abi::X86_64, "recv"));
        assert!(!syscall_exists(Abi::X86_64, "socketcall"));
    }
}
