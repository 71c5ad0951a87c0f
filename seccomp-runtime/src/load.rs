//! Loading a policy: the program built ahead of time (`precompiled = true;`) that a
//! [`PrecompiledPolicy`] carries beside its policy, or (feature `libseccomp`) one built now;
//! either installed with one `seccomp()` call.
//!
//! Building a program takes libseccomp and about a millisecond; installing one is a
//! `seccomp()` call. A program built at compile time makes the start of a short-lived
//! process cheap and lets a binary that loads only such policies link no C library.

use std::ops::Deref;

use crate::bpf::program::Program;
use crate::error::Result;
use crate::model::policy::Policy;
use crate::notify::Listener;

impl Policy {
    /// This policy with `program`, its BPF program built ahead of time: what
    /// `precompiled = true;` makes. Loading it installs `program` instead of building one
    /// with libseccomp. `program` must be this policy's (the macro builds and
    /// [verifies](Policy::verify) it); nothing checks it here. It is refused at load time,
    /// like a built one, where this process's ABI is not among the policy's and the
    /// `bad_arch` action would stop every syscall.
    pub fn precompiled(self, program: Program) -> PrecompiledPolicy {
        let program = program.for_abis(&self.abis(), self.bad_arch_action);
        PrecompiledPolicy {
            policy: self,
            program,
        }
    }

    /// The policy's BPF program, built now (feature `libseccomp`), to install in a child
    /// with [`CommandExt::seccomp`](crate::CommandExt::seccomp).
    ///
    /// # Errors
    ///
    /// As [`Policy::build`] and [`Filter::program`](crate::Filter::program), or, without the
    /// `libseccomp` feature, [`Error::NotPrecompiled`](crate::Error::NotPrecompiled).
    pub fn program(&self) -> Result<Program> {
        #[cfg(feature = "libseccomp")]
        return Ok(self.build()?.program()?.clone());
        #[cfg(not(feature = "libseccomp"))]
        return Err(crate::error::Error::NotPrecompiled);
    }

    /// Load the policy into the calling process (or, with `tsync`, every thread of it) with
    /// one `seccomp()` call: checked, per-ABI filters built and merged (feature
    /// `libseccomp`).
    ///
    /// Loading needs no syscall that libseccomp's own `seccomp_load` does not make
    /// (`prctl`, `seccomp`), so a policy loads under an earlier filter that denies
    /// everything else but those: the merged filter is loaded by libseccomp, which
    /// generates the program in memory. A policy with a prefix (syscalls the installed
    /// libseccomp does not know, an `unknown` action) or a `notify` action is exported and
    /// installed as [`Filter::load`](crate::Filter::load) does, which needs
    /// `memfd_create`, `write`, `lseek` and `read` too: under a filter that denies them,
    /// export it first ([`Policy::program`]) and install it afterwards.
    ///
    /// # Errors
    ///
    /// As [`Policy::build`] and [`Filter::load`](crate::Filter::load), or
    /// [`Error::NotPrecompiled`](crate::Error::NotPrecompiled) without the `libseccomp`
    /// feature. On any error the process is unfiltered. Where libseccomp loads the filter,
    /// a thread that cannot take it with `tsync` gives [`Error::Load`](crate::Error::Load)
    /// with ESRCH rather than [`Error::ThreadSync`](crate::Error::ThreadSync) (libseccomp
    /// does not say which thread), and no-new-privs may be set even if the load fails.
    pub fn load(&self) -> Result<()> {
        #[cfg(feature = "libseccomp")]
        return self.build()?.load_once();
        #[cfg(not(feature = "libseccomp"))]
        return Err(crate::error::Error::NotPrecompiled);
    }

    /// Load the policy as [`Policy::load`] does, and return the filter's [`Listener`] for
    /// its `notify` rules.
    ///
    /// # Errors
    ///
    /// As [`Policy::load`] and [`Program::install_with_listener`].
    pub fn load_with_listener(&self) -> Result<Listener> {
        self.program()?.install_with_listener()
    }
}

/// A policy and its BPF program, built ahead of time by `seccomp_policy!` with
/// `precompiled = true;`.
///
/// It reads as its [`Policy`] (`decide`, `blocks`, `violations`, ... through `Deref`) and
/// loads its program. It cannot be changed: a rule added to the policy would not be in the
/// program. [`PrecompiledPolicy::into_policy`] gives the policy alone, to change or compose;
/// loading that builds a new program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecompiledPolicy {
    policy: Policy,
    program: Program,
}

impl PrecompiledPolicy {
    /// The declared policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The declared policy, without its program.
    pub fn into_policy(self) -> Policy {
        self.policy
    }

    /// The program built ahead of time.
    pub fn precompiled_program(&self) -> &Program {
        &self.program
    }

    /// The program, to install in a child with
    /// [`CommandExt::seccomp`](crate::CommandExt::seccomp); as [`Policy::program`], without
    /// a build.
    ///
    /// # Errors
    ///
    /// None: the program is there. The `Result` keeps code written for either kind of
    /// policy the same.
    pub fn program(&self) -> Result<Program> {
        Ok(self.program.clone())
    }

    /// Install the program as [`Policy::load`] loads a built one.
    ///
    /// # Errors
    ///
    /// As [`Program::install`]. On any error the process is unfiltered.
    pub fn load(&self) -> Result<()> {
        self.program.install()
    }

    /// Install the program as [`PrecompiledPolicy::load`] does, and return the filter's
    /// [`Listener`] for its `notify` rules.
    ///
    /// # Errors
    ///
    /// As [`Program::install_with_listener`].
    pub fn load_with_listener(&self) -> Result<Listener> {
        self.program.install_with_listener()
    }
}

impl Deref for PrecompiledPolicy {
    type Target = Policy;

    fn deref(&self) -> &Policy {
        &self.policy
    }
}

impl From<PrecompiledPolicy> for Policy {
    fn from(precompiled: PrecompiledPolicy) -> Policy {
        precompiled.policy
    }
}
