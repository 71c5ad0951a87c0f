//! Every built filter does what its policy declares.
//!
//! Random valid policies (ABIs of one byte order in random blocks, syscalls those ABIs
//! have, actions other than the default, comparisons of every operator on 32- and 64-bit
//! values, common rules, both layouts) are built by libseccomp, and their BPF programs run
//! in the simulator on random arguments biased toward the compared values, their
//! neighbours and their masks. The simulated action must be the one
//! [`Policy::decide`] reads from the policy, on every ABI of the policy and on the ABIs it
//! does not name.
//!
//! Where libseccomp 2.5 builds a different filter on purpose or by design (it compares
//! only low words on the ABIs it deems 32-bit), the generator stays on the inputs where
//! the two can agree, and the `libseccomp_*` tests pin the difference down.
//!
//! `PROPTEST_CASES` sets the number of policies (default 1000).

use std::cell::Cell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use seccomp_dsl::{
    arg, syscall_number, Abi, Action, Block, CmpOp, Comparison, Decision, Instruction, Optimize,
    Policy, Program, Rule, SeccompData, Violation,
};

/// The ABIs a policy may name, by byte order (one filter holds one byte order).
const LITTLE: &[Abi] = &[
    Abi::X86_64,
    Abi::X86,
    Abi::X32,
    Abi::Aarch64,
    Abi::Arm,
    Abi::Riscv64,
    Abi::Mipsel64N32,
];
const BIG: &[Abi] = &[Abi::Ppc64, Abi::S390X, Abi::Mips64, Abi::Mips];

/// Syscalls rules are drawn from; each rule keeps those every ABI it applies to has.
const SYSCALLS: &[&str] = &[
    "read",
    "write",
    "close",
    "fcntl",
    "lseek",
    "getpid",
    "getppid",
    "getuid",
    "getpriority",
    "setpriority",
    "umask",
    "dup",
    "dup3",
    "openat",
    "ioctl",
    "kill",
    "prctl",
    "socket",
    "bind",
    "futex",
    "getrandom",
    "pipe2",
    "madvise",
    "mprotect",
    "fchmod",
    "flock",
    "getpgid",
    "getsid",
    "personality",
    "sched_getscheduler",
];

/// A comparison before it knows which argument and how wide its value may be.
#[derive(Debug, Clone)]
struct CmpSpec {
    arg: u8,
    op: u8,
    value: u64,
    mask: u64,
}

#[derive(Debug, Clone)]
struct RuleSpec {
    /// `None`: a common rule; else a block index (modulo the number of blocks).
    block: Option<usize>,
    syscalls: Vec<usize>,
    action: usize,
    comparisons: Vec<CmpSpec>,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    big_endian: bool,
    /// For each ABI of the family: which block names it (modulo), or `None`.
    placement: Vec<Option<usize>>,
    default: usize,
    bad_abi: usize,
    binary_tree: bool,
    rules: Vec<RuleSpec>,
}

/// Values worth comparing with: edges of the 32- and 64-bit ranges and random ones.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0u64..16,
        1 => prop::sample::select(vec![
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0x1_0000_0000,
            0x1_0000_0001,
            0x8000_0000_0000_0000,
            u64::MAX,
        ]),
        2 => any::<u32>().prop_map(u64::from),
        2 => any::<u64>(),
    ]
}

fn mask() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => (0u32..64).prop_map(|bit| 1u64 << bit),
        1 => Just(0xffff_ffff),
        1 => Just(0xffff_ffff_0000_0000),
        1 => Just(0o7),
        2 => any::<u64>(),
    ]
}

fn cmp_spec() -> impl Strategy<Value = CmpSpec> {
    (0u8..6, 0u8..7, value(), mask()).prop_map(|(arg, op, value, mask)| CmpSpec {
        arg,
        op,
        value,
        mask,
    })
}

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (
        prop::option::weighted(0.8, 0usize..3),
        prop::collection::vec(0..SYSCALLS.len(), 1..4),
        0usize..ACTIONS,
        prop::collection::vec(cmp_spec(), 0..4),
    )
        .prop_map(|(block, syscalls, action, comparisons)| RuleSpec {
            block,
            syscalls,
            action,
            comparisons,
        })
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    (
        prop::bool::weighted(0.2),
        prop::collection::vec(prop::option::weighted(0.6, 0usize..3), LITTLE.len()),
        0usize..ACTIONS,
        0usize..ACTIONS,
        any::<bool>(),
        prop::collection::vec(rule_spec(), 1..12),
    )
        .prop_map(
            |(big_endian, placement, default, bad_abi, binary_tree, rules)| PolicySpec {
                big_endian,
                placement,
                default,
                bad_abi,
                binary_tree,
                rules,
            },
        )
}

const ACTIONS: usize = 9;

/// Actions by index; errno and trace values vary with the index's neighbours.
fn action(index: usize, salt: u64) -> Action {
    match index % ACTIONS {
        0 => Action::Allow,
        1 => Action::Log,
        2 => Action::KillProcess,
        3 => Action::KillThread,
        4 => Action::Trap,
        5 => Action::Errno((salt % 4096) as i32),
        6 => Action::Errno(1),
        7 => Action::Trace((salt % 65536) as u16),
        _ => Action::Notify,
    }
}

fn comparison(spec: &CmpSpec, narrow: bool) -> Comparison {
    let value = if narrow {
        spec.value & 0xffff_ffff
    } else {
        spec.value
    };
    let c = arg(spec.arg);
    match spec.op {
        0 => c.eq(value),
        1 => c.ne(value),
        2 => c.lt(value),
        3 => c.le(value),
        4 => c.gt(value),
        5 => c.ge(value),
        // A value with bits outside the mask is rewritten by libseccomp; see
        // `libseccomp_masks_the_value_of_a_masked_comparison`.
        _ => c.masked_eq(spec.mask, value & spec.mask),
    }
}

/// A generated policy and the ABIs of its byte order (named or not).
#[derive(Debug)]
struct Case {
    policy: Policy,
    family: &'static [Abi],
}

/// Build the policy a spec describes, leaving out every rule that would make it invalid,
/// so that no generated case is thrown away.
fn realize(spec: &PolicySpec) -> Option<Case> {
    let family = if spec.big_endian { BIG } else { LITTLE };
    let mut blocks: Vec<Vec<Abi>> = vec![Vec::new(); 3];
    for (abi, place) in family.iter().zip(&spec.placement) {
        if let Some(block) = place {
            blocks[*block].push(*abi);
        }
    }
    blocks.retain(|abis| !abis.is_empty());
    if blocks.is_empty() {
        return None;
    }
    let default = action(spec.default, 5);
    let optimize = if spec.binary_tree {
        Optimize::BinaryTree
    } else {
        Optimize::Linear
    };
    let mut common: Vec<Rule> = Vec::new();
    let mut block_rules: Vec<Vec<Rule>> = vec![Vec::new(); blocks.len()];
    let assemble = |common: &[Rule], block_rules: &[Vec<Rule>]| {
        let mut policy = Policy::new(default)
            .bad_abi(action(spec.bad_abi, 7))
            .optimize(optimize);
        for rule in common {
            policy = policy.rule(rule.clone());
        }
        for (abis, rules) in blocks.iter().zip(block_rules) {
            let mut block = Block::new(abis.iter().copied());
            for rule in rules {
                block = block.rule(rule.clone());
            }
            policy = policy.block(block);
        }
        policy
    };
    for (n, rule) in spec.rules.iter().enumerate() {
        let block = rule.block.map(|b| b % blocks.len());
        let scope: Vec<Abi> = match block {
            None => blocks.concat(),
            Some(b) => blocks[b].clone(),
        };
        let syscalls: BTreeSet<&str> = rule
            .syscalls
            .iter()
            .map(|&i| SYSCALLS[i])
            .filter(|name| scope.iter().all(|&abi| syscall_number(abi, name).is_some()))
            .collect();
        let mut actions = (0..ACTIONS).map(|i| action(rule.action + i, n as u64 * 37 + 11));
        let Some(rule_action) = actions.find(|&a| a != default) else {
            continue;
        };
        if syscalls.is_empty() {
            continue;
        }
        let narrow = scope.iter().any(|&abi| abi.compared_bits() == 32);
        let mut candidate = Rule::new(rule_action, syscalls.iter().map(|s| s.to_string()));
        let mut args_seen = 0u8;
        for spec in &rule.comparisons {
            if args_seen & (1 << spec.arg) == 0 {
                args_seen |= 1 << spec.arg;
                candidate = candidate.when(comparison(spec, narrow));
            }
        }
        // Rules that would make the policy invalid (libseccomp's merge bug included) are
        // dropped: the properties are about valid policies.
        match block {
            None => common.push(candidate),
            Some(b) => block_rules[b].push(candidate),
        }
        if !assemble(&common, &block_rules).violations().is_empty() {
            match block {
                None => common.pop(),
                Some(b) => block_rules[b].pop(),
            };
        }
    }
    let policy = assemble(&common, &block_rules);
    assert!(policy.violations().is_empty(), "{:?}", policy.violations());
    Some(Case { policy, family })
}

fn libseccomp_before_2_6_1() -> bool {
    let v = libseccomp::ScmpVersion::current().expect("libseccomp's version");
    (v.major, v.minor, v.micro) < (2, 6, 1)
}

/// Arguments biased toward the values the policy compares with: each, its neighbours,
/// the mask's bits set and cleared, and plain random values.
fn arguments(policy: &Policy, seeds: &[u64]) -> Vec<[u64; 6]> {
    let mut interesting: Vec<[Vec<u64>; 6]> = vec![Default::default()];
    let per_arg = &mut interesting[0];
    for (_, rule) in policy.rules() {
        for c in rule.conditions() {
            let v = c.value;
            let slot = &mut per_arg[usize::from(c.arg)];
            slot.extend([v, v.wrapping_add(1), v.wrapping_sub(1), v | 0x1_0000_0000]);
            if let CmpOp::MaskedEq(mask) = c.op {
                slot.extend([
                    v | !mask,
                    v & mask,
                    mask,
                    !mask,
                    v ^ (mask & mask.wrapping_neg()),
                ]);
            }
        }
    }
    let mut out = Vec::new();
    let mut seed = seeds.iter().copied().cycle();
    let mut next = move || seed.next().unwrap_or(0);
    for _ in 0..seeds.len() {
        let mut args = [0u64; 6];
        for (i, a) in args.iter_mut().enumerate() {
            let r = next();
            let pool = &per_arg[i];
            *a = match r % 8 {
                0 => r.rotate_left(17),
                1 => r & 0xffff_ffff,
                2 => r % 16,
                _ if pool.is_empty() => r % 4,
                _ => pool[(r >> 8) as usize % pool.len()],
            };
        }
        out.push(args);
    }
    out
}

/// The syscalls worth asking about on `abi`: every name the policy uses that the ABI has,
/// one it does not use, and on x86 the socket multiplexer.
fn syscalls_to_ask(policy: &Policy, abi: Abi) -> Vec<String> {
    let mut names: BTreeSet<String> = policy
        .rules()
        .flat_map(|(_, rule)| {
            let on = rule.on_abi(abi);
            on.syscalls
                .iter()
                .map(|&(_, name)| name.to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|name| syscall_number(abi, name).is_some())
        .collect();
    names.insert("getpid".to_owned());
    if abi == Abi::X86 {
        names.insert("socketcall".to_owned());
    }
    names.into_iter().collect()
}

/// Counters of what a run checked.
#[derive(Default)]
struct Tally {
    checks: Cell<u64>,
    ambiguous: Cell<u64>,
    bad_abi: Cell<u64>,
}

/// Check `simulate` against `policy.decide` on every ABI of `family`; `simulate` is the
/// filter under test.
fn check(
    case: &Case,
    seeds: &[u64],
    tally: &Tally,
    simulate: &dyn Fn(Abi, &str, [u64; 6]) -> Action,
) -> Result<(), TestCaseError> {
    let policy = &case.policy;
    let mut all_args = arguments(policy, seeds);
    if seeds.len() > 1 {
        // socketcall's call number is arg0: try the first few calls.
        all_args.extend((1..=3).map(|call| [call, 0, 0, 0, 0, 0]));
    }
    let named = policy.abis();
    for &abi in case.family {
        // An ABI the policy does not name is decided before any argument is read.
        let ask = if named.contains(&abi) {
            all_args.len()
        } else {
            2
        };
        for name in syscalls_to_ask(policy, abi) {
            for args in &all_args[..ask.min(all_args.len())] {
                let mut args = *args;
                if abi.compared_bits() == 32 {
                    // libseccomp ignores the high words there; see the libseccomp_* tests.
                    args = args.map(|a| a & 0xffff_ffff);
                }
                let decision = policy.decide(abi, &name, args);
                let got = simulate(abi, &name, args);
                tally.checks.set(tally.checks.get() + 1);
                match decision {
                    Decision::Ambiguous(_) => tally.ambiguous.set(tally.ambiguous.get() + 1),
                    Decision::BadAbi(_) => tally.bad_abi.set(tally.bad_abi.get() + 1),
                    _ => {}
                }
                prop_assert!(
                    decision.permits(got),
                    "{abi} {name}{args:x?}: the filter takes {got}, the policy declares \
                     {decision:?}\npolicy: {policy:#?}"
                );
            }
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn every_filter_does_what_its_policy_declares() {
    let tally = Tally::default();
    let policies = Cell::new(0u64);
    let strategy = (policy_spec(), prop::collection::vec(any::<u64>(), 32));
    let result = runner(cases()).run(&strategy, |(spec, seeds)| {
        let Some(case) = realize(&spec) else {
            return Ok(());
        };
        policies.set(policies.get() + 1);
        let filter = case.policy.build().map_err(|e| {
            TestCaseError::fail(format!(
                "a valid policy failed to build: {e}\n{:#?}",
                case.policy
            ))
        })?;
        check(&case, &seeds, &tally, &|abi, name, args| {
            filter
                .simulate(abi, name, args)
                .expect("the filter simulates")
        })
    });
    eprintln!(
        "{} policies, {} checks ({} on ABIs the policy does not name, {} ambiguous)",
        policies.get(),
        tally.checks.get(),
        tally.bad_abi.get(),
        tally.ambiguous.get(),
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The policy the corruption tests break: one rule per comparison kind, on x86_64.
fn target_policy() -> Case {
    let policy = Policy::new(Action::Errno(1)).block(
        Block::new([Abi::X86_64])
            .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3)))
            .rule(Rule::new(Action::Errno(13), ["lseek"]).when(arg(2).gt(0x1_0000_0000)))
            .rule(Rule::new(Action::Allow, ["getpriority"]).when(arg(0).masked_eq(0xff, 0x12)))
            .rule(Rule::new(Action::Trap, ["kill"]).when(arg(1).ge(9)))
            .rule(Rule::new(Action::Allow, ["umask"]).when(arg(0).lt(0o777))),
    );
    Case {
        policy,
        family: LITTLE,
    }
}

/// Whether the property, run on the same generated inputs as above, finds that `program`
/// does something `case.policy` does not declare.
fn property_catches(case: &Case, program: &Program) -> bool {
    let tally = Tally::default();
    let seeds = prop::collection::vec(any::<u64>(), 48);
    runner(64)
        .run(&seeds, |seeds| {
            check(case, &seeds, &tally, &|abi, name, args| {
                let data = SeccompData::syscall(abi, name, args).expect("the ABI has it");
                program.simulate(&data).expect("the program runs")
            })
        })
        .is_err()
}

/// Indexes of the conditional jumps that compare an argument word with a constant.
fn argument_jumps(program: &Program) -> Vec<usize> {
    let ins = program.instructions();
    let mut loaded_arg = false;
    let mut found = Vec::new();
    for (pc, i) in ins.iter().enumerate() {
        match i.code {
            0x20 => loaded_arg = i.k >= 16,
            0x15 | 0x25 | 0x35 | 0x45 if loaded_arg => found.push(pc),
            _ => {}
        }
    }
    found
}

fn corrupted(program: &Program, at: usize, change: impl Fn(&mut Instruction)) -> Program {
    let mut ins = program.instructions().to_vec();
    change(&mut ins[at]);
    Program::from_instructions(&ins, Default::default())
}

#[test]
fn the_property_passes_the_real_filter() {
    let case = target_policy();
    let program = case.policy.build().unwrap().program().unwrap().clone();
    assert!(!property_catches(&case, &program));
}

#[test]
fn the_property_catches_a_wrong_operator() {
    let case = target_policy();
    let program = case.policy.build().unwrap().program().unwrap().clone();
    let jumps = argument_jumps(&program);
    assert!(!jumps.is_empty());
    // Every JEQ on an argument made a JGT, one at a time: each is a different filter.
    let mut caught = 0;
    let jeqs: Vec<usize> = jumps
        .into_iter()
        .filter(|&pc| program.instructions()[pc].code == 0x15)
        .collect();
    for &pc in &jeqs {
        let wrong = corrupted(&program, pc, |i| i.code = 0x25);
        caught += usize::from(property_catches(&case, &wrong));
    }
    assert!(caught > 0, "no JEQ -> JGT corruption was caught");
    eprintln!("JEQ -> JGT: {caught} of {} corruptions caught", jeqs.len());
}

#[test]
fn the_property_catches_a_wrong_constant_or_width() {
    let case = target_policy();
    let program = case.policy.build().unwrap().program().unwrap().clone();
    let jumps = argument_jumps(&program);
    let mut caught = 0;
    for &pc in &jumps {
        let off_by_one = corrupted(&program, pc, |i| i.k = i.k.wrapping_add(1));
        caught += usize::from(property_catches(&case, &off_by_one));
    }
    assert!(caught > 0, "no off-by-one constant was caught");
    // The wrong width: compare arg2's low word where the high word is compared, as a
    // filter built for a 32-bit ABI would, on `lseek if arg2 > 0x1_0000_0000`.
    let ins = program.instructions();
    let high_loads: Vec<usize> = (0..ins.len())
        .filter(|&pc| ins[pc].code == 0x20 && ins[pc].k == 16 + 8 * 2 + 4)
        .collect();
    assert!(!high_loads.is_empty(), "lseek's arg2 high word is loaded");
    for pc in high_loads {
        let narrow = corrupted(&program, pc, |i| i.k -= 4);
        assert!(
            property_catches(&case, &narrow),
            "a low-word load at {pc} was not caught"
        );
    }
}

// --- Where libseccomp 2.5 builds something else than the policy declares. ---
//
// The property found each of these; the policy checks now refuse the shapes that would be
// built wrong, and these tests pin that they do. (x32's and n32's ignored high words are a
// documented limitation: refusing every condition on x32 would refuse useful policies.)

/// On a 32-bit ABI, libseccomp drops a value's high word: `arg0 == 0x1_0000_0005` would
/// match 5, which no x86 syscall argument can equal as declared.
#[test]
fn wide_values_on_32_bit_abis_are_refused() {
    let policy = Policy::new(Action::Errno(1)).block(
        Block::new([Abi::X86, Abi::Arm])
            .rule(Rule::new(Action::Allow, ["getpriority"]).when(arg(0).eq(0x1_0000_0005))),
    );
    assert_eq!(
        policy.decide(Abi::X86, "getpriority", [5, 0, 0, 0, 0, 0]),
        Decision::Default(Action::Errno(1))
    );
    assert!(matches!(
        policy.violations().as_slice(),
        [Violation::ValueTooWide {
            abi: Abi::X86,
            condition: 0,
            ..
        }]
    ));
}

/// x32 and mips n32 syscalls take 64-bit registers, but libseccomp compares their low words
/// only: `arg1 == 3` lets `0x1_0000_0003` through.
#[test]
fn libseccomp_ignores_high_words_on_x32_and_n32() {
    for abi in [Abi::X32, Abi::Mipsel64N32] {
        let policy = Policy::new(Action::Errno(1))
            .block(Block::new([abi]).rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))));
        let filter = policy.build().unwrap();
        let args = [0, 0x1_0000_0003, 0, 0, 0, 0];
        assert_eq!(
            policy.decide(abi, "fcntl", args),
            Decision::Default(Action::Errno(1))
        );
        assert_eq!(filter.simulate(abi, "fcntl", args).unwrap(), Action::Allow);
    }
}

/// In `argN & mask == value`, libseccomp drops the value's bits outside the mask: the
/// declared comparison never holds, the built one would hold for every even argument.
#[test]
fn masked_values_outside_the_mask_are_refused() {
    let policy =
        Policy::new(Action::Allow)
            .block(Block::new([Abi::X86_64]).rule(
                Rule::new(Action::Errno(1), ["read"]).when(arg(0).masked_eq(1, 0x8000_0000)),
            ));
    assert_eq!(
        policy.decide(Abi::X86_64, "read", [2, 0, 0, 0, 0, 0]),
        Decision::Default(Action::Allow)
    );
    assert!(matches!(
        policy.violations().as_slice(),
        [Violation::ValueOutsideMask { condition: 0, .. }]
    ));
}

/// libseccomp before 2.6.1 merges two rules for one syscall that compare one argument
/// (here with `<` or `>`) into a filter that lets through what neither allows
/// (GHSA-4q85-33p6-j5g6: "incorrect 64-bit comparison merge that can weaken filters"; it
/// shows on x86 too): with `arg1 < 5 && arg2 == 7` and `arg1 < 11 && arg2 == 9`, 2.5.4's
/// filter allows `pipe2(_, 5, 7)`. Such policies are refused while libseccomp has the bug.
#[test]
fn comparisons_libseccomp_2_5_would_merge_wrongly_are_refused() {
    // (ABI, the first rule's comparison on arg1, an input neither rule allows)
    let cases = [
        (Abi::X86_64, arg(1).lt(5), [0, 5, 7, 0, 0, 0]),
        (Abi::X86, arg(1).gt(5), [0, 4, 7, 0, 0, 0]),
    ];
    for (abi, first, args) in cases {
        let policy = Policy::new(Action::Errno(1)).block(
            Block::new([abi])
                .rule(
                    Rule::new(Action::Allow, ["pipe2"])
                        .when(first)
                        .when(arg(2).eq(7)),
                )
                .rule(
                    Rule::new(Action::Allow, ["pipe2"])
                        .when(arg(1).lt(11))
                        .when(arg(2).eq(9)),
                ),
        );
        assert_eq!(
            policy.decide(abi, "pipe2", args),
            Decision::Default(Action::Errno(1))
        );
        let refused = matches!(
            policy.violations().as_slice(),
            [Violation::MisbuiltByLibseccomp { arg: 1, .. }]
        );
        assert_eq!(refused, libseccomp_before_2_6_1(), "{abi}");
        if !refused {
            let filter = policy.build().unwrap();
            assert_eq!(
                filter.simulate(abi, "pipe2", args).unwrap(),
                Action::Errno(1)
            );
        }
    }
}

/// The same rule on x86_64 compares both words, as declared.
#[test]
fn x86_64_compares_both_words() {
    let policy = Policy::new(Action::Errno(1)).block(
        Block::new([Abi::X86_64]).rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))),
    );
    let filter = policy.build().unwrap();
    let args = [0, 0x1_0000_0003, 0, 0, 0, 0];
    assert_eq!(
        filter.simulate(Abi::X86_64, "fcntl", args).unwrap(),
        Action::Errno(1)
    );
}
