//! The policies checked in the arm64 kernel, and the probes each one gets.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use seccomp_dsl::{seccomp_policy, syscall_name, syscall_number, Abi, Endian, Policy, Program};

use crate::policies::{arguments, policy_spec, realize};

/// The ABIs an arm64 kernel runs: its own and, with CONFIG_COMPAT, 32-bit arm.
pub const ABIS: [Abi; 2] = [Abi::Aarch64, Abi::Arm];

/// A number past both ABIs' tables (theirs end below 500): the `unknown` action's ground.
const PAST_THE_TABLE: i32 = 1000;

/// Seeds of `policies::arguments` for the fixed policies' probes.
const FIXED_SEEDS: [u64; 8] = [
    0,
    1,
    0xffff_ffff,
    0x1_0000_0003,
    0x8000_0000_0000_0002,
    0x0123_4567_89ab_cdef,
    0xfedc_ba98_7654_3210,
    0x5555_aaaa_0000_0013,
];

/// A policy, the BPF program its build exported, and what to ask the kernel about it.
pub struct Case {
    pub name: String,
    pub policy: Policy,
    /// The bytes the guest installs.
    pub bytes: Vec<u8>,
    /// Those bytes read back, for the simulator: it runs exactly what the kernel runs.
    pub program: Program,
    pub probes: Vec<Probe>,
}

/// One syscall through one ABI; on arm only the low 32 bits of each argument exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Probe {
    pub abi: Abi,
    pub nr: i32,
    pub args: [u64; 6],
}

impl Probe {
    fn new(abi: Abi, nr: i32, args: [u64; 6]) -> Probe {
        Probe {
            abi,
            nr,
            args: abi.as_passed(args),
        }
    }

    /// The syscall's name, or its number if the table has none.
    pub fn syscall(&self) -> String {
        syscall_name(self.abi, self.nr).map_or_else(|| format!("#{}", self.nr), str::to_owned)
    }
}

/// The fixed cases, then `random` random ones, with `per_name` argument vectors per
/// syscall of a random policy.
pub fn all(random: usize, seed: u64, per_name: usize) -> Result<Vec<Case>, String> {
    let mut cases = fixed()?;
    cases.extend(random_cases(random, seed, per_name.max(1))?);
    Ok(cases)
}

/// Policies written for this kernel: every action, 64-bit comparisons on aarch64, 32-bit
/// ones on arm, an `unknown` action, common rules, one block for both ABIs and one each,
/// and an aarch64-only policy whose arm calls get `bad_arch`, built at run time and
/// precompiled by the macro.
fn fixed() -> Result<Vec<Case>, String> {
    let aarch64 = seccomp_policy! {
        default errno(EPERM);
        bad_arch errno(EXDEV);
        abi aarch64 {
            allow getppid;
            log getuid;
            errno(ENOTTY) geteuid;
            trap getgid;
            kill_thread getegid;
            kill_process ptrace;
            trace(7) getpgid;
            notify getsid;
            allow fcntl if arg1 == 3;                   // F_GETFL
            errno(EHOSTDOWN) fcntl if arg1 == 1;        // F_GETFD
            errno(E2BIG) umask if arg0 & 7 == 2;
            errno(EOVERFLOW) umask if arg0 == 0x1_0000_0013;
            allow getpriority if arg0 <= 2 && arg1 != 0x1_0000_0000;
            errno(ERANGE) lseek if arg1 > 0xffff_ffff;  // an offset past 4 GiB
        }
    };
    let merged = seccomp_policy! {
        default errno(EPERM);
        unknown errno(ENOSYS);
        allow getppid;
        abi aarch64, arm {
            allow getpid;
            errno(ENOTTY) getuid;
            trap getgid;
            kill_process ptrace;
            allow fcntl if arg1 == 3;
            errno(EHOSTDOWN) umask if arg0 >= 0x8000_0000;
            errno(E2BIG) getpriority if arg0 == 0 && arg1 == 0xffff_ffff;
        }
    };
    let two_blocks = seccomp_policy! {
        default trap;
        allow getppid;
        abi aarch64 {
            errno(ENOTTY) getuid;
            allow fcntl if arg1 == 3;
            errno(EHOSTDOWN) getpid;
        }
        abi arm {
            errno(ENOTTY) getuid32;
            errno(EHOSTDOWN) getuid;
            allow fcntl64 if arg1 == 3;
            allow _llseek;
            kill_thread getpid;
            log getgid32;
        }
    };
    // The same tokens twice, but for the setting: the precompiled program must be the one
    // the run-time build exports.
    macro_rules! aarch64_only {
        ($($precompiled:tt)*) => {
            seccomp_policy! {
                default allow;
                $($precompiled)*
                abi aarch64 {
                    errno(EHOSTDOWN) getppid;
                    kill_process ptrace;
                    errno(ENOTTY) fcntl if arg1 == 3;
                    trap kill if arg1 == 0;
                }
            }
        };
    }
    let precompiled = aarch64_only!(precompiled = true;);
    let built = aarch64_only!();
    let embedded = precompiled.precompiled_program().to_bytes();
    let exported = export(&built)?;
    if embedded != exported {
        return Err("the precompiled aarch64 program differs from the run-time build".into());
    }
    let mut cases = Vec::new();
    for (name, policy, bytes) in [
        ("fixed: aarch64 (arm gets bad_arch errno)", aarch64, None),
        ("fixed: aarch64, arm in one block", merged, None),
        ("fixed: aarch64 and arm blocks", two_blocks, None),
        (
            "fixed: aarch64 only, precompiled (arm gets bad_arch kill)",
            precompiled.into_policy(),
            Some(embedded),
        ),
    ] {
        let bytes = match bytes {
            Some(bytes) => bytes,
            None => export(&policy)?,
        };
        let probes = fixed_probes(&policy);
        cases.push(case(name.to_owned(), policy, bytes, probes)?);
    }
    Ok(cases)
}

/// Every syscall a fixed policy names and a few it does not, on both ABIs, with zeros and
/// arguments at its comparisons' boundaries; a number past the table.
fn fixed_probes(policy: &Policy) -> Vec<Probe> {
    let mut names: BTreeSet<&str> = ["getpid", "getppid", "getuid", "getcwd", "umask"].into();
    for (_, rule) in policy.rules() {
        for abi in ABIS {
            names.extend(rule.on_abi(abi).syscalls.iter().map(|&(_, name)| name));
        }
    }
    let mut all_args = vec![[0; 6]];
    all_args.extend(arguments(policy, &FIXED_SEEDS));
    let mut probes = Vec::new();
    for abi in ABIS {
        // An ABI the policy does not name is decided before any argument is read.
        let args = if policy.abis().contains(&abi) {
            &all_args[..]
        } else {
            &all_args[..1]
        };
        for name in &names {
            if let Some(nr) = syscall_number(abi, name) {
                probes.extend(args.iter().map(|&args| Probe::new(abi, nr, args)));
            }
        }
        assert!(syscall_name(abi, PAST_THE_TABLE).is_none());
        probes.push(Probe::new(abi, PAST_THE_TABLE, [0; 6]));
    }
    dedup(probes)
}

/// Random valid policies from the property tests' generator (`support/policies.rs`),
/// those that name aarch64 or arm (others give every probe here the `bad_arch` action);
/// each is probed like `simulator_props` asks the simulator: every syscall its rules name
/// on the ABI and `getpid`, with arguments biased toward its comparisons' values, and a
/// number past the table.
fn random_cases(count: usize, seed: u64, per_name: usize) -> Result<Vec<Case>, String> {
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = (policy_spec(), prop::collection::vec(any::<u64>(), 32));
    let mut cases = Vec::new();
    let mut drawn = 0;
    while cases.len() < count {
        drawn += 1;
        if drawn > 20 * count {
            return Err(format!(
                "{drawn} random policies drawn, only {} name aarch64 or arm",
                cases.len()
            ));
        }
        let (spec, seeds) = strategy
            .new_tree(&mut runner)
            .map_err(|e| format!("drawing a random policy: {e}"))?
            .current();
        let Some(generated) = realize(&spec) else {
            continue;
        };
        let policy = generated.policy;
        if !policy.abis().iter().any(|abi| ABIS.contains(abi)) {
            continue;
        }
        let all_args = arguments(&policy, &seeds);
        let mut probes = Vec::new();
        for abi in ABIS {
            // An ABI the policy does not name is decided before any argument is read.
            let take = if policy.abis().contains(&abi) {
                per_name
            } else {
                1
            };
            for (i, nr) in random_probe_numbers(&policy, abi).into_iter().enumerate() {
                probes
                    .extend((0..take).map(|k| Probe::new(abi, nr, all_args[(i * take + k) % 32])));
            }
            // The generator gives some policies an `unknown` action.
            probes.push(Probe::new(abi, PAST_THE_TABLE, [0; 6]));
        }
        let name = format!("random #{} (draw {drawn})", cases.len());
        let bytes = export(&policy)?;
        cases.push(case(name, policy, bytes, dedup(probes))?);
    }
    eprintln!(
        "arm64-probes: {drawn} random policies drawn, {} name aarch64 or arm and are kept",
        cases.len()
    );
    Ok(cases)
}

/// The numbers of the syscalls the policy's rules name on `abi`, and `getpid`'s.
fn random_probe_numbers(policy: &Policy, abi: Abi) -> Vec<i32> {
    let mut names: BTreeSet<&str> = ["getpid"].into();
    for (_, rule) in policy.rules() {
        names.extend(rule.on_abi(abi).syscalls.iter().map(|&(_, name)| name));
    }
    names
        .into_iter()
        .filter_map(|name| syscall_number(abi, name))
        .collect()
}

fn dedup(probes: Vec<Probe>) -> Vec<Probe> {
    let mut seen = std::collections::HashSet::new();
    probes.into_iter().filter(|p| seen.insert(*p)).collect()
}

/// The policy's BPF program, built and exported by the project (`Policy::build`,
/// `Filter::export_bpf`).
fn export(policy: &Policy) -> Result<Vec<u8>, String> {
    let filter = policy
        .build()
        .map_err(|e| format!("a policy failed to build: {e}\n{policy:#?}"))?;
    filter.export_bpf().map_err(|e| format!("export: {e}"))
}

fn case(name: String, policy: Policy, bytes: Vec<u8>, probes: Vec<Probe>) -> Result<Case, String> {
    let program = Program::from_bytes(&bytes, Endian::Little, policy.attributes())
        .ok_or_else(|| format!("{name}: the exported program is not whole instructions"))?;
    Ok(Case {
        name,
        policy,
        bytes,
        program,
        probes,
    })
}
