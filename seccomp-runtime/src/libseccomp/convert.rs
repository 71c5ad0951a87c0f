//! The model in libseccomp's terms: actions, comparisons and BPF layouts.

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp};

use crate::model::action::Action;
use crate::model::condition::{CmpOp, Comparison};
use crate::model::policy::Optimize;

impl Action {
    pub(crate) fn to_scmp(self) -> ScmpAction {
        match self {
            Action::Allow => ScmpAction::Allow,
            Action::Log => ScmpAction::Log,
            Action::KillProcess => ScmpAction::KillProcess,
            Action::KillThread => ScmpAction::KillThread,
            Action::Trap => ScmpAction::Trap,
            Action::Errno(value) => ScmpAction::Errno(value),
            Action::Trace(message) => ScmpAction::Trace(message),
            Action::Notify => ScmpAction::Notify,
        }
    }
}

impl Comparison {
    pub(crate) fn to_scmp(self) -> ScmpArgCompare {
        let op = match self.op {
            CmpOp::Eq => ScmpCompareOp::Equal,
            CmpOp::Ne => ScmpCompareOp::NotEqual,
            CmpOp::Lt => ScmpCompareOp::Less,
            CmpOp::Le => ScmpCompareOp::LessOrEqual,
            CmpOp::Gt => ScmpCompareOp::Greater,
            CmpOp::Ge => ScmpCompareOp::GreaterEqual,
            CmpOp::MaskedEq(mask) => ScmpCompareOp::MaskedEqual(mask),
        };
        ScmpArgCompare::new(u32::from(self.arg), op, self.value)
    }
}

impl Optimize {
    /// libseccomp's `SCMP_FLTATR_CTL_OPTIMIZE` level.
    pub(crate) fn level(self) -> u32 {
        match self {
            Optimize::Linear => 1,
            Optimize::BinaryTree => 2,
        }
    }
}
