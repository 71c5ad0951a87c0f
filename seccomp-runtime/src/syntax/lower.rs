//! The policy with every name resolved, once: ABIs, actions and errnos, groups, flags and
//! comparison values. The checks turn it into a runtime `Policy` to ask
//! [`Policy::violations`]; the expansion generates code from it. Neither resolves anything
//! again, so what is checked is what is generated.

use std::collections::{HashMap, HashSet};

use crate::check::violation::ActionSite;
use crate::group::Group;
use crate::model::abi::Abi;
use crate::model::action::Action;
use crate::model::condition::{arg, Comparison};
use crate::model::errno;
use crate::model::policy::{Attributes, Block, IoUring, Optimize, Policy};
use crate::model::rule::{Entry, Rule, RuleRef};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::Error;

use super::{ast, constants};

/// Where the policy text comes from, which decides what a value and `native` mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The macro: values are Rust constants or expressions that the compiled program
    /// knows; `native` is the ABI of the target being compiled for.
    Macro,
    /// Text read at run time: values are integers or names from
    /// [`constants`](super::constants), resolved for the rule's ABIs; `native` is `native`.
    // Only policy files (feature `files`) are read at run time.
    #[cfg_attr(not(feature = "files"), allow(dead_code))]
    File {
        /// The ABI of the machine reading the file, if libseccomp has one for it.
        native: Option<Abi>,
    },
}

/// A block's ABI, once its name is resolved.
#[derive(Clone, Copy)]
pub enum Target {
    Abi(Abi),
    /// The target's own ABI, known only when compiling for it.
    Native,
    /// An unknown name: reported, and left out.
    Skipped,
}

/// An action with the tokens it was written with.
pub struct Resolved<'a> {
    pub action: Action,
    pub ast: &'a ast::Action,
}

/// A filter attribute as written.
pub enum Flag {
    NoNewPrivs(bool),
    Tsync(bool),
    Log(bool),
    Ssb(bool),
    Optimize(Optimize),
    /// Build the program at compile time (see `precompile`); not a filter attribute.
    Precompiled(bool),
    /// Whether io_uring is checked; not a filter attribute either.
    IoUring(IoUring),
}

/// One item of a rule's syscall list, resolved; `None` for an unknown group (reported).
pub struct LEntry<'a> {
    pub entry: Option<Entry>,
    pub ast: &'a ast::Entry,
}

/// A comparison, and whether its value (or mask) is only known to the compiled program:
/// then `comparison` holds a stand-in.
pub struct LComparison<'a> {
    pub comparison: Comparison,
    pub opaque: bool,
    pub ast: &'a ast::Comparison,
}

pub struct LRule<'a> {
    /// `None` for an errno name that is not one (reported).
    pub action: Option<Resolved<'a>>,
    pub entries: Vec<LEntry<'a>>,
    pub except: Vec<LEntry<'a>>,
    pub conditions: Vec<LComparison<'a>>,
}

pub struct LBlock<'a> {
    pub targets: Vec<Target>,
    pub rules: Vec<LRule<'a>>,
}

/// The resolved policy; the positions of everything match the source's.
pub struct Lowered<'a> {
    pub ast: &'a ast::Policy,
    pub source: Source,
    pub had_syntax_errors: bool,
    pub default: Option<Resolved<'a>>,
    pub bad_arch: Option<Resolved<'a>>,
    pub unknown: Option<Resolved<'a>>,
    pub flags: Vec<Flag>,
    pub common: Vec<LRule<'a>>,
    pub blocks: Vec<LBlock<'a>>,
    /// Action sites written with an errno name that is not one.
    pub unresolved: HashSet<ActionSite>,
}

/// Resolve `policy`; `errors` gets every name that does not resolve and every repeated or
/// missing setting. `had_syntax_errors`: a missing piece may have failed to parse.
pub fn lower<'a>(
    policy: &'a ast::Policy,
    had_syntax_errors: bool,
    source: Source,
    errors: &mut Vec<Error>,
) -> Lowered<'a> {
    let mut lowered = Lowered {
        ast: policy,
        source,
        had_syntax_errors,
        default: None,
        bad_arch: None,
        unknown: None,
        flags: Vec::new(),
        common: Vec::new(),
        blocks: Vec::new(),
        unresolved: HashSet::new(),
    };
    lowered.settings(errors);
    let mut values = Values::new(policy, source);
    let targets: Vec<Vec<Target>> = policy
        .blocks
        .iter()
        .map(|block| block.abis.iter().map(|name| target(name, errors)).collect())
        .collect();
    // The ABIs each rule applies to, for names whose value depends on the ABI.
    let native = match source {
        Source::Macro => None,
        Source::File { native } => native,
    };
    let abis_of = |targets: &[Target]| -> Vec<Abi> {
        targets
            .iter()
            .filter_map(|target| match *target {
                Target::Abi(abi) => Some(abi),
                Target::Native => native,
                Target::Skipped => None,
            })
            .collect()
    };
    values.abis = targets.iter().flat_map(|t| abis_of(t)).collect();
    for (index, rule) in policy.rules.iter().enumerate() {
        let at = RuleRef { block: None, index };
        let rule = lowered.rule(at, rule, &mut values, errors);
        lowered.common.push(rule);
    }
    for ((b, block), targets) in policy.blocks.iter().enumerate().zip(targets) {
        values.abis = abis_of(&targets);
        let rules = block
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| {
                let at = RuleRef {
                    block: Some(b),
                    index,
                };
                lowered.rule(at, rule, &mut values, errors)
            })
            .collect();
        lowered.blocks.push(LBlock { targets, rules });
    }
    lowered
}

impl<'a> Lowered<'a> {
    /// One `default`, at most one `bad_arch` and `unknown`, each flag at most once.
    fn settings(&mut self, errors: &mut Vec<Error>) {
        let mut seen: Vec<(String, Span)> = Vec::new();
        for setting in &self.ast.settings {
            let word = match setting {
                ast::Setting::Default { .. } => "default".to_owned(),
                ast::Setting::BadArch { .. } => "bad_arch".to_owned(),
                ast::Setting::Unknown { .. } => "unknown".to_owned(),
                ast::Setting::Flag(flag) => flag.name.to_string(),
            };
            if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == word) {
                errors.push(Error::new(
                    setting.span(),
                    format!("`{word}` is already set; a policy sets it once"),
                ));
                errors.push(Error::new(*first, "first set here"));
                continue;
            }
            seen.push((word, setting.span()));
            match setting {
                ast::Setting::Default { action, .. } => {
                    self.default = self.resolve(ActionSite::Default, action, errors);
                }
                ast::Setting::BadArch { action, .. } => {
                    self.bad_arch = self.resolve(ActionSite::BadArch, action, errors);
                }
                ast::Setting::Unknown { action, .. } => {
                    self.unknown = self.resolve(ActionSite::Unknown, action, errors);
                }
                ast::Setting::Flag(flag) => self.flags.push(match &flag.value {
                    ast::FlagValue::NoNewPrivs(on) => Flag::NoNewPrivs(on.value),
                    ast::FlagValue::Tsync(on) => Flag::Tsync(on.value),
                    ast::FlagValue::Log(on) => Flag::Log(on.value),
                    ast::FlagValue::Ssb(on) => Flag::Ssb(on.value),
                    ast::FlagValue::Precompiled(on) => Flag::Precompiled(on.value),
                    ast::FlagValue::IoUring(ast::IoUring::Checked) => {
                        Flag::IoUring(IoUring::Checked)
                    }
                    ast::FlagValue::IoUring(ast::IoUring::Unfiltered) => {
                        Flag::IoUring(IoUring::Unfiltered)
                    }
                    ast::FlagValue::Optimize(ast::Optimize::Linear) => {
                        Flag::Optimize(Optimize::Linear)
                    }
                    ast::FlagValue::Optimize(ast::Optimize::BinaryTree) => {
                        Flag::Optimize(Optimize::BinaryTree)
                    }
                }),
            }
        }
        let default_written = self
            .ast
            .settings
            .iter()
            .any(|s| matches!(s, ast::Setting::Default { .. }));
        if !default_written {
            // Whatever the stand-in causes is not a mistake of its own.
            self.unresolved.insert(ActionSite::Default);
        }
        if !default_written && !self.had_syntax_errors {
            errors.push(Error::new(
                Span::call_site(),
                "the policy has no default action: start it with `default <action>;`, \
                 e.g. `default errno(EPERM);`",
            ));
        }
    }

    fn resolve(
        &mut self,
        site: ActionSite,
        action: &'a ast::Action,
        errors: &mut Vec<Error>,
    ) -> Option<Resolved<'a>> {
        match resolve_action(action, errors) {
            Some(resolved) => Some(Resolved {
                action: resolved,
                ast: action,
            }),
            None => {
                self.unresolved.insert(site);
                None
            }
        }
    }

    fn rule(
        &mut self,
        at: RuleRef,
        rule: &'a ast::Rule,
        values: &mut Values,
        errors: &mut Vec<Error>,
    ) -> LRule<'a> {
        let action = self.resolve(ActionSite::Rule(at), &rule.action, errors);
        let entries = rule.syscalls.iter().map(|e| entry(e, errors)).collect();
        let except = rule.except.iter().map(|e| entry(e, errors)).collect();
        let conditions = rule
            .conditions
            .iter()
            .map(|comparison| values.comparison(comparison, errors))
            .collect();
        LRule {
            action,
            entries,
            except,
            conditions,
        }
    }

    /// The attributes the flags set.
    pub fn attributes(&self) -> Attributes {
        let mut attributes = Attributes::default();
        for flag in &self.flags {
            match *flag {
                Flag::NoNewPrivs(on) => attributes.no_new_privs = on,
                Flag::Tsync(on) => attributes.tsync = on,
                Flag::Log(on) => attributes.log = on,
                Flag::Ssb(on) => attributes.ssb = on,
                Flag::Optimize(layout) => attributes.optimize = layout,
                Flag::Precompiled(_) | Flag::IoUring(_) => {}
            }
        }
        attributes
    }

    /// The `io_uring` setting, if written; else the default.
    pub fn io_uring(&self) -> IoUring {
        self.flags
            .iter()
            .find_map(|flag| match *flag {
                Flag::IoUring(setting) => Some(setting),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn rule_at(&self, at: RuleRef) -> Option<&LRule<'a>> {
        match at.block {
            None => self.common.get(at.index),
            Some(block) => self.blocks.get(block)?.rules.get(at.index),
        }
    }

    /// The policy as the runtime sees it, with `native` taken to be `native`, and for each
    /// block, which of the written ABI names each of its ABIs comes from. Unresolved
    /// actions get distinct stand-ins, unknown groups an entry that matches nothing: the
    /// violations they cause are not reported.
    pub fn to_policy(&self, native: Option<Abi>) -> (Policy, Vec<Vec<usize>>) {
        let mut stand_ins = 0;
        let mut action = |resolved: &Option<Resolved>| match resolved {
            Some(resolved) => resolved.action,
            None => {
                // Distinct negative errnos compare unequal to every real action and to
                // each other.
                stand_ins += 1;
                Action::Errno(-stand_ins - 1)
            }
        };
        let mut policy = Policy::new(action(&self.default))
            .with_attributes(self.attributes())
            .io_uring(self.io_uring());
        policy = policy.bad_arch(match &self.bad_arch {
            Some(resolved) => resolved.action,
            None if !self.unresolved.contains(&ActionSite::BadArch) => {
                Policy::new(Action::Allow).bad_arch_action()
            }
            None => action(&None),
        });
        if self.unknown.is_some() || self.unresolved.contains(&ActionSite::Unknown) {
            policy = policy.unknown(action(&self.unknown));
        }
        let mut runtime_rule = |rule: &LRule| {
            let entries = rule.entries.iter().map(LEntry::runtime);
            let except = rule.except.iter().map(LEntry::runtime);
            let mut runtime = Rule::new(action(&rule.action), entries).except(except);
            for comparison in &rule.conditions {
                runtime = runtime.when(comparison.comparison);
            }
            runtime
        };
        for rule in &self.common {
            policy = policy.rule(runtime_rule(rule));
        }
        let mut positions = Vec::new();
        for block in &self.blocks {
            let mut abis = Vec::new();
            let mut written = Vec::new();
            for (position, target) in block.targets.iter().enumerate() {
                let abi = match *target {
                    Target::Abi(abi) => Some(abi),
                    Target::Native => native,
                    Target::Skipped => None,
                };
                if let Some(abi) = abi {
                    abis.push(abi);
                    written.push(position);
                }
            }
            positions.push(written);
            let mut runtime = Block::new(abis);
            for rule in &block.rules {
                runtime = runtime.rule(runtime_rule(rule));
            }
            policy = policy.block(runtime);
        }
        (policy, positions)
    }

    /// Every comparison (rule, position) whose value or mask only the compiled program
    /// knows.
    pub fn opaque_comparisons(&self) -> Vec<(RuleRef, usize)> {
        let (policy, _) = self.to_policy(None);
        policy
            .rules()
            .filter_map(|(at, _)| Some((at, self.rule_at(at)?)))
            .flat_map(|(at, rule)| {
                let opaque = rule.conditions.iter().enumerate().filter(|(_, c)| c.opaque);
                opaque.map(move |(position, _)| (at, position))
            })
            .collect()
    }

    /// The span of the first `native` in the blocks' ABI lists, if any.
    pub fn first_native(&self) -> Option<Span> {
        self.ast
            .blocks
            .iter()
            .flat_map(|block| &block.abis)
            .find_map(|name| match name {
                ast::AbiName::Native(kw) => Some(kw.span),
                ast::AbiName::Named(_) => None,
            })
    }
}

impl LEntry<'_> {
    /// The runtime's entry; an unknown group stands in as an optional name no ABI has, so
    /// that positions stay those of the source.
    fn runtime(&self) -> Entry {
        self.entry.clone().unwrap_or_else(|| Entry::optional(""))
    }
}

fn target(name: &ast::AbiName, errors: &mut Vec<Error>) -> Target {
    match name {
        ast::AbiName::Named(ident) => match ident.unraw().to_string().parse::<Abi>() {
            Ok(abi) => Target::Abi(abi),
            Err(unknown) => {
                errors.push(Error::new(ident.span(), unknown_abi(&unknown)));
                Target::Skipped
            }
        },
        // Two `native`s are the same ABI twice: the runtime's overlap check reports them,
        // for each target.
        ast::AbiName::Native(_) => Target::Native,
    }
}

fn entry<'a>(entry: &'a ast::Entry, errors: &mut Vec<Error>) -> LEntry<'a> {
    let name = entry.name().unraw().to_string();
    let resolved = match entry {
        ast::Entry::Syscall(_) => Some(Entry::from(name)),
        ast::Entry::Optional { .. } => Some(Entry::optional(name)),
        ast::Entry::Group { .. } => match Group::by_name(&name) {
            Some(group) => Some(Entry::group(group)),
            None => {
                errors.push(Error::new(entry.span(), unknown_group(&name)));
                None
            }
        },
    };
    LEntry {
        entry: resolved,
        ast: entry,
    }
}

fn unknown_group(name: &str) -> String {
    let names = Group::ALL.iter().map(|group| group.name());
    match crate::util::suggest::nearest(name, names) {
        Some(near) => format!("unknown group `@{name}`; did you mean `@{near}`?"),
        None => {
            let all: Vec<String> = Group::ALL
                .iter()
                .map(|g| format!("@{}", g.name()))
                .collect();
            format!("unknown group `@{name}`; the groups are {}", all.join(", "))
        }
    }
}

/// The action as the runtime has it, or `None` (and an error) for an unknown errno name.
fn resolve_action(action: &ast::Action, errors: &mut Vec<Error>) -> Option<Action> {
    Some(match &action.kind {
        ast::ActionKind::Allow => Action::Allow,
        ast::ActionKind::Log => Action::Log,
        ast::ActionKind::KillProcess => Action::KillProcess,
        ast::ActionKind::KillThread => Action::KillThread,
        ast::ActionKind::Trap => Action::Trap,
        ast::ActionKind::Notify => Action::Notify,
        ast::ActionKind::Trace(lit) => Action::Trace(lit.base10_parse().ok()?),
        ast::ActionKind::Errno(ast::Errno::Number { value, .. }) => Action::Errno(*value),
        ast::ActionKind::Errno(ast::Errno::Name(ident)) => {
            let name = ident.unraw().to_string();
            match errno::by_name(&name) {
                Ok(value) => Action::Errno(value),
                Err(unknown) => {
                    errors.push(Error::new(ident.span(), unknown));
                    return None;
                }
            }
        }
    })
}

/// The runtime's message, with the one ABI name only the macro knows.
fn unknown_abi(unknown: &crate::model::abi::UnknownAbi) -> String {
    match unknown.suggestion {
        Some(_) => unknown.to_string(),
        None => format!("{unknown}, and `native`"),
    }
}

/// Stand-ins for values known only to the compiled program (paths, expressions): the same
/// tokens get the same value, distinct from every literal in the policy, so that equal
/// conditions are still found equal.
struct Values {
    source: Source,
    /// The ABIs of the rule being lowered.
    abis: Vec<Abi>,
    stand_ins: HashMap<String, u64>,
    /// Free values below 2^32, so that a stand-in is never too wide for a 32-bit ABI.
    free: Vec<u64>,
}

impl Values {
    fn new(policy: &ast::Policy, source: Source) -> Values {
        let rules = policy
            .rules
            .iter()
            .chain(policy.blocks.iter().flat_map(|block| &block.rules));
        let mut literals = HashSet::new();
        for comparison in rules.flat_map(|rule| &rule.conditions) {
            let mask = match &comparison.op {
                ast::CmpOp::MaskedEq(mask) => Some(mask),
                _ => None,
            };
            for value in mask.into_iter().chain([&comparison.value]) {
                if let ast::Value::Lit { value, .. } = value {
                    literals.insert(*value);
                }
            }
        }
        // As many free values as there could be opaque ones, taken from the top down.
        let wanted = policy
            .rules
            .iter()
            .chain(policy.blocks.iter().flat_map(|block| &block.rules))
            .map(|rule| 2 * rule.conditions.len())
            .sum();
        let mut free: Vec<u64> = (0..=u64::from(u32::MAX))
            .rev()
            .filter(|value| !literals.contains(value))
            .take(wanted)
            .collect();
        free.reverse();
        Values {
            source,
            abis: Vec::new(),
            stand_ins: HashMap::new(),
            free,
        }
    }

    fn value(&mut self, value: &ast::Value, errors: &mut Vec<Error>) -> (u64, bool) {
        if let (Source::File { .. }, Some(key)) = (self.source, value.opaque_key()) {
            match file_value(value, &self.abis) {
                Ok(value) => return (value, false),
                Err(error) => {
                    errors.push(error);
                    // A stand-in, as for the macro: what it causes is not reported.
                    return (self.stand_in(key), true);
                }
            }
        }
        match (value, value.opaque_key()) {
            (ast::Value::Lit { value, .. }, _) => (*value, false),
            (_, key) => (self.stand_in(key.unwrap_or_default()), true),
        }
    }

    fn stand_in(&mut self, key: String) -> u64 {
        let free = &mut self.free;
        *self
            .stand_ins
            .entry(key)
            .or_insert_with(|| free.pop().unwrap_or_default())
    }

    fn comparison<'a>(
        &mut self,
        comparison: &'a ast::Comparison,
        errors: &mut Vec<Error>,
    ) -> LComparison<'a> {
        let arg = arg(comparison.index);
        let (value, opaque_value) = self.value(&comparison.value, errors);
        let (runtime, opaque_mask) = match &comparison.op {
            ast::CmpOp::Eq => (arg.eq(value), false),
            ast::CmpOp::Ne => (arg.ne(value), false),
            ast::CmpOp::Lt => (arg.lt(value), false),
            ast::CmpOp::Le => (arg.le(value), false),
            ast::CmpOp::Gt => (arg.gt(value), false),
            ast::CmpOp::Ge => (arg.ge(value), false),
            ast::CmpOp::MaskedEq(mask) => {
                let (mask, opaque) = self.value(mask, errors);
                (arg.masked_eq(mask, value), opaque)
            }
        };
        LComparison {
            comparison: runtime,
            opaque: opaque_value || opaque_mask,
            ast: comparison,
        }
    }
}

/// A value in a policy file: a constant's name, resolved for the rule's ABIs. A number is
/// a literal and never comes here.
fn file_value(value: &ast::Value, abis: &[Abi]) -> Result<u64, Error> {
    let path = match value {
        ast::Value::Path(path) => path,
        ast::Value::Expr { paren, .. } => {
            return Err(Error::new(
                paren.span.join(),
                "a policy file takes no expressions: write an integer (`0x80000`) or a \
                 constant's name (`O_CLOEXEC`)",
            ))
        }
        ast::Value::Lit { value, .. } => return Ok(*value),
    };
    let span = syn::spanned::Spanned::span(path);
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let name = match segments.as_slice() {
        [name] if path.leading_colon.is_none() => name,
        [libc, name] if libc == "libc" => name,
        _ => {
            return Err(Error::new(
                span,
                "a policy file names a constant as `NAME` or `libc::NAME` (e.g. `F_GETFL`)",
            ))
        }
    };
    let Some(constant) = constants::by_name(name) else {
        let hint = match constants::nearest(name) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => "; a policy file knows the constants listed in \
                     `seccomp_runtime::syntax::constants`, or takes an integer"
                .to_owned(),
        };
        return Err(Error::new(span, format!("unknown constant `{name}`{hint}")));
    };
    let mut distinct: Vec<u64> = abis.iter().map(|&abi| constant.value(abi)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    match distinct.as_slice() {
        [value] => Ok(*value),
        // No ABI resolved (each was reported): any value will do.
        [] => Ok(constant.value(Abi::X86_64)),
        _ => {
            let per_abi: Vec<String> = abis
                .iter()
                .map(|&abi| format!("{:#x} on {abi}", constant.value(abi)))
                .collect();
            Err(Error::new(
                span,
                format!(
                    "`{name}` differs between the ABIs of this rule ({}): write the number \
                     in a block per ABI",
                    per_abi.join(", ")
                ),
            ))
        }
    }
}
