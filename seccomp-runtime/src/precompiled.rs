//! Policies that carry their BPF program, built ahead of time (`precompiled = true;`), and
//! loading, which installs that program when there is one and builds one otherwise.
//!
//! Building a program takes libseccomp and about a millisecond; installing one is a
//! `seccomp()` call. A program built at compile time makes the start of a short-lived
//! process cheap and lets a binary that loads only such policies link no C library.

use crate::{Attributes, Endian, Instruction, Policy, Program, Result};

impl Program {
    /// A program from instructions built ahead of time (what `precompiled = true;` embeds
    /// as a `static`), for a kernel of byte order `endian`, installed with `attributes`'
    /// flags. Nothing is checked here: the macro verified the program against its policy
    /// before embedding it.
    pub fn from_static(
        instructions: &'static [Instruction],
        endian: Endian,
        attributes: Attributes,
    ) -> Program {
        Program::with_endian(instructions, endian, attributes)
    }
}

impl Policy {
    /// This policy, carrying `program` as its BPF program: [`Policy::load`] and
    /// [`Policy::program`] use it instead of building one with libseccomp. `program` must be
    /// this policy's (the macro builds and [validates](Policy::validate) it); nothing checks
    /// it here. It is refused at load time, like a built one, where this process's ABI is
    /// not among the policy's and the `bad_arch` action would stop every syscall.
    #[must_use]
    pub fn precompiled(mut self, program: Program) -> Policy {
        let program = program.for_abis(&self.abis(), self.bad_arch_action);
        self.precompiled = Some(program);
        self
    }

    /// The program built ahead of time, if the policy carries one.
    pub fn precompiled_program(&self) -> Option<&Program> {
        self.precompiled.as_ref()
    }

    /// The policy's BPF program, to install in a child with
    /// [`CommandExt::seccomp`](crate::CommandExt::seccomp): the precompiled one, or (feature
    /// `libseccomp`) one built now.
    ///
    /// # Errors
    ///
    /// For a policy that is not precompiled: as [`Policy::build`] and
    /// [`Filter::program`](crate::Filter::program), or, without the `libseccomp` feature,
    /// [`Error::NotPrecompiled`](crate::Error::NotPrecompiled).
    pub fn program(&self) -> Result<Program> {
        match &self.precompiled {
            Some(program) => Ok(program.clone()),
            None => self.built_program(),
        }
    }

    #[cfg(feature = "libseccomp")]
    fn built_program(&self) -> Result<Program> {
        Ok(self.build()?.program()?.clone())
    }

    #[cfg(not(feature = "libseccomp"))]
    fn built_program(&self) -> Result<Program> {
        Err(crate::Error::NotPrecompiled)
    }

    /// Load the policy into the calling process (or, with `tsync`, every thread of it) with
    /// one `seccomp()` call: its precompiled program, or one built now (checked, per-ABI
    /// filters merged, with the `libseccomp` feature).
    ///
    /// # Errors
    ///
    /// As [`Program::install`]; for a policy that is not precompiled, as [`Policy::build`]
    /// and [`Filter::load`](crate::Filter::load), or [`Error::NotPrecompiled`](crate::Error::NotPrecompiled) without the
    /// `libseccomp` feature. On any error the process is unfiltered.
    pub fn load(&self) -> Result<()> {
        match &self.precompiled {
            Some(program) => program.install(),
            None => self.load_built(),
        }
    }

    #[cfg(feature = "libseccomp")]
    fn load_built(&self) -> Result<()> {
        self.build()?.load()
    }

    #[cfg(not(feature = "libseccomp"))]
    fn load_built(&self) -> Result<()> {
        Err(crate::Error::NotPrecompiled)
    }

    /// Load the policy as [`Policy::load`] does, and return the filter's
    /// [`Listener`](crate::Listener) for its `notify` rules.
    ///
    /// # Errors
    ///
    /// As [`Policy::load`] and [`Program::install_with_listener`].
    pub fn load_with_listener(&self) -> Result<crate::Listener> {
        self.program()?.install_with_listener()
    }
}
