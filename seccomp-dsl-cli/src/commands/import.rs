//! `seccomp-dsl import PROFILE.json`: an OCI or Docker seccomp profile as a policy file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use seccomp_runtime::Abi;

use crate::exit;
use crate::input;
use crate::oci::profile::{self, Assume};

// The doc comment is the subcommand's `--help`.
/// Read an OCI or Docker seccomp profile and write it as a policy file.
///
/// The policy goes to standard output; what in the profile is ambiguous, dead or
/// weaker than written goes to standard error. Exit status: 0 clean, 1 with findings,
/// 2 on error.
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

/// `seccomp-dsl import`: what it writes and its exit statuses are in [`ImportArgs`]'s help.
pub fn exec(args: &ImportArgs) -> ExitCode {
    let defaults = Assume::docker_default();
    let assume = Assume {
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
    let imported = match input::profile(&args.profile, &assume) {
        Ok(imported) => imported,
        Err(e) => return exit::failed(&e),
    };
    if let Err(e) = std::io::stdout()
        .lock()
        .write_all(imported.policy.to_string().as_bytes())
    {
        return exit::failed(&e);
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
        ExitCode::from(exit::NO)
    }
}
