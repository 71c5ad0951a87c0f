//! The simulator agrees with the kernel.
//!
//! Random valid policies over harmless syscalls are built, and for each of a few calls the
//! simulator's action is turned into what a process would see (the call's own result, an
//! errno, `ENOSYS` for `trace` without a tracer, or death by `SIGSYS`). The filter is then
//! installed in a forked child, which makes the call through x86_64 or through `int 0x80`
//! (x86) and exits with the result; the parent compares. The program is built before the
//! fork, so the child only makes raw syscalls.
//!
//! `SIM_KERNEL_POLICIES` sets the number of policies (default 300); `SIM_KERNEL_SEED` the
//! seed.

mod support;

use std::collections::HashMap;

use seccomp_dsl::{
    arg, syscall_number, Abi, Action, Block, Comparison, Optimize, Policy, Program, Rule,
};
use support::{in_child, Outcome, INSTALL_FAILED};

/// Syscalls whose every argument is harmless in a throwaway child: they read, or change
/// only the child.
const SYSCALLS: &[&str] = &[
    "getpriority",
    "getpgid",
    "getsid",
    "sched_getscheduler",
    "sched_get_priority_max",
    "umask",
    "getpid",
    "getppid",
    "getuid",
];

/// Errno actions use numbers no real syscall returns, so that they cannot be confused
/// with the result of a syscall that ran.
const ERRNO_BASE: i32 = 200;

/// A small deterministic generator (xorshift64*), enough to pick policies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

fn action(rng: &mut Rng) -> Action {
    match rng.below(8) {
        0 => Action::Allow,
        1 => Action::Log,
        2 => Action::KillProcess,
        3 => Action::KillThread,
        4 => Action::Trap,
        5 => Action::Trace(rng.below(100) as u16),
        _ => Action::Errno(ERRNO_BASE + rng.below(40) as i32),
    }
}

/// Values a comparison may use; 32-bit ones only where x86 is in the rule's scope.
fn value(rng: &mut Rng, narrow: bool) -> u64 {
    let v = rng.pick(&[
        0,
        1,
        2,
        3,
        7,
        0x7fff_ffff,
        0xffff_ffff,
        0x1_0000_0000,
        u64::MAX,
    ]);
    if narrow {
        v & 0xffff_ffff
    } else {
        v
    }
}

fn comparison(rng: &mut Rng, index: u8, narrow: bool) -> Comparison {
    let a = arg(index);
    let v = value(rng, narrow);
    match rng.below(7) {
        0 => a.eq(v),
        1 => a.ne(v),
        2 => a.lt(v),
        3 => a.le(v),
        4 => a.gt(v),
        5 => a.ge(v),
        _ => {
            let mask = rng.pick(&[1, 3, 0xff, 0xffff_0000]);
            a.masked_eq(mask, v & mask)
        }
    }
}

/// A random valid policy for x86_64 and maybe x86.
fn random_policy(rng: &mut Rng) -> Policy {
    let blocks: Vec<Vec<Abi>> = match rng.below(3) {
        0 => vec![vec![Abi::X86_64, Abi::X86]],
        1 => vec![vec![Abi::X86_64], vec![Abi::X86]],
        _ => vec![vec![Abi::X86_64]],
    };
    let default = action(rng);
    let layout = if rng.below(2) == 0 {
        Optimize::Linear
    } else {
        Optimize::BinaryTree
    };
    let base = || {
        let mut policy = Policy::new(default)
            .bad_arch(Action::Errno(ERRNO_BASE + 45))
            .optimize(layout);
        if default != Action::Allow {
            // The child must be able to exit.
            policy = policy.rule(Rule::new(Action::Allow, ["exit_group", "exit"]));
        }
        policy
    };
    let mut placed: Vec<(Option<usize>, Vec<Abi>, Rule)> = Vec::new();
    for _ in 0..1 + rng.below(6) {
        let block = (rng.below(4) != 0).then(|| rng.below(blocks.len() as u64) as usize);
        let scope = match block {
            Some(b) => blocks[b].clone(),
            None => blocks.concat(),
        };
        let narrow = scope.contains(&Abi::X86);
        let mut rule_action = action(rng);
        while rule_action == default {
            rule_action = action(rng);
        }
        let mut names = vec![rng.pick(SYSCALLS)];
        if rng.below(3) == 0 {
            names.push(rng.pick(SYSCALLS));
        }
        names.dedup();
        let mut rule = Rule::new(rule_action, names);
        for index in 0..3u8 {
            if rng.below(3) == 0 {
                rule = rule.when(comparison(rng, index, narrow));
            }
        }
        // Rules that would make the policy invalid (libseccomp's merge bug included) are
        // dropped.
        placed.push((block, scope, rule));
        if !assemble(base(), &blocks, &placed)
            .build_violations()
            .is_empty()
        {
            placed.pop();
        }
    }
    assemble(base(), &blocks, &placed)
}

fn assemble(
    mut policy: Policy,
    blocks: &[Vec<Abi>],
    rules: &[(Option<usize>, Vec<Abi>, Rule)],
) -> Policy {
    for (block, _, rule) in rules {
        if block.is_none() {
            policy = policy.rule(rule.clone());
        }
    }
    for (b, abis) in blocks.iter().enumerate() {
        let mut block = Block::new(abis.iter().copied());
        for (_, _, rule) in rules.iter().filter(|(at, _, _)| *at == Some(b)) {
            block = block.rule(rule.clone());
        }
        policy = policy.block(block);
    }
    policy
}

/// One syscall through one ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Call {
    abi: Abi,
    name: &'static str,
    args: [u64; 3],
}

impl Call {
    /// Make the call: 0 on success, else the errno.
    fn make(self) -> i32 {
        match self.abi {
            Abi::X86 => {
                let nr = syscall_number(Abi::X86, self.name).expect("x86 has it");
                support::x86(nr as u32, self.args.map(|a| a as u32))
            }
            _ => {
                let nr = syscall_number(Abi::X86_64, self.name).expect("x86_64 has it");
                support::x86_64(i64::from(nr), self.args)
            }
        }
    }

    fn six_args(self) -> [u64; 6] {
        let [a, b, c] = self.args;
        [a, b, c, 0, 0, 0]
    }
}

/// No core files from the children that die of SIGSYS.
fn no_core_dumps() {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid rlimit for the calling process.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
}

/// What the kernel does with `call` under `program`, in a child.
fn under(program: &Program, call: Call) -> Outcome {
    in_child(|| {
        no_core_dumps();
        match program.install() {
            Ok(()) => call.make(),
            Err(_) => INSTALL_FAILED,
        }
    })
}

/// What `call` does without a filter, in a child.
fn unfiltered(call: Call) -> Outcome {
    in_child(|| call.make())
}

/// What a process sees when the filter takes `action` on `call`.
fn expected(action: Action, call: Call, reference: &mut HashMap<Call, Outcome>) -> Outcome {
    match action {
        Action::Allow | Action::Log => *reference.entry(call).or_insert_with(|| unfiltered(call)),
        Action::Errno(errno) => Outcome::Exited(errno),
        // Without a tracer, the syscall fails with ENOSYS.
        Action::Trace(_) => Outcome::Exited(libc::ENOSYS),
        _ => Outcome::Signaled(libc::SIGSYS),
    }
}

fn calls(rng: &mut Rng, policy: &Policy) -> Vec<Call> {
    let mut interesting: Vec<u64> = vec![0, 1, 2, 3];
    for (_, rule) in policy.rules() {
        for c in rule.conditions() {
            interesting.extend([c.value, c.value.wrapping_add(1), c.value.wrapping_sub(1)]);
        }
    }
    let mut out = Vec::new();
    for abi in [Abi::X86_64, Abi::X86] {
        for _ in 0..4 {
            let name = rng.pick(SYSCALLS);
            let mut args = [0; 3];
            for a in &mut args {
                *a = rng.pick(&interesting);
                if abi == Abi::X86 {
                    *a &= 0xffff_ffff;
                }
            }
            out.push(Call { abi, name, args });
        }
    }
    out
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn kernel_agrees_with_the_simulator() {
    let mut rng = Rng(env("SIM_KERNEL_SEED", 0x5eed_cafe) | 1);
    let mut reference = HashMap::new();
    let (mut checked, mut by_action) = (0, HashMap::<String, u32>::new());
    for _ in 0..env("SIM_KERNEL_POLICIES", 300) {
        let policy = random_policy(&mut rng);
        let filter = policy.build().expect("a valid policy builds");
        let program = filter.program().expect("the program exports").clone();
        for call in calls(&mut rng, &policy) {
            let action = filter
                .simulate(call.abi, call.name, call.six_args())
                .expect("the simulator runs");
            let want = expected(action, call, &mut reference);
            let got = under(&program, call);
            assert_eq!(
                got, want,
                "{call:?}: the simulator says {action}\n{policy:#?}"
            );
            checked += 1;
            let kind = match action {
                Action::Errno(_) => "errno".to_owned(),
                Action::Trace(_) => "trace".to_owned(),
                other => other.to_string(),
            };
            *by_action.entry(kind).or_default() += 1;
        }
    }
    let mut by_action: Vec<_> = by_action.into_iter().collect();
    by_action.sort();
    eprintln!("{checked} calls checked against the kernel: {by_action:?}");
}

/// The x86 call numbers come from libseccomp's table; check the pair the probes rely on
/// against the kernel's i386 table.
fn x86_numbers_are_the_kernels() {
    assert_eq!(syscall_number(Abi::X86, "getpid"), Some(20));
    assert_eq!(syscall_number(Abi::X86, "getpriority"), Some(96));
    assert_eq!(syscall_number(Abi::X86, "umask"), Some(60));
}

fn main() {
    support::run(&[
        ("x86_numbers_are_the_kernels", x86_numbers_are_the_kernels),
        (
            "kernel_agrees_with_the_simulator",
            kernel_agrees_with_the_simulator,
        ),
    ]);
}
