//! `seccomp-dsl explain FILE ABI SYSCALL [ARG...]`: what the policy does with one syscall,
//! which rule decides it, and what the built filter does, instruction by instruction.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seccomp_runtime::group::{Group, Member};
use seccomp_runtime::syntax::ParsedPolicy;
use seccomp_runtime::{syscall_name, syscall_number, Abi, Decision, Entry, RuleRef, SeccompData};

use crate::exit;
use crate::input;

// The doc comment is the subcommand's `--help`.
/// Explain what a policy file does with one syscall: the action, the rule that decides
/// it (file:line, and the group the syscall comes from), the same from the built
/// filter's simulated BPF, and the BPF instructions that run.
///
/// Exits 0 when the policy and its filter agree, 1 when they do not, 2 on bad input.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The policy file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The ABI the syscall is made through: x86_64, x86, x32, aarch64, ...
    #[arg(value_name = "ABI")]
    abi: String,
    /// The syscall: a name, or a number as `seccomp_data.nr` carries it (x32 numbers with
    /// their 0x40000000 bit).
    #[arg(value_name = "SYSCALL")]
    syscall: String,
    /// Up to six arguments, decimal (negative ones are sign-extended) or 0x hex; missing
    /// ones are 0.
    #[arg(value_name = "ARG", num_args = 0..=6, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// `seccomp-dsl explain`: what it writes and its exit statuses are in [`ExplainArgs`]'s help.
pub fn exec(args: &ExplainArgs) -> ExitCode {
    match explain(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(exit::NO),
        Err(message) => {
            if !message.is_empty() {
                eprintln!("seccomp-dsl: {message}");
            }
            ExitCode::from(exit::FAILED)
        }
    }
}

fn explain(args: &ExplainArgs) -> Result<bool, String> {
    let abi: Abi = args.abi.parse().map_err(|e| format!("{e}"))?;
    let mut values = [0u64; 6];
    for (slot, text) in values.iter_mut().zip(&args.args) {
        *slot = parse_arg(text).ok_or_else(|| {
            format!("`{text}` is not an argument value: write it in decimal or as 0x hex")
        })?;
    }
    let (name, nr) = syscall(abi, &args.syscall)?;
    let parsed = input::policy_file(&args.file).map_err(|error| {
        error.print();
        String::new()
    })?;
    let policy = &parsed.policy;

    let shown_args: Vec<String> = values.iter().map(|v| format!("{v:#x}")).collect();
    println!(
        "{abi} {}({}), nr {nr}",
        name.unwrap_or("<unknown>"),
        shown_args.join(", ")
    );
    let decision = match name {
        Some(name) => policy.decide(abi, name, values),
        None => policy.decide_nr(abi, nr as u32, values),
    };
    println!(
        "policy: {}",
        describe(&decision, &parsed, &args.file, abi, name)
    );

    let filter = policy.build().map_err(|e| e.to_string())?;
    let program = filter.program().map_err(|e| e.to_string())?;
    let data = SeccompData::new(abi, nr, values);
    let (path, value) = program.trace(&data).map_err(|e| e.to_string())?;
    let action = seccomp_runtime::Action::from_return_value(value);
    let agrees = decision.permits(action);
    println!(
        "filter: {action} (the built BPF, simulated){}",
        if agrees {
            "; agrees with the policy"
        } else {
            "; DISAGREES with the policy"
        }
    );
    println!(
        "BPF: {} of {} instructions run:",
        path.len(),
        program.instructions().len()
    );
    for pc in path {
        if let Some(instruction) = program.instructions().get(pc) {
            println!("  {pc:>5}: {}", instruction.text(pc, program.endian()));
        }
    }
    Ok(agrees)
}

/// Decimal (sign-extended if negative) or 0x hex.
fn parse_arg(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    text.parse::<u64>()
        .ok()
        .or_else(|| text.parse::<i64>().ok().map(|v| v as u64))
}

/// The syscall's name (if the table knows it) and number on `abi`.
fn syscall(abi: Abi, text: &str) -> Result<(Option<&'static str>, i32), String> {
    if let Some(nr) = parse_arg(text).and_then(|nr| i32::try_from(nr).ok()) {
        return Ok((syscall_name(abi, nr), nr));
    }
    match (syscall_number(abi, text), syscall_name_static(abi, text)) {
        (Some(nr), Some(name)) => Ok((Some(name), nr)),
        _ => Err(match seccomp_runtime::nearest_syscall(abi, text) {
            Some(near) => format!("`{text}` is not a syscall on {abi}; did you mean `{near}`?"),
            None => format!("`{text}` is not a syscall on {abi}"),
        }),
    }
}

/// The table's own `&'static str` for a name.
fn syscall_name_static(abi: Abi, text: &str) -> Option<&'static str> {
    syscall_number(abi, text).and_then(|nr| syscall_name(abi, nr))
}

fn describe(
    decision: &Decision,
    parsed: &ParsedPolicy,
    file: &Path,
    abi: Abi,
    name: Option<&str>,
) -> String {
    match decision {
        Decision::BadArch(action) => format!("{action}, the bad_arch action: no block names {abi}"),
        Decision::Default(action) => format!("{action}, the default action: no rule matches"),
        Decision::Unknown(action) => {
            format!("{action}, the unknown action: the syscall table does not know this number")
        }
        Decision::Rule { action, at } => {
            format!("{action}, by {}", rule(parsed, file, *at, name))
        }
        Decision::Ambiguous(candidates) => {
            let rules: Vec<String> = candidates
                .iter()
                .map(|&(at, action)| format!("{action} by {}", rule(parsed, file, at, name)))
                .collect();
            format!("ambiguous: {}", rules.join("; "))
        }
        Decision::KernelExempt(filter) => format!(
            "allow, by the kernel: it runs this syscall before any seccomp filter (Linux 6.14+ \
             for uretprobe, 6.16+ for uprobe), so the filter's {filter} is never used"
        ),
        other => format!("{other:?}"),
    }
}

/// `file:line:col: allow @system_service (read via @basic_io)`.
fn rule(parsed: &ParsedPolicy, file: &Path, at: RuleRef, name: Option<&str>) -> String {
    let policy = &parsed.policy;
    let Some(rule) = policy.rules().find(|&(r, _)| r == at).map(|(_, rule)| rule) else {
        return at.to_string();
    };
    let place = match parsed.rule_location(at) {
        Some(location) => format!("{}:{location}", file.display()),
        None => file.display().to_string(),
    };
    let via = name
        .and_then(|name| {
            rule.entries().iter().find_map(|entry| match entry {
                Entry::Group(group) if group.contains(name) => Some((*group, name)),
                _ => None,
            })
        })
        .map(|(group, name)| {
            let chain = group_chain(group, name);
            match chain.last() {
                Some(inner) if chain.len() > 1 => format!(" ({name} via @{})", inner.name()),
                _ => format!(" ({name} in @{})", group.name()),
            }
        })
        .unwrap_or_default();
    let block = match at.block {
        None => "common rule".to_owned(),
        Some(b) => {
            let abis: Vec<&str> = policy
                .blocks()
                .get(b)
                .map(|block| block.abis().iter().map(|abi| abi.name()).collect())
                .unwrap_or_default();
            format!("block `abi {}`", abis.join(", "))
        }
    };
    format!("{place}: `{rule}`{via}, {block}")
}

/// The groups from `group` down to the one that lists `name` itself.
fn group_chain(group: &'static Group, name: &str) -> Vec<&'static Group> {
    let mut chain = vec![group];
    let direct = group
        .members()
        .any(|member| matches!(member, Member::Syscall(s) if s == name));
    if !direct {
        for member in group.members() {
            if let Member::Group(inner) = member {
                if inner.contains(name) {
                    chain.extend(group_chain(inner, name));
                    break;
                }
            }
        }
    }
    chain
}
