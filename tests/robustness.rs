//! Whatever tokens `seccomp_policy!` is given, it expands to an expression (the policy, or
//! compile errors and a stub) and never panics.

use std::panic;

use proc_macro2::TokenStream;
use proptest::prelude::*;

/// Words of the policy language, names it checks, and strangers.
const WORDS: &[&str] = &[
    "default",
    "bad_arch",
    "abi",
    "native",
    "allow",
    "log",
    "kill_process",
    "kill_thread",
    "trap",
    "errno",
    "trace",
    "notify",
    "if",
    "tsync",
    "no_new_privs",
    "ssb",
    "optimize",
    "linear",
    "binary_tree",
    "true",
    "false",
    "x86_64",
    "x86",
    "x32",
    "aarch64",
    "s390x",
    "amd64",
    "read",
    "write",
    "socketcall",
    "socket",
    "break",
    "fcntl",
    "opnat",
    "EPERM",
    "EPRM",
    "arg0",
    "arg1",
    "arg5",
    "arg6",
    "arg255",
    "arg256",
    "argv",
    "libc",
    "F_GETFL",
    "crate",
    "self",
    "super",
    "Self",
    "fn",
    "let",
    "_",
    "r#break",
    "r#abi",
];

const PUNCTS: &[&str] = &[
    ";", ",", "=", "==", "!=", "<", "<=", ">", ">=", "&", "&&", "-", "#", "::", ":", "!", "|", ".",
    "@", "$", "'a",
];

const LITERALS: &[&str] = &[
    "0",
    "3",
    "4095",
    "4096",
    "65535",
    "65536",
    "0x40",
    "0o777",
    "0b1",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "3u8",
    "1i64",
    "1.5",
    "\"text\"",
    "b'x'",
    "'c'",
    "1e3",
];

fn token() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(str::to_owned),
        3 => prop::sample::select(PUNCTS).prop_map(str::to_owned),
        2 => prop::sample::select(LITERALS).prop_map(str::to_owned),
        1 => "[a-z_][a-z0-9_]{0,8}",
    ];
    leaf.prop_recursive(3, 48, 8, |inner| {
        (prop::collection::vec(inner, 0..8), 0..3usize).prop_map(|(tokens, delimiter)| {
            let (open, close) = [("(", ")"), ("{", "}"), ("[", "]")][delimiter];
            format!("{open} {} {close}", tokens.join(" "))
        })
    })
}

/// Random tokens, alone or where a valid policy would have a rule, so that the checks,
/// not only the parser, see them.
fn input() -> impl Strategy<Value = String> {
    let tokens = prop::collection::vec(token(), 0..24).prop_map(|tokens| tokens.join(" "));
    (tokens, 0..4usize).prop_map(|(tokens, frame)| match frame {
        0 => tokens,
        1 => format!("default errno(EPERM); {tokens}"),
        2 => format!("default errno(EPERM); abi x86_64, x86 {{ {tokens} }}"),
        _ => format!("default allow; abi native {{ allow read; {tokens} }} abi x32 {{ }}"),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(source in input()) {
        let Ok(tokens) = source.parse::<TokenStream>() else {
            return Ok(());
        };
        let expansion = panic::catch_unwind(|| seccomp_runtime::syntax::expand_macro(tokens));
        prop_assert!(expansion.is_ok(), "the macro panicked on: {source}");
        if let Ok(expansion) = expansion {
            prop_assert!(
                syn::parse2::<syn::Expr>(expansion.clone()).is_ok(),
                "not an expression: {expansion}"
            );
        }
    }
}
