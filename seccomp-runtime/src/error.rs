//! Errors, each with the context needed to act on it.

use std::fmt;
use std::io;

#[cfg(feature = "libseccomp")]
use libseccomp::error::{SeccompErrno, SeccompError};

use crate::check::violations::Violations;
use crate::model::abi::Abi;
use crate::model::action::Action;
#[cfg(feature = "libseccomp")]
use crate::model::rule::RuleRef;
use crate::stack::StackError;

/// Everything that can go wrong building, exporting or loading a filter.
///
/// Every failure before the kernel accepts the filter leaves the process unfiltered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy has mistakes; nothing was built. The first is shown; all are listed.
    #[error("invalid policy: {0}")]
    Invalid(Violations),
    /// libseccomp could not create the filter for an ABI.
    #[cfg(feature = "libseccomp")]
    #[error("{abi}: creating the filter failed: {source}")]
    Create {
        /// The ABI.
        abi: Abi,
        /// What libseccomp said.
        source: Libseccomp,
    },
    /// libseccomp refused an attribute or an ABI change on a per-ABI filter.
    #[cfg(feature = "libseccomp")]
    #[error("{abi}: setting {setting} failed: {source}")]
    Setting {
        /// The ABI.
        abi: Abi,
        /// The attribute or change, as libseccomp names it.
        setting: &'static str,
        /// What libseccomp said.
        source: Libseccomp,
    },
    /// libseccomp could not add a rule exactly as written.
    #[cfg(feature = "libseccomp")]
    #[error("{abi}: adding `{rule}` ({at}) for `{syscall}` failed: {source}")]
    AddRule {
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The rule, as the policy language writes it.
        rule: String,
        /// Where the rule sits in the policy.
        at: RuleRef,
        /// What libseccomp said.
        source: Libseccomp,
    },
    /// A rule with conditions for a syscall of the crate's table (so the policy checks
    /// accept it) that the installed libseccomp does not know on the ABI, typically one
    /// newer than that libseccomp (`mseal` with libseccomp 2.5). Without conditions such a
    /// syscall is filtered by its number, ahead of libseccomp's program; with them it
    /// would need libseccomp's comparisons.
    #[cfg(feature = "libseccomp")]
    #[error(
        "{abi}: the installed libseccomp {version} does not know `{syscall}` (a syscall of \
         Linux {}), so `{rule}` ({at}) cannot be added with its conditions; give `{syscall}` \
         a rule without conditions on {abi}, or use a libseccomp that knows it",
        crate::table::SYSCALL_TABLE_KERNEL
    )]
    LibseccompLacksSyscall {
        /// The ABI.
        abi: Abi,
        /// The syscall.
        syscall: String,
        /// The rule, as the policy language writes it.
        rule: String,
        /// Where the rule sits in the policy.
        at: RuleRef,
        /// The installed libseccomp's version.
        version: String,
    },
    /// libseccomp could not merge an ABI's filter into the others.
    #[cfg(feature = "libseccomp")]
    #[error("merging the {abi} filter failed: {source}")]
    Merge {
        /// The ABI whose filter was being merged in.
        abi: Abi,
        /// What libseccomp said.
        source: Libseccomp,
    },
    /// The filter could not be exported.
    #[cfg(feature = "libseccomp")]
    #[error("exporting the filter as {format} failed: {source}")]
    Export {
        /// `"BPF"` or `"PFC"`.
        format: &'static str,
        /// The cause.
        source: io::Error,
    },
    /// A syscall that exporting the program makes was refused, typically by an earlier
    /// filter that denies it; nothing was loaded. libseccomp 2.5 exports through a file
    /// descriptor, so an export needs `memfd_create`, `write`, `lseek` and `read`; loading
    /// a program exported before that filter needs only `prctl` and `seccomp`.
    #[cfg(feature = "libseccomp")]
    #[error(
        "exporting the filter as {format} needs `{syscall}`, which failed: {source}; an \
         earlier filter may deny it. Export before loading that filter (`Policy::program()`, \
         or `Policy::build()` then `Filter::program()`) and load the program afterwards \
         (`Program::install()`, `Filter::load()`), which need only prctl and seccomp; the \
         process is not filtered"
    )]
    ExportDenied {
        /// `"BPF"` or `"PFC"`.
        format: &'static str,
        /// The syscall that failed: `memfd_create`, `write`, `lseek` or `read`.
        syscall: &'static str,
        /// The error it returned.
        source: io::Error,
    },
    /// The kernel refused the filter; the process is not filtered.
    #[error("loading the filter failed at {step}: {source}; the process is not filtered")]
    Load {
        /// The step that failed.
        step: LoadStep,
        /// The error the kernel returned.
        source: io::Error,
    },
    /// The policy has no block for the ABI this process runs on, and its `bad_arch` action
    /// would stop every syscall after the load; nothing was loaded.
    #[error(
        "the policy has no block for {native}, the ABI this process runs on, so every syscall \
         after loading would get the `bad_arch` action {action}; add a block for {native} (or \
         `native`), or make the `bad_arch` action allow; the process is not filtered"
    )]
    NativeAbiMissing {
        /// This machine's ABI.
        native: Abi,
        /// The policy's `bad_arch` action.
        action: Action,
    },
    /// The BPF program is longer than the kernel takes in one filter; nothing was loaded.
    #[error(
        "the BPF program has {instructions} instructions, more than the {limit} the kernel \
         takes in one filter (BPF_MAXINSNS); make it shorter: fewer ABIs per policy, fewer \
         argument-checked rules (one `argN & mask == value` instead of several values), \
         `optimize = linear;` (shorter than the binary tree, slower to run), or split the \
         policy in two, each loaded as a filter of its own"
    )]
    TooLong {
        /// The program's length, in instructions.
        instructions: usize,
        /// The kernel's limit, [`Program::MAX_LEN`](crate::Program::MAX_LEN).
        limit: usize,
    },
    /// Policies could not be composed into one (see [`crate::Policy::stacked`]); boxed,
    /// as it carries its context and every other variant stays small.
    #[error("stacking policies: {0}")]
    Stack(#[source] Box<StackError>),
    /// The policy has no precompiled program and this build of the runtime has no
    /// libseccomp to build one (its `libseccomp` feature is off); nothing was loaded.
    #[error(
        "the policy is not precompiled and this build has no libseccomp to build it: write \
         `precompiled = true;` in the policy (feature `precompiled` of seccomp-dsl), or enable \
         the `libseccomp` feature; the process is not filtered"
    )]
    NotPrecompiled,
    /// With thread sync, a thread could not be synchronised; no thread is filtered.
    #[error("thread {tid} could not take the filter (it has diverged); no thread is filtered")]
    ThreadSync {
        /// The thread that failed.
        tid: i32,
    },
}

impl From<StackError> for Error {
    fn from(error: StackError) -> Error {
        Error::Stack(Box::new(error))
    }
}

impl Error {
    /// The errno behind the error, from libseccomp or the kernel, if there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            #[cfg(feature = "libseccomp")]
            Error::Create { source, .. }
            | Error::Setting { source, .. }
            | Error::AddRule { source, .. }
            | Error::Merge { source, .. } => source.code.errno(),
            #[cfg(feature = "libseccomp")]
            Error::Export { source, .. } | Error::ExportDenied { source, .. } => {
                source.raw_os_error()
            }
            Error::Load { source, .. } => source.raw_os_error(),
            #[cfg(feature = "libseccomp")]
            Error::LibseccompLacksSyscall { .. } => None,
            Error::Invalid(_)
            | Error::NativeAbiMissing { .. }
            | Error::NotPrecompiled
            | Error::TooLong { .. }
            | Error::Stack(_)
            | Error::ThreadSync { .. } => None,
        }
    }

    /// The policy's mistakes, if that is what the error is.
    pub fn violations(&self) -> Option<&Violations> {
        match self {
            Error::Invalid(violations) => Some(violations),
            _ => None,
        }
    }
}

/// The step of loading that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadStep {
    /// `prctl(PR_SET_NO_NEW_PRIVS)`.
    NoNewPrivs,
    /// `seccomp(SECCOMP_SET_MODE_FILTER)`.
    Seccomp,
}

impl fmt::Display for LoadStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadStep::NoNewPrivs => "prctl(PR_SET_NO_NEW_PRIVS)",
            LoadStep::Seccomp => "seccomp(SECCOMP_SET_MODE_FILTER)",
        })
    }
}

/// An error libseccomp returned, with its stable code.
#[cfg(feature = "libseccomp")]
#[derive(Debug, thiserror::Error)]
#[error("{code}")]
pub struct Libseccomp {
    /// libseccomp's code for it.
    pub code: Code,
    #[source]
    source: Box<SeccompError>,
}

#[cfg(feature = "libseccomp")]
impl From<SeccompError> for Libseccomp {
    fn from(source: SeccompError) -> Self {
        let code = match source.errno() {
            Some(SeccompErrno::EACCES) => Code::Access,
            Some(SeccompErrno::ECANCELED) => Code::Canceled,
            Some(SeccompErrno::EDOM) => Code::Domain,
            Some(SeccompErrno::EEXIST) => Code::Exists,
            Some(SeccompErrno::EFAULT) => Code::Fault,
            Some(SeccompErrno::EINVAL) => Code::Invalid,
            Some(SeccompErrno::ENOENT) => Code::NotFound,
            Some(SeccompErrno::ENOMEM) => Code::NoMemory,
            Some(SeccompErrno::EOPNOTSUPP) => Code::NotSupported,
            Some(SeccompErrno::ERANGE) => Code::Range,
            Some(SeccompErrno::ESRCH) => Code::Search,
            _ => match source.sysrawrc() {
                Some(rc) => Code::System(-rc),
                None => Code::Other,
            },
        };
        Libseccomp {
            code,
            source: Box::new(source),
        }
    }
}

/// libseccomp's documented, stable error codes, and what each means for a filter.
#[cfg(feature = "libseccomp")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// `EACCES`: the rule's action is the filter's default action.
    Access,
    /// `ECANCELED`: libseccomp's internal error (or the kernel's, without raw codes).
    Canceled,
    /// `EDOM`: the syscall does not exist on the filter's ABI, or byte orders differ.
    Domain,
    /// `EEXIST`: the rule or ABI is already in the filter.
    Exists,
    /// `EFAULT`: libseccomp was given a bad address, or loading was denied by a filter.
    Fault,
    /// `EINVAL`: invalid input, such as an argument index above 5, two comparisons on one
    /// argument, a rule the exact add cannot express, or mismatched filter attributes.
    Invalid,
    /// `ENOENT`: no such ABI or attribute.
    NotFound,
    /// `ENOMEM`: out of memory.
    NoMemory,
    /// `EOPNOTSUPP`: the kernel or libseccomp lacks the feature.
    NotSupported,
    /// `ERANGE`: a value out of range.
    Range,
    /// `ESRCH`: thread sync failed.
    Search,
    /// Another errno, passed through from the system.
    System(i32),
    /// An error without an errno.
    Other,
}

#[cfg(feature = "libseccomp")]
impl Code {
    /// The errno, if there is one.
    pub fn errno(self) -> Option<i32> {
        Some(match self {
            Code::Access => libc::EACCES,
            Code::Canceled => libc::ECANCELED,
            Code::Domain => libc::EDOM,
            Code::Exists => libc::EEXIST,
            Code::Fault => libc::EFAULT,
            Code::Invalid => libc::EINVAL,
            Code::NotFound => libc::ENOENT,
            Code::NoMemory => libc::ENOMEM,
            Code::NotSupported => libc::EOPNOTSUPP,
            Code::Range => libc::ERANGE,
            Code::Search => libc::ESRCH,
            Code::System(errno) => errno,
            Code::Other => return None,
        })
    }
}

#[cfg(feature = "libseccomp")]
impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errno() {
            Some(errno) => match crate::model::errno::name(errno) {
                Some(name) => write!(f, "{name} (errno {errno})"),
                None => write!(f, "errno {errno}"),
            },
            None => f.write_str("libseccomp error without errno"),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
