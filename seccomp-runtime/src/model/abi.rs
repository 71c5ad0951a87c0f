//! Application binary interfaces: the syscall conventions a kernel accepts.

use std::fmt;
use std::str::FromStr;

#[cfg(feature = "libseccomp")]
use libseccomp::ScmpArch;

use crate::table::{self, SyscallTable};

/// A syscall ABI, named as libseccomp names it.
///
/// On x86-64 a kernel may accept three ABIs at once ([`Abi::X86_64`], the 32-bit
/// [`Abi::X86`] through `int 0x80`, and [`Abi::X32`]); a policy must say what happens
/// on each of them, or the ones it leaves out get the policy's `bad_arch` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Abi {
    /// 32-bit x86 (`i386`), reachable from 64-bit processes through `int 0x80`.
    X86,
    /// 64-bit x86.
    X86_64,
    /// x32: 64-bit x86 instructions with 32-bit pointers (syscall numbers `| 0x40000000`).
    X32,
    /// 32-bit ARM (EABI).
    Arm,
    /// 64-bit ARM.
    Aarch64,
    /// 32-bit big-endian MIPS (o32).
    Mips,
    /// 32-bit little-endian MIPS (o32).
    Mipsel,
    /// 64-bit big-endian MIPS (n64).
    Mips64,
    /// 64-bit little-endian MIPS (n64).
    Mipsel64,
    /// 64-bit big-endian MIPS with 32-bit pointers (n32).
    Mips64N32,
    /// 64-bit little-endian MIPS with 32-bit pointers (n32).
    Mipsel64N32,
    /// 32-bit PowerPC.
    Ppc,
    /// 64-bit big-endian PowerPC.
    Ppc64,
    /// 64-bit little-endian PowerPC.
    Ppc64Le,
    /// 31-bit s390.
    S390,
    /// 64-bit s390x.
    S390X,
    /// 32-bit PA-RISC.
    Parisc,
    /// 64-bit PA-RISC.
    Parisc64,
    /// 64-bit RISC-V.
    Riscv64,
}

/// Byte order of an ABI; libseccomp only merges filters of one byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl Endian {
    /// The byte order of the machine this crate was compiled for.
    pub const HOST: Endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };
}

impl fmt::Display for Endian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endian::Little => "little-endian",
            Endian::Big => "big-endian",
        })
    }
}

/// One ABI's facts, one row of the table below.
struct Row {
    name: &'static str,
    variant: &'static str,
    #[cfg(feature = "libseccomp")]
    scmp: ScmpArch,
    endian: Endian,
    audit_arch: u32,
    arg_bits: u32,
    compared_bits: u32,
    syscalls: &'static SyscallTable,
    syscall_base: i32,
    multiplexed: bool,
    target_cfg: Option<&'static str>,
}

// `AUDIT_ARCH_*` flags from <linux/audit.h>: `seccomp_data.arch` is the ELF machine ORed
// with these.
const BIT64: u32 = 0x8000_0000;
const LE: u32 = 0x4000_0000;
const MIPS64_N32: u32 = 0x2000_0000;

/// The ABI table, written once. Each row gives:
///
/// - the value (whose name is also the variant's name in generated code), libseccomp's
///   name for it and libseccomp's token;
/// - the byte order, and `seccomp_data.arch`: the ELF machine and the audit flags;
/// - `args`: how wide the arguments the kernel passes are, and `compared`: how many of
///   their low bits libseccomp's filters compare;
/// - `table`: the kernel syscall table it uses, and `base`: the number its syscall numbers
///   are offset by (x32's bit, MIPS's 4000/5000/6000);
/// - `mux`: whether `socketcall` and `ipc` also reach the socket and IPC calls;
/// - the `cfg` predicate that holds when compiling for a target whose native ABI it is.
///   The predicate becomes both the string code generators use ([`Abi::target_cfg`]) and
///   the `cfg!` that [`Abi::native`] evaluates, so the two agree.
macro_rules! abi_table {
    ($(
        $abi:ident $name:literal $scmp:ident $endian:ident
        arch $machine:literal $(| $flag:ident)*
        args $args:literal compared $compared:literal
        table $table:ident base $base:literal mux $mux:literal
        $(if $cfg:meta)?;
    )*) => {
        impl Abi {
            /// Every ABI libseccomp 2.5 knows, in libseccomp's order.
            pub const ALL: [Abi; [$(stringify!($abi)),*].len()] = [$(Abi::$abi),*];

            fn row(self) -> &'static Row {
                match self {
                    $(Abi::$abi => {
                        static ROW: Row = Row {
                            name: $name,
                            variant: stringify!($abi),
                            #[cfg(feature = "libseccomp")]
                            scmp: ScmpArch::$scmp,
                            endian: Endian::$endian,
                            audit_arch: $machine $(| $flag)*,
                            arg_bits: $args,
                            compared_bits: $compared,
                            syscalls: &table::$table,
                            syscall_base: $base,
                            multiplexed: $mux,
                            target_cfg: abi_table!(@cfg $($cfg)?),
                        };
                        &ROW
                    })*
                }
            }
        }

        /// The row whose `cfg` predicate holds for the target being compiled.
        fn native_abi() -> Option<Abi> {
            $($(if cfg!($cfg) {
                return Some(Abi::$abi);
            })?)*
            None
        }
    };
    (@cfg $cfg:meta) => { Some(stringify!($cfg)) };
    (@cfg) => { None };
}

// x32 and mips n32 pass 64-bit registers, but libseccomp 2.5 compares their arguments as
// 32-bit values: hence `args 64 compared 32`.
abi_table! {
    X86 "x86" X86 Little arch 3 | LE args 32 compared 32 table X86 base 0 mux true
        if target_arch = "x86";
    X86_64 "x86_64" X8664 Little arch 62 | BIT64 | LE args 64 compared 64
        table X86_64 base 0 mux false
        if all(target_arch = "x86_64", target_pointer_width = "64");
    X32 "x32" X32 Little arch 62 | BIT64 | LE args 64 compared 32
        table X32 base 0x4000_0000 mux false
        if all(target_arch = "x86_64", target_pointer_width = "32");
    Arm "arm" Arm Little arch 40 | LE args 32 compared 32 table ARM base 0 mux false
        if all(target_arch = "arm", target_endian = "little");
    Aarch64 "aarch64" Aarch64 Little arch 183 | BIT64 | LE args 64 compared 64
        table AARCH64 base 0 mux false
        if all(target_arch = "aarch64", target_endian = "little");
    Mips "mips" Mips Big arch 8 args 32 compared 32 table MIPS_O32 base 4000 mux true
        if all(target_arch = "mips", target_endian = "big");
    Mipsel "mipsel" Mipsel Little arch 8 | LE args 32 compared 32
        table MIPS_O32 base 4000 mux true
        if all(target_arch = "mips", target_endian = "little");
    Mips64 "mips64" Mips64 Big arch 8 | BIT64 args 64 compared 64
        table MIPS_N64 base 5000 mux false
        if all(target_arch = "mips64", target_endian = "big", target_pointer_width = "64");
    Mipsel64 "mipsel64" Mipsel64 Little arch 8 | BIT64 | LE args 64 compared 64
        table MIPS_N64 base 5000 mux false
        if all(target_arch = "mips64", target_endian = "little", target_pointer_width = "64");
    Mips64N32 "mips64n32" Mips64N32 Big arch 8 | BIT64 | MIPS64_N32 args 64 compared 32
        table MIPS_N32 base 6000 mux false
        if all(target_arch = "mips64", target_endian = "big", target_pointer_width = "32");
    Mipsel64N32 "mipsel64n32" Mipsel64N32 Little arch 8 | BIT64 | LE | MIPS64_N32
        args 64 compared 32 table MIPS_N32 base 6000 mux false
        if all(target_arch = "mips64", target_endian = "little", target_pointer_width = "32");
    Ppc "ppc" Ppc Big arch 20 args 32 compared 32 table PPC base 0 mux true
        if target_arch = "powerpc";
    Ppc64 "ppc64" Ppc64 Big arch 21 | BIT64 args 64 compared 64 table PPC64 base 0 mux true
        if all(target_arch = "powerpc64", target_endian = "big");
    Ppc64Le "ppc64le" Ppc64Le Little arch 21 | BIT64 | LE args 64 compared 64
        table PPC64 base 0 mux true
        if all(target_arch = "powerpc64", target_endian = "little");
    S390 "s390" S390 Big arch 22 args 32 compared 32 table S390 base 0 mux true;
    S390X "s390x" S390X Big arch 22 | BIT64 args 64 compared 64 table S390X base 0 mux true
        if target_arch = "s390x";
    Parisc "parisc" Parisc Big arch 15 args 32 compared 32 table PARISC base 0 mux false;
    Parisc64 "parisc64" Parisc64 Big arch 15 | BIT64 args 64 compared 64
        table PARISC64 base 0 mux false;
    Riscv64 "riscv64" Riscv64 Little arch 243 | BIT64 | LE args 64 compared 64
        table RISCV64 base 0 mux false
        if target_arch = "riscv64";
}

impl Abi {
    /// libseccomp's name for the ABI (`"x86_64"`, `"x32"`, ...).
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The ABI with libseccomp's name `name`, if there is one.
    ///
    /// ```
    /// use seccomp_runtime::Abi;
    /// assert_eq!(Abi::from_name("x32"), Some(Abi::X32));
    /// assert_eq!(Abi::from_name("amd64"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Abi> {
        Abi::ALL.into_iter().find(|abi| abi.name() == name)
    }

    /// The variant's name in Rust (`"X86_64"`), for code generators that name ABIs in the
    /// code they generate.
    #[cfg_attr(not(feature = "syntax"), allow(dead_code))] // for code generation only
    pub(crate) fn variant_name(self) -> &'static str {
        self.row().variant
    }

    /// Byte order of the ABI.
    pub fn endian(self) -> Endian {
        self.row().endian
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch` for a syscall made
    /// through this ABI. x32 shares [`Abi::X86_64`]'s value (its syscall numbers carry
    /// `0x40000000` instead), so the value alone does not tell the two apart.
    ///
    /// ```
    /// use seccomp_runtime::Abi;
    /// assert_eq!(Abi::X86_64.audit_arch(), 0xc000_003e);
    /// assert_eq!(Abi::X32.audit_arch(), Abi::X86_64.audit_arch());
    /// assert_eq!(Abi::X86.audit_arch(), 0x4000_0003);
    /// ```
    pub fn audit_arch(self) -> u32 {
        self.row().audit_arch
    }

    /// How wide the syscall arguments the kernel passes through this ABI are: 32 bits on
    /// 32-bit ABIs (zero-extended in the filter's view), 64 elsewhere, x32 and mips n32
    /// included.
    pub fn arg_bits(self) -> u32 {
        self.row().arg_bits
    }

    /// How many low bits of each syscall argument libseccomp's filters compare on this ABI:
    /// 32 on 32-bit ABIs, and also on x32 and mips n32, whose registers are 64 bits wide
    /// but whose arguments libseccomp 2.5 compares as 32-bit values; 64 elsewhere.
    pub fn compared_bits(self) -> u32 {
        self.row().compared_bits
    }

    /// The arguments as a syscall through this ABI can pass them: zero-extended 32-bit
    /// values on a 32-bit ABI, unchanged elsewhere.
    ///
    /// ```
    /// use seccomp_runtime::Abi;
    /// assert_eq!(Abi::X86.as_passed([u64::MAX; 6])[0], 0xffff_ffff);
    /// assert_eq!(Abi::X32.as_passed([u64::MAX; 6])[0], u64::MAX);
    /// ```
    pub fn as_passed(self, args: [u64; 6]) -> [u64; 6] {
        if self.arg_bits() == 32 {
            args.map(|arg| arg & u64::from(u32::MAX))
        } else {
            args
        }
    }

    /// What the ABI adds to the numbers of its kernel syscall table to make the numbers
    /// its syscalls carry: `0x40000000` on x32, 4000 on mips o32, 5000 on mips n64, 6000
    /// on mips n32, 0 elsewhere.
    ///
    /// ```
    /// use seccomp_runtime::{syscall_number, Abi};
    /// assert_eq!(syscall_number(Abi::Mips, "getpid"), Some(Abi::Mips.syscall_base() + 20));
    /// ```
    pub fn syscall_base(self) -> i32 {
        self.row().syscall_base
    }

    /// The kernel syscall table the ABI uses.
    pub(crate) fn syscalls(self) -> &'static SyscallTable {
        self.row().syscalls
    }

    /// Whether `socketcall` and `ipc` also reach the socket and IPC calls on this ABI.
    pub(crate) fn multiplexed(self) -> bool {
        self.row().multiplexed
    }

    /// The `cfg` predicate (as Rust source) that holds when compiling for a target whose
    /// native ABI this is; `None` for ABIs Rust has no target for. Code generators use it
    /// to decide target-dependent things in the generated code rather than on the host.
    #[cfg_attr(not(feature = "syntax"), allow(dead_code))] // for code generation only
    pub(crate) fn target_cfg(self) -> Option<&'static str> {
        self.row().target_cfg
    }

    /// The native ABI of the target this crate was compiled for, if libseccomp knows it.
    pub fn native() -> Option<Abi> {
        // Evaluated in the compiled crate, so it describes the target, not the build host.
        native_abi()
    }

    #[cfg(feature = "libseccomp")]
    pub(crate) fn to_scmp(self) -> ScmpArch {
        self.row().scmp
    }
}

impl fmt::Display for Abi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The error of parsing an [`Abi`] from a name libseccomp does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown ABI `{name}`{}", hint(*.suggestion))]
pub struct UnknownAbi {
    /// The name given.
    pub name: String,
    /// The nearest known name, if one is close.
    pub suggestion: Option<&'static str>,
}

/// The nearest name, or, when none is near, every name.
fn hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(_) => crate::util::suggest::did_you_mean(suggestion),
        None => {
            let names: Vec<&str> = Abi::ALL.into_iter().map(Abi::name).collect();
            format!("; the ABIs are {}", names.join(", "))
        }
    }
}

impl FromStr for Abi {
    type Err = UnknownAbi;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Abi::from_name(name).ok_or_else(|| UnknownAbi {
            name: name.to_owned(),
            suggestion: crate::util::suggest::nearest(name, Abi::ALL.into_iter().map(Abi::name)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_abi_once() {
        for (i, abi) in Abi::ALL.into_iter().enumerate() {
            assert!(!Abi::ALL[..i].contains(&abi), "{abi:?} twice");
            assert_eq!(Abi::from_name(abi.name()), Some(abi));
            assert_eq!(abi.variant_name(), format!("{abi:?}"));
        }
        assert_eq!(Abi::ALL.len(), 19);
    }

    /// `mux` says what the table says: the ABI has both multiplexers as syscalls.
    #[test]
    fn multiplexed_abis_have_the_multiplexers() {
        for abi in Abi::ALL {
            let has = |name| abi.syscalls().number(name).is_some();
            assert_eq!(abi.multiplexed(), has("socketcall") && has("ipc"), "{abi}");
        }
    }

    #[test]
    #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
    fn native_on_x86_64() {
        assert_eq!(Abi::native(), Some(Abi::X86_64));
    }

    #[test]
    fn a_stranger_lists_every_name() {
        let err = "amd64".parse::<Abi>().unwrap_err();
        assert_eq!(err.suggestion, None);
        assert!(err
            .to_string()
            .starts_with("unknown ABI `amd64`; the ABIs are x86, x86_64, x32, arm,"));
    }

    #[test]
    fn unknown_name_suggests_nearest() {
        let err = "x86-64".parse::<Abi>().unwrap_err();
        assert_eq!(err.suggestion, Some("x86_64"));
        assert_eq!(
            err.to_string(),
            "unknown ABI `x86-64`; did you mean `x86_64`?"
        );
    }
}
