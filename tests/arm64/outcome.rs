//! What the kernel did to a probe, as the guest's loader prints it, and what a filter's
//! action predicts a probe's process sees.

use seccomp_dsl::{Abi, Action};

/// `si_code` of a SIGSYS sent by a seccomp filter's `trap`.
const SYS_SECCOMP: u32 = 1;

/// One run's outcome (`R ID ...` in `loader.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The syscall returned this value (on arm, its 32 bits sign-extended).
    Returned(i64),
    /// A SIGSYS arrived during the syscall, with this siginfo.
    Trapped {
        code: u32,
        nr: u32,
        arch: u32,
        errno: i32,
    },
    /// The process was killed by this signal during the syscall.
    Signaled(i32),
    /// The process stopped on this signal during the syscall (and was then killed).
    Stopped(i32),
    /// The process exited during the syscall.
    Exited(i32),
    /// The probe could not be set up: the step and errno (a harness failure, never an
    /// outcome a filter explains).
    Setup { step: u32, errno: i32 },
}

impl Outcome {
    /// Parse what follows `R ID ` in the loader's line.
    pub fn parse(words: &[&str]) -> Option<Outcome> {
        let int = |s: &str| s.parse::<i32>().ok();
        Some(match words {
            ["ret", hex] => Outcome::Returned(u64::from_str_radix(hex, 16).ok()? as i64),
            ["trap", code, nr, arch, errno] => Outcome::Trapped {
                code: code.parse().ok()?,
                nr: nr.parse().ok()?,
                arch: u32::from_str_radix(arch, 16).ok()?,
                errno: int(errno)?,
            },
            ["signal", n] => Outcome::Signaled(int(n)?),
            ["stopped", n] => Outcome::Stopped(int(n)?),
            ["exit", n] => Outcome::Exited(int(n)?),
            ["setup", step, errno] => Outcome::Setup {
                step: step.parse().ok()?,
                errno: int(errno)?,
            },
            _ => return None,
        })
    }

    /// The outcome without what differs between two runs of one syscall that both
    /// succeed (getpid returns each process's own pid) or both get the same SIGSYS from
    /// user space (`kill(0, SIGSYS)`, whose siginfo names the sender).
    fn class(self) -> Outcome {
        match self {
            Outcome::Returned(ret) if !(-4095..0).contains(&ret) => Outcome::Returned(0),
            Outcome::Trapped { code, .. } if code != SYS_SECCOMP => Outcome::Trapped {
                code,
                nr: 0,
                arch: 0,
                errno: 0,
            },
            other => other,
        }
    }
}

/// A filter's decision for one probe: the action and, for `trap`, the 16 bits of data the
/// kernel hands to the signal handler as `si_errno`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub action: Action,
    pub trap_data: u16,
}

impl Verdict {
    /// A declared action: libseccomp's `trap` carries no data.
    pub fn declared(action: Action) -> Verdict {
        Verdict {
            action,
            trap_data: 0,
        }
    }

    /// What a filter's program returned (`SECCOMP_RET_*` and data).
    pub fn returned(value: u32) -> Verdict {
        Verdict {
            action: Action::from_return_value(value),
            trap_data: (value & 0xffff) as u16,
        }
    }

    /// Whether `seen` is what a process making syscall `nr` through `abi` sees when the
    /// filter takes this verdict; `reference` is the syscall's outcome under no filter,
    /// which the verdicts that run the syscall need.
    pub fn explains(
        self,
        abi: Abi,
        nr: i32,
        reference: Option<Outcome>,
        seen: Outcome,
    ) -> Result<bool, String> {
        Ok(match self.action {
            Action::Allow | Action::Log => {
                let reference = reference.ok_or("no reference run for a syscall that runs")?;
                seen.class() == reference.class()
            }
            Action::Errno(errno) => seen == Outcome::Returned(-i64::from(errno)),
            // No tracer, no listener: the kernel fails the syscall with ENOSYS.
            Action::Trace(_) | Action::Notify => {
                seen == Outcome::Returned(-i64::from(libc::ENOSYS))
            }
            Action::Trap => {
                seen == Outcome::Trapped {
                    code: SYS_SECCOMP,
                    nr: nr as u32,
                    arch: abi.audit_arch(),
                    errno: i32::from(self.trap_data),
                }
            }
            // A process of one thread dies of SIGSYS either way: the kernel kills the
            // last thread as it kills the process.
            Action::KillProcess | Action::KillThread => seen == Outcome::Signaled(libc::SIGSYS),
            other => return Err(format!("no prediction for {other}")),
        })
    }

    /// A verdict whose prediction differs from this one's whatever the syscall does: the
    /// harness's deliberately wrong expectation.
    pub fn wrong(self) -> Verdict {
        let action = match self.action {
            Action::Errno(1) => Action::Errno(2),
            Action::Errno(_) | Action::KillProcess | Action::KillThread => Action::Errno(1),
            Action::Trace(_) | Action::Notify => Action::Errno(1),
            // Neither a syscall that runs nor a trap ends in a SIGSYS kill.
            _ => Action::KillProcess,
        };
        Verdict::declared(action)
    }
}
