//! `seccomp-dsl export FILE --format bpf|pfc|oci`: a policy as the kernel, libseccomp or
//! an OCI runtime takes it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use seccomp_runtime::{Abi, Policy};

use crate::exit;
use crate::input;
use crate::oci::export::{self as oci_export, ExportError, Options};

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The raw BPF program (binary), as `seccomp()` takes it.
    Bpf,
    /// libseccomp's pseudo filter code (text).
    Pfc,
    /// An OCI runtime-spec `linux.seccomp` JSON object (runc, crun, Docker, Podman).
    Oci,
}

// The doc comment is the subcommand's `--help`.
/// Write a policy as a raw BPF program, libseccomp pseudo code or an OCI profile.
///
/// `--format oci` writes the OCI runtime-spec `linux.seccomp` object that runc and
/// crun build the same filter from, or refuses (exit 1) a policy whose blocks give one
/// syscall different rules on ABIs that all have it, naming the syscall and the ABIs, and
/// one with rules for syscalls the installed libseccomp does not know (runc ignores them),
/// and a profile that leaves out the machine's native ABI (runc applies it there too).
/// Exit status: 0 written, 1 refused as not one OCI profile exactly, 2 on error.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The policy: a policy file, or an OCI or Docker JSON profile.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    format: Format,
    /// With `--format oci`: accept that runc and crun kill the calling thread, not the
    /// process, for a syscall through an architecture the profile does not list, when the
    /// policy's bad_arch is not kill_thread.
    #[arg(long)]
    kill_thread_on_bad_arch: bool,
    /// With `--format oci`: export only these ABIs of the policy, comma-separated
    /// (`x86_64,x32`); a policy whose blocks give one syscall different rules becomes one
    /// profile per group of ABIs that agree.
    #[arg(long, value_name = "ABIS", value_delimiter = ',')]
    abi: Vec<Abi>,
    /// With `--format oci`: export rules for syscalls the installed libseccomp does not
    /// know (refused otherwise: runc and crun ignore names their libseccomp cannot
    /// resolve), for a runtime whose libseccomp is newer (`runc --version` prints it).
    #[arg(long)]
    allow_unresolvable: bool,
    /// With `--format oci`: the native ABI of the machine that runs the profile (runc and
    /// crun apply a profile to it whether listed or not); default: the 64-bit ABI of each
    /// exported ABI's machine (x86_64 for x86 and x32). A profile without it is refused.
    #[arg(long, value_name = "ABI")]
    native: Option<Abi>,
}

/// `seccomp-dsl export`: what it writes and its exit statuses are in [`ExportArgs`]'s help.
pub fn exec(args: &ExportArgs) -> ExitCode {
    let policy = match input::policy(&args.file) {
        Ok(policy) => policy,
        Err(e) => return exit::failed(&e),
    };
    let bytes = match args.format {
        Format::Oci => oci(&policy, args),
        Format::Bpf | Format::Pfc => libseccomp(&policy, args.format),
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    match std::io::stdout().lock().write_all(&bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::failed(&e),
    }
}

/// The OCI profile as JSON, its notes said on stderr; on error, the exit status once the
/// error is said.
fn oci(policy: &Policy, args: &ExportArgs) -> Result<Vec<u8>, ExitCode> {
    let options = Options {
        kill_thread_on_bad_arch: args.kill_thread_on_bad_arch,
        abis: (!args.abi.is_empty()).then(|| args.abi.clone()),
        allow_unresolvable: args.allow_unresolvable,
        native: args.native,
    };
    let exported = match oci_export::export(policy, &options) {
        Ok(exported) => exported,
        // What an OCI profile cannot say is an answer about the policy, not an error.
        Err(
            e @ (ExportError::PerAbi { .. }
            | ExportError::BadArch(_)
            | ExportError::Unresolvable { .. }
            | ExportError::NativeLeftOut { .. }),
        ) => {
            eprintln!("seccomp-dsl: cannot export as one OCI profile: {e}");
            return Err(ExitCode::from(exit::NO));
        }
        Err(e) => return Err(exit::failed(&e)),
    };
    for note in &exported.notes {
        eprintln!("note: {note}");
    }
    match oci_export::to_json(&exported.seccomp) {
        Ok(json) => Ok((json + "\n").into_bytes()),
        Err(e) => Err(exit::failed(&e)),
    }
}

/// What libseccomp exports of the filter it builds: the BPF program or its pseudo code;
/// on error, the exit status once the error is said.
fn libseccomp(policy: &Policy, format: Format) -> Result<Vec<u8>, ExitCode> {
    let filter = policy.build().map_err(|e| exit::failed(&e))?;
    let bytes = if format == Format::Bpf {
        filter.export_bpf()
    } else {
        filter.export_pfc().map(String::into_bytes)
    };
    bytes.map_err(|e| exit::failed(&e))
}
