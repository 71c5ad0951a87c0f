//! The prefix, checked in the simulator against a model of what it must decide.
//!
//! Random specs (x86-64 and x32 together, other little- and big-endian ABIs, numbers with
//! actions of their own, known ranges, `unknown` on and off) are put in front of a program,
//! and every number in and around every boundary is run through ABIs in and out of the
//! spec: the result is the spec's action, or else exactly what the program alone returns.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use super::*;
use crate::bpf::opcodes::RET_A;
use crate::bpf::opcodes::{ALU_ADD, CLASS_ALU, JMP_JGT, SRC_X, TAX};
use crate::bpf::program::Program;
use crate::error::Error;
use crate::model::errno;
use crate::model::policy::Attributes;
use crate::simulate::SeccompData;
#[cfg(feature = "libseccomp")]
use crate::{
    model::policy::{Block, Policy},
    model::rule::Rule,
};

/// ABIs a spec may name: x86-64 and x32 share an `arch` value; s390x and mips are
/// big-endian; MIPS numbers start at 4000 and x32's at 0x40000000.
const POOL: &[Abi] = &[
    Abi::X86_64,
    Abi::X32,
    Abi::X86,
    Abi::Aarch64,
    Abi::S390X,
    Abi::Mips,
];

/// Where an ABI's numbers start.
fn base(abi: Abi) -> u32 {
    match abi {
        Abi::X32 => X32_BIT,
        Abi::Mips => 4000,
        _ => 0,
    }
}

const ACTIONS: &[Action] = &[
    Action::Allow,
    Action::Log,
    Action::KillProcess,
    Action::KillThread,
    Action::Trap,
    Action::Errno(errno::ENOSYS),
    Action::Errno(0),
    Action::Errno(errno::MAX),
    Action::Trace(7),
    Action::Notify,
];

/// One ABI's part of a spec, as written (ranges unsorted, overlapping, maybe empty).
#[derive(Debug, Clone)]
struct Model {
    abi: Abi,
    by_number: Vec<(u32, Action)>,
    unknown: Option<(Action, Vec<RangeInclusive<u32>>)>,
}

impl Model {
    /// What the prefix must decide for `nr` on this ABI; `None` is "fall through".
    fn decide(&self, nr: u32) -> Option<Action> {
        // The last action given for a number wins.
        if let Some((_, action)) = self.by_number.iter().rev().find(|(n, _)| *n == nr) {
            return Some(*action);
        }
        match &self.unknown {
            Some((action, known)) if !known.iter().any(|r| r.contains(&nr)) => Some(*action),
            _ => None,
        }
    }

    /// Numbers worth probing: every boundary and its neighbours.
    fn probes(&self) -> Vec<u32> {
        let mut probes = Vec::new();
        let mut around = |n: u32| {
            probes.extend([n.wrapping_sub(1), n, n.wrapping_add(1)]);
        };
        for (nr, _) in &self.by_number {
            around(*nr);
        }
        if let Some((_, known)) = &self.unknown {
            for r in known {
                around(*r.start());
                around(*r.end());
            }
        }
        probes
    }
}

fn prefix_of(models: &[Model]) -> Prefix {
    let mut prefix = Prefix::new();
    for model in models {
        for &(nr, action) in &model.by_number {
            prefix = prefix.number(model.abi, nr, action);
        }
        if let Some((action, known)) = &model.unknown {
            prefix = prefix.unknown(model.abi, *action, known.iter().cloned());
        }
    }
    prefix
}

/// The ABI a syscall with `arch` and `nr` is made through, among those sharing `arch`.
fn abi_of(arch_of: Abi, nr: u32) -> Abi {
    match arch_of {
        Abi::X86_64 | Abi::X32 if nr >= X32_BIT => Abi::X32,
        Abi::X86_64 | Abi::X32 => Abi::X86_64,
        abi => abi,
    }
}

fn action() -> impl Strategy<Value = Action> {
    proptest::sample::select(ACTIONS)
}

/// A number of `abi`: near its base mostly, sometimes anywhere.
fn number(abi: Abi) -> impl Strategy<Value = u32> {
    let base = base(abi);
    prop_oneof![
        8 => (0u32..1100).prop_map(move |n| base + n),
        1 => Just(base),
        1 => any::<u32>(),
    ]
}

fn range(abi: Abi) -> impl Strategy<Value = RangeInclusive<u32>> {
    let base = base(abi);
    prop_oneof![
        6 => (number(abi), 0u32..120).prop_map(|(start, len)| start..=start.saturating_add(len)),
        1 => (0u32..400).prop_map(move |len| base..=base + len),
        1 => number(abi).prop_map(|start| start..=u32::MAX),
        // Empty: it must be ignored.
        1 => number(abi).prop_map(|n| n.saturating_add(1)..=n),
    ]
}

fn model(abi: Abi) -> impl Strategy<Value = Model> {
    (
        proptest::collection::vec((number(abi), action()), 0..6),
        proptest::option::of((action(), proptest::collection::vec(range(abi), 0..8))),
    )
        .prop_map(move |(by_number, unknown)| Model {
            abi,
            by_number,
            unknown,
        })
}

fn models() -> impl Strategy<Value = Vec<Model>> {
    proptest::sample::subsequence(POOL, 0..=POOL.len())
        .prop_flat_map(|abis| abis.into_iter().map(model).collect::<Vec<_>>())
}

/// Fall-through targets: one that returns `nr + arch` (so that any fall-through is seen
/// with the data it was given), and libseccomp's programs of two byte orders.
fn programs() -> Vec<Program> {
    let ins = |code, k| Instruction {
        code,
        jt: 0,
        jf: 0,
        k,
    };
    let sum = Program::from_instructions(
        &[
            ins(LD_W_ABS, NR),
            ins(TAX, 0),
            ins(LD_W_ABS, ARCH),
            ins(CLASS_ALU | ALU_ADD | SRC_X, 0),
            ins(RET_A, 0),
        ],
        Attributes::default(),
    );
    #[cfg(feature = "libseccomp")]
    {
        let built = |abis: &[Abi]| {
            let filter = Policy::new(Action::Errno(errno::EPERM))
                .rule(Rule::new(Action::Allow, ["read", "write", "getpid"]))
                .block(Block::new(abis.iter().copied()))
                .build()
                .expect("builds");
            filter.program().expect("exports").clone()
        };
        vec![
            sum,
            built(&[Abi::X86_64, Abi::X32, Abi::X86]),
            built(&[Abi::S390X, Abi::Mips]),
        ]
    }
    #[cfg(not(feature = "libseccomp"))]
    vec![sum]
}

/// Only what the kernel's action cache follows, and only `nr` and `arch` loaded.
fn check_cacheable(instructions: &[Instruction]) -> Result<(), TestCaseError> {
    for (pc, i) in instructions.iter().enumerate() {
        match i.code {
            LD_W_ABS => prop_assert!(i.k == NR || i.k == ARCH, "{pc}: loads offset {}", i.k),
            RET_K | JA => {}
            code if code == CLASS_JMP | JMP_JEQ
                || code == CLASS_JMP | JMP_JGE
                || code == CLASS_JMP | JMP_JGT => {}
            code => prop_assert!(false, "{pc}: opcode {code:#06x}"),
        }
    }
    Ok(())
}

fn check(models: &[Model], programs: &[Program]) -> Result<(), TestCaseError> {
    let prefix = prefix_of(models);
    let instructions = prefix.instructions();
    let deciding = models
        .iter()
        .any(|m| !m.by_number.is_empty() || m.unknown.is_some());
    prop_assert_eq!(instructions.is_empty(), !deciding);
    check_cacheable(&instructions)?;
    let mut probes: Vec<u32> = models.iter().flat_map(Model::probes).collect();
    for abi in POOL {
        let b = base(*abi);
        probes.extend([0, 1, b.wrapping_sub(1), b, b + 1, b + 1099, u32::MAX]);
    }
    probes.extend([X32_BIT - 1, X32_BIT, X32_BIT + 1]);
    probes.sort_unstable();
    probes.dedup();
    for program in programs {
        let prefixed = program.with_prefix(&prefix).expect("fits");
        prop_assert_eq!(
            &prefixed.instructions()[instructions.len()..],
            program.instructions()
        );
        for &arch_of in POOL {
            for &nr in &probes {
                let data = SeccompData::new(arch_of, nr as i32, [u64::MAX; 6]);
                let abi = abi_of(arch_of, nr);
                let decided = models
                    .iter()
                    .find(|m| m.abi == abi)
                    .and_then(|m| m.decide(nr));
                let expected = match decided {
                    Some(action) => action.to_return_value(),
                    None => program.run(&data).expect("runs"),
                };
                let got = prefixed.run(&data).expect("runs");
                prop_assert_eq!(
                    got,
                    expected,
                    "{} nr {:#x}: got {}, expected {}",
                    abi,
                    nr,
                    Action::from_return_value(got),
                    Action::from_return_value(expected)
                );
            }
        }
    }
    Ok(())
}

#[test]
fn decides_what_the_spec_says_and_passes_the_rest_through() {
    let programs = programs();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&models(), |models| check(&models, &programs))
        .unwrap();
}

#[test]
fn far_targets_go_through_ja() {
    // Hundreds of ranges and numbers: targets beyond a conditional jump's 255.
    let known: Vec<RangeInclusive<u32>> = (0..250).map(|i| i * 10..=i * 10 + 4).collect();
    let by_number: Vec<(u32, Action)> = (0..150)
        .map(|i| (i * 10 + 7, ACTIONS[i as usize % ACTIONS.len()]))
        .collect();
    let models = [
        Model {
            abi: Abi::X86_64,
            by_number: by_number.clone(),
            unknown: Some((Action::Errno(errno::ENOSYS), known.clone())),
        },
        Model {
            abi: Abi::X32,
            by_number: by_number.iter().map(|&(n, a)| (n | X32_BIT, a)).collect(),
            unknown: Some((
                Action::Trap,
                known
                    .iter()
                    .map(|r| (r.start() | X32_BIT)..=(r.end() | X32_BIT))
                    .collect(),
            )),
        },
        Model {
            abi: Abi::X86,
            by_number,
            unknown: None,
        },
    ];
    let instructions = prefix_of(&models).instructions();
    assert!(instructions.iter().any(|i| i.code == JA && i.k > 255));
    // Every number up to past the last range, not only the boundaries.
    let mut full = models.to_vec();
    for m in &mut full {
        m.by_number.push((base(m.abi) + 2550, Action::Log));
    }
    let sum = &programs()[..1];
    check(&full, sum).unwrap();
    let prefix = prefix_of(&full);
    let program = sum[0].with_prefix(&prefix).unwrap();
    for nr in 0..2600 {
        for (arch_of, nr) in [
            (Abi::X86_64, nr),
            (Abi::X86_64, nr | X32_BIT),
            (Abi::X86, nr),
        ] {
            let abi = abi_of(arch_of, nr);
            let data = SeccompData::new(arch_of, nr as i32, [0; 6]);
            let expected = full
                .iter()
                .find(|m| m.abi == abi)
                .and_then(|m| m.decide(nr))
                .map_or_else(|| sum[0].run(&data).unwrap(), Action::to_return_value);
            assert_eq!(program.run(&data).unwrap(), expected, "{abi} {nr:#x}");
        }
    }
}

#[test]
fn an_empty_prefix_has_no_instructions_and_changes_nothing() {
    assert!(Prefix::new().is_empty());
    assert!(Prefix::new().instructions().is_empty());
    let programs = programs();
    let program = programs.last().expect("a program");
    assert_eq!(&program.with_prefix(&Prefix::new()).unwrap(), program);
}

#[test]
fn ranges_merge() {
    // An empty range (as `n + 1..=n` may be) is dropped.
    #[allow(clippy::reversed_empty_ranges)]
    let empty = 12..=11;
    assert_eq!(
        merge(vec![
            5..=9,
            0..=2,
            3..=4,
            20..=30,
            25..=26,
            empty,
            40..=u32::MAX
        ]),
        vec![0..=9, 20..=30, 40..=u32::MAX]
    );
}

#[test]
fn return_values_round_trip() {
    for &action in ACTIONS {
        assert_eq!(Action::from_return_value(action.to_return_value()), action);
    }
    assert_eq!(Action::Errno(-3).to_return_value(), 0x0005_0000);
    assert_eq!(Action::Errno(70_000).to_return_value(), 0x0005_0fff);
}

#[test]
fn too_long_is_refused_when_prefixed() {
    let known: Vec<RangeInclusive<u32>> = (0..2100).map(|i| i * 3..=i * 3).collect();
    let prefix = Prefix::new().unknown(Abi::X86_64, Action::Errno(errno::ENOSYS), known);
    let err = programs()[0].with_prefix(&prefix).unwrap_err();
    assert!(
        matches!(err, Error::TooLong { instructions, limit: 4096 } if instructions > 4096),
        "{err}"
    );
}

#[test]
#[cfg(feature = "libseccomp")]
fn a_filter_keeps_the_prefix_of_its_own_abis_only() {
    let filter = Policy::new(Action::Errno(errno::EPERM))
        .rule(Rule::new(Action::Allow, ["read"]))
        .block(Block::new([Abi::X86_64]))
        .build()
        .unwrap();
    let prefix = Prefix::new()
        .number(Abi::X86_64, 462, Action::Allow)
        .number(Abi::X32, X32_BIT | 462, Action::Allow);
    let filter = filter.with_prefix(prefix);
    let program = filter.program().unwrap();
    let at = |abi, nr: u32| program.simulate(&SeccompData::new(abi, nr as i32, [0; 6]));
    assert_eq!(at(Abi::X86_64, 462).unwrap(), Action::Allow);
    // x32 is not the policy's: the `bad_arch` action, not the prefix's allow.
    assert_eq!(at(Abi::X32, X32_BIT | 462).unwrap(), Action::KillProcess);
}
