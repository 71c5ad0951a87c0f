//! Generate the builder code from the lowered policy: one `Policy::new` with the default
//! action, one call per setting, one `.rule(...)` per rule and one `.block(...)` per `abi`
//! block, all through `::seccomp_dsl::__private`. Nothing is resolved or built here.

mod precompile;

use crate::model::action::Action;

use crate::model::condition::CmpOp;

use crate::model::policy::{IoUring, Optimize};

use crate::model::rule::Entry;
use proc_macro2::{Delimiter, Group, Literal, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{Error, LitStr};

use crate::syntax::ast;
use crate::syntax::check;
use crate::syntax::fallback;
use crate::syntax::lower::{
    self, Flag, LBlock, LComparison, LEntry, LRule, Lowered, Resolved, Target,
};

/// Parse, lower and check the macro's input, and hand the lowered policy and the checks'
/// report to `then`: the one front end of the expansion and of the tests that look at the
/// policy the checks saw.
pub(super) fn checked<R>(input: TokenStream, then: impl FnOnce(&Lowered, check::Report) -> R) -> R {
    let (policy, mut errors) = ast::Policy::parse(input);
    let had_syntax_errors = !errors.is_empty();
    let lowered = lower::lower(
        &policy,
        had_syntax_errors,
        lower::Source::Macro,
        &mut errors,
    );
    let report = check::check(&lowered, errors);
    then(&lowered, report)
}

/// The whole macro: parse, lower, check, then generate, or the errors and a stub of the
/// right type.
pub fn seccomp_policy(input: TokenStream) -> TokenStream {
    checked(input, generate)
}

fn generate(lowered: &Lowered, report: check::Report) -> TokenStream {
    let gated: Vec<TokenStream> = report
        .gated
        .iter()
        .map(|gated| {
            let cfg = &gated.cfg;
            let error = gated.error.to_compile_error();
            quote!(#[cfg(#cfg)] #error)
        })
        .collect();
    let expansion = match combine(report.errors) {
        Some(error) => Err(error),
        None => policy_expr(lowered).and_then(|code| precompile::wrap(lowered, code)),
    };
    match expansion {
        Ok(code) if gated.is_empty() => code,
        Ok(code) => quote!({ #(#gated)* #code }),
        Err(error) => fallback::expand(&error, &gated),
    }
}

fn combine(errors: Vec<Error>) -> Option<Error> {
    errors.into_iter().reduce(|mut all, error| {
        all.combine(error);
        all
    })
}

/// What generated code names everything through.
fn private() -> TokenStream {
    quote!(::seccomp_dsl::__private)
}

fn policy_expr(lowered: &Lowered) -> Result<TokenStream, Error> {
    let p = private();
    // The checks report a missing or unresolved action; this only keeps the function total.
    let missing = || Error::new(proc_macro2::Span::call_site(), "an unresolved action");
    let default = action_expr(lowered.default.as_ref().ok_or_else(missing)?);
    let mut calls = Vec::new();
    if let Some(bad_arch) = &lowered.bad_arch {
        let action = action_expr(bad_arch);
        calls.push(quote!(.bad_arch(#action)));
    }
    if let Some(unknown) = &lowered.unknown {
        let action = action_expr(unknown);
        calls.push(quote!(.unknown(#action)));
    }
    calls.extend(lowered.flags.iter().map(flag_call));
    for rule in &lowered.common {
        let rule = rule_expr(rule).ok_or_else(missing)?;
        calls.push(quote!(.rule(#rule)));
    }
    for (block, written) in lowered.blocks.iter().zip(&lowered.ast.blocks) {
        let block = block_expr(block, written)?;
        calls.push(quote!(.block(#block)));
    }
    Ok(quote!(#p::Policy::new(#default) #(#calls)*))
}

fn flag_call(flag: &Flag) -> TokenStream {
    let p = private();
    match *flag {
        Flag::NoNewPrivs(on) => quote!(.no_new_privs(#on)),
        Flag::Tsync(on) => quote!(.tsync(#on)),
        Flag::Log(on) => quote!(.log(#on)),
        Flag::Ssb(on) => quote!(.ssb(#on)),
        Flag::Optimize(Optimize::Linear) => quote!(.optimize(#p::Optimize::Linear)),
        Flag::Optimize(_) => quote!(.optimize(#p::Optimize::BinaryTree)),
        Flag::Precompiled(_) => quote!(),
        Flag::IoUring(IoUring::Unfiltered) => quote!(.io_uring(#p::IoUring::Unfiltered)),
        Flag::IoUring(IoUring::Checked) => quote!(.io_uring(#p::IoUring::Checked)),
    }
}

fn block_expr(block: &LBlock, written: &ast::Block) -> Result<TokenStream, Error> {
    let p = private();
    let mut abis = Vec::new();
    let mut native = false;
    for (target, name) in block.targets.iter().zip(&written.abis) {
        match *target {
            Target::Abi(abi) => {
                let variant = format_ident!("{}", abi.variant_name(), span = name.span());
                abis.push(quote!(#p::Abi::#variant));
            }
            Target::Native => native = true,
            Target::Skipped => return Err(Error::new(name.span(), "an unknown ABI")),
        }
    }
    // `Abi::native()` is an `Option`: `None` on a target libseccomp lacks, which the
    // checks turn into a compile error for that target.
    let abis = match (native, abis.is_empty()) {
        (false, _) => quote!([#(#abis),*]),
        (true, true) => quote!(#p::Abi::native()),
        // Spelt out so that no trait needs to be in scope (`#![no_implicit_prelude]`).
        (true, false) => quote!(::core::iter::Iterator::chain(
            ::core::iter::IntoIterator::into_iter(#p::Abi::native()),
            [#(#abis),*],
        )),
    };
    let missing = || Error::new(proc_macro2::Span::call_site(), "an unresolved action");
    let rules = block
        .rules
        .iter()
        .map(|rule| rule_expr(rule).ok_or_else(missing))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(quote!(#p::Block::new(#abis) #(.rule(#rules))*))
}

/// A rule: plain names as string literals; groups and optional names as `Entry` values.
fn rule_expr(rule: &LRule) -> Option<TokenStream> {
    let p = private();
    let action = action_expr(rule.action.as_ref()?);
    let entries = entries_expr(&rule.entries)?;
    let except = match rule.except.is_empty() {
        true => None,
        false => Some(entries_expr(&rule.except)?),
    };
    let except = except.map(|list| quote!(.except(#list)));
    let conditions = rule.conditions.iter().map(comparison_expr);
    Some(quote!(#p::Rule::new(#action, #entries) #except #(.when(#conditions))*))
}

fn entries_expr(entries: &[LEntry]) -> Option<TokenStream> {
    let p = private();
    let plain = entries
        .iter()
        .all(|entry| matches!(entry.entry, Some(Entry::Syscall(_))));
    let items = entries
        .iter()
        .map(|entry| {
            let span = entry.ast.name().span();
            Some(match entry.entry.as_ref()? {
                Entry::Syscall(name) if plain => LitStr::new(name, span).into_token_stream(),
                Entry::Syscall(name) => {
                    let name = LitStr::new(name, span);
                    quote!(#p::Entry::syscall(#name))
                }
                Entry::Optional(name) => {
                    let name = LitStr::new(name, span);
                    quote!(#p::Entry::optional(#name))
                }
                Entry::Group(group) => {
                    let constant = format_ident!("{}", group.name().to_uppercase(), span = span);
                    quote!(#p::Entry::group(#p::group::#constant))
                }
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(quote!([#(#items),*]))
}

fn action_expr(resolved: &Resolved) -> TokenStream {
    let p = private();
    match &resolved.ast.kind {
        // By name, so that the number is the target's (errno values differ on MIPS).
        ast::ActionKind::Errno(ast::Errno::Name(name)) => {
            quote!(#p::Action::Errno(#p::errno::#name))
        }
        // As written, so that errors about it point at the user's literal.
        ast::ActionKind::Errno(ast::Errno::Number { lit, .. }) => {
            quote!(#p::Action::Errno(#lit))
        }
        ast::ActionKind::Trace(lit) => quote!(#p::Action::Trace(#lit)),
        _ => match resolved.action {
            Action::Allow => quote!(#p::Action::Allow),
            Action::Log => quote!(#p::Action::Log),
            Action::KillProcess => quote!(#p::Action::KillProcess),
            Action::KillThread => quote!(#p::Action::KillThread),
            Action::Trap => quote!(#p::Action::Trap),
            _ => quote!(#p::Action::Notify),
        },
    }
}

fn comparison_expr(comparison: &LComparison) -> TokenStream {
    let p = private();
    let written = comparison.ast;
    let mut index = Literal::u8_unsuffixed(comparison.comparison.arg);
    index.set_span(written.arg.span());
    let value = value_expr(&written.value);
    let test = match (comparison.comparison.op, &written.op) {
        (_, ast::CmpOp::MaskedEq(mask)) => {
            let mask = value_expr(mask);
            quote!(masked_eq(#mask, #value))
        }
        (CmpOp::Eq, _) => quote!(eq(#value)),
        (CmpOp::Ne, _) => quote!(ne(#value)),
        (CmpOp::Lt, _) => quote!(lt(#value)),
        (CmpOp::Le, _) => quote!(le(#value)),
        (CmpOp::Gt, _) => quote!(gt(#value)),
        (_, _) => quote!(ge(#value)),
    };
    quote!(#p::arg(#index).#test)
}

/// A literal as written (it becomes a `u64`); a path or an expression cast to `u64`, as C
/// converts a rule's value to `scmp_datum_t`.
fn value_expr(value: &ast::Value) -> TokenStream {
    match value {
        ast::Value::Lit { lit, .. } => lit.to_token_stream(),
        ast::Value::Path(path) => quote!(#path as ::core::primitive::u64),
        ast::Value::Expr { paren, expr } => {
            let mut group = Group::new(Delimiter::Parenthesis, expr.to_token_stream());
            group.set_span(paren.span.join());
            quote!(#group as ::core::primitive::u64)
        }
    }
}
