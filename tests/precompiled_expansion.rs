//! `precompiled = true;` expands, on this x86_64 host, into the program of the policy's own
//! ABIs: an aarch64 policy embeds aarch64's program (AUDIT_ARCH_AARCH64), `native` one
//! program per target under that target's `#[cfg]`, and a big-endian ABI its byte order.
//! Expansion only (through the macro's pipeline as a library): no cross-linker.

use proc_macro2::TokenStream;
use quote::ToTokens;
use seccomp_runtime::syntax::expand_macro as seccomp_policy;

const AUDIT_ARCH_AARCH64: &str = "0xc00000b7";
const AUDIT_ARCH_X86_64: &str = "0xc000003e";

fn visit(stmts: &[syn::Stmt], found: &mut Vec<(String, String, String)>) {
    for stmt in stmts {
        let (attrs, ident, expr) = match stmt {
            syn::Stmt::Item(syn::Item::Static(s)) => (&s.attrs, &s.ident, &s.expr),
            syn::Stmt::Item(syn::Item::Const(c)) => (&c.attrs, &c.ident, &c.expr),
            // The expansion is a block, inside another one beside target-gated errors.
            syn::Stmt::Expr(syn::Expr::Block(inner), _) => {
                visit(&inner.block.stmts, found);
                continue;
            }
            _ => continue,
        };
        let cfg: Vec<String> = attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .map(|a| a.meta.to_token_stream().to_string())
            .collect();
        found.push((
            ident.to_string(),
            cfg.join(" "),
            expr.to_token_stream().to_string(),
        ));
    }
}

/// Every `static PROGRAM` and `const ENDIAN` of an expansion, each with its `#[cfg]` (as
/// text, empty for none) and its value's tokens as text.
fn items(expansion: &TokenStream) -> Vec<(String, String, String)> {
    let block: syn::Block = syn::parse2(quote::quote!({ #expansion })).expect("a block");
    let mut found = Vec::new();
    visit(&block.stmts, &mut found);
    found
}

#[test]
fn an_aarch64_policy_embeds_aarch64s_program() {
    let expansion = seccomp_policy(quote::quote! {
        default errno(EPERM);
        precompiled = true;
        abi aarch64 { allow read, write, exit_group; allow fcntl if arg1 == 3; }
    });
    let found = items(&expansion);
    let programs: Vec<_> = found
        .iter()
        .filter(|(name, ..)| name == "PROGRAM")
        .collect();
    assert_eq!(programs.len(), 1, "{expansion}");
    let (_, cfg, program) = programs[0];
    assert_eq!(cfg, "", "explicit ABIs do not depend on the target");
    assert!(program.contains(AUDIT_ARCH_AARCH64), "{program}");
    assert!(!program.contains(AUDIT_ARCH_X86_64), "{program}");
    assert!(found
        .iter()
        .any(|(name, _, value)| name == "ENDIAN" && value.contains("Little")));
}

#[test]
fn native_gets_one_program_per_target() {
    let expansion = seccomp_policy(quote::quote! {
        default errno(EPERM);
        precompiled = true;
        abi native { allow read, write, exit_group; }
    });
    let found = items(&expansion);
    let for_target = |arch: &str| {
        found
            .iter()
            .find(|(name, cfg, _)| {
                name == "PROGRAM" && cfg.contains(&format!("target_arch = \"{arch}\""))
            })
            .map(|(_, _, program)| program.clone())
            .unwrap_or_else(|| panic!("no program for {arch}: {expansion}"))
    };
    let aarch64 = for_target("aarch64");
    assert!(aarch64.contains(AUDIT_ARCH_AARCH64), "{aarch64}");
    assert!(!aarch64.contains(AUDIT_ARCH_X86_64), "{aarch64}");
    let x86_64 = for_target("x86_64");
    assert!(x86_64.contains(AUDIT_ARCH_X86_64), "{x86_64}");
}

#[test]
fn a_big_endian_abi_keeps_its_byte_order() {
    let expansion = seccomp_policy(quote::quote! {
        default errno(EPERM);
        precompiled = true;
        abi s390x { allow read, write, exit_group; }
    });
    assert!(items(&expansion)
        .iter()
        .any(|(name, _, value)| name == "ENDIAN" && value.contains("Big")));
}

#[test]
fn values_only_the_program_knows_are_refused() {
    let expansion = seccomp_policy(quote::quote! {
        default errno(EPERM);
        precompiled = true;
        abi x86_64 { allow fcntl if arg1 == libc::F_GETFL; allow read if arg0 == (1 + 2); }
    })
    .to_string();
    assert_eq!(
        expansion.matches("before this value exists").count(),
        2,
        "{expansion}"
    );
}
