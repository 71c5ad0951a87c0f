//! A policy: the default action, attributes, common rules and per-ABI blocks.

use crate::model::abi::Abi;

use crate::model::action::Action;

use crate::model::rule::{Rule, RuleRef};

/// How libseccomp lays out the generated BPF program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Optimize {
    /// One syscall after another: cost grows with the number of rules.
    Linear,
    /// A binary tree over syscall numbers: cost grows with the logarithm. The default,
    /// because it was the fastest layout measured for a merged multi-ABI filter.
    #[default]
    BinaryTree,
}

impl Optimize {}

/// Whether the policy's checks look at io_uring.
///
/// Operations submitted through an io_uring ring (`IORING_OP_OPENAT`, `CONNECT`,
/// `UNLINKAT`, ...) are carried out by the kernel without passing through seccomp, so a
/// policy that lets a program set up a ring (`io_uring_setup`, in `@aio` and so in
/// `@system_service`) also lets it do what the policy denies as syscalls. By default that
/// is a [violation](crate::Violation::IoUringBypass); `io_uring = unfiltered;` says that
/// the policy's author knows, for a program that needs io_uring and is trusted with what
/// its ring can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IoUring {
    /// A policy that allows a ring while denying a syscall the ring can do is refused.
    #[default]
    Checked,
    /// The policy allows io_uring knowing that its operations are not filtered.
    Unfiltered,
}

/// Filter attributes, identical on every per-ABI filter so that they can be merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attributes {
    /// Set `PR_SET_NO_NEW_PRIVS` before loading (default on; without it loading needs
    /// `CAP_SYS_ADMIN`).
    pub no_new_privs: bool,
    /// Install the filter on every thread of the process, not just the caller (default off).
    pub tsync: bool,
    /// Log every action but `allow` (default off).
    pub log: bool,
    /// Keep speculative store bypass mitigations off (default off: the kernel turns them on).
    pub ssb: bool,
    /// The BPF layout.
    pub optimize: Optimize,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            no_new_privs: true,
            tsync: false,
            log: false,
            ssb: false,
            optimize: Optimize::default(),
        }
    }
}

/// Rules for one or more ABIs; each ABI gets its own filter with these rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    abis: Vec<Abi>,
    rules: Vec<Rule>,
}

impl Block {
    /// A block for `abis`, with no rules yet.
    pub fn new(abis: impl IntoIterator<Item = Abi>) -> Block {
        Block {
            abis: abis.into_iter().collect(),
            rules: Vec::new(),
        }
    }

    /// Add a rule.
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> Block {
        self.rules.push(rule);
        self
    }

    /// The ABIs.
    pub fn abis(&self) -> &[Abi] {
        &self.abis
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// A seccomp policy for one or more ABIs, built into one merged filter.
///
/// This is what `seccomp_policy!` returns; it can also be built in code, say from a
/// configuration file. Nothing touches libseccomp until `Policy::build` or `Policy::load`
/// (feature `libseccomp`), which first check the policy (see [`Policy::violations`]).
///
/// ```
/// use seccomp_runtime::{arg, errno, Abi, Action, Block, Policy, Rule};
///
/// let policy = Policy::new(Action::Errno(errno::EPERM))
///     .rule(Rule::new(Action::Allow, ["exit_group", "rt_sigreturn"]))
///     .block(
///         Block::new([Abi::X86_64, Abi::X32])
///             .rule(Rule::new(Action::Allow, ["read", "write"]))
///             .rule(Rule::new(Action::Allow, ["fcntl"]).when(arg(1).eq(3))),
///     )
///     .block(Block::new([Abi::X86]).rule(Rule::new(Action::Allow, ["read", "write"])));
/// let filter = policy.build()?;
/// assert_eq!(filter.summary().len(), 3);
/// # Ok::<(), seccomp_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub(crate) default_action: Action,
    pub(crate) bad_arch_action: Action,
    pub(crate) unknown_action: Option<Action>,
    pub(crate) attributes: Attributes,
    pub(crate) io_uring: IoUring,
    pub(crate) common: Vec<Rule>,
    pub(crate) blocks: Vec<Block>,
}

impl Policy {
    /// A policy whose syscalls without a matching rule get `default_action`.
    pub fn new(default_action: Action) -> Policy {
        Policy {
            default_action,
            bad_arch_action: Action::KillProcess,
            unknown_action: None,
            attributes: Attributes::default(),
            io_uring: IoUring::default(),
            common: Vec::new(),
            blocks: Vec::new(),
        }
    }

    /// The action for syscalls made through an ABI that no block names (default
    /// `kill_process`): this is what closes the `int 0x80` and x32 bypasses.
    #[must_use]
    pub fn bad_arch(mut self, action: Action) -> Policy {
        self.bad_arch_action = action;
        self
    }

    /// The action for syscall numbers the project's syscall table does not know on an ABI
    /// the policy names (holes in the table and numbers past its last syscall), typically
    /// `errno(ENOSYS)`: a syscall newer than the table then looks unimplemented, and glibc
    /// falls back to an older one. Known syscalls without a rule still get the default.
    /// Without it, unknown numbers get the default too.
    #[must_use]
    pub fn unknown(mut self, action: Action) -> Policy {
        self.unknown_action = Some(action);
        self
    }

    /// Replace all attributes at once.
    #[must_use]
    pub fn with_attributes(mut self, attributes: Attributes) -> Policy {
        self.attributes = attributes;
        self
    }

    /// See [`Attributes::no_new_privs`].
    #[must_use]
    pub fn no_new_privs(mut self, on: bool) -> Policy {
        self.attributes.no_new_privs = on;
        self
    }

    /// See [`Attributes::tsync`].
    #[must_use]
    pub fn tsync(mut self, on: bool) -> Policy {
        self.attributes.tsync = on;
        self
    }

    /// See [`Attributes::log`].
    #[must_use]
    pub fn log(mut self, on: bool) -> Policy {
        self.attributes.log = on;
        self
    }

    /// See [`Attributes::ssb`].
    #[must_use]
    pub fn ssb(mut self, on: bool) -> Policy {
        self.attributes.ssb = on;
        self
    }

    /// See [`Attributes::optimize`].
    #[must_use]
    pub fn optimize(mut self, layout: Optimize) -> Policy {
        self.attributes.optimize = layout;
        self
    }

    /// Whether a ring that can do what the policy denies is a violation (the default,
    /// [`IoUring::Checked`]) or acknowledged ([`IoUring::Unfiltered`]).
    #[must_use]
    pub fn io_uring(mut self, io_uring: IoUring) -> Policy {
        self.io_uring = io_uring;
        self
    }

    /// Add a rule for every ABI of the policy.
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> Policy {
        self.common.push(rule);
        self
    }

    /// Add a block of rules for some ABIs.
    #[must_use]
    pub fn block(mut self, block: Block) -> Policy {
        self.blocks.push(block);
        self
    }

    /// The default action.
    pub fn default_action(&self) -> Action {
        self.default_action
    }

    /// The `bad_arch` action.
    pub fn bad_arch_action(&self) -> Action {
        self.bad_arch_action
    }

    /// The action for syscall numbers the table does not know, if the policy sets one.
    pub fn unknown_action(&self) -> Option<Action> {
        self.unknown_action
    }

    /// The attributes.
    pub fn attributes(&self) -> Attributes {
        self.attributes
    }

    /// Whether io_uring is checked or acknowledged as unfiltered.
    pub fn io_uring_setting(&self) -> IoUring {
        self.io_uring
    }

    /// The common rules.
    pub fn common_rules(&self) -> &[Rule] {
        &self.common
    }

    /// The blocks.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Every rule with where it sits: the common rules, then each block's in order.
    pub fn rules(&self) -> impl Iterator<Item = (RuleRef, &Rule)> {
        let common = self
            .common
            .iter()
            .enumerate()
            .map(|(index, rule)| (RuleRef { block: None, index }, rule));
        let blocks = self.blocks.iter().enumerate().flat_map(|(b, block)| {
            let block_ref = Some(b);
            block.rules.iter().enumerate().map(move |(index, rule)| {
                (
                    RuleRef {
                        block: block_ref,
                        index,
                    },
                    rule,
                )
            })
        });
        common.chain(blocks)
    }

    /// Every rule that applies to `abi`, common rules first, with where each sits.
    pub fn rules_for(&self, abi: Abi) -> impl Iterator<Item = (RuleRef, &Rule)> {
        self.rules().filter(move |(at, _)| match at.block {
            None => true,
            Some(block) => self.blocks[block].abis.contains(&abi),
        })
    }

    /// Every ABI the policy names, in the order the blocks name them, once each.
    pub fn abis(&self) -> Vec<Abi> {
        let mut abis = Vec::new();
        for abi in self.blocks.iter().flat_map(|block| &block.abis) {
            if !abis.contains(abi) {
                abis.push(*abi);
            }
        }
        abis
    }
}
