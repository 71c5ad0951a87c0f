//! The reference filters, written by hand with the `libseccomp` crate the classic way:
//! one filter per ABI, each holding that ABI alone.
//!
//! The rules are the benchmark policy's, read once from the [`Policy`] into plain
//! libseccomp values, so that both sides add exactly the same rules; what is timed is
//! nothing but libseccomp calls, names resolved as hand-written Rust code resolves them.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::FromRawFd;

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use seccomp_dsl::{Abi, Action, Attributes, CmpOp, Endian, Instruction, Optimize, Policy, Program};

use crate::bpf;

/// One rule for one syscall, as libseccomp takes it.
pub struct HandRule {
    action: ScmpAction,
    syscall: String,
    comparisons: Vec<ScmpArgCompare>,
}

/// The policy's rules, ABI by ABI, in the order the classic code loads the filters.
pub struct HandRules {
    default_action: ScmpAction,
    abis: Vec<(ScmpArch, Vec<HandRule>)>,
}

/// What per-ABI filters are built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Loaded one after another: the classic way.
    Stack,
    /// Merged into one filter with `seccomp_merge`.
    Merge,
}

/// x86_64, then x86, then x32, as the issue loads them.
pub const STACK_ORDER: [Abi; 3] = [Abi::X86_64, Abi::X86, Abi::X32];

impl HandRules {
    pub fn from_policy(policy: &Policy, order: &[Abi]) -> HandRules {
        let abis = order
            .iter()
            .map(|&abi| {
                let rules = policy
                    .rules_for(abi)
                    .flat_map(|(_, rule)| {
                        let comparisons: Vec<ScmpArgCompare> = rule
                            .conditions()
                            .iter()
                            .map(|c| compare(c.arg, c.op, c.value))
                            .collect();
                        rule.on_abi(abi)
                            .syscalls
                            .into_iter()
                            .map(|(_, name)| HandRule {
                                action: action(rule.action()),
                                syscall: name.to_owned(),
                                comparisons: comparisons.clone(),
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect();
                (arch(abi), rules)
            })
            .collect();
        HandRules {
            default_action: action(policy.default_action()),
            abis,
        }
    }

    /// One filter per ABI, every rule added exactly; `optimize` is libseccomp's
    /// `CTL_OPTIMIZE` (`None`: leave libseccomp's default, linear).
    ///
    /// [`Use::Stack`]: filters to load one after another. Each lets through the ABIs it does
    /// not handle: the kernel takes the strictest action of all filters, so a single-ABI
    /// filter that killed other ABIs would kill every syscall of the other two (on x86-64
    /// there is no fourth ABI left to stop). Only the first sets no-new-privs: it is
    /// process-wide, and the policy denies the `prctl` that setting it again would make.
    ///
    /// [`Use::Merge`]: filters to merge, with the policy's `bad_arch` action (`kill_process`)
    /// and identical attributes, as `seccomp_merge` requires.
    pub fn build(&self, usage: Use, optimize: Option<u32>) -> Vec<ScmpFilterContext> {
        self.abis
            .iter()
            .enumerate()
            .map(|(i, (arch, rules))| {
                let mut ctx = ScmpFilterContext::new(self.default_action).expect("seccomp_init");
                if !ctx.is_arch_present(*arch).expect("arch_exist") {
                    ctx.add_arch(*arch).expect("arch_add");
                    ctx.remove_arch(ScmpArch::Native).expect("arch_remove");
                }
                let (bad_arch, nnp) = match usage {
                    Use::Stack => (ScmpAction::Allow, i == 0),
                    Use::Merge => (ScmpAction::KillProcess, true),
                };
                ctx.set_act_badarch(bad_arch).expect("badarch");
                ctx.set_ctl_nnp(nnp).expect("nnp");
                if let Some(level) = optimize {
                    ctx.set_ctl_optimize(level).expect("optimize");
                }
                for rule in rules {
                    let nr = ScmpSyscall::from_name(&rule.syscall).expect("resolve");
                    ctx.add_rule_conditional_exact(rule.action, nr, &rule.comparisons)
                        .unwrap_or_else(|e| panic!("{} on {arch:?}: {e}", rule.syscall));
                }
                ctx
            })
            .collect()
    }
}

/// `seccomp_merge` all of `filters` into the first.
pub fn merge(filters: Vec<ScmpFilterContext>) -> ScmpFilterContext {
    let mut filters = filters.into_iter();
    let mut merged = filters.next().expect("a filter");
    for filter in filters {
        merged.merge(filter).expect("seccomp_merge");
    }
    merged
}

/// libseccomp's BPF export, through a memory file as libseccomp 2.5 wants a descriptor.
pub fn export(ctx: &ScmpFilterContext) -> Vec<Instruction> {
    // SAFETY: a valid name and flags; the descriptor is owned by the File at once.
    let mut file = unsafe {
        let fd = libc::memfd_create(c"bench-export".as_ptr(), libc::MFD_CLOEXEC);
        assert!(fd >= 0, "memfd_create");
        File::from_raw_fd(fd)
    };
    ctx.export_bpf(&file).expect("seccomp_export_bpf");
    file.seek(SeekFrom::Start(0)).expect("seek");
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).expect("read");
    Program::from_bytes(&bytes, Endian::HOST, Attributes::default())
        .expect("whole instructions")
        .instructions()
        .to_vec()
}

/// The floor: `ld arch; ret ALLOW`, what any filter at all costs. The kernel's action
/// cache skips it for every x86_64 and x86 syscall: it only ever runs for x32.
pub fn trivial_allow() -> Vec<Instruction> {
    vec![load(4), ret(bpf::RET_ALLOW)]
}

/// The floor of a filter that runs: `ld arg0; ret ALLOW`. Loading an argument keeps the
/// kernel from caching it, so it runs on every syscall, as any filter must for a syscall
/// whose arguments it checks.
pub fn trivial_allow_uncached() -> Vec<Instruction> {
    vec![load(16), ret(bpf::RET_ALLOW)]
}

/// `ld [k]`: load the word at offset `k` of `struct seccomp_data`.
fn load(k: u32) -> Instruction {
    Instruction {
        code: 0x20,
        jt: 0,
        jf: 0,
        k,
    }
}

/// `ret #k`
fn ret(k: u32) -> Instruction {
    Instruction {
        code: 0x06,
        jt: 0,
        jf: 0,
        k,
    }
}

fn arch(abi: Abi) -> ScmpArch {
    match abi {
        Abi::X86_64 => ScmpArch::X8664,
        Abi::X86 => ScmpArch::X86,
        Abi::X32 => ScmpArch::X32,
        other => unreachable!("the benchmark is for x86 ABIs, not {other}"),
    }
}

fn action(action: Action) -> ScmpAction {
    match action {
        Action::Allow => ScmpAction::Allow,
        Action::Log => ScmpAction::Log,
        Action::KillProcess => ScmpAction::KillProcess,
        Action::KillThread => ScmpAction::KillThread,
        Action::Trap => ScmpAction::Trap,
        Action::Errno(value) => ScmpAction::Errno(value),
        Action::Trace(message) => ScmpAction::Trace(message),
        Action::Notify => ScmpAction::Notify,
        other => unreachable!("no libseccomp action for {other}"),
    }
}

fn compare(arg: u8, op: CmpOp, value: u64) -> ScmpArgCompare {
    let op = match op {
        CmpOp::Eq => ScmpCompareOp::Equal,
        CmpOp::Ne => ScmpCompareOp::NotEqual,
        CmpOp::Lt => ScmpCompareOp::Less,
        CmpOp::Le => ScmpCompareOp::LessOrEqual,
        CmpOp::Gt => ScmpCompareOp::Greater,
        CmpOp::Ge => ScmpCompareOp::GreaterEqual,
        CmpOp::MaskedEq(mask) => ScmpCompareOp::MaskedEqual(mask),
    };
    ScmpArgCompare::new(u32::from(arg), op, value)
}

/// libseccomp's `CTL_OPTIMIZE` level for an [`Optimize`] setting.
pub fn optimize_level(optimize: Optimize) -> u32 {
    match optimize {
        Optimize::Linear => 1,
        Optimize::BinaryTree => 2,
    }
}
