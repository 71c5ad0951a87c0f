//! Which syscall names the installed libseccomp resolves. runc and crun add a profile's
//! rules by name with the libseccomp they are linked with, and silently ignore a name it
//! cannot resolve; under an allow default runc's ENOSYS stub is off, so a denied syscall
//! newer than that libseccomp simply runs. The runtime's libseccomp is on another machine,
//! often linked statically (`runc --version` prints it): this tool can only ask the one
//! installed here, and says which one it asked.

use std::str::FromStr;

use libseccomp::{ScmpArch, ScmpSyscall, ScmpVersion};
use seccomp_runtime::Abi;

use super::arch;

/// Whether the installed libseccomp resolves `name` on `abi`: a syscall number, or one of
/// the pseudo numbers of a call behind `socketcall` or `ipc` (-100 - call, -200 - call),
/// which libseccomp adds as the multiplexed call. An ABI libseccomp has no name for
/// resolves nothing.
pub fn knows(abi: Abi, name: &str) -> bool {
    let Some(scmp) =
        arch::to_oci(abi).and_then(|oci| ScmpArch::from_str(&arch::oci_name(oci)).ok())
    else {
        return false;
    };
    ScmpSyscall::from_name_by_arch(name, scmp)
        .is_ok_and(|nr| matches!(nr.as_raw_syscall(), 0.. | -299..=-100))
}

/// The installed libseccomp's version, as `2.5.4`.
pub fn version() -> String {
    match ScmpVersion::current() {
        Ok(v) => format!("{}.{}.{}", v.major, v.minor, v.micro),
        Err(_) => "(version unknown)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_names_resolve_and_unknown_ones_do_not() {
        assert!(knows(Abi::X86_64, "read"));
        // socket on x86 is also reached through socketcall: a pseudo number, still added.
        assert!(knows(Abi::X86, "socket"));
        assert!(!knows(Abi::X86_64, "no_such_call"));
        assert!(version().starts_with(|c: char| c.is_ascii_digit()));
    }
}
