//! `seccomp-dsl record [--output FILE] [--format F] [--merge POLICY] [--args] -- CMD [ARGS...]`:
//! run a command and write the policy that allows exactly what it did (and what POLICY
//! allowed).

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use super::CommandLine;
use seccomp_runtime::syntax::ParsedPolicy;

use crate::exit;
use crate::input;
use crate::record;

// The doc comment is the subcommand's `--help`.
/// Run a command and write the policy that allows exactly the syscalls it made.
///
/// The command, everything it forks or executes and all their threads run under a
/// filter that notifies this tool of every syscall on every ABI the kernel accepts
/// (x86_64, x86 and x32 on x86-64); each syscall is let through unchanged. The
/// command's standard streams and exit status are its own (death by a signal exits
/// 128 + the signal, as shells do); the policy goes to FILE, and a line on stderr says
/// so. Recording ends when every process of the command has exited.
///
/// The policy is written as a policy file, which `run`, `check`, `explain`, `diff` and
/// `export` read; `--format macro` writes the `seccomp_policy! { ... }` expression
/// instead, for Rust code (those subcommands read that form too).
///
/// With `--merge POLICY`, the policy written allows what POLICY (an earlier recording,
/// in either form) allows and what this run did, per ABI; it is checked before it is
/// written.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Where to write the policy (overwritten) [default: seccomp-policy.seccomp, or
    /// seccomp-policy.rs with `--format macro`].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// An earlier recording to add this run to (it may be the output file).
    #[arg(long, value_name = "POLICY")]
    merge: Option<PathBuf>,
    /// How to write the policy.
    #[arg(long, value_enum, default_value_t = record::Format::Policy)]
    format: record::Format,
    /// Record the values of a syscall's command or flags argument (fcntl's cmd, ioctl's
    /// request, ...) as conditions, when a run saw at most 8 distinct values of it.
    #[arg(long)]
    args: bool,
    #[command(flatten)]
    command_line: CommandLine,
}

/// `seccomp-dsl record`: what it writes and its exit statuses are in [`RecordArgs`]'s help.
pub fn exec(args: &RecordArgs) -> ExitCode {
    // Read before the command runs: a long run is not wasted on a policy that cannot merge.
    let earlier = match &args.merge {
        None => None,
        Some(path) => match input::policy_file(path) {
            Ok(parsed) => match record::merge::read(&parsed.policy) {
                Ok(earlier) => Some((path, earlier)),
                Err(why) => {
                    eprintln!("seccomp-dsl: cannot merge {}: {why}", path.display());
                    return ExitCode::from(exit::TOOL_FAILED);
                }
            },
            Err(error) => {
                error.print();
                return ExitCode::from(exit::TOOL_FAILED);
            }
        },
    };
    let (mut recording, status) = match record::record(&args.command_line.command, args.args) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("seccomp-dsl: {e}");
            return ExitCode::from(
                e.spawn_error()
                    .map_or(exit::TOOL_FAILED, exit::of_spawn_error),
            );
        }
    };
    let mut ended = record::describe(status);
    if let Some((path, earlier)) = &earlier {
        record::merge(&mut recording, earlier);
        ended = format!("{ended}; merged with {}", path.display());
        // The union of two sound policies of this shape is sound; checked all the same,
        // as the file will be read back by every subcommand.
        let file = record::render(&recording, &[], String::new(), record::Format::Policy);
        if let Err(error) = ParsedPolicy::parse(&file, "the merged policy") {
            eprintln!("seccomp-dsl: the merged policy is refused: {error}");
            return ExitCode::from(exit::TOOL_FAILED);
        }
    }
    let text = record::render(&recording, &args.command_line.command, ended, args.format);
    let output = args.output.clone().unwrap_or_else(|| {
        PathBuf::from(match args.format {
            record::Format::Policy => "seccomp-policy.seccomp",
            record::Format::Macro => "seccomp-policy.rs",
        })
    });
    if let Err(e) = fs::write(&output, text) {
        eprintln!(
            "seccomp-dsl: writing the policy to {} failed: {e}",
            output.display()
        );
        return ExitCode::from(exit::TOOL_FAILED);
    }
    eprintln!(
        "seccomp-dsl: recorded {} syscalls ({}); policy written to {}",
        recording.distinct(),
        recording.abi_list(),
        output.display()
    );
    ExitCode::from(exit::of_command(status))
}
