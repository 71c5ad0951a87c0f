//! `precompiled = true;`: build the policy's BPF program at expansion time, verify it
//! against the policy, and embed it as a `static` beside the declared policy.
//!
//! The build is the runtime's own (`Policy::build` and `Filter::program`: per-ABI
//! filters, exact adds, merge, export, prefix), run on the build host with libseccomp,
//! which is why it needs the `precompiled` feature. Only the policy's ABIs matter to the
//! program, never the host's: for `native`, one program is built per ABI that can be a
//! target's, each under that target's `#[cfg]`, as the checks do. Before a program is
//! embedded, `Policy::verify` runs it in the simulator against `Policy::decide_nr` over
//! every syscall of every ABI and every condition's boundaries: a program that disagrees
//! with its policy is a compile error.

use crate::model::abi::{Abi, Endian};

use crate::model::action::Action;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Error, LitInt};

use crate::syntax::ast;
use crate::syntax::lower::{Flag, Lowered};

/// `declared`, the code that makes the declared policy, with its precompiled program if the
/// policy asks for one; errors for values only the compiled program knows and (on every
/// target, or under a target's `#[cfg]`) for programs that fail to build or to verify.
pub fn wrap(lowered: &Lowered, declared: TokenStream) -> Result<TokenStream, Error> {
    if !lowered
        .flags
        .iter()
        .any(|f| matches!(f, Flag::Precompiled(true)))
    {
        return Ok(declared);
    }
    let span = flag_span(lowered);
    if !cfg!(feature = "precompiled") {
        return Err(Error::new(
            span,
            "`precompiled = true;` builds the filter at compile time with libseccomp: enable \
             the `precompiled` feature of seccomp-dsl \
             (`seccomp-dsl = { version = \"...\", features = [\"precompiled\"] }`)",
        ));
    }
    opaque_values(lowered)?;
    let p = quote!(::seccomp_dsl::__private);
    let mut programs = Vec::new();
    if lowered.first_native().is_some() {
        let mut all = Vec::new();
        for native in Abi::ALL {
            let Some(cfg) = native
                .target_cfg()
                .and_then(|s| s.parse::<TokenStream>().ok())
            else {
                continue;
            };
            let built = build(lowered, Some(native))
                .map_err(|message| format!("with `native` = `{native}`: {message}"));
            programs.push(program_static(&p, quote!(#[cfg(#cfg)]), built, span));
            all.push(cfg);
        }
        // The checks say that `native` has no ABI on such a target.
        let none = quote!(#[cfg(not(any(#(#all),*)))]);
        programs.push(program_static(&p, none, Ok(None), span));
    } else {
        match build(lowered, None) {
            Ok(built) => programs.push(program_static(&p, quote!(), Ok(built), span)),
            Err(message) => return Err(Error::new(span, message)),
        }
    }
    let errnos = errno_checks(lowered, &p);
    Ok(quote!({
        #(#programs)*
        #(#errnos)*
        let policy = #declared;
        let attributes = #p::Policy::attributes(&policy);
        #p::Policy::precompiled(policy, #p::Program::from_static(PROGRAM, ENDIAN, attributes))
    }))
}

/// Errno names are resolved on the build host, and their numbers differ between targets
/// (MIPS, ...): the program holds the host's number, so the target checks it is its own.
fn errno_checks(lowered: &Lowered, p: &TokenStream) -> Vec<TokenStream> {
    let rules = lowered
        .common
        .iter()
        .chain(lowered.blocks.iter().flat_map(|block| &block.rules));
    let actions = [&lowered.default, &lowered.bad_arch, &lowered.unknown]
        .into_iter()
        .chain(rules.map(|rule| &rule.action))
        .flatten();
    let mut seen = std::collections::BTreeSet::new();
    actions
        .filter_map(|resolved| match (&resolved.ast.kind, resolved.action) {
            (ast::ActionKind::Errno(ast::Errno::Name(name)), Action::Errno(value))
                if seen.insert(name.to_string()) =>
            {
                let message = format!(
                    "`{name}` is {value} on the build host, where the precompiled program was \
                     built, but another number on this target: drop `precompiled = true;` or \
                     write the target's number"
                );
                Some(quote!(
                    const _: () = ::core::assert!(#p::errno::#name == #value, #message);
                ))
            }
            _ => None,
        })
        .collect()
}

/// The span of `precompiled` in the settings, for messages about it.
fn flag_span(lowered: &Lowered) -> Span {
    lowered
        .ast
        .settings
        .iter()
        .find_map(|setting| match setting {
            ast::Setting::Flag(flag) if flag.name == "precompiled" => Some(flag.name.span()),
            _ => None,
        })
        .unwrap_or_else(Span::call_site)
}

/// Refuse values only the compiled program knows: the program is built before it exists.
fn opaque_values(lowered: &Lowered) -> Result<(), Error> {
    let rules = lowered
        .common
        .iter()
        .chain(lowered.blocks.iter().flat_map(|block| &block.rules));
    let mut errors = rules
        .flat_map(|rule| &rule.conditions)
        .filter(|comparison| comparison.opaque)
        .flat_map(|comparison| {
            let mask = match &comparison.ast.op {
                ast::CmpOp::MaskedEq(mask) => Some(mask),
                _ => None,
            };
            mask.into_iter().chain([&comparison.ast.value])
        })
        .filter_map(|value| {
            let span = match value {
                ast::Value::Lit { .. } => return None,
                ast::Value::Path(path) => syn::spanned::Spanned::span(path),
                ast::Value::Expr { paren, .. } => paren.span.join(),
            };
            Some(Error::new(
                span,
                "a precompiled policy is built at compile time, before this value exists: \
                 write it as an integer literal, or drop `precompiled = true;`",
            ))
        });
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            errors.for_each(|error| first.combine(error));
            Err(first)
        }
    }
}

/// A built, verified program and its byte order; `None` where the checks already
/// reported what is wrong with the policy (for this `native`).
type Built = Option<(Vec<crate::bpf::program::Instruction>, Endian)>;

#[cfg(feature = "precompiled")]
fn build(lowered: &Lowered, native: Option<Abi>) -> Result<Built, String> {
    let (policy, _) = lowered.to_policy(native);
    if !policy.violations().is_empty() {
        return Ok(None);
    }
    let filter = policy
        .build()
        .map_err(|e| format!("building the filter at compile time failed: {e}"))?;
    let program = filter
        .program()
        .map_err(|e| format!("building the filter at compile time failed: {e}"))?;
    policy.verify(program).map_err(|e| {
        format!(
            "the program libseccomp built does not do what the policy says, so it is not \
             embedded: {e}"
        )
    })?;
    Ok(Some((program.instructions().to_vec(), program.endian())))
}

#[cfg(not(feature = "precompiled"))]
fn build(_: &Lowered, _: Option<Abi>) -> Result<Built, String> {
    Ok(None)
}

/// `PROGRAM` and `ENDIAN` under `cfg`; empty, with a compile error under `cfg`, for a
/// program that could not be built.
fn program_static(
    p: &TokenStream,
    cfg: TokenStream,
    built: Result<Built, String>,
    span: Span,
) -> TokenStream {
    let (instructions, endian, error) = match built {
        Ok(Some((instructions, endian))) => (instructions, endian, None),
        Ok(None) => (Vec::new(), Endian::Little, None),
        Err(message) => (
            Vec::new(),
            Endian::Little,
            Some(Error::new(span, message).to_compile_error()),
        ),
    };
    let hex = |value: u64| LitInt::new(&format!("{value:#x}"), Span::call_site());
    let instructions = instructions.iter().map(|i| {
        let (code, jt, jf, k) = (
            hex(i.code.into()),
            hex(i.jt.into()),
            hex(i.jf.into()),
            hex(i.k.into()),
        );
        quote!(#p::Instruction { code: #code, jt: #jt, jf: #jf, k: #k })
    });
    let endian = match endian {
        Endian::Little => quote!(#p::Endian::Little),
        Endian::Big => quote!(#p::Endian::Big),
    };
    let error = error.map(|error| quote!(#cfg #error));
    quote! {
        #error
        #cfg
        static PROGRAM: &[#p::Instruction] = &[#(#instructions),*];
        #cfg
        const ENDIAN: #p::Endian = #endian;
    }
}

/// Only `cargo test -p seccomp-runtime --features syntax` builds the syntax module without the
/// feature (the workspace's tests turn it on).
#[cfg(all(test, not(feature = "precompiled")))]
mod tests {
    #[test]
    fn without_the_feature_the_setting_says_which_to_enable() {
        let expansion = super::seccomp_policy(quote::quote! {
            default errno(EPERM);
            precompiled = true;
            abi x86_64 { allow read; }
        })
        .to_string();
        assert!(
            expansion.contains("enable the `precompiled` feature of seccomp-dsl"),
            "{expansion}"
        );
    }
}
