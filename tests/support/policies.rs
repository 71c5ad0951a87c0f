//! Random valid policies, shared by the tests that need them: `tests/simulator_props.rs`
//! and the OCI round trip of `seccomp-dsl-cli`.
//!
//! Included with `#[path]` by test crates that depend on the facade or on the runtime
//! alone; the includer names the one it has `rt` in the parent module
//! (`use seccomp_dsl as rt;` or `use seccomp_runtime as rt;`).
#![allow(dead_code)] // each includer uses part of it

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::rt::{
    arg, syscall_number, Abi, Action, Block, CmpOp, Comparison, Optimize, Policy, Rule,
};

/// The ABIs a policy may name, by byte order (one filter holds one byte order).
pub const LITTLE: &[Abi] = &[
    Abi::X86_64,
    Abi::X86,
    Abi::X32,
    Abi::Aarch64,
    Abi::Arm,
    Abi::Riscv64,
    Abi::Mipsel64N32,
];
pub const BIG: &[Abi] = &[Abi::Ppc64, Abi::S390X, Abi::Mips64, Abi::Mips];

/// Syscalls rules are drawn from; each rule keeps those every ABI it applies to has.
pub const SYSCALLS: &[&str] = &[
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
pub struct CmpSpec {
    pub arg: u8,
    pub op: u8,
    pub value: u64,
    pub mask: u64,
}

#[derive(Debug, Clone)]
pub struct RuleSpec {
    /// `None`: a common rule; else a block index (modulo the number of blocks).
    pub block: Option<usize>,
    pub syscalls: Vec<usize>,
    pub action: usize,
    pub comparisons: Vec<CmpSpec>,
}

#[derive(Debug, Clone)]
pub struct PolicySpec {
    pub big_endian: bool,
    /// For each ABI of the family: which block names it (modulo), or `None`.
    pub placement: Vec<Option<usize>>,
    pub default: usize,
    pub bad_arch: usize,
    /// The action for numbers the syscall table does not know, if the policy sets one.
    pub unknown: Option<usize>,
    pub binary_tree: bool,
    pub rules: Vec<RuleSpec>,
}

/// Values worth comparing with: edges of the 32- and 64-bit ranges and random ones.
pub fn value() -> impl Strategy<Value = u64> {
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

pub fn mask() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => (0u32..64).prop_map(|bit| 1u64 << bit),
        1 => Just(0xffff_ffff),
        1 => Just(0xffff_ffff_0000_0000),
        1 => Just(0o7),
        2 => any::<u64>(),
    ]
}

pub fn cmp_spec() -> impl Strategy<Value = CmpSpec> {
    (0u8..6, 0u8..7, value(), mask()).prop_map(|(arg, op, value, mask)| CmpSpec {
        arg,
        op,
        value,
        mask,
    })
}

pub fn rule_spec() -> impl Strategy<Value = RuleSpec> {
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

pub fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    (
        prop::bool::weighted(0.2),
        prop::collection::vec(prop::option::weighted(0.6, 0usize..3), LITTLE.len()),
        0usize..ACTIONS,
        0usize..ACTIONS,
        prop::option::weighted(0.3, 0usize..ACTIONS),
        any::<bool>(),
        prop::collection::vec(rule_spec(), 1..12),
    )
        .prop_map(
            |(big_endian, placement, default, bad_arch, unknown, binary_tree, rules)| PolicySpec {
                big_endian,
                placement,
                default,
                bad_arch,
                unknown,
                binary_tree,
                rules,
            },
        )
}

pub const ACTIONS: usize = 9;

/// Actions by index; errno and trace values vary with the index's neighbours.
pub fn action(index: usize, salt: u64) -> Action {
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

pub fn comparison(spec: &CmpSpec, narrow: bool) -> Comparison {
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
pub struct Case {
    /// The policy.
    pub policy: Policy,
    /// The ABIs of its byte order.
    pub family: &'static [Abi],
}

/// Build the policy a spec describes, leaving out every rule that would make it invalid,
/// so that no generated case is thrown away.
pub fn realize(spec: &PolicySpec) -> Option<Case> {
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
            .bad_arch(action(spec.bad_arch, 7))
            .optimize(optimize);
        if let Some(unknown) = spec.unknown {
            policy = policy.unknown(action(unknown, 13));
        }
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
        if !assemble(&common, &block_rules)
            .build_violations()
            .is_empty()
        {
            match block {
                None => common.pop(),
                Some(b) => block_rules[b].pop(),
            };
        }
    }
    let policy = assemble(&common, &block_rules);
    assert!(
        policy.build_violations().is_empty(),
        "{:?}",
        policy.build_violations()
    );
    Some(Case { policy, family })
}

/// Arguments biased toward the values the policy compares with: each, its neighbours,
/// the mask's bits set and cleared, and plain random values.
pub fn arguments(policy: &Policy, seeds: &[u64]) -> Vec<[u64; 6]> {
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
