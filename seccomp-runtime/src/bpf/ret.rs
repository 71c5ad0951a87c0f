//! What a seccomp filter returns (<linux/seccomp.h>) and how an [`Action`] is encoded in it.

use crate::model::action::Action;
use crate::model::errno;

/// The seccomp return values (`SECCOMP_RET_*`, action part).
pub(crate) const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub(crate) const RET_KILL_THREAD: u32 = 0x0000_0000;
pub(crate) const RET_TRAP: u32 = 0x0003_0000;
pub(crate) const RET_ERRNO: u32 = 0x0005_0000;
pub(crate) const RET_USER_NOTIF: u32 = 0x7fc0_0000;
pub(crate) const RET_TRACE: u32 = 0x7ff0_0000;
pub(crate) const RET_LOG: u32 = 0x7ffc_0000;
pub(crate) const RET_ALLOW: u32 = 0x7fff_0000;
pub(crate) const RET_ACTION_FULL: u32 = 0xffff_0000;
pub(crate) const RET_DATA: u32 = 0x0000_ffff;

impl Action {
    /// The action the kernel takes for a filter's return value.
    ///
    /// An errno above 4095 is capped at 4095, and an unknown action kills the process, as
    /// the kernel does.
    ///
    /// ```
    /// use seccomp_runtime::Action;
    /// assert_eq!(Action::from_return_value(0x7fff_0000), Action::Allow);
    /// assert_eq!(Action::from_return_value(0x0005_0001), Action::Errno(1));
    /// assert_eq!(Action::from_return_value(0x0001_0000), Action::KillProcess);
    /// ```
    pub fn from_return_value(value: u32) -> Action {
        let data = value & RET_DATA;
        match value & RET_ACTION_FULL {
            RET_KILL_PROCESS => Action::KillProcess,
            RET_KILL_THREAD => Action::KillThread,
            RET_TRAP => Action::Trap,
            // `data` is 16 bits, so the conversion is lossless; the kernel caps it.
            RET_ERRNO => Action::Errno(data.min(errno::MAX as u32) as i32),
            RET_USER_NOTIF => Action::Notify,
            RET_TRACE => Action::Trace(data as u16),
            RET_LOG => Action::Log,
            RET_ALLOW => Action::Allow,
            _ => Action::KillProcess,
        }
    }

    /// The value a filter returns for this action: the inverse of
    /// [`Action::from_return_value`]. An errno outside 0..=4095 is clamped into it, as the
    /// kernel would cap it.
    pub(crate) fn to_return_value(self) -> u32 {
        match self {
            Action::KillProcess => RET_KILL_PROCESS,
            Action::KillThread => RET_KILL_THREAD,
            Action::Trap => RET_TRAP,
            // Clamped to 0..=4095, so the cast is lossless.
            Action::Errno(value) => RET_ERRNO | value.clamp(0, errno::MAX) as u32,
            Action::Notify => RET_USER_NOTIF,
            Action::Trace(message) => RET_TRACE | u32::from(message),
            Action::Log => RET_LOG,
            Action::Allow => RET_ALLOW,
        }
    }
}
