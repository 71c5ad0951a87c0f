//! The BPF prefix in front of libseccomp's program, and the length limit, verified against
//! the kernel: each program is installed in a forked child, which makes real syscalls
//! through x86_64, x86 (`int 0x80`) and x32, and the parent asserts the errno or the filter
//! count the kernel reported. Also prints the instruction counts of a ~390-syscall policy
//! on three ABIs, with and without a prefix.

mod support;

/// The kernel's action cache, as the benchmarks model it (`seccomp_is_const_allow()`).
#[path = "../benches/layouts/bpf.rs"]
mod cache;

use libc::{EHOSTDOWN, EINVAL, ENOSYS, EPERM};
use std::ops::RangeInclusive;

use seccomp_dsl::{
    arg, errno, syscall_exists, syscall_names, syscall_number, Abi, Action, Block, Error,
    Instruction, Optimize, Policy, Prefix, Program, Rule, SeccompData,
};
use support::{exited, in_child, seccomp_filters, x32, x86, x86_64, Outcome, INSTALL_FAILED};

/// x32's syscall numbers carry this bit.
const X32_BIT: u32 = 0x4000_0000;

/// `mseal`, 462 on all three ABIs; libseccomp 2.5.4 does not know it.
const MSEAL: u32 = 462;

/// Numbers past every table, and holes, per ABI (from the kernel's syscall_64.tbl and
/// syscall_32.tbl: x86_64 has nothing from 336 to 423, i386 nothing from 387 to 392).
const PAST: u32 = 1000;
const X86_64_HOLE: u32 = 400;
const X86_HOLE: u32 = 390;

/// i386 syscall numbers.
mod i386 {
    pub const GETPID: u32 = 20;
    pub const GETPPID: u32 = 64;
}

/// x32 syscall numbers, without the x32 bit.
mod x32nr {
    pub const GETPID: u64 = 39;
    pub const GETPPID: u64 = 110;
}

/// The known ranges this test passes: hand-written for these tests (the project's table
/// gives the real ones), with the holes above.
fn known(abi: Abi) -> Vec<RangeInclusive<u32>> {
    match abi {
        Abi::X86_64 => vec![0..=335, 424..=MSEAL],
        Abi::X86 => vec![0..=386, 393..=MSEAL],
        _ => vec![X32_BIT..=X32_BIT + 335, X32_BIT + 424..=X32_BIT + 547],
    }
}

/// Three ABIs, default EPERM; what the probes need to run and report is allowed.
fn policy() -> Policy {
    Policy::new(Action::Errno(errno::EPERM))
        .rule(Rule::new(
            Action::Allow,
            ["exit_group", "getppid", "openat", "read", "close"],
        ))
        .block(Block::new([Abi::X86_64, Abi::X32, Abi::X86]))
}

/// `mseal` allowed by number on the three ABIs, and `unknown` for x86_64 and x86; x32's
/// `unknown` is EHOSTDOWN so that it is told apart from an allowed x32 syscall, which
/// this kernel (no x32 support) answers with ENOSYS.
fn prefix(unknown: Action) -> Prefix {
    Prefix::new()
        .number(Abi::X86_64, MSEAL, Action::Allow)
        .number(Abi::X86, MSEAL, Action::Allow)
        .number(Abi::X32, X32_BIT | MSEAL, Action::Allow)
        .unknown(Abi::X86_64, unknown, known(Abi::X86_64))
        .unknown(Abi::X86, unknown, known(Abi::X86))
        .unknown(Abi::X32, Action::Errno(errno::EHOSTDOWN), known(Abi::X32))
}

fn prefixed(unknown: Action) -> Program {
    let filter = policy().build().expect("the policy builds");
    let program = filter.program().expect("the program exports");
    program
        .with_prefix(&prefix(unknown))
        .expect("the prefixed program fits")
}

/// Install `program` in a child and run `probe` there under it.
fn under(program: &Program, probe: impl FnOnce() -> i32) -> Outcome {
    in_child(|| match program.install() {
        Ok(()) => probe(),
        Err(_) => INSTALL_FAILED,
    })
}

/// `mseal(1, 4096, 0)`: the address is not page-aligned, so a real mseal says EINVAL.
fn mseal_x86_64() -> i32 {
    x86_64(i64::from(MSEAL), [1, 4096, 0])
}

fn mseal_x86() -> i32 {
    x86(MSEAL, [1, 4096, 0])
}

fn one_load_adds_exactly_one_filter() {
    let before = seccomp_filters(false);
    assert!(before >= 0, "Seccomp_filters is readable");
    let program = prefixed(Action::Errno(errno::ENOSYS));
    assert_eq!(
        under(&program, || seccomp_filters(false)),
        exited(before + 1)
    );
}

fn x86_64_unknown_numbers_get_the_unknown_action() {
    let enosys = prefixed(Action::Errno(errno::ENOSYS));
    let distinct = prefixed(Action::Errno(errno::EHOSTDOWN));
    let nr = |nr: u32| move || x86_64(i64::from(nr), [0; 3]);
    assert_eq!(under(&enosys, nr(PAST)), exited(ENOSYS));
    // Told apart from "allowed, and the kernel says ENOSYS" by another errno.
    assert_eq!(under(&distinct, nr(PAST)), exited(EHOSTDOWN));
    assert_eq!(under(&distinct, nr(X86_64_HOLE)), exited(EHOSTDOWN));
    // Known numbers keep the policy: denied gets the default, allowed runs.
    assert_eq!(under(&enosys, nr(libc::SYS_getpid as u32)), exited(EPERM));
    assert_eq!(under(&enosys, nr(libc::SYS_getppid as u32)), exited(0));
    // Without the prefix, libseccomp's program gives all of them the default.
    let plain = policy().build().unwrap().program().unwrap().clone();
    assert_eq!(under(&plain, nr(PAST)), exited(EPERM));
    assert_eq!(under(&plain, nr(X86_64_HOLE)), exited(EPERM));
}

fn x86_64_mseal_allowed_by_number() {
    let program = prefixed(Action::Errno(errno::ENOSYS));
    // The real mseal runs and refuses the unaligned address.
    assert_eq!(under(&program, mseal_x86_64), exited(EINVAL));
    let plain = policy().build().unwrap().program().unwrap().clone();
    assert_eq!(under(&plain, mseal_x86_64), exited(EPERM));
}

fn x86_through_int_0x80() {
    let enosys = prefixed(Action::Errno(errno::ENOSYS));
    let distinct = prefixed(Action::Errno(errno::EHOSTDOWN));
    let nr = |nr: u32| move || x86(nr, [0; 3]);
    assert_eq!(under(&enosys, nr(PAST)), exited(ENOSYS));
    assert_eq!(under(&distinct, nr(PAST)), exited(EHOSTDOWN));
    assert_eq!(under(&distinct, nr(X86_HOLE)), exited(EHOSTDOWN));
    assert_eq!(under(&enosys, nr(i386::GETPID)), exited(EPERM));
    assert_eq!(under(&enosys, nr(i386::GETPPID)), exited(0));
    assert_eq!(under(&enosys, mseal_x86), exited(EINVAL));
    let plain = policy().build().unwrap().program().unwrap().clone();
    assert_eq!(under(&plain, mseal_x86), exited(EPERM));
    assert_eq!(under(&plain, nr(PAST)), exited(EPERM));
}

fn x32_numbers() {
    let program = prefixed(Action::Errno(errno::ENOSYS));
    let nr = |nr: u64| move || x32(nr, [0; 3]);
    // Allowed x32 syscalls reach this kernel, which has no x32: ENOSYS.
    assert_eq!(under(&program, nr(x32nr::GETPPID)), exited(ENOSYS));
    assert_eq!(under(&program, nr(u64::from(MSEAL))), exited(ENOSYS));
    assert_eq!(under(&program, nr(x32nr::GETPID)), exited(EPERM));
    assert_eq!(under(&program, nr(u64::from(PAST))), exited(EHOSTDOWN));
    assert_eq!(
        under(&program, nr(u64::from(X86_64_HOLE))),
        exited(EHOSTDOWN)
    );
    let plain = policy().build().unwrap().program().unwrap().clone();
    assert_eq!(under(&plain, nr(u64::from(MSEAL))), exited(EPERM));
}

/// A policy over the kernel's limit: one argument-checked rule per value, per syscall, per
/// ABI. libseccomp compares a value in about one instruction and shares identical
/// comparison chains, so every syscall and ABI gets values of its own.
fn too_long_policy(layout: Optimize) -> Policy {
    let mut policy = Policy::new(Action::Errno(errno::EPERM))
        .optimize(layout)
        .rule(Rule::new(
            Action::Allow,
            ["exit_group", "openat", "read", "close"],
        ));
    for (a, abi) in [Abi::X86_64, Abi::X32, Abi::X86].into_iter().enumerate() {
        let mut block = Block::new([abi]);
        for (s, syscall) in ["fcntl", "ioctl", "prctl", "madvise", "flock"]
            .into_iter()
            .enumerate()
        {
            for value in 0..300 {
                let value = (a * 10_000 + s * 1_000 + value) as u64;
                block = block.rule(Rule::new(Action::Allow, [syscall]).when(arg(1).eq(value)));
            }
        }
        policy = policy.block(block);
    }
    policy
}

fn too_long_is_a_typed_error_and_loads_nothing() {
    for layout in [Optimize::Linear, Optimize::BinaryTree] {
        match too_long_policy(layout).build().unwrap().program() {
            Err(Error::TooLong { instructions, .. }) => {
                println!("  too long, {layout:?}: {instructions} instructions")
            }
            Ok(program) => panic!(
                "{layout:?}: expected TooLong, got {} instructions",
                program.instructions().len()
            ),
            Err(other) => panic!("{layout:?}: expected TooLong, got {other}"),
        }
    }
    let policy = too_long_policy(Optimize::BinaryTree);
    let filter = policy.build().expect("libseccomp builds it");
    let err = filter.program().unwrap_err();
    let Error::TooLong {
        instructions,
        limit,
    } = err
    else {
        panic!("expected TooLong, got {err}");
    };
    assert_eq!(limit, 4096);
    assert!(instructions > limit, "{instructions}");
    let message = err.to_string();
    assert!(message.contains(&instructions.to_string()), "{message}");
    assert!(message.contains("4096"), "{message}");
    assert!(matches!(filter.export_bpf(), Err(Error::TooLong { .. })));

    let before = seccomp_filters(false);
    let refused = in_child(|| match policy.load() {
        Err(Error::TooLong { .. }) => seccomp_filters(false),
        _ => INSTALL_FAILED,
    });
    assert_eq!(refused, exited(before));

    // A program made by hand is checked at install, before no-new-privs is touched.
    let ret_allow = Instruction {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    };
    let long = Program::from_instructions(&[ret_allow; 4097], Default::default());
    let fits = Program::from_instructions(&[ret_allow; 4096], Default::default());
    // SAFETY: PR_GET_NO_NEW_PRIVS takes plain integers.
    let nnp = || unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) };
    let nnp_before = nnp();
    let refused = in_child(|| match long.install() {
        Err(Error::TooLong {
            instructions: 4097,
            limit: 4096,
        }) if nnp() == nnp_before => seccomp_filters(false),
        _ => INSTALL_FAILED,
    });
    assert_eq!(refused, exited(before));
    assert_eq!(under(&fits, || seccomp_filters(false)), exited(before + 1));
}

/// Every name libseccomp knows on x86_64, x86 and x32 alike.
fn common_names() -> Vec<&'static str> {
    syscall_names(Abi::X86_64)
        .into_iter()
        .filter(|name| {
            [Abi::X86, Abi::X32]
                .into_iter()
                .all(|abi| syscall_exists(abi, name))
        })
        .collect()
}

/// The numbers libseccomp knows for `abi`, as ranges: a stand-in for the project's table,
/// which knows a few more (mseal, listmount, ...), so the real ranges are about as many.
fn libseccomp_ranges(abi: Abi) -> Vec<RangeInclusive<u32>> {
    let mut numbers: Vec<u32> = syscall_names(abi)
        .iter()
        .filter_map(|name| syscall_number(abi, name))
        .map(|nr| nr as u32)
        .collect();
    numbers.sort_unstable();
    let mut ranges: Vec<RangeInclusive<u32>> = Vec::new();
    for nr in numbers {
        match ranges.last_mut() {
            Some(last) if nr <= last.end() + 1 => *last = *last.start()..=nr.max(*last.end()),
            _ => ranges.push(nr..=nr),
        }
    }
    ranges
}

/// Syscalls the kernel has on x86_64 and x86 and libseccomp 2.5.4 lacks (kernel
/// syscall_64.tbl / syscall_32.tbl, 6.x): allowed by number in the measured prefix.
const NEWER: &[u32] = &[457, 458, 459, 460, 461, MSEAL]; // statmount .. mseal

fn instruction_counts() {
    let names = common_names();
    assert!(names.len() > 300, "{} names", names.len());
    let abis = [Abi::X86_64, Abi::X86, Abi::X32];
    let unknown_only = abis.into_iter().fold(Prefix::new(), |prefix, abi| {
        prefix.unknown(abi, Action::Errno(errno::ENOSYS), libseccomp_ranges(abi))
    });
    let with_newer = abis.into_iter().fold(unknown_only.clone(), |prefix, abi| {
        let bit = if abi == Abi::X32 { X32_BIT } else { 0 };
        NEWER.iter().fold(prefix, |prefix, &nr| {
            prefix.number(abi, nr | bit, Action::Allow)
        })
    });
    for abi in abis {
        println!("  known ranges on {abi}: {}", libseccomp_ranges(abi).len());
    }
    for layout in [Optimize::BinaryTree, Optimize::Linear] {
        let filter = Policy::new(Action::Errno(errno::EPERM))
            .optimize(layout)
            .block(Block::new(abis).rule(Rule::new(Action::Allow, names.iter().cloned())))
            .build()
            .expect("builds");
        let program = filter.program().expect("fits");
        let plain = program.instructions().len();
        let count = |prefix: &Prefix| {
            program
                .with_prefix(prefix)
                .expect("fits")
                .instructions()
                .len()
        };
        println!(
            "  allow {} names on x86_64 + x86 + x32, {layout:?}: {plain} instructions; \
             with `unknown`: {}; with `unknown` and {} numbers allowed by number: {}",
            names.len(),
            count(&unknown_only),
            NEWER.len(),
            count(&with_newer),
        );
        assert!(count(&with_newer) <= Program::MAX_LEN);

        // The prefix keeps every allowed syscall cacheable on the ABIs the cache serves,
        // and adds a few instructions to the ones that run the filter.
        let prefixed = program.with_prefix(&with_newer).unwrap();
        for abi in [Abi::X86_64, Abi::X86] {
            for name in &names {
                let Some(nr) = syscall_number(abi, name) else {
                    continue;
                };
                let cached =
                    |p: &Program| cache::const_allow(p.instructions(), abi.audit_arch(), nr as u32);
                assert!(cached(program), "{abi} {name}: cached without the prefix");
                assert!(cached(&prefixed), "{abi} {name}: cached with the prefix");
            }
        }
        let executed =
            |p: &Program, abi, nr| p.executed(&SeccompData::new(abi, nr, [0; 6])).unwrap();
        for (abi, nr, what) in [
            (Abi::X86_64, 0, "x86_64 read"),
            (Abi::X86_64, 1000, "x86_64 #1000"),
            (Abi::X86, 3, "x86 read"),
            (Abi::X32, X32_BIT as i32, "x32 read"),
        ] {
            println!(
                "    {layout:?}, {what}: {} instructions run, {} with the prefix",
                executed(program, abi, nr),
                executed(&prefixed, abi, nr)
            );
        }
    }
}

fn main() {
    support::run(&[
        (
            "one_load_adds_exactly_one_filter",
            one_load_adds_exactly_one_filter,
        ),
        (
            "x86_64_unknown_numbers_get_the_unknown_action",
            x86_64_unknown_numbers_get_the_unknown_action,
        ),
        (
            "x86_64_mseal_allowed_by_number",
            x86_64_mseal_allowed_by_number,
        ),
        ("x86_through_int_0x80", x86_through_int_0x80),
        ("x32_numbers", x32_numbers),
        (
            "too_long_is_a_typed_error_and_loads_nothing",
            too_long_is_a_typed_error_and_loads_nothing,
        ),
        ("instruction_counts", instruction_counts),
    ]);
}
