//! Expansion snapshots: each `tests/expand/NAME.rs` is expanded as `cargo expand` would show
//! it (every `seccomp_policy!` replaced by its expansion, formatted with `prettyplease`) and
//! compared with `tests/expand/NAME.expanded.rs`.
//!
//! After a deliberate change to the generated code, regenerate the snapshots with
//! `SNAPSHOT=overwrite cargo test --test expand` and review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use syn::visit_mut::VisitMut;

/// Replaces every `seccomp_policy! { ... }` expression with its expansion.
struct Expander;

impl VisitMut for Expander {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Macro(mac) = expr {
            if let Some(expansion) = expansion(&mac.mac) {
                *expr = expansion;
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    /// A macro as a function's tail is a statement: `fn policy() -> Policy { seccomp_policy! {...} }`.
    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        if let syn::Stmt::Macro(mac) = stmt {
            if let Some(expansion) = expansion(&mac.mac) {
                *stmt = syn::Stmt::Expr(expansion, mac.semi_token);
                return;
            }
        }
        syn::visit_mut::visit_stmt_mut(self, stmt);
    }
}

fn expansion(mac: &syn::Macro) -> Option<syn::Expr> {
    mac.path.is_ident("seccomp_policy").then(|| {
        let expansion = seccomp_runtime::syntax::expand_macro(mac.tokens.clone());
        syn::parse2(expansion).expect("the expansion is an expression")
    })
}

fn expand(path: &Path) -> String {
    let source = fs::read_to_string(path).expect("read the input");
    let mut file = syn::parse_file(&source).expect("the input is Rust");
    Expander.visit_file_mut(&mut file);
    prettyplease::unparse(&file)
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/expand exists")
        .map(|entry| entry.expect("list tests/expand").path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.ends_with(".rs") && !name.ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    inputs
}

/// A line diff that is enough to read a changed expansion.
fn diff(expected: &str, actual: &str) -> String {
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    let common = expected
        .iter()
        .zip(&actual)
        .take_while(|(e, a)| e == a)
        .count();
    let tail = expected[common..]
        .iter()
        .rev()
        .zip(actual[common..].iter().rev())
        .take_while(|(e, a)| e == a)
        .count();
    for line in &expected[common..expected.len() - tail] {
        out.push_str(&format!("-{line}\n"));
    }
    for line in &actual[common..actual.len() - tail] {
        out.push_str(&format!("+{line}\n"));
    }
    format!("@@ line {} @@\n{out}", common + 1)
}

#[test]
fn expansions_match_snapshots() {
    let overwrite = std::env::var("SNAPSHOT").is_ok_and(|v| v == "overwrite");
    let inputs = inputs();
    assert!(
        inputs.len() >= 3,
        "expected snapshot inputs in tests/expand"
    );
    let mut failures = Vec::new();
    for input in inputs {
        let snapshot = input.with_extension("expanded.rs");
        let actual = expand(&input);
        if overwrite {
            fs::write(&snapshot, &actual).expect("write the snapshot");
            continue;
        }
        match fs::read_to_string(&snapshot) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{} changed:\n{}",
                snapshot.display(),
                diff(&expected, &actual)
            )),
            Err(_) => failures.push(format!("{} is missing", snapshot.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nIf the change is intended, run `SNAPSHOT=overwrite cargo test --test expand` and review the diff.",
        failures.join("\n")
    );
}
