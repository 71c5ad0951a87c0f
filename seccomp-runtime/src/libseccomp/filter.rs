//! The merged filter: load it, export it, inspect it.

use std::cell::OnceCell;
use std::fmt;
use std::io;

use libseccomp::error::SeccompError;
use libseccomp::ScmpFilterContext;

use crate::libseccomp::export::{self, ExportFailure};

use crate::bpf::prefix::Prefix;

use crate::bpf::program::Program;

use crate::error::{Error, LoadStep, Result};

use crate::libseccomp::summary::AbiSummary;

use crate::model::abi::{Abi, Endian};

use crate::model::action::Action;

use crate::model::policy::Attributes;

/// One filter holding every ABI of a policy, built by [`crate::Policy::build`].
///
/// The BPF program is generated on first use and kept: loading again, exporting and
/// installing in children all reuse it.
pub struct Filter {
    ctx: ScmpFilterContext,
    attributes: Attributes,
    bad_arch_action: Action,
    summary: Vec<AbiSummary>,
    /// Whether an action of the filter is `notify`: libseccomp's own load would then ask
    /// for a listener and keep it where nothing answers it.
    notifies: bool,
    /// Decided before libseccomp's program runs: what libseccomp cannot express.
    prefix: Prefix,
    program: OnceCell<Program>,
}

impl Filter {
    pub(crate) fn new(
        ctx: ScmpFilterContext,
        attributes: Attributes,
        bad_arch_action: Action,
        summary: Vec<AbiSummary>,
        notifies: bool,
    ) -> Filter {
        Filter {
            ctx,
            attributes,
            bad_arch_action,
            summary,
            notifies,
            prefix: Prefix::new(),
            program: OnceCell::new(),
        }
    }

    /// Put `prefix` in front of libseccomp's program when it is generated. Only the
    /// filter's own ABIs keep their part: a syscall through an ABI no block names must get
    /// the `bad_arch` action, whatever the prefix would say.
    pub(crate) fn with_prefix(mut self, prefix: Prefix) -> Filter {
        let abis: Vec<Abi> = self.summary.iter().map(|s| s.abi).collect();
        self.prefix = prefix.only(&abis);
        self
    }

    /// The BPF program, generated once: libseccomp's, behind the policy's prefix (for
    /// syscalls libseccomp does not know and the `unknown` action), if it has one.
    ///
    /// # Errors
    ///
    /// [`Error::Export`] if libseccomp cannot generate it, [`Error::ExportDenied`] if a
    /// syscall the export makes fails (an earlier filter may deny it: generate the program
    /// before loading that filter), [`Error::TooLong`] if it is longer than the kernel
    /// takes.
    pub fn program(&self) -> Result<&Program> {
        if let Some(program) = self.program.get() {
            return Ok(program);
        }
        let bytes = self.export("BPF", |fd| self.ctx.export_bpf(fd))?;
        let program =
            Program::from_bytes(&bytes, self.endian(), self.attributes).ok_or_else(|| {
                Error::Export {
                    format: "BPF",
                    source: io::Error::new(io::ErrorKind::InvalidData, "a partial instruction"),
                }
            })?;
        let program = program.with_prefix(&self.prefix)?;
        Ok(self
            .program
            .get_or_init(|| program.for_abis(&self.abis(), self.bad_arch_action)))
    }

    /// Run libseccomp's export `to` of `format` into memory.
    fn export(
        &self,
        format: &'static str,
        to: impl FnOnce(std::os::fd::BorrowedFd<'_>) -> Result<(), SeccompError>,
    ) -> Result<Vec<u8>> {
        export::to_memory(|fd| to(fd).map_err(io_error)).map_err(|failure| match failure {
            ExportFailure::Syscall(syscall, source) => Error::ExportDenied {
                format,
                syscall,
                source,
            },
            ExportFailure::Libseccomp(source) => Error::Export { format, source },
        })
    }

    /// Load the filter once, for [`Policy::load`](crate::Policy::load): a filter built to be
    /// loaded and dropped needs no exported program, and exporting needs `memfd_create`,
    /// `write`, `lseek` and `read`, which an earlier filter may deny. So where libseccomp's
    /// program is the whole program, libseccomp's own `seccomp_load` loads it, generating
    /// it in memory: the load needs what libseccomp's needs (`prctl`, `seccomp`) and no
    /// more, and the program is generated once, as with an export.
    ///
    /// It is loaded the way [`Filter::load`] loads it otherwise: with a prefix (which goes
    /// in front of an exported program) or with a `notify` action (libseccomp's load would
    /// ask for a listener and keep it, unanswered, where ours installs none and the kernel
    /// answers ENOSYS).
    pub(crate) fn load_once(&self) -> Result<()> {
        if !self.prefix.is_empty() || self.notifies {
            return self.load();
        }
        // The checks of `Program::install` that come before anything changes.
        if let Some((native, action)) = Program::stranded(&self.abis(), self.bad_arch_action) {
            return Err(Error::NativeAbiMissing { native, action });
        }
        self.ctx.load().map_err(|e| {
            let source = io_error(e);
            // The kernel answers EINVAL to a program longer than it takes, which
            // `Program::install` reports as such: generate the program to tell.
            if source.raw_os_error() == Some(libc::EINVAL) {
                if let Err(too_long @ Error::TooLong { .. }) = self.program() {
                    return too_long;
                }
            }
            // libseccomp sets no-new-privs first; if it is still unset, that failed.
            // SAFETY: PR_GET_NO_NEW_PRIVS takes plain integers.
            let nnp = unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) };
            let step = if self.attributes.no_new_privs && nnp == 0 {
                LoadStep::NoNewPrivs
            } else {
                LoadStep::Seccomp
            };
            Error::Load { step, source }
        })
    }

    /// The filter's ABIs.
    fn abis(&self) -> Vec<Abi> {
        self.summary.iter().map(|s| s.abi).collect()
    }

    /// Load the filter into the calling process with one `seccomp()` call (every thread,
    /// with `tsync`). The process gains exactly one filter.
    ///
    /// # Errors
    ///
    /// As [`Filter::program`] and [`Program::install`]; on error nothing is loaded.
    pub fn load(&self) -> Result<()> {
        self.program()?.install()
    }

    /// Load the filter as [`Filter::load`] does, and return its [`Listener`](crate::Listener), which
    /// answers the syscalls the filter sends with `notify`.
    ///
    /// The listener is set up by our own `seccomp()` call
    /// (`SECCOMP_FILTER_FLAG_NEW_LISTENER`), not by libseccomp's load, so a merged
    /// multi-ABI filter gets one too (libseccomp before 2.6.1 loses its notify flag in
    /// `seccomp_merge`, its issue #475).
    ///
    /// # Errors
    ///
    /// As [`Filter::program`] and [`Program::install_with_listener`].
    pub fn load_with_listener(&self) -> Result<crate::notify::Listener> {
        self.program()?.install_with_listener()
    }

    /// The BPF program as bytes, as `seccomp_export_bpf` writes them.
    ///
    /// # Errors
    ///
    /// As [`Filter::program`].
    pub fn export_bpf(&self) -> Result<Vec<u8>> {
        Ok(self.program()?.to_bytes())
    }

    /// libseccomp's pseudo filter code: the program as readable text.
    ///
    /// # Errors
    ///
    /// [`Error::Export`] if libseccomp cannot generate it, [`Error::ExportDenied`] if a
    /// syscall the export makes fails.
    pub fn export_pfc(&self) -> Result<String> {
        let bytes = self.export("PFC", |fd| self.ctx.export_pfc(fd))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The byte order of the filter's ABIs (one for all: the policy checks see to it).
    fn endian(&self) -> Endian {
        self.summary
            .first()
            .map_or(Endian::HOST, |first| first.abi.endian())
    }

    /// What was added to each ABI's filter before the merge, ABI by ABI.
    pub fn summary(&self) -> &[AbiSummary] {
        &self.summary
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("attributes", &self.attributes)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

fn io_error(e: SeccompError) -> io::Error {
    match e.sysrawrc() {
        Some(rc) => io::Error::from_raw_os_error(-rc),
        None => io::Error::other(e),
    }
}
