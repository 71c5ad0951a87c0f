//! Conditions on a syscall's arguments.

use std::fmt;

/// The highest argument index a syscall has (`arg0` ..= `arg5`).
pub const MAX_ARG: u8 = 5;

/// How an argument is compared with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CmpOp {
    /// `argN == value`
    Eq,
    /// `argN != value`
    Ne,
    /// `argN < value` (unsigned)
    Lt,
    /// `argN <= value` (unsigned)
    Le,
    /// `argN > value` (unsigned)
    Gt,
    /// `argN >= value` (unsigned)
    Ge,
    /// `argN & mask == value`
    MaskedEq(u64),
}

/// One comparison of a syscall argument with a value; a rule holds when all of its
/// comparisons hold.
///
/// ```
/// use seccomp_runtime::arg;
/// assert_eq!(arg(1).eq(3).to_string(), "arg1 == 3");
/// assert_eq!(arg(2).masked_eq(0o3, 0o1).to_string(), "arg2 & 0x3 == 0x1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Comparison {
    /// The argument index, 0..=5.
    pub arg: u8,
    /// The comparison.
    pub op: CmpOp,
    /// The value compared with (after masking, for [`CmpOp::MaskedEq`]).
    pub value: u64,
}

/// Start a comparison on argument `index` (0..=5): `arg(1).eq(3)`.
pub fn arg(index: u8) -> Arg {
    Arg(index)
}

/// An argument about to be compared; made by [`arg`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg(pub u8);

impl Arg {
    fn cmp(self, op: CmpOp, value: u64) -> Comparison {
        Comparison {
            arg: self.0,
            op,
            value,
        }
    }

    /// `argN == value`
    pub fn eq(self, value: u64) -> Comparison {
        self.cmp(CmpOp::Eq, value)
    }

    /// `argN != value`
    pub fn ne(self, value: u64) -> Comparison {
        self.cmp(CmpOp::Ne, value)
    }

    /// `argN < value`
    pub fn lt(self, value: u64) -> Comparison {
        self.cmp(CmpOp::Lt, value)
    }

    /// `argN <= value`
    pub fn le(self, value: u64) -> Comparison {
        self.cmp(CmpOp::Le, value)
    }

    /// `argN > value`
    pub fn gt(self, value: u64) -> Comparison {
        self.cmp(CmpOp::Gt, value)
    }

    /// `argN >= value`
    pub fn ge(self, value: u64) -> Comparison {
        self.cmp(CmpOp::Ge, value)
    }

    /// `argN & mask == value`
    pub fn masked_eq(self, mask: u64, value: u64) -> Comparison {
        self.cmp(CmpOp::MaskedEq(mask), value)
    }
}

impl Comparison {
    /// Whether the comparison holds for `value`, the argument it compares.
    ///
    /// ```
    /// use seccomp_runtime::arg;
    /// assert!(arg(2).masked_eq(0x3, 0x1).holds(0x41));
    /// assert!(!arg(1).lt(5).holds(5));
    /// ```
    pub fn holds(&self, value: u64) -> bool {
        let wanted = self.value;
        match self.op {
            CmpOp::Eq => value == wanted,
            CmpOp::Ne => value != wanted,
            CmpOp::Lt => value < wanted,
            CmpOp::Le => value <= wanted,
            CmpOp::Gt => value > wanted,
            CmpOp::Ge => value >= wanted,
            CmpOp::MaskedEq(mask) => value & mask == wanted,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arg = self.arg;
        let value = Value(self.value);
        match self.op {
            CmpOp::Eq => write!(f, "arg{arg} == {value}"),
            CmpOp::Ne => write!(f, "arg{arg} != {value}"),
            CmpOp::Lt => write!(f, "arg{arg} < {value}"),
            CmpOp::Le => write!(f, "arg{arg} <= {value}"),
            CmpOp::Gt => write!(f, "arg{arg} > {value}"),
            CmpOp::Ge => write!(f, "arg{arg} >= {value}"),
            CmpOp::MaskedEq(mask) => write!(f, "arg{arg} & {mask:#x} == {:#x}", self.value),
        }
    }
}

/// A compared value as people write them: small numbers in decimal, flags and addresses in
/// hex.
pub(crate) struct Value(pub(crate) u64);

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 <= 0xffff {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}
