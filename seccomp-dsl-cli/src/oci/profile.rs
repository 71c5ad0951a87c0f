//! Reading seccomp profiles: OCI's `linux.seccomp` object (alone or inside a runtime
//! `config.json`) and Docker's format, which adds `archMap` and rules included or
//! excluded by capability, architecture and kernel version.
//!
//! Docker's rules are resolved as Docker resolves them (moby/profiles
//! `seccomp/seccomp_linux.go`, `setupSeccomp`) for a machine, a set of capabilities and
//! a kernel the caller assumes; what was resolved is said in notes.

use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompFilterFlag};
use serde::Deserialize;

use seccomp_runtime::Abi;

use super::arch;

/// One rule of a profile, as written (Docker's `name` folded into `names`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyscallRule {
    /// The syscall names.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub names: Vec<String>,
    /// Docker's older single name.
    #[serde(default)]
    name: Option<String>,
    /// The action.
    pub action: LinuxSeccompAction,
    /// The errno of `SCMP_ACT_ERRNO`, the message of `SCMP_ACT_TRACE`.
    #[serde(default)]
    pub errno_ret: Option<u32>,
    /// The comparisons.
    #[serde(default)]
    pub args: Option<Vec<LinuxSeccompArg>>,
    /// Docker: the rule applies only if all of these hold.
    #[serde(default)]
    includes: Option<Filter>,
    /// Docker: the rule does not apply if any of these holds.
    #[serde(default)]
    excludes: Option<Filter>,
}

/// Docker's `includes` / `excludes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    #[serde(default, deserialize_with = "null_as_empty")]
    arches: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    caps: Vec<String>,
    #[serde(default)]
    min_kernel: Option<String>,
}

/// Docker's `archMap` entry: a machine's architecture and the ones it also runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchMap {
    architecture: Arch,
    #[serde(default, deserialize_with = "null_as_empty")]
    sub_architectures: Vec<Arch>,
}

/// A profile in either format, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    default_action: LinuxSeccompAction,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default)]
    architectures: Option<Vec<Arch>>,
    #[serde(default)]
    arch_map: Option<Vec<ArchMap>>,
    #[serde(default)]
    flags: Option<Vec<LinuxSeccompFilterFlag>>,
    #[serde(default)]
    syscalls: Option<Vec<SyscallRule>>,
}

/// A list Docker may write as `null`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// What to assume when resolving Docker's conditional rules.
#[derive(Debug, Clone)]
pub struct Assume {
    /// The machine's native ABI (picks the `archMap` entry and `includes.arches`).
    pub machine: Abi,
    /// The container's capabilities (`CAP_SYS_ADMIN`, ...); Docker's default for an
    /// unprivileged container adds none of those the default profile asks about.
    pub caps: Vec<String>,
    /// The kernel version; `None`: newer than every `minKernel`.
    pub kernel: Option<(u32, u32)>,
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

impl Assume {
    /// What Docker's conditions are resolved for when not told: this machine's ABI,
    /// Docker's default capabilities, the newest kernel.
    pub fn docker_default() -> Self {
        Assume {
            machine: Abi::native().unwrap_or(Abi::X86_64),
            caps: DOCKER_DEFAULT_CAPS.iter().map(|c| c.to_string()).collect(),
            kernel: None,
        }
    }
}

/// A profile with Docker's conditions resolved: what an OCI runtime would be given.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The default action.
    pub default_action: LinuxSeccompAction,
    /// Its errno or trace message.
    pub default_errno_ret: Option<u32>,
    /// The architectures, as listed.
    pub architectures: Vec<Arch>,
    /// The filter flags.
    pub flags: Vec<LinuxSeccompFilterFlag>,
    /// The rules, in order.
    pub syscalls: Vec<SyscallRule>,
    /// How Docker's conditions were resolved.
    pub notes: Vec<String>,
}

/// Why a profile cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Not JSON, or not a seccomp profile.
    #[error("not a seccomp profile: {0}")]
    Json(#[from] serde_json::Error),
    /// A runtime `config.json` without `linux.seccomp`.
    #[error("the OCI runtime config has no linux.seccomp object")]
    NoSeccomp,
    /// Both of Docker's ways of listing architectures (Docker refuses it too).
    #[error("both 'architectures' and 'archMap' are given; Docker refuses that, give one")]
    BothArchitectures,
    /// A rule with both `name` and `names` (Docker refuses it too).
    #[error("syscall rule {0} has both 'name' and 'names'")]
    BothNames(usize),
    /// A `minKernel` that is not `MAJOR.MINOR`.
    #[error("syscall rule {0}: minKernel `{1}` is not MAJOR.MINOR")]
    Kernel(usize, String),
}

/// How many rules runc adds for `profile`: per rule, one per name, times one per
/// comparison when two compare the same argument (runc splits those), else once. What the
/// import does grows with this, so it is what the input limit counts.
pub fn added_rules(profile: &Profile) -> usize {
    profile
        .syscalls
        .iter()
        .map(|rule| {
            let args = rule.args.as_deref().unwrap_or(&[]);
            let mut seen = 0u64;
            let repeated = args.iter().any(|arg| {
                let bit = 1u64 << arg.index().min(63);
                let again = seen & bit != 0;
                seen |= bit;
                again
            });
            let alternatives = if repeated { args.len() } else { 1 };
            rule.names.len().saturating_mul(alternatives)
        })
        .fold(0usize, usize::saturating_add)
}

/// Read a profile from JSON text and resolve Docker's conditions under `assume`.
///
/// # Errors
///
/// [`ProfileError`].
pub fn read(text: &str, assume: &Assume) -> Result<Profile, ProfileError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    // A whole runtime config.json: its linux.seccomp object.
    let value = match value.get("linux") {
        Some(linux) if value.get("defaultAction").is_none() => linux
            .get("seccomp")
            .cloned()
            .ok_or(ProfileError::NoSeccomp)?,
        _ => value,
    };
    let raw: Raw = serde_json::from_value(value)?;
    let mut notes = Vec::new();
    let machine_arch = arch::to_oci(assume.machine);
    let architectures = match (raw.architectures, raw.arch_map) {
        (Some(list), Some(map)) if !list.is_empty() && !map.is_empty() => {
            return Err(ProfileError::BothArchitectures)
        }
        (Some(list), _) if !list.is_empty() => list,
        (_, Some(map)) if !map.is_empty() => {
            match map.iter().find(|m| Some(m.architecture) == machine_arch) {
                Some(entry) => {
                    let mut list = vec![entry.architecture];
                    list.extend(&entry.sub_architectures);
                    notes.push(format!(
                        "archMap: resolved for a {} machine (--arch): {}",
                        assume.machine,
                        names(&list)
                    ));
                    list
                }
                None => {
                    notes.push(format!(
                        "archMap has no entry for {} (--arch): Docker lists no architecture, \
                         and the runtime filters the native one only",
                        assume.machine
                    ));
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    };
    let machine = arch::docker_name(assume.machine).unwrap_or_default();
    let mut syscalls = Vec::new();
    for (index, mut rule) in raw.syscalls.unwrap_or_default().into_iter().enumerate() {
        if let Some(name) = rule.name.take() {
            if !rule.names.is_empty() {
                return Err(ProfileError::BothNames(index));
            }
            rule.names = vec![name];
        }
        if rule.includes.is_none() && rule.excludes.is_none() {
            syscalls.push(rule);
            continue;
        }
        let (keep, why) = resolve(index, &rule, machine, assume)?;
        notes.push(format!(
            "{} {} ({why})",
            if keep { "kept" } else { "left out" },
            rule.names.join(", ")
        ));
        if keep {
            syscalls.push(rule);
        }
    }
    Ok(Profile {
        default_action: raw.default_action,
        default_errno_ret: raw.default_errno_ret,
        architectures,
        flags: raw.flags.unwrap_or_default(),
        syscalls,
        notes,
    })
}

/// Whether Docker keeps `rule` under `assume`, and why, in its order: excludes by arch,
/// caps, kernel, then includes by arch, caps, kernel.
fn resolve(
    index: usize,
    rule: &SyscallRule,
    machine: &str,
    assume: &Assume,
) -> Result<(bool, String), ProfileError> {
    let has_cap = |cap: &String| assume.caps.contains(cap);
    let kernel_at_least = |min: &str| -> Result<bool, ProfileError> {
        let wanted = parse_kernel(min).ok_or_else(|| ProfileError::Kernel(index, min.into()))?;
        Ok(assume.kernel.is_none_or(|kernel| kernel >= wanted))
    };
    if let Some(excludes) = &rule.excludes {
        if excludes.arches.iter().any(|a| a == machine) {
            return Ok((false, format!("excluded on {machine}")));
        }
        if let Some(cap) = excludes.caps.iter().find(|c| has_cap(c)) {
            return Ok((false, format!("excluded with {cap}, assumed by --caps")));
        }
        if let Some(min) = &excludes.min_kernel {
            if kernel_at_least(min)? {
                return Ok((false, format!("excluded from kernel {min}")));
            }
        }
    }
    let mut why = Vec::new();
    if let Some(includes) = &rule.includes {
        if !includes.arches.is_empty() {
            if !includes.arches.iter().any(|a| a == machine) {
                return Ok((
                    false,
                    format!(
                        "only on {}; --arch is {machine}",
                        includes.arches.join(", ")
                    ),
                ));
            }
            why.push(format!("on {machine}"));
        }
        if let Some(cap) = includes.caps.iter().find(|c| !has_cap(c)) {
            return Ok((false, format!("needs {cap}; --caps does not grant it")));
        }
        if !includes.caps.is_empty() {
            why.push(format!("with {}", includes.caps.join(", ")));
        }
        if let Some(min) = &includes.min_kernel {
            if !kernel_at_least(min)? {
                return Ok((false, format!("needs kernel {min}; --kernel is older")));
            }
            why.push(format!("kernel {min} or newer assumed"));
        }
    }
    if let Some(excludes) = &rule.excludes {
        if !excludes.caps.is_empty() {
            why.push(format!("without {}", excludes.caps.join(", ")));
        }
        if !excludes.arches.is_empty() {
            why.push(format!("not on {}", excludes.arches.join(", ")));
        }
    }
    Ok((true, why.join(", ")))
}

/// `4.8` or `5.10.0` as (major, minor).
pub fn parse_kernel(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

fn names(list: &[Arch]) -> String {
    list.iter()
        .map(|a| arch::oci_name(*a))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assume(caps: &[&str]) -> Assume {
        Assume {
            machine: Abi::X86_64,
            caps: caps.iter().map(|c| c.to_string()).collect(),
            kernel: Some((5, 4)),
        }
    }

    const DOCKER: &str = r#"{
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "archMap": [{"architecture": "SCMP_ARCH_X86_64",
                     "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
        "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
            {"name": "arch_prctl", "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
            {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
             "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["pidfd_open"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.3"}},
            {"names": ["s390_runtime_instr"], "action": "SCMP_ACT_ALLOW",
             "includes": {"arches": ["s390x"]}}
        ]
    }"#;

    fn kept(profile: &Profile) -> Vec<&str> {
        profile
            .syscalls
            .iter()
            .flat_map(|s| s.names.iter().map(String::as_str))
            .collect()
    }

    #[test]
    fn docker_rules_resolve_like_docker() {
        let profile = read(DOCKER, &assume(&[])).unwrap();
        assert_eq!(profile.architectures.len(), 3);
        assert_eq!(
            kept(&profile),
            ["read", "arch_prctl", "clone3", "pidfd_open"]
        );
        let admin = read(DOCKER, &assume(&["CAP_SYS_ADMIN"])).unwrap();
        assert_eq!(kept(&admin), ["read", "arch_prctl", "bpf", "pidfd_open"]);
        let old = Assume {
            kernel: Some((4, 19)),
            ..assume(&[])
        };
        assert_eq!(
            kept(&read(DOCKER, &old).unwrap()),
            ["read", "arch_prctl", "clone3"]
        );
        assert!(profile
            .notes
            .iter()
            .any(|n| n == "left out bpf (needs CAP_SYS_ADMIN; --caps does not grant it)"));
    }

    #[test]
    fn a_runtime_config_gives_its_seccomp_object() {
        let config = r#"{"ociVersion": "1.0.2", "linux": {"seccomp": {
            "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_AARCH64"]}}}"#;
        let profile = read(config, &assume(&[])).unwrap();
        assert_eq!(profile.architectures, [Arch::ScmpArchAarch64]);
        assert!(matches!(
            read(r#"{"linux": {}}"#, &assume(&[])),
            Err(ProfileError::NoSeccomp)
        ));
        assert!(matches!(
            read("[1]", &assume(&[])),
            Err(ProfileError::Json(_))
        ));
    }

    #[test]
    fn kernel_versions() {
        assert_eq!(parse_kernel("4.8"), Some((4, 8)));
        assert_eq!(parse_kernel("5.10.3"), Some((5, 10)));
        assert_eq!(parse_kernel("6"), Some((6, 0)));
        assert_eq!(parse_kernel("x"), None);
    }
}
