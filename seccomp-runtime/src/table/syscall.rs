//! Syscall names and numbers, from the project's own syscall table.
//!
//! The table is the kernel's (see [`SYSCALL_TABLE_KERNEL`](crate::SYSCALL_TABLE_KERNEL)),
//! not the installed libseccomp's, so names newer than libseccomp (`mseal`, `listmount`,
//! ...) exist, and the macro's checks need no C library.

use std::sync::OnceLock;

use crate::util::hash::FastMap;

use crate::model::abi::Abi;
use crate::table::multiplexed_calls;

/// The number libseccomp wants in a rule for `name`: the *native* number, or a negative
/// pseudo number for a syscall the native ABI lacks. libseccomp translates it by name to
/// each ABI in the filter, so a number resolved for another ABI would name another syscall.
#[cfg(feature = "libseccomp")]
pub(crate) fn native_number(
    name: &str,
) -> Result<libseccomp::ScmpSyscall, libseccomp::error::SeccompError> {
    libseccomp::ScmpSyscall::from_name(name)
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
/// assert_eq!(syscall_number(Abi::X86_64, "mseal"), Some(462));
/// assert_eq!(syscall_number(Abi::X86_64, "socketcall"), None);
/// ```
pub fn syscall_number(abi: Abi, name: &str) -> Option<i32> {
    let nr = abi.syscalls().number(name)?;
    abi.syscall_base().checked_add(i32::try_from(nr).ok()?)
}

/// Whether `abi` has syscall `name`, directly or through a multiplexer.
///
/// ```
/// use seccomp_runtime::{syscall_exists, Abi};
/// assert!(syscall_exists(Abi::X86_64, "mseal"));
/// assert!(syscall_exists(Abi::X86, "recv"), "through socketcall");
/// assert!(!syscall_exists(Abi::X86_64, "recv"));
/// ```
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

/// Whether the kernel runs `name` on `abi` without asking any filter: since Linux 6.14
/// (`uretprobe`) and 6.16 (`uprobe`), `__secure_computing` lets these two through on the
/// kernel's native ABI before the first filter runs, because they are only made by the
/// kernel's own uprobe trampolines and a filter that stops them crashes the traced
/// process. No rule can change what they do; on x86_64 only (the only ABI with them).
pub(crate) fn kernel_exempt(abi: Abi, name: &str) -> bool {
    abi == Abi::X86_64 && matches!(name, "uretprobe" | "uprobe")
}

/// How `abi` has `name`. On an ABI with `socketcall` and `ipc`, every socket and IPC call
/// is multiplexed, whether or not it also has a number of its own, as libseccomp sees it.
pub(crate) fn presence(abi: Abi, name: &str) -> Presence {
    index(abi).get(name).copied().unwrap_or(Presence::Absent)
}

/// Each ABI's names with how the ABI has them, built on first use: the checks and the build
/// ask for every name of every rule on every ABI, and a hash look-up is several times
/// cheaper than a binary search over the names (and a scan of the multiplexed calls).
fn index(abi: Abi) -> &'static NameIndex {
    static INDEXES: [OnceLock<NameIndex>; Abi::ALL.len()] =
        [const { OnceLock::new() }; Abi::ALL.len()];
    let slot = Abi::ALL.iter().position(|&a| a == abi).unwrap_or_default();
    INDEXES[slot].get_or_init(|| {
        let mut index = NameIndex::default();
        for name in abi.syscalls().names() {
            index.insert(name, Presence::Direct);
        }
        if abi.multiplexed() {
            for (name, via, call) in multiplexed_calls() {
                index.insert(name, Presence::Multiplexed { via, call });
            }
        }
        index
    })
}

type NameIndex = FastMap<&'static str, Presence>;

/// The name of syscall `nr` on `abi` (x32 numbers carry `0x40000000`, mips ones their
/// 4000/5000/6000), if the table has one.
///
/// ```
/// use seccomp_runtime::{syscall_name, Abi};
/// assert_eq!(syscall_name(Abi::X86_64, 462), Some("mseal"));
/// assert_eq!(syscall_name(Abi::Mips, 4020), Some("getpid"));
/// assert_eq!(syscall_name(Abi::Mips, 20), None);
/// ```
pub fn syscall_name(abi: Abi, nr: i32) -> Option<&'static str> {
    let nr = nr.checked_sub(abi.syscall_base())?;
    abi.syscalls().name(u32::try_from(nr).ok()?)
}

/// Every syscall name of `abi` that has a number of its own, sorted. Calls that the ABI
/// reaches only through a multiplexer (`recv` on x86) are not listed.
pub fn syscall_names(abi: Abi) -> Vec<&'static str> {
    abi.syscalls().names().collect()
}

/// Every syscall number of `abi` the table knows, sorted: what is not among them (holes,
/// numbers past the last syscall) is a syscall newer than the table, or none at all.
///
/// ```
/// use seccomp_runtime::{syscall_numbers, Abi};
/// let numbers: Vec<i32> = syscall_numbers(Abi::X86_64).collect();
/// assert_eq!(numbers[0], 0);
/// assert!(numbers.contains(&462));
/// assert!(!numbers.contains(&400), "a hole");
/// ```
pub fn syscall_numbers(abi: Abi) -> impl Iterator<Item = i32> + 'static {
    let base = abi.syscall_base();
    abi.syscalls()
        .numbers()
        .filter_map(move |nr| base.checked_add(i32::try_from(nr).ok()?))
}

/// The syscall name on `abi` nearest to `name`, for "did you mean" messages.
pub fn nearest_syscall(abi: Abi, name: &str) -> Option<&'static str> {
    crate::util::suggest::nearest(name, abi.syscalls().names())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_per_abi() {
        let x86 = syscall_names(Abi::X86);
        assert!(x86.contains(&"socketcall"));
        assert!(x86.contains(&"break"));
        assert!(!syscall_names(Abi::X86_64).contains(&"socketcall"));
        assert!(syscall_names(Abi::X32).contains(&"openat"));
        assert!(syscall_names(Abi::Mips64N32).contains(&"openat"));
        assert_eq!(nearest_syscall(Abi::X86_64, "opnat"), Some("openat"));
    }

    #[test]
    fn newer_than_libseccomp_2_5() {
        for abi in [Abi::X86_64, Abi::X86, Abi::Aarch64] {
            for name in [
                "mseal",
                "listmount",
                "statmount",
                "lsm_get_self_attr",
                "setxattrat",
            ] {
                assert!(syscall_exists(abi, name), "{abi} {name}");
            }
        }
        assert_eq!(syscall_number(Abi::X86, "mseal"), Some(462));
        assert_eq!(syscall_number(Abi::X32, "mseal"), Some(0x4000_0000 | 462));
    }

    #[test]
    fn numbers_round_trip() {
        for abi in Abi::ALL {
            for name in syscall_names(abi) {
                let nr = syscall_number(abi, name).unwrap();
                assert!(syscall_numbers(abi).any(|n| n == nr), "{abi} {name}");
                let back = syscall_name(abi, nr).unwrap();
                assert_eq!(syscall_number(abi, back), Some(nr), "{abi} {name}");
            }
        }
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
        assert_eq!(
            presence(Abi::S390X, "shmctl"),
            Presence::Multiplexed {
                via: "ipc",
                call: 24
            }
        );
    }
}
