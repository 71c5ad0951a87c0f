//! runc's `ENOSYS` stub: runc puts a prefix before the filter libseccomp builds that answers
//! `ENOSYS` for every syscall numbered above the highest one the profile names on each
//! architecture (opencontainers/runc `libcontainer/seccomp/patchbpf/enosys_linux.go`), so
//! that glibc falls back from syscalls newer than the profile. It does so unless the
//! default action lets syscalls run (`SCMP_ACT_ALLOW`, `_LOG`, `_TRACE`) or
//! `defaultErrnoRet` is already `ENOSYS`.
//!
//! For a syscall the table knows, that is another action than the profile's default: the
//! import writes it as `errno(ENOSYS)` rules, and the export names each ABI's newest syscall
//! in a rule with the default action (which runc skips, but counts), so that the stub
//! leaves every syscall the table knows to the filter. A runc whose libseccomp does not know
//! that newest name counts a lower one, and answers `ENOSYS` for the syscalls newer than
//! its libseccomp: what it does for every profile.

use seccomp_runtime::{errno, syscall_names, syscall_number, Abi};

/// Whether runc prepends the stub for a profile whose default action is `allows` (lets
/// syscalls run) with `default_errno_ret`.
pub fn applies(allows: bool, default_errno_ret: Option<u32>) -> bool {
    !allows && default_errno_ret != Some(errno::ENOSYS.unsigned_abs())
}

/// The highest number any of `names` has on `abi`, as runc finds it; `None` if none of
/// them is a syscall of `abi` (runc then adds no stub for it).
pub fn highest<'a>(abi: Abi, names: impl IntoIterator<Item = &'a str>) -> Option<i32> {
    names
        .into_iter()
        .filter_map(|name| syscall_number(abi, name))
        .max()
}

/// The syscalls of `abi` numbered above `max`: the ones the stub answers.
pub fn above(abi: Abi, max: i32) -> Vec<&'static str> {
    syscall_names(abi)
        .into_iter()
        .filter(|name| syscall_number(abi, name).is_some_and(|nr| nr > max))
        .collect()
}

/// The syscall of `abi` with the highest number.
pub fn newest(abi: Abi) -> Option<&'static str> {
    syscall_names(abi)
        .into_iter()
        .max_by_key(|name| syscall_number(abi, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_answers_what_is_newer_than_the_profile() {
        assert!(applies(false, Some(1)));
        assert!(!applies(false, Some(38)));
        assert!(!applies(true, None));
        let max = highest(Abi::X86_64, ["read", "statx", "no_such"]).unwrap();
        assert_eq!(max, 332);
        let newer = above(Abi::X86_64, max);
        assert!(newer.contains(&"mseal") && !newer.contains(&"statx"));
        assert_eq!(highest(Abi::X86_64, ["socketcall"]), None);
        let newest = newest(Abi::X32).unwrap();
        assert!(above(Abi::X32, syscall_number(Abi::X32, newest).unwrap()).is_empty());
    }
}
