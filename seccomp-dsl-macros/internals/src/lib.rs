//! The pipeline of `seccomp_policy!` as a plain library.
//!
//! A proc-macro crate can export nothing but its macros, so tests that need the expansion
//! itself (snapshots, random inputs) build the very same source files here, as
//! `serde_derive_internals` does for `serde_derive`. Not published; not an API.

#[path = "../../src/ast.rs"]
mod ast;
#[path = "../../src/check.rs"]
mod check;
#[path = "../../src/expand.rs"]
mod expand;
#[path = "../../src/fallback.rs"]
mod fallback;
#[path = "../../src/kw.rs"]
mod kw;
#[path = "../../src/lower.rs"]
mod lower;
#[path = "../../src/precompile.rs"]
mod precompile;

/// What `seccomp_policy! { input }` expands to.
pub fn seccomp_policy(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    expand::seccomp_policy(input)
}

/// The runtime policy the checks saw for `seccomp_policy! { input }`, with `native` taken to
/// be this machine's ABI, and where (rule, condition) a value only the compiled program
/// knows stands in; `Err` with the messages if the input has mistakes.
pub fn lowered_policy(
    input: proc_macro2::TokenStream,
) -> Result<
    (
        seccomp_runtime::Policy,
        Vec<(seccomp_runtime::RuleRef, usize)>,
    ),
    String,
> {
    let (policy, mut errors) = ast::Policy::parse(input);
    let had_syntax_errors = !errors.is_empty();
    let lowered = lower::lower(&policy, had_syntax_errors, &mut errors);
    let report = check::check(&lowered, errors);
    if !report.errors.is_empty() {
        let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        return Err(messages.join("\n"));
    }
    Ok((
        lowered.to_policy(seccomp_runtime::Abi::native()).0,
        lowered.opaque_comparisons(),
    ))
}
