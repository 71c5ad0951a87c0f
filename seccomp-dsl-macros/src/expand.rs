//! Generate the builder code: one `Policy::new` with the default action, one call per
//! setting, one `.rule(...)` per rule and one `.block(...)` per `abi` block, all through
//! `::seccomp_dsl::__private`. Nothing is built here; the compiled program builds it.

use proc_macro2::{Delimiter, Group, Literal, TokenStream};
use quote::{format_ident, quote, ToTokens};
use seccomp_runtime::Abi;
use syn::ext::IdentExt;
use syn::{Error, Ident, LitStr};

use crate::ast;
use crate::check;
use crate::fallback;

/// The whole macro: parse, check, then generate, or the errors and a stub of the right type.
pub fn seccomp_policy(input: TokenStream) -> TokenStream {
    let (policy, syntax_errors) = ast::Policy::parse(input);
    let report = check::check(&policy, syntax_errors);
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
        None => policy_expr(&policy),
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

fn policy_expr(policy: &ast::Policy) -> Result<TokenStream, Error> {
    let p = private();
    let mut default = None;
    let mut calls = Vec::new();
    for setting in &policy.settings {
        match setting {
            ast::Setting::Default { action, .. } => default = default.or(Some(action)),
            ast::Setting::BadArch { action, .. } => {
                let action = action_expr(action);
                calls.push(quote!(.bad_abi(#action)));
            }
            ast::Setting::Flag(flag) => calls.push(flag_call(flag)),
        }
    }
    let Some(default) = default else {
        // The checks report a missing default; this only keeps the function total.
        return Err(Error::new(
            proc_macro2::Span::call_site(),
            "no default action",
        ));
    };
    let default = action_expr(default);
    for rule in &policy.rules {
        let rule = rule_expr(rule);
        calls.push(quote!(.rule(#rule)));
    }
    for block in &policy.blocks {
        let block = block_expr(block)?;
        calls.push(quote!(.block(#block)));
    }
    Ok(quote!(#p::Policy::new(#default) #(#calls)*))
}

fn flag_call(flag: &ast::Flag) -> TokenStream {
    let p = private();
    match &flag.value {
        ast::FlagValue::NoNewPrivs(on) => quote!(.no_new_privs(#on)),
        ast::FlagValue::Tsync(on) => quote!(.tsync(#on)),
        ast::FlagValue::Log(on) => quote!(.log(#on)),
        ast::FlagValue::Ssb(on) => quote!(.ssb(#on)),
        ast::FlagValue::Optimize(layout) => {
            let variant = match layout {
                ast::Optimize::Linear(kw) => Ident::new("Linear", kw.span),
                ast::Optimize::BinaryTree(kw) => Ident::new("BinaryTree", kw.span),
            };
            quote!(.optimize(#p::Optimize::#variant))
        }
    }
}

fn block_expr(block: &ast::Block) -> Result<TokenStream, Error> {
    let p = private();
    let mut abis = Vec::new();
    let mut native = false;
    for name in &block.abis {
        match name {
            ast::AbiName::Named(ident) => abis.push(abi_expr(ident)?),
            ast::AbiName::Native(_) => native = true,
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
    let rules = block.rules.iter().map(rule_expr);
    Ok(quote!(#p::Block::new(#abis) #(.rule(#rules))*))
}

fn abi_expr(ident: &Ident) -> Result<TokenStream, Error> {
    let p = private();
    let variant = Abi::from_name(&ident.unraw().to_string())
        .map(Abi::variant_name)
        .ok_or_else(|| Error::new(ident.span(), format!("unknown ABI `{ident}`")))?;
    let variant = format_ident!("{}", variant, span = ident.span());
    Ok(quote!(#p::Abi::#variant))
}

fn rule_expr(rule: &ast::Rule) -> TokenStream {
    let p = private();
    let action = action_expr(&rule.action);
    let names = rule
        .syscalls
        .iter()
        .map(|name| LitStr::new(&name.unraw().to_string(), name.span()));
    let conditions = rule.conditions.iter().map(comparison_expr);
    quote!(#p::Rule::new(#action, [#(#names),*]) #(.when(#conditions))*)
}

fn action_expr(action: &ast::Action) -> TokenStream {
    let p = private();
    match &action.kind {
        ast::ActionKind::Allow => quote!(#p::Action::Allow),
        ast::ActionKind::Log => quote!(#p::Action::Log),
        ast::ActionKind::KillProcess => quote!(#p::Action::KillProcess),
        ast::ActionKind::KillThread => quote!(#p::Action::KillThread),
        ast::ActionKind::Trap => quote!(#p::Action::Trap),
        ast::ActionKind::Notify => quote!(#p::Action::Notify),
        ast::ActionKind::Trace(message) => quote!(#p::Action::Trace(#message)),
        // By name, so that the number is the target's (errno values differ on MIPS).
        ast::ActionKind::Errno(ast::Errno::Name(name)) => {
            quote!(#p::Action::Errno(#p::errno::#name))
        }
        ast::ActionKind::Errno(ast::Errno::Number { lit, .. }) => {
            quote!(#p::Action::Errno(#lit))
        }
    }
}

fn comparison_expr(comparison: &ast::Comparison) -> TokenStream {
    let p = private();
    let mut index = Literal::u8_unsuffixed(comparison.index);
    index.set_span(comparison.arg.span());
    let value = value_expr(&comparison.value);
    let test = match &comparison.op {
        ast::CmpOp::Eq => quote!(eq(#value)),
        ast::CmpOp::Ne => quote!(ne(#value)),
        ast::CmpOp::Lt => quote!(lt(#value)),
        ast::CmpOp::Le => quote!(le(#value)),
        ast::CmpOp::Gt => quote!(gt(#value)),
        ast::CmpOp::Ge => quote!(ge(#value)),
        ast::CmpOp::MaskedEq(mask) => {
            let mask = value_expr(mask);
            quote!(masked_eq(#mask, #value))
        }
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
