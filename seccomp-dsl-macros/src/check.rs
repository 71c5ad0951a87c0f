//! The checks, at expansion time, with a message on the offending token.
//!
//! What needs only the syntax (names of ABIs and errnos, repeated settings) is checked here.
//! Everything else is the runtime's own check: the policy is built as a
//! `seccomp_runtime::Policy` value and [`Policy::violations`] says what is wrong with it,
//! the same function that `Policy::build` runs in the compiled program. Each violation
//! says where it is (rule, syscall, ABI position), which is mapped back to a token here.
//!
//! `native` is the ABI of the *target*, which a macro running on the build host cannot
//! know. A policy naming it is checked once for each ABI that could be native, and what is
//! wrong only for some of them is reported under that ABI's `#[cfg]`.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use seccomp_runtime::{
    arg, errno, Abi, AbiRef, Action, ActionSite, Attributes, Block, Comparison, Optimize, Policy,
    Rule, RuleRef, SyscallRef, Violation,
};
use syn::ext::IdentExt;
use syn::Error;

use crate::ast;

/// Every mistake found: `errors` hold on every target, each of `gated` only on targets
/// matching its `cfg`.
pub struct Report {
    pub errors: Vec<Error>,
    pub gated: Vec<Gated>,
}

/// An error that holds only when compiling for targets where `cfg` holds.
pub struct Gated {
    pub cfg: TokenStream,
    pub error: Error,
}

/// Check a parsed policy; `errors` are the syntax errors found while parsing it.
pub fn check(policy: &ast::Policy, mut errors: Vec<Error>) -> Report {
    let model = Model::new(policy, !errors.is_empty(), &mut errors);
    let candidates: Vec<Option<Abi>> = if model.uses_native() {
        Abi::ALL
            .into_iter()
            .filter(|abi| abi.target_cfg().is_some())
            .map(Some)
            .collect()
    } else {
        vec![None]
    };
    let runs: Vec<(Option<Abi>, Vec<Diag>)> = candidates
        .into_iter()
        .map(|native| (native, model.semantic(native)))
        .collect();
    // What is wrong whichever ABI is native is wrong everywhere.
    let common: Vec<Diag> = match runs.first() {
        Some((_, first)) => first
            .iter()
            .filter(|diag| runs.iter().all(|(_, diags)| diags.contains(diag)))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    errors.extend(common.iter().map(|diag| model.error(diag)));
    let mut gated = Vec::new();
    for (native, diags) in &runs {
        let Some(cfg) = native
            .and_then(Abi::target_cfg)
            .and_then(|s| s.parse::<TokenStream>().ok())
        else {
            continue;
        };
        for diag in diags.iter().filter(|diag| !common.contains(diag)) {
            gated.push(Gated {
                cfg: cfg.clone(),
                error: model.error(diag),
            });
        }
    }
    if let Some(span) = model.first_native() {
        let any: Vec<TokenStream> = Abi::ALL
            .into_iter()
            .filter_map(Abi::target_cfg)
            .filter_map(|cfg| cfg.parse().ok())
            .collect();
        gated.push(Gated {
            cfg: quote::quote!(not(any(#(#any),*))),
            error: Error::new(
                span,
                "`native` is the target's own ABI, but libseccomp has no ABI for this target",
            ),
        });
    }
    Report { errors, gated }
}

/// A block's ABI, once its name is resolved.
#[derive(Clone, Copy)]
enum Target {
    Abi(Abi),
    Native,
    /// An unknown name: left out of the checks.
    Skipped,
}

/// A token a message can point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    CallSite,
    Abi { block: usize, position: usize },
    Syscall(SyscallRef),
    Action(ActionSite),
    Errno(ActionSite),
    Arg { rule: RuleRef, condition: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Diag {
    loc: Loc,
    message: String,
}

/// The parsed policy with its names resolved, ready to become a runtime `Policy`.
struct Model<'a> {
    ast: &'a ast::Policy,
    had_syntax_errors: bool,
    targets: Vec<Vec<Target>>,
    default: Option<&'a ast::Action>,
    bad_arch: Option<&'a ast::Action>,
    actions: HashMap<ActionSite, Action>,
    /// Sites whose action could not be resolved; stand-ins are used for them.
    unresolved: HashSet<ActionSite>,
    /// Stand-ins for values known only to the compiled program, by their tokens.
    opaque: HashMap<String, u64>,
    /// The comparisons (rule, position) with such a value or mask.
    opaque_comparisons: HashSet<(RuleRef, usize)>,
}

impl<'a> Model<'a> {
    fn new(ast: &'a ast::Policy, had_syntax_errors: bool, errors: &mut Vec<Error>) -> Model<'a> {
        let mut model = Model {
            ast,
            had_syntax_errors,
            targets: Vec::new(),
            default: None,
            bad_arch: None,
            actions: HashMap::new(),
            unresolved: HashSet::new(),
            opaque: HashMap::new(),
            opaque_comparisons: HashSet::new(),
        };
        model.settings(errors);
        model.resolve_abis(errors);
        model.resolve_actions(errors);
        model.opaque_values();
        model
    }

    /// One `default`, at most one `bad_arch`, each flag at most once.
    fn settings(&mut self, errors: &mut Vec<Error>) {
        let ast = self.ast;
        let mut seen: Vec<(String, Span)> = Vec::new();
        for setting in &ast.settings {
            let (word, action) = match setting {
                ast::Setting::Default { action, .. } => ("default".to_owned(), Some(action)),
                ast::Setting::BadArch { action, .. } => ("bad_arch".to_owned(), Some(action)),
                ast::Setting::Flag(flag) => (flag.name.to_string(), None),
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
                ast::Setting::Default { .. } => self.default = action,
                ast::Setting::BadArch { .. } => self.bad_arch = action,
                ast::Setting::Flag(_) => {}
            }
        }
        if self.default.is_none() && !self.had_syntax_errors {
            errors.push(Error::new(
                Span::call_site(),
                "the policy has no default action: start it with `default <action>;`, \
                 e.g. `default errno(EPERM);`",
            ));
        }
    }

    fn resolve_abis(&mut self, errors: &mut Vec<Error>) {
        for block in &self.ast.blocks {
            let mut targets = Vec::new();
            for name in &block.abis {
                targets.push(match name {
                    ast::AbiName::Named(ident) => match ident.unraw().to_string().parse::<Abi>() {
                        Ok(abi) => Target::Abi(abi),
                        Err(unknown) => {
                            errors.push(Error::new(ident.span(), unknown_abi(&unknown)));
                            Target::Skipped
                        }
                    },
                    // Two `native`s are the same ABI twice: the runtime's overlap check
                    // reports them, for each target.
                    ast::AbiName::Native(_) => Target::Native,
                });
            }
            self.targets.push(targets);
        }
    }

    fn resolve_actions(&mut self, errors: &mut Vec<Error>) {
        let mut sites: Vec<(ActionSite, Option<&ast::Action>)> = vec![
            (ActionSite::Default, self.default),
            (ActionSite::BadAbi, self.bad_arch),
        ];
        sites.extend(
            self.rules()
                .map(|(at, rule)| (ActionSite::Rule(at), Some(&rule.action))),
        );
        for (site, action) in sites {
            let resolved = match action {
                Some(action) => resolve_action(action, errors),
                None if site == ActionSite::BadAbi => {
                    Some(Policy::new(Action::Allow).bad_abi_action())
                }
                None => None,
            };
            let action = resolved.unwrap_or_else(|| {
                self.unresolved.insert(site);
                // Distinct negative errnos compare unequal to every real action and to
                // each other; the violations they cause are dropped.
                Action::Errno(-1 - i32::try_from(self.unresolved.len()).unwrap_or(i32::MAX - 1))
            });
            self.actions.insert(site, action);
        }
    }

    /// Stand-ins for paths and expressions: the same tokens get the same value, distinct
    /// from every literal in the policy, so that equal conditions are still found equal.
    fn opaque_values(&mut self) {
        let mut literals = HashSet::new();
        let mut opaque = Vec::new();
        for (at, rule) in self.rules() {
            for (position, comparison) in rule.conditions.iter().enumerate() {
                let mask = match &comparison.op {
                    ast::CmpOp::MaskedEq(mask) => Some(mask),
                    _ => None,
                };
                for value in mask.into_iter().chain([&comparison.value]) {
                    match (value, value.opaque_key()) {
                        (ast::Value::Lit { value, .. }, _) => {
                            literals.insert(*value);
                        }
                        (_, Some(key)) => {
                            opaque.push(key);
                            self.opaque_comparisons.insert((at, position));
                        }
                        (_, None) => {}
                    }
                }
            }
        }
        // Below 2^32, so that they are never too wide for a 32-bit ABI's filter.
        let mut free = (0..=u64::from(u32::MAX))
            .rev()
            .filter(|value| !literals.contains(value));
        for key in opaque {
            self.opaque
                .entry(key)
                .or_insert_with(|| free.next().unwrap_or_default());
        }
    }

    fn uses_native(&self) -> bool {
        self.first_native().is_some()
    }

    fn first_native(&self) -> Option<Span> {
        self.ast
            .blocks
            .iter()
            .flat_map(|block| &block.abis)
            .find_map(|name| match name {
                ast::AbiName::Native(kw) => Some(kw.span),
                ast::AbiName::Named(_) => None,
            })
    }

    /// Every rule with where the runtime will say it is.
    fn rules(&self) -> impl Iterator<Item = (RuleRef, &'a ast::Rule)> {
        let common = self
            .ast
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| (RuleRef { block: None, index }, rule));
        let blocks = self.ast.blocks.iter().enumerate().flat_map(|(b, block)| {
            block.rules.iter().enumerate().map(move |(index, rule)| {
                let at = RuleRef {
                    block: Some(b),
                    index,
                };
                (at, rule)
            })
        });
        common.chain(blocks)
    }

    /// The runtime's verdict on the policy, with `native` taken to be `native`.
    fn semantic(&self, native: Option<Abi>) -> Vec<Diag> {
        let (policy, positions) = self.runtime_policy(native);
        let mut diags = Vec::new();
        for violation in policy.violations() {
            if !self.relevant(&violation) {
                continue;
            }
            self.diagnose(&violation, native, &positions, &mut diags);
        }
        diags
    }

    /// The attributes as set, for checks that depend on them.
    fn attributes(&self) -> Attributes {
        let mut attributes = Attributes::default();
        for setting in &self.ast.settings {
            let ast::Setting::Flag(flag) = setting else {
                continue;
            };
            match &flag.value {
                ast::FlagValue::NoNewPrivs(on) => attributes.no_new_privs = on.value,
                ast::FlagValue::Tsync(on) => attributes.tsync = on.value,
                ast::FlagValue::Log(on) => attributes.log = on.value,
                ast::FlagValue::Ssb(on) => attributes.ssb = on.value,
                ast::FlagValue::Optimize(ast::Optimize::Linear(_)) => {
                    attributes.optimize = Optimize::Linear;
                }
                ast::FlagValue::Optimize(ast::Optimize::BinaryTree(_)) => {
                    attributes.optimize = Optimize::BinaryTree;
                }
            }
        }
        attributes
    }

    /// The policy as the runtime sees it, and for each block, which of the written ABI
    /// names each of its ABIs comes from.
    fn runtime_policy(&self, native: Option<Abi>) -> (Policy, Vec<Vec<usize>>) {
        let action = |site| {
            self.actions
                .get(&site)
                .copied()
                .unwrap_or(Action::Errno(-1))
        };
        let mut policy = Policy::new(action(ActionSite::Default))
            .bad_abi(action(ActionSite::BadAbi))
            .with_attributes(self.attributes());
        let mut positions = Vec::new();
        let mut blocks: Vec<Block> = Vec::new();
        for targets in &self.targets {
            let mut abis = Vec::new();
            let mut written = Vec::new();
            for (position, target) in targets.iter().enumerate() {
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
            blocks.push(Block::new(abis));
        }
        for (at, rule) in self.rules() {
            let rule = self.runtime_rule(action(ActionSite::Rule(at)), rule);
            match at.block.and_then(|b| blocks.get_mut(b)) {
                Some(block) => *block = std::mem::replace(block, Block::new([])).rule(rule),
                None => policy = policy.rule(rule),
            }
        }
        for block in blocks {
            policy = policy.block(block);
        }
        (policy, positions)
    }

    fn runtime_rule(&self, action: Action, rule: &ast::Rule) -> Rule {
        let names = rule.syscalls.iter().map(|name| name.unraw().to_string());
        let mut runtime = Rule::new(action, names);
        for comparison in &rule.conditions {
            runtime = runtime.when(self.comparison(comparison));
        }
        runtime
    }

    fn comparison(&self, comparison: &ast::Comparison) -> Comparison {
        let arg = arg(comparison.index);
        let value = self.value(&comparison.value);
        match &comparison.op {
            ast::CmpOp::Eq => arg.eq(value),
            ast::CmpOp::Ne => arg.ne(value),
            ast::CmpOp::Lt => arg.lt(value),
            ast::CmpOp::Le => arg.le(value),
            ast::CmpOp::Gt => arg.gt(value),
            ast::CmpOp::Ge => arg.ge(value),
            ast::CmpOp::MaskedEq(mask) => arg.masked_eq(self.value(mask), value),
        }
    }

    fn value(&self, value: &ast::Value) -> u64 {
        match (value, value.opaque_key()) {
            (ast::Value::Lit { value, .. }, _) => *value,
            (_, key) => key
                .and_then(|key| self.opaque.get(&key).copied())
                .unwrap_or_default(),
        }
    }

    /// Whether a violation is worth reporting: not a consequence of a mistake already
    /// reported (an unknown name, a syntax error).
    fn relevant(&self, violation: &Violation) -> bool {
        let unresolved = |rule: RuleRef| self.unresolved.contains(&ActionSite::Rule(rule));
        match violation {
            // Only possible when every name in the block was unknown.
            Violation::EmptyBlock { .. } | Violation::EmptyRule { .. } => false,
            // A block that failed to parse is missing, not absent.
            Violation::NoBlocks => !self.had_syntax_errors,
            Violation::ErrnoOutOfRange { site, .. } => !self.unresolved.contains(site),
            Violation::ActionIsDefault { rule, .. } => {
                !unresolved(*rule) && !self.unresolved.contains(&ActionSite::Default)
            }
            Violation::ConflictingActions { first, second, .. }
            | Violation::DuplicateRule { first, second, .. } => {
                !unresolved(first.rule) && !unresolved(second.rule)
            }
            Violation::MultiplexerBypass { at, via_at, .. } => {
                !unresolved(at.rule) && !unresolved(via_at.rule)
            }
            // The stand-in for a value only the program knows has arbitrary bits; the
            // program's own check sees the real value.
            Violation::ValueTooWide {
                rule, condition, ..
            }
            | Violation::ValueOutsideMask {
                rule, condition, ..
            } => !self.opaque_comparisons.contains(&(*rule, *condition)),
            // Whether two conditions can both hold depends on the values.
            Violation::OverlappingRules { first, second, .. } => {
                !self.has_opaque(first.rule) && !self.has_opaque(second.rule)
            }
            _ => true,
        }
    }

    fn diagnose(
        &self,
        violation: &Violation,
        native: Option<Abi>,
        positions: &[Vec<usize>],
        diags: &mut Vec<Diag>,
    ) {
        let abi_loc = |at: &AbiRef| {
            positions
                .get(at.block)
                .and_then(|written| written.get(at.position))
                .map_or(Loc::CallSite, |&position| Loc::Abi {
                    block: at.block,
                    position,
                })
        };
        let mut push = |loc, message: String| diags.push(Diag { loc, message });
        let message = violation.to_string();
        match violation {
            Violation::AbiInTwoBlocks { abi, first, second }
            | Violation::AbiRepeated { abi, first, second } => {
                let (first, second) = (abi_loc(first), abi_loc(second));
                let message = if self.is_native(first) && !self.is_native(second) {
                    format!("{message} (`native` is `{abi}` on this target)")
                } else {
                    self.about_native(second, native, message)
                };
                push(second, message);
                let note = if self.is_native(first) {
                    format!("`native` (`{abi}` on this target) is first named here")
                } else {
                    format!("`{abi}` is first named here")
                };
                push(first, note);
            }
            Violation::MixedEndianness { at, .. } => {
                let loc = abi_loc(at);
                push(loc, self.about_native(loc, native, message));
            }
            Violation::UnknownSyscall { at, .. }
            | Violation::MultiplexedWithConditions { at, .. }
            | Violation::MultiplexerBypass { at, .. } => push(Loc::Syscall(*at), message),
            Violation::ConflictingActions { second, .. }
            | Violation::DuplicateRule { second, .. }
            | Violation::OverlappingRules { second, .. }
            | Violation::MisbuiltByLibseccomp { second, .. } => {
                push(Loc::Syscall(*second), message)
            }
            Violation::DeadRule { conditional, .. } => push(Loc::Syscall(*conditional), message),
            Violation::ActionIsDefault { rule, .. } => {
                push(Loc::Action(ActionSite::Rule(*rule)), message);
            }
            Violation::ArgOutOfRange {
                rule, condition, ..
            }
            | Violation::ValueTooWide {
                rule, condition, ..
            }
            | Violation::ValueOutsideMask {
                rule, condition, ..
            } => push(
                Loc::Arg {
                    rule: *rule,
                    condition: *condition,
                },
                message,
            ),
            Violation::ArgComparedTwice { rule, second, .. } => push(
                Loc::Arg {
                    rule: *rule,
                    condition: *second,
                },
                message,
            ),
            Violation::ErrnoOutOfRange { site, .. } => push(Loc::Errno(*site), message),
            _ => push(Loc::CallSite, message),
        }
    }

    /// Whether a rule compares a value only the compiled program knows.
    fn has_opaque(&self, rule: RuleRef) -> bool {
        self.opaque_comparisons.iter().any(|(at, _)| *at == rule)
    }

    fn is_native(&self, loc: Loc) -> bool {
        matches!(self.abi_name(loc), Some(ast::AbiName::Native(_)))
    }

    fn about_native(&self, loc: Loc, native: Option<Abi>, message: String) -> String {
        match native {
            Some(abi) if self.is_native(loc) => {
                format!("`native` is `{abi}` on this target: {message}")
            }
            _ => message,
        }
    }

    fn abi_name(&self, loc: Loc) -> Option<&'a ast::AbiName> {
        match loc {
            Loc::Abi { block, position } => self.ast.blocks.get(block)?.abis.get(position),
            _ => None,
        }
    }

    fn rule(&self, at: RuleRef) -> Option<&'a ast::Rule> {
        match at.block {
            None => self.ast.rules.get(at.index),
            Some(block) => self.ast.blocks.get(block)?.rules.get(at.index),
        }
    }

    fn action(&self, site: ActionSite) -> Option<&'a ast::Action> {
        match site {
            ActionSite::Default => self.default,
            ActionSite::BadAbi => self.bad_arch,
            ActionSite::Rule(at) => self.rule(at).map(|rule| &rule.action),
        }
    }

    fn span(&self, loc: Loc) -> Option<Span> {
        Some(match loc {
            Loc::CallSite => Span::call_site(),
            Loc::Abi { .. } => self.abi_name(loc)?.span(),
            Loc::Syscall(at) => self.rule(at.rule)?.syscalls.get(at.position)?.span(),
            Loc::Action(site) => self.action(site)?.span,
            Loc::Errno(site) => match &self.action(site)?.kind {
                ast::ActionKind::Errno(errno) => errno.span(),
                _ => return None,
            },
            Loc::Arg { rule, condition } => self.rule(rule)?.conditions.get(condition)?.arg.span(),
        })
    }

    fn error(&self, diag: &Diag) -> Error {
        let span = self.span(diag.loc).unwrap_or_else(Span::call_site);
        Error::new(span, &diag.message)
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
fn unknown_abi(unknown: &seccomp_runtime::UnknownAbi) -> String {
    match unknown.suggestion {
        Some(_) => unknown.to_string(),
        None => format!("{unknown}, and `native`"),
    }
}
