//! The checks, at expansion time, with a message on the offending token.
//!
//! Names that do not resolve (ABIs, errnos, groups) and repeated settings are reported by
//! [`lower`](crate::lower). Everything else is the runtime's own check: the lowered policy
//! becomes a `crate::Policy` value and [`Policy::violations`] says what is wrong
//! with it, the same function that `Policy::build` runs in the compiled program. Each
//! violation says where it is (rule, syscall, ABI position), which is mapped back to a
//! token here.
//!
//! `native` is the ABI of the *target*, which a macro running on the build host cannot
//! know. A policy naming it is checked once for each ABI that could be native, and what is
//! wrong only for some of them is reported under that ABI's `#[cfg]`.

use crate::check::violation::{AbiRef, ActionSite, Violation};

use crate::model::abi::Abi;

use crate::model::rule::{RuleRef, SyscallRef};
use proc_macro2::{Span, TokenStream};
use syn::Error;

use super::ast;
use super::lower::{Lowered, Source};

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

/// Check a lowered policy; `errors` are the mistakes found while parsing and lowering it.
pub fn check(lowered: &Lowered, mut errors: Vec<Error>) -> Report {
    let model = Model { lowered };
    if let Source::File { native } = lowered.source {
        // Read at run time: `native` is this machine's ABI, and nothing is gated.
        errors.extend(model.semantic(native).iter().map(|diag| model.error(diag)));
        if let (Some(span), None) = (lowered.first_native(), native) {
            errors.push(Error::new(
                span,
                "`native` is this machine's ABI, but libseccomp has no ABI for it",
            ));
        }
        return Report {
            errors,
            gated: Vec::new(),
        };
    }
    let candidates: Vec<Option<Abi>> = if lowered.first_native().is_some() {
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
    if let Some(span) = lowered.first_native() {
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

/// A token a message can point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    CallSite,
    Abi { block: usize, position: usize },
    Syscall(SyscallRef),
    Except(SyscallRef),
    Action(ActionSite),
    Errno(ActionSite),
    Arg { rule: RuleRef, condition: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Diag {
    loc: Loc,
    message: String,
}

/// The lowered policy, seen from the checks: what a violation is about, and where.
struct Model<'l, 'a> {
    lowered: &'l Lowered<'a>,
}

impl<'a> Model<'_, 'a> {
    /// The runtime's verdict on the policy, with `native` taken to be `native`.
    fn semantic(&self, native: Option<Abi>) -> Vec<Diag> {
        let (policy, positions) = self.lowered.to_policy(native);
        let mut diags = Vec::new();
        for violation in policy.violations() {
            if !self.relevant(&violation) {
                continue;
            }
            self.diagnose(&violation, native, &positions, &mut diags);
        }
        diags
    }

    /// Whether a violation is worth reporting: not a consequence of a mistake already
    /// reported (an unknown name, a syntax error).
    fn relevant(&self, violation: &Violation) -> bool {
        let lowered = self.lowered;
        let unresolved = |rule: RuleRef| lowered.unresolved.contains(&ActionSite::Rule(rule));
        let opaque = |rule: RuleRef, condition: usize| {
            lowered
                .rule_at(rule)
                .and_then(|rule| rule.conditions.get(condition))
                .is_some_and(|c| c.opaque)
        };
        let has_opaque = |rule: RuleRef| {
            lowered
                .rule_at(rule)
                .is_some_and(|rule| rule.conditions.iter().any(|c| c.opaque))
        };
        match violation {
            // Only possible when every name in the block was unknown.
            Violation::EmptyBlock { .. } | Violation::EmptyRule { .. } => false,
            // A block that failed to parse is missing, not absent.
            Violation::NoBlocks => !lowered.had_syntax_errors,
            Violation::ErrnoOutOfRange { site, .. } => !lowered.unresolved.contains(site),
            Violation::ActionIsDefault { rule, .. } => {
                !unresolved(*rule) && !lowered.unresolved.contains(&ActionSite::Default)
            }
            // An unknown group, reported when lowering, removes nothing.
            Violation::ExceptRemovesNothing { rule, position, .. } => lowered
                .rule_at(*rule)
                .and_then(|rule| rule.except.get(*position))
                .is_some_and(|entry| entry.entry.is_some()),
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
            } => !opaque(*rule, *condition),
            // A stand-in action denies whatever it decides: a consequence, not a hole.
            Violation::IoUringBypass { at, .. } => {
                !lowered.unresolved.contains(&ActionSite::Default)
                    && at.is_none_or(|at| !unresolved(at.rule))
            }
            // Whether two conditions can both hold depends on the values.
            Violation::OverlappingRules { first, second, .. } => {
                !has_opaque(first.rule) && !has_opaque(second.rule)
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
            | Violation::KernelExempt { at, .. }
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
            Violation::IoUringBypass { at: Some(at), .. } => push(Loc::Syscall(*at), message),
            Violation::IoUringBypass { at: None, .. } => {
                push(Loc::Action(ActionSite::Default), message);
            }
            Violation::ExceptRemovesNothing { rule, position, .. } => push(
                Loc::Except(SyscallRef {
                    rule: *rule,
                    position: *position,
                }),
                message,
            ),
            _ => push(Loc::CallSite, message),
        }
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
            Loc::Abi { block, position } => self.lowered.ast.blocks.get(block)?.abis.get(position),
            _ => None,
        }
    }

    fn rule(&self, at: RuleRef) -> Option<&'a ast::Rule> {
        let ast = self.lowered.ast;
        match at.block {
            None => ast.rules.get(at.index),
            Some(block) => ast.blocks.get(block)?.rules.get(at.index),
        }
    }

    fn action(&self, site: ActionSite) -> Option<&'a ast::Action> {
        self.lowered
            .ast
            .settings
            .iter()
            .find_map(|setting| match (site, setting) {
                (ActionSite::Default, ast::Setting::Default { action, .. })
                | (ActionSite::BadArch, ast::Setting::BadArch { action, .. })
                | (ActionSite::Unknown, ast::Setting::Unknown { action, .. }) => Some(action),
                _ => None,
            })
            .or_else(|| match site {
                ActionSite::Rule(at) => self.rule(at).map(|rule| &rule.action),
                _ => None,
            })
    }

    fn span(&self, loc: Loc) -> Option<Span> {
        Some(match loc {
            Loc::CallSite => Span::call_site(),
            Loc::Abi { .. } => self.abi_name(loc)?.span(),
            Loc::Syscall(at) => self.rule(at.rule)?.syscalls.get(at.position)?.span(),
            Loc::Except(at) => self.rule(at.rule)?.except.get(at.position)?.span(),
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
