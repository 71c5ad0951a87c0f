//! A policy as an OCI runtime-spec `linux.seccomp` object, exactly or not at all.
//!
//! An OCI profile has one list of rules for every architecture it lists: runc and crun
//! build one libseccomp filter with all the architectures and add each rule by name, and
//! libseccomp adds a name on every architecture that has it. A policy's blocks may give
//! one syscall different rules on different ABIs; the export succeeds only where that
//! difference disappears in the profile (a name one ABI lacks), and otherwise names the
//! syscall and the ABIs that disagree.
//!
//! What an OCI profile cannot say, and how it is handled:
//!
//! - `bad_arch`: runc and crun never set libseccomp's bad-architecture action, whose
//!   default is `SCMP_ACT_KILL_THREAD`. A policy whose `bad_arch` is not `kill_thread` is
//!   refused unless the caller accepts that mapping ([`Options::kill_thread_on_bad_arch`]).
//! - `unknown`: no field; runc answers `ENOSYS` itself for syscall numbers above the
//!   highest one the profile names on each architecture. Left out, with a note. So that
//!   this stub leaves every syscall the table knows to the filter, the profile names each
//!   ABI's newest syscall in a rule with the default action (see [`super::enosys`]).
//! - `no_new_privs`: the OCI `process.noNewPrivileges` field, outside `linux.seccomp`;
//!   `optimize`: runc chooses the layout. Left out, with a note when not the default.
//! - Syscalls the runtime's libseccomp does not know: runc and crun ignore a name their
//!   libseccomp cannot resolve, so its rules are not enforced (under an allow default runc's
//!   ENOSYS stub is off, and a denied syscall runs). A rule with such a name on an exported
//!   ABI is refused, naming the syscalls and the installed libseccomp's version, unless the
//!   caller says the runtime's libseccomp is newer ([`Options::allow_unresolvable`]).
//! - The native ABI: runc and crun always filter the machine's native ABI with the
//!   profile's rules, listed or not. A profile that leaves it out would give it the rules
//!   of the ABIs it lists, where the policy gives it its own rules or the bad-arch action:
//!   refused, naming the native ABI. By default the machine is the 64-bit one of each
//!   exported ABI (x86_64 for x86 and x32, see [`arch::machine_native`]);
//!   [`Options::native`] names another (a 32-bit x86 machine runs an x86-only profile
//!   exactly).

use std::collections::BTreeMap;

use oci_spec::runtime::{
    LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder, LinuxSeccompBuilder,
    LinuxSeccompFilterFlag, LinuxSeccompOperator, LinuxSyscall, LinuxSyscallBuilder,
};
use seccomp_runtime::{syscall_exists, Abi, Action, CmpOp, Comparison, Policy};

use super::rules::{Clause, Decides};
use super::{arch, enosys, resolve};

/// How strictly to export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Export a policy whose `bad_arch` is not `kill_thread` anyway: runc and crun kill the
    /// calling thread for a syscall through an unlisted architecture.
    pub kill_thread_on_bad_arch: bool,
    /// Export only these ABIs of the policy (the others get the bad-arch action): a
    /// policy whose blocks disagree becomes one profile per group of ABIs that agree.
    pub abis: Option<Vec<Abi>>,
    /// Export rules for syscalls the installed libseccomp does not know anyway (with a
    /// note): the runtime that loads the profile has a newer libseccomp.
    pub allow_unresolvable: bool,
    /// The native ABI of the machine that runs the profile; `None`: the 64-bit machine of
    /// each exported ABI ([`arch::machine_native`]).
    pub native: Option<Abi>,
}

/// Why a policy cannot be one OCI profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The policy has mistakes; the checks list them.
    #[error("the policy has {} mistake(s):\n{}", .0.len(), list(.0))]
    Violations(Vec<String>),
    /// `--abi` names an ABI the policy does not.
    #[error("the policy has no block for ABI {0}")]
    NotInPolicy(Abi),
    /// The policy names an ABI OCI has no `SCMP_ARCH_*` for.
    #[error("ABI {0} has no SCMP_ARCH_* name in the OCI runtime spec")]
    NoOciArch(Abi),
    /// The policy's `bad_arch` action is not what runc and crun do.
    #[error(
        "bad_arch is {0}, but runc and crun kill only the calling thread (libseccomp's \
         default, SCMP_ACT_KILL_THREAD) for a syscall through an architecture the profile \
         does not list; write `bad_arch kill_thread;` or pass --kill-thread-on-bad-arch"
    )]
    BadArch(Action),
    /// One syscall has different rules on ABIs that all have it.
    #[error(
        "`{syscall}` has different rules on {}: an OCI profile gives a syscall the same \
         rules on every architecture that has it (export the ABIs that agree one profile \
         at a time, with --abi)\n{}",
        abis(.rules), list(&.rules.iter().map(|(abi, rules)| format!("{abi}: {rules}")).collect::<Vec<_>>())
    )]
    PerAbi {
        /// The syscall.
        syscall: String,
        /// Each ABI that has it, with what decides it there.
        rules: Vec<(Abi, Decides)>,
    },
    /// The profile leaves out the native ABI of the machine it is for, which runc and
    /// crun filter with the profile's rules anyway.
    #[error(
        "runc and crun apply a profile to the native ABI of the machine they run on as well \
         as to the architectures it lists: on a machine whose native ABI is {native}, this \
         profile ({}) would give \
         {native} its rules, where the policy gives {native} {}; export {native} with them \
         (--abi {},{native}{}), or, for a machine whose native ABI is one of them, say so \
         with --native",
        names(.exported),
        if *.in_policy { "its own rules" } else { "the bad_arch action (no block names it)" },
        names(.exported).replace(", ", ","),
        if *.in_policy { ", if they agree" } else { ", with a block for it" }
    )]
    NativeLeftOut {
        /// The machine's native ABI.
        native: Abi,
        /// The ABIs exported.
        exported: Vec<Abi>,
        /// Whether the policy names the native ABI.
        in_policy: bool,
    },
    /// Rules name syscalls the installed libseccomp cannot resolve: runc and crun built
    /// on it would ignore them.
    #[error(
        "{}: the installed libseccomp {version} does not know them. runc and crun resolve a \
         profile's names with the libseccomp they are linked with (`runc --version` prints \
         it) and ignore names it cannot resolve, so with libseccomp {version} or older these \
         rules are not enforced (under an allow default runc's ENOSYS stub is off and the \
         calls run); if the runtime's libseccomp knows them, pass --allow-unresolvable",
        unresolvable(.missing)
    )]
    Unresolvable {
        /// The installed libseccomp's version.
        version: String,
        /// Per exported ABI, the syscalls its rules name that libseccomp lacks there.
        missing: Vec<(Abi, Vec<String>)>,
    },
    /// An action this tool knows no OCI form of.
    #[error("action {0} has no OCI form known to this tool")]
    Action(Action),
    /// The OCI builders refused a value.
    #[error("building the OCI object failed: {0}")]
    Oci(#[from] oci_spec::OciSpecError),
}

fn list(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `mseal, listmount on x86_64; mseal on x86`.
pub fn unresolvable(missing: &[(Abi, Vec<String>)]) -> String {
    missing
        .iter()
        .map(|(abi, names)| format!("{} on {abi}", names.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn names(abis: &[Abi]) -> String {
    abis.iter()
        .map(|abi| abi.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn abis(rules: &[(Abi, Decides)]) -> String {
    let names: Vec<&str> = rules.iter().map(|(abi, _)| abi.name()).collect();
    names.join(", ")
}

/// The profile, and notes on what it leaves out.
#[derive(Debug)]
pub struct Exported {
    /// The `linux.seccomp` object.
    pub seccomp: LinuxSeccomp,
    /// What the policy says that the profile does not (none changes a decision on a
    /// syscall the syscall table knows).
    pub notes: Vec<String>,
}

/// The OCI profile that does what `policy` declares on every ABI it names.
///
/// # Errors
///
/// [`ExportError`]: the policy has mistakes, or something in it has no exact OCI form.
pub fn export(policy: &Policy, options: &Options) -> Result<Exported, ExportError> {
    let violations = policy.violations();
    if !violations.is_empty() {
        return Err(ExportError::Violations(
            violations.iter().map(ToString::to_string).collect(),
        ));
    }
    let abis = match &options.abis {
        Some(wanted) => {
            if let Some(&abi) = wanted.iter().find(|abi| !policy.abis().contains(abi)) {
                return Err(ExportError::NotInPolicy(abi));
            }
            wanted.clone()
        }
        None => policy.abis(),
    };
    // runc filters the machine's native ABI with the profile's rules whether it is listed
    // or not: a profile without it says something else about it than the policy does.
    let natives: Vec<Abi> = match options.native {
        Some(native) => vec![native],
        None => abis.iter().map(|&abi| arch::machine_native(abi)).collect(),
    };
    if let Some(&native) = natives.iter().find(|native| !abis.contains(native)) {
        return Err(ExportError::NativeLeftOut {
            native,
            exported: abis.clone(),
            in_policy: policy.abis().contains(&native),
        });
    }
    let architectures = abis
        .iter()
        .map(|&abi| arch::to_oci(abi).ok_or(ExportError::NoOciArch(abi)))
        .collect::<Result<Vec<_>, _>>()?;
    let bad_arch = policy.bad_arch_action();
    if bad_arch != Action::KillThread && !options.kill_thread_on_bad_arch {
        return Err(ExportError::BadArch(bad_arch));
    }

    // Per syscall name, the one set of clauses every ABI that has it agrees on.
    let mut by_name: BTreeMap<&str, Decides> = BTreeMap::new();
    let per_abi: Vec<(Abi, BTreeMap<&str, Decides>)> = abis
        .iter()
        .map(|&abi| (abi, decides_on(policy, abi)))
        .collect();
    for (_, decided) in &per_abi {
        for &name in decided.keys() {
            if by_name.contains_key(name) {
                continue;
            }
            let rules: Vec<(Abi, Decides)> = per_abi
                .iter()
                .filter(|(abi, _)| syscall_exists(*abi, name))
                .map(|(abi, decided)| (*abi, decided.get(name).cloned().unwrap_or_default()))
                .collect();
            if rules.iter().any(|(_, r)| *r != rules[0].1) {
                return Err(ExportError::PerAbi {
                    syscall: name.to_owned(),
                    rules,
                });
            }
            by_name.insert(name, rules[0].1.clone());
        }
    }

    // runc would drop the rules for names its libseccomp cannot resolve; only the
    // installed libseccomp can be asked.
    let missing: Vec<(Abi, Vec<String>)> = abis
        .iter()
        .map(|&abi| {
            let names = by_name
                .iter()
                .filter(|(name, decides)| {
                    !decides.is_empty() && syscall_exists(abi, name) && !resolve::knows(abi, name)
                })
                .map(|(name, _)| (*name).to_owned())
                .collect::<Vec<_>>();
            (abi, names)
        })
        .filter(|(_, names)| !names.is_empty())
        .collect();
    if !missing.is_empty() && !options.allow_unresolvable {
        return Err(ExportError::Unresolvable {
            version: resolve::version(),
            missing,
        });
    }

    // One entry per clause, with every name it decides, names sorted.
    let mut entries: Vec<(Clause, Vec<&str>)> = Vec::new();
    for (name, decides) in &by_name {
        for clause in decides.clauses() {
            match entries.iter_mut().find(|(c, _)| c == clause) {
                Some((_, names)) => names.push(name),
                None => entries.push((clause.clone(), vec![name])),
            }
        }
    }
    entries.sort_by_key(|(clause, _)| clause.sort_key());

    // runc's ENOSYS stub would answer the syscalls newer than the highest listed one on an
    // ABI: name each ABI's newest in a rule with the default action, which runc skips.
    let default = policy.default_action();
    let allows = matches!(default, Action::Allow | Action::Log | Action::Trace(_));
    let mut raisers: Vec<&str> = Vec::new();
    if enosys::applies(allows, to_oci_action(default)?.1) {
        for &abi in &abis {
            let listed = by_name.keys().copied().chain(raisers.iter().copied());
            let Some(max) = enosys::highest(abi, listed) else {
                continue;
            };
            match enosys::newest(abi) {
                Some(newest) if !enosys::above(abi, max).is_empty() => raisers.push(newest),
                _ => {}
            }
        }
    }
    if !raisers.is_empty() {
        raisers.sort_unstable();
        raisers.dedup();
        entries.push((Clause::new(default, &[]), raisers.clone()));
    }
    let syscalls = entries
        .iter()
        .map(|(clause, names)| syscall_entry(clause, names))
        .collect::<Result<Vec<_>, _>>()?;

    let (default_action, default_errno) = to_oci_action(policy.default_action())?;
    let mut builder = LinuxSeccompBuilder::default()
        .default_action(default_action)
        .architectures(architectures)
        .syscalls(syscalls);
    if let Some(errno) = default_errno {
        builder = builder.default_errno_ret(errno);
    }
    let attributes = policy.attributes();
    let flags: Vec<LinuxSeccompFilterFlag> = [
        (
            attributes.tsync,
            LinuxSeccompFilterFlag::SeccompFilterFlagTsync,
        ),
        (attributes.log, LinuxSeccompFilterFlag::SeccompFilterFlagLog),
        (
            attributes.ssb,
            LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow,
        ),
    ]
    .into_iter()
    .filter_map(|(on, flag)| on.then_some(flag))
    .collect();
    if !flags.is_empty() {
        builder = builder.flags(flags);
    }
    let mut notes = notes(policy);
    if !missing.is_empty() {
        notes.push(format!(
            "{}: unknown to the installed libseccomp {}; runc and crun ignore such rules \
             unless their libseccomp knows the names (--allow-unresolvable)",
            unresolvable(&missing),
            resolve::version()
        ));
    }
    if !raisers.is_empty() {
        notes.push(format!(
            "{} listed with the default action, which runc skips: without it, runc's ENOSYS \
             stub would answer the syscalls newer than the policy's newest",
            raisers.join(", ")
        ));
    }
    Ok(Exported {
        seccomp: builder.build()?,
        notes,
    })
}

/// What decides each syscall that some rule names on `abi`.
fn decides_on(policy: &Policy, abi: Abi) -> BTreeMap<&str, Decides> {
    let mut clauses: BTreeMap<&str, Vec<Clause>> = BTreeMap::new();
    for (_, rule) in policy.rules_for(abi) {
        for (_, name) in rule.on_abi(abi).syscalls {
            clauses
                .entry(name)
                .or_default()
                .push(Clause::new(rule.action(), rule.conditions()));
        }
    }
    clauses
        .into_iter()
        .map(|(name, clauses)| (name, Decides::reduce(clauses)))
        .collect()
}

fn notes(policy: &Policy) -> Vec<String> {
    let mut notes = Vec::new();
    if policy.bad_arch_action() != Action::KillThread {
        notes.push(format!(
            "bad_arch {} becomes kill_thread: runc and crun kill the calling thread for a \
             syscall through an unlisted architecture",
            policy.bad_arch_action()
        ));
    }
    if let Some(action) = policy.unknown_action() {
        notes.push(format!(
            "unknown {action} has no OCI field: runc answers ENOSYS for syscall numbers above \
             the highest one the profile names on each architecture, and gives holes in the \
             syscall table the default action"
        ));
    }
    let attributes = policy.attributes();
    if !attributes.no_new_privs {
        notes.push(
            "no_new_privs = false is the OCI process.noNewPrivileges field, outside \
             linux.seccomp: set it there"
                .to_owned(),
        );
    }
    if policy
        .rules()
        .any(|(_, rule)| rule.action() == Action::Notify)
        || policy.default_action() == Action::Notify
    {
        notes.push(
            "notify: the runtime needs linux.seccomp.listenerPath, the socket of the agent \
             that answers"
                .to_owned(),
        );
    }
    notes
}

/// The OCI action and its `errnoRet`: runc reads `errnoRet` as the errno of
/// `SCMP_ACT_ERRNO` and as the message of `SCMP_ACT_TRACE`.
///
/// # Errors
///
/// [`ExportError::Action`] for an action this tool does not know an OCI form of.
pub fn to_oci_action(action: Action) -> Result<(LinuxSeccompAction, Option<u32>), ExportError> {
    Ok(match action {
        Action::Allow => (LinuxSeccompAction::ScmpActAllow, None),
        Action::Log => (LinuxSeccompAction::ScmpActLog, None),
        Action::KillProcess => (LinuxSeccompAction::ScmpActKillProcess, None),
        Action::KillThread => (LinuxSeccompAction::ScmpActKillThread, None),
        Action::Trap => (LinuxSeccompAction::ScmpActTrap, None),
        Action::Errno(errno) => (
            LinuxSeccompAction::ScmpActErrno,
            Some(u32::try_from(errno).unwrap_or_default()),
        ),
        Action::Trace(message) => (LinuxSeccompAction::ScmpActTrace, Some(u32::from(message))),
        Action::Notify => (LinuxSeccompAction::ScmpActNotify, None),
        other => return Err(ExportError::Action(other)),
    })
}

fn syscall_entry(clause: &Clause, names: &[&str]) -> Result<LinuxSyscall, ExportError> {
    let (action, errno) = to_oci_action(clause.action)?;
    let mut builder = LinuxSyscallBuilder::default()
        .names(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        .action(action);
    if let Some(errno) = errno {
        builder = builder.errno_ret(errno);
    }
    if !clause.conditions.is_empty() {
        builder = builder.args(
            clause
                .conditions
                .iter()
                .map(to_oci_arg)
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    Ok(builder.build()?)
}

/// A comparison as OCI writes it; for `SCMP_CMP_MASKED_EQ`, `value` is the mask and
/// `valueTwo` the value, as libseccomp's `SCMP_A*(SCMP_CMP_MASKED_EQ, mask, value)`.
fn to_oci_arg(comparison: &Comparison) -> Result<LinuxSeccompArg, oci_spec::OciSpecError> {
    let (op, value, value_two) = match comparison.op {
        CmpOp::Eq => (LinuxSeccompOperator::ScmpCmpEq, comparison.value, None),
        CmpOp::Ne => (LinuxSeccompOperator::ScmpCmpNe, comparison.value, None),
        CmpOp::Lt => (LinuxSeccompOperator::ScmpCmpLt, comparison.value, None),
        CmpOp::Le => (LinuxSeccompOperator::ScmpCmpLe, comparison.value, None),
        CmpOp::Gt => (LinuxSeccompOperator::ScmpCmpGt, comparison.value, None),
        CmpOp::Ge => (LinuxSeccompOperator::ScmpCmpGe, comparison.value, None),
        CmpOp::MaskedEq(mask) => (
            LinuxSeccompOperator::ScmpCmpMaskedEq,
            mask,
            Some(comparison.value),
        ),
    };
    let mut builder = LinuxSeccompArgBuilder::default()
        .index(usize::from(comparison.arg))
        .value(value)
        .op(op);
    if let Some(value_two) = value_two {
        builder = builder.value_two(value_two);
    }
    builder.build()
}

/// The profile as JSON, indented.
///
/// # Errors
///
/// Those of `serde_json` (none for plain data with string keys).
pub fn to_json(seccomp: &LinuxSeccomp) -> serde_json::Result<String> {
    serde_json::to_string_pretty(seccomp)
}
