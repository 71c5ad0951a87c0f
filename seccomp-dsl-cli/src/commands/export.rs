//! The `export` and `import` subcommands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use seccomp_runtime::Abi;

use crate::input::load_policy;
use crate::oci::{export, import, profile};

/// Exit status of `import` with findings, and of `export` refusing a policy it cannot
/// write exactly.
const FINDINGS: u8 = 1;
/// Exit status on any other error.
const FAILED: u8 = 2;

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

/// `export`'s arguments.
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
}

/// `import`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The profile: OCI `linux.seccomp` (or a whole runtime config.json) or Docker's
    /// format.
    #[arg(value_name = "PROFILE.json")]
    profile: PathBuf,
    /// Docker profiles: the machine's ABI, which picks the `archMap` entry and the rules
    /// included or excluded by architecture (default: this machine's).
    #[arg(long, value_name = "ABI")]
    arch: Option<Abi>,
    /// Docker profiles: the container's capabilities, comma-separated
    /// (`CAP_SYS_ADMIN,CAP_SYS_PTRACE`), or `none`; default: the 14 Docker gives a container
    /// (`CAP_CHOWN`, ..., `CAP_SYS_CHROOT`, ...).
    #[arg(long, value_name = "CAPS", value_delimiter = ',')]
    caps: Option<Vec<String>>,
    /// Docker profiles: the kernel version (`5.4`) for rules with a `minKernel`; default:
    /// newer than all of them.
    #[arg(long, value_name = "MAJOR.MINOR", value_parser = kernel)]
    kernel: Option<(u32, u32)>,
}

fn kernel(text: &str) -> Result<(u32, u32), String> {
    profile::parse_kernel(text).ok_or_else(|| format!("`{text}` is not MAJOR.MINOR"))
}

/// The capabilities Docker (and containerd) give a container by default: moby's
/// `oci/caps/defaults.go`, containerd's `oci/spec.go` `defaultUnixCaps`.
pub const DOCKER_DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// What Docker's conditions are resolved for when not told: this machine's ABI, Docker's
/// default capabilities, the newest kernel.
pub fn assume_default() -> profile::Assume {
    profile::Assume {
        machine: Abi::native().unwrap_or(Abi::X86_64),
        caps: DOCKER_DEFAULT_CAPS.iter().map(|c| c.to_string()).collect(),
        kernel: None,
    }
}

/// `seccomp-dsl export`.
pub fn export_command(args: &ExportArgs) -> ExitCode {
    let policy = match load_policy(&args.file) {
        Ok(policy) => policy,
        Err(e) => return failed(&e),
    };
    let bytes = match args.format {
        Format::Oci => {
            let options = export::Options {
                kill_thread_on_bad_arch: args.kill_thread_on_bad_arch,
                abis: (!args.abi.is_empty()).then(|| args.abi.clone()),
            };
            let exported = match export::export(&policy, &options) {
                Ok(exported) => exported,
                Err(e @ (export::ExportError::PerAbi { .. } | export::ExportError::BadArch(_))) => {
                    eprintln!("seccomp-dsl: cannot export as one OCI profile: {e}");
                    return ExitCode::from(FINDINGS);
                }
                Err(e) => return failed(&e),
            };
            for note in &exported.notes {
                eprintln!("note: {note}");
            }
            match export::to_json(&exported.seccomp) {
                Ok(json) => (json + "\n").into_bytes(),
                Err(e) => return failed(&e),
            }
        }
        Format::Bpf | Format::Pfc => {
            let filter = match policy.build() {
                Ok(filter) => filter,
                Err(e) => return failed(&e),
            };
            let bytes = if args.format == Format::Bpf {
                filter.export_bpf()
            } else {
                filter.export_pfc().map(String::into_bytes)
            };
            match bytes {
                Ok(bytes) => bytes,
                Err(e) => return failed(&e),
            }
        }
    };
    match std::io::stdout().lock().write_all(&bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e),
    }
}

/// `seccomp-dsl import`.
pub fn import_command(args: &ImportArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.profile) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("seccomp-dsl: reading {}: {e}", args.profile.display());
            return ExitCode::from(FAILED);
        }
    };
    let defaults = assume_default();
    let assume = profile::Assume {
        machine: args.arch.unwrap_or(defaults.machine),
        caps: match &args.caps {
            Some(caps) => caps
                .iter()
                .filter(|cap| !cap.is_empty() && *cap != "none")
                .cloned()
                .collect(),
            None => defaults.caps,
        },
        kernel: args.kernel,
    };
    let imported = match profile::read(&text, &assume)
        .map_err(|e| e.to_string())
        .and_then(|profile| import::import(&profile).map_err(|e| e.to_string()))
    {
        Ok(imported) => imported,
        Err(e) => {
            eprintln!("seccomp-dsl: {}: {e}", args.profile.display());
            return ExitCode::from(FAILED);
        }
    };
    if let Err(e) = std::io::stdout()
        .lock()
        .write_all(imported.policy.to_string().as_bytes())
    {
        return failed(&e);
    }
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    for finding in &imported.findings {
        eprintln!("finding: {finding}");
    }
    if imported.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "seccomp-dsl: {} finding(s) in {}",
            imported.findings.len(),
            args.profile.display()
        );
        ExitCode::from(FINDINGS)
    }
}

fn failed(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("seccomp-dsl: {e}");
    ExitCode::from(FAILED)
}
