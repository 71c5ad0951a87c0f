//! ABIs as OCI profiles name them (`SCMP_ARCH_X86_64`) and as Docker's `includes.arches`
//! names the machine (`amd64`).

use oci_spec::runtime::Arch;
use seccomp_runtime::Abi;

/// Each ABI with its `SCMP_ARCH_*` value and the name Docker gives a machine whose native
/// ABI it is (moby/profiles `seccomp/seccomp_linux.go`, `goToNative`).
const ARCHES: &[(Abi, Arch, &str)] = &[
    (Abi::X86, Arch::ScmpArchX86, "x86"),
    (Abi::X86_64, Arch::ScmpArchX86_64, "amd64"),
    (Abi::X32, Arch::ScmpArchX32, "x32"),
    (Abi::Arm, Arch::ScmpArchArm, "arm"),
    (Abi::Aarch64, Arch::ScmpArchAarch64, "arm64"),
    (Abi::Mips, Arch::ScmpArchMips, "mips"),
    (Abi::Mipsel, Arch::ScmpArchMipsel, "mipsel"),
    (Abi::Mips64, Arch::ScmpArchMips64, "mips64"),
    (Abi::Mipsel64, Arch::ScmpArchMipsel64, "mipsel64"),
    (Abi::Mips64N32, Arch::ScmpArchMips64n32, "mips64n32"),
    (Abi::Mipsel64N32, Arch::ScmpArchMipsel64n32, "mipsel64n32"),
    (Abi::Ppc, Arch::ScmpArchPpc, "ppc"),
    (Abi::Ppc64, Arch::ScmpArchPpc64, "ppc64"),
    (Abi::Ppc64Le, Arch::ScmpArchPpc64le, "ppc64le"),
    (Abi::S390, Arch::ScmpArchS390, "s390"),
    (Abi::S390X, Arch::ScmpArchS390x, "s390x"),
    (Abi::Parisc, Arch::ScmpArchParisc, "parisc"),
    (Abi::Parisc64, Arch::ScmpArchParisc64, "parisc64"),
    (Abi::Riscv64, Arch::ScmpArchRiscv64, "riscv64"),
];

/// The `SCMP_ARCH_*` value of `abi`, if OCI has one.
pub fn to_oci(abi: Abi) -> Option<Arch> {
    ARCHES.iter().find(|row| row.0 == abi).map(|row| row.1)
}

/// The ABI of an `SCMP_ARCH_*` value; `SCMP_ARCH_NATIVE` is the native ABI of the machine
/// this tool was built for. `None` for architectures the syscall table does not cover
/// (loongarch64, m68k, sh).
pub fn from_oci(arch: Arch) -> Option<Abi> {
    if arch == Arch::ScmpArchNative {
        return Abi::native();
    }
    ARCHES.iter().find(|row| row.1 == arch).map(|row| row.0)
}

/// `SCMP_ARCH_X86_64`, as the JSON spells it.
pub fn oci_name(arch: Arch) -> String {
    serde_json::to_value(arch)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{arch:?}"))
}

/// The native ABI of the 64-bit machine that runs `abi` (x86_64 for x86 and x32, aarch64
/// for arm, ...): runc and crun apply every profile to the native ABI too, listed or not.
pub fn machine_native(abi: Abi) -> Abi {
    match abi {
        Abi::X86 | Abi::X32 => Abi::X86_64,
        Abi::Arm => Abi::Aarch64,
        Abi::Mips | Abi::Mips64N32 => Abi::Mips64,
        Abi::Mipsel | Abi::Mipsel64N32 => Abi::Mipsel64,
        Abi::Ppc => Abi::Ppc64,
        Abi::S390 => Abi::S390X,
        Abi::Parisc => Abi::Parisc64,
        other => other,
    }
}

/// Docker's name for a machine whose native ABI is `abi` (`amd64` for x86_64).
pub fn docker_name(abi: Abi) -> Option<&'static str> {
    ARCHES.iter().find(|row| row.0 == abi).map(|row| row.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_abi_has_an_oci_name() {
        for abi in Abi::ALL {
            let arch = to_oci(abi).unwrap();
            assert_eq!(from_oci(arch), Some(abi));
            assert!(oci_name(arch).starts_with("SCMP_ARCH_"), "{abi}");
        }
        assert_eq!(oci_name(Arch::ScmpArchX86_64), "SCMP_ARCH_X86_64");
        assert_eq!(from_oci(Arch::ScmpArchLoongarch64), None);
        assert_eq!(docker_name(Abi::X86_64), Some("amd64"));
        for abi in Abi::ALL {
            let native = machine_native(abi);
            assert_eq!(machine_native(native), native, "{abi}");
            assert_eq!(native.endian(), abi.endian(), "{abi}");
        }
    }
}
