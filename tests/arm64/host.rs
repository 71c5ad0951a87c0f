//! `arm64-probes`: the host side of `make test-arm64`, which checks the project's filters
//! in a real arm64 kernel (Debian's, booted under qemu) through both of its ABIs, aarch64
//! and the 32-bit arm compat ABI.
//!
//! ```text
//! arm64-probes generate DIR [--random N] [--seed S] [--args K]
//! arm64-probes check DIR CONSOLE [--flip ID]
//! ```
//!
//! `generate` builds the policies (fixed ones, the aarch64 one the macro precompiles, and
//! N random ones drawn with the property tests' generators) with the project's own build
//! and export, chooses each one's probes (ABI, syscall number, six arguments), and writes
//! what the guest needs, `DIR/initramfs/plan` and `DIR/initramfs/programs/*.bpf`, and what
//! the host compares with, `DIR/expected.tsv`: for every probe what `Policy::decide` and
//! the simulator (run on the exported bytes) say the filter does.
//!
//! `check` reads the guest's serial console (`tests/arm64/loader.c` prints one line per
//! run), compares each probe's outcome with what those two predict, prints the figures and
//! exits 1 on any divergence, on a missing or unreadable result, or without compat.
//! `--flip ID` (or `ARM64_FLIP=ID`) makes the expectation of probe ID deliberately wrong:
//! the harness's self-test, which must then fail with exactly one divergence.

use std::path::PathBuf;
use std::process::ExitCode;

/// `support/policies.rs` names the crate it builds policies with `rt` in its parent.
use seccomp_dsl as rt;

#[path = "../support/policies.rs"]
mod policies;

mod cases;
mod check;
mod outcome;
mod plan;

const USAGE: &str = "usage: arm64-probes generate DIR [--random N] [--seed S] [--args K]\n       \
                     arm64-probes check DIR CONSOLE [--flip ID]";

/// The default seed of the random policies: fixed, so that a failure can be rerun.
const SEED: u64 = 0x0a64_5eed;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("arm64-probes: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, String> {
    let (command, rest) = args.split_first().ok_or(USAGE)?;
    let (positional, options) = split_options(rest)?;
    match (command.as_str(), positional.as_slice()) {
        ("generate", [dir]) => {
            known(&options, &["--random", "--seed", "--args"])?;
            let random = option(&options, "--random", 120)?;
            let seed = option(&options, "--seed", SEED)?;
            let per_name = option(&options, "--args", 3)?;
            let cases = cases::all(random as usize, seed, per_name as usize)?;
            let written = plan::write(&PathBuf::from(dir), &cases).map_err(|e| e.to_string())?;
            println!("{written}");
            Ok(ExitCode::SUCCESS)
        }
        ("check", [dir, console]) => {
            known(&options, &["--flip"])?;
            let flip = match options.iter().find(|(name, _)| name == "--flip") {
                Some((_, id)) => Some(id.clone()),
                None => std::env::var("ARM64_FLIP").ok().filter(|v| !v.is_empty()),
            };
            let flip = flip
                .map(|id| id.parse::<usize>().map_err(|e| format!("--flip {id}: {e}")))
                .transpose()?;
            let report = check::run(&PathBuf::from(dir), &PathBuf::from(console), flip)?;
            print!("{report}");
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        _ => Err(USAGE.to_owned()),
    }
}

type Options = Vec<(String, String)>;

/// Positional arguments, and `--name value` pairs.
fn split_options(args: &[String]) -> Result<(Vec<String>, Options), String> {
    let (mut positional, mut options) = (Vec::new(), Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg.starts_with("--") {
            let value = args.next().ok_or(format!("{arg} needs a value"))?;
            options.push((arg.clone(), value.clone()));
        } else {
            positional.push(arg.clone());
        }
    }
    Ok((positional, options))
}

fn known(options: &Options, names: &[&str]) -> Result<(), String> {
    match options
        .iter()
        .find(|(name, _)| !names.contains(&name.as_str()))
    {
        Some((name, _)) => Err(format!("unknown option {name}\n{USAGE}")),
        None => Ok(()),
    }
}

/// A numeric option, decimal or `0x` hexadecimal.
fn option(options: &Options, name: &str, default: u64) -> Result<u64, String> {
    let Some((_, value)) = options.iter().find(|(n, _)| n == name) else {
        return Ok(default);
    };
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.map_err(|e| format!("{name} {value}: {e}"))
}
