//! The lowered policy the macro checks is the policy its expansion builds: for each
//! expansion fixture in tests/expand, the value `seccomp_policy!` returns at run time equals
//! the runtime policy the macro's checks were run on (values only the compiled program
//! knows excepted: the checks see stand-ins for them).

use std::fs;
use std::path::Path;

use seccomp_dsl::{Policy, Rule, RuleRef};
use syn::visit::Visit;

#[path = "expand/conditions.rs"]
mod conditions;
#[path = "expand/demo.rs"]
mod demo;
#[path = "expand/groups.rs"]
mod groups;
#[path = "expand/native.rs"]
mod native;
#[path = "expand/settings.rs"]
mod settings;

/// The tokens of the one `seccomp_policy!` in a fixture.
fn macro_input(fixture: &str) -> proc_macro2::TokenStream {
    struct Find(Option<proc_macro2::TokenStream>);
    impl Visit<'_> for Find {
        fn visit_macro(&mut self, mac: &syn::Macro) {
            if mac.path.is_ident("seccomp_policy") {
                self.0 = Some(mac.tokens.clone());
            }
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/expand/{fixture}.rs"));
    let file = syn::parse_file(&fs::read_to_string(path).expect("read the fixture"))
        .expect("the fixture is Rust");
    let mut find = Find(None);
    find.visit_file(&file);
    find.0.expect("the fixture has a seccomp_policy!")
}

/// A rule as text, with the values of `opaque` comparisons blanked.
fn rule_text(at: RuleRef, rule: &Rule, opaque: &[(RuleRef, usize)]) -> String {
    let mut text = format!("{} ", rule.action());
    for entry in rule.entries() {
        text.push_str(&format!("{entry},"));
    }
    for entry in rule.exceptions() {
        text.push_str(&format!("-{entry},"));
    }
    for (position, comparison) in rule.conditions().iter().enumerate() {
        if opaque.contains(&(at, position)) {
            text.push_str(&format!(
                " arg{} {:?}",
                comparison.arg,
                std::mem::discriminant(&comparison.op)
            ));
        } else {
            text.push_str(&format!(" {comparison}"));
        }
    }
    text
}

/// Everything a policy says, as text.
fn describe(policy: &Policy, opaque: &[(RuleRef, usize)]) -> Vec<String> {
    let mut lines = vec![
        format!("default {}", policy.default_action()),
        format!("bad_arch {}", policy.bad_arch_action()),
        format!("unknown {:?}", policy.unknown_action()),
        format!("{:?}", policy.attributes()),
    ];
    for block in policy.blocks() {
        lines.push(format!("block {:?}", block.abis()));
    }
    lines.extend(
        policy
            .rules()
            .map(|(at, rule)| format!("{at}: {}", rule_text(at, rule, opaque))),
    );
    lines
}

#[test]
fn the_expansion_builds_the_lowered_policy() {
    let fixtures: [(&str, Policy); 5] = [
        ("conditions", conditions::policy()),
        ("demo", demo::policy()),
        ("groups", groups::policy()),
        ("native", native::policy()),
        ("settings", settings::policy()),
    ];
    for (name, expanded) in fixtures {
        let (lowered, opaque) = seccomp_runtime::syntax::macro_policy(macro_input(name))
            .unwrap_or_else(|errors| panic!("{name} has mistakes: {errors}"));
        if opaque.is_empty() {
            assert_eq!(expanded, lowered, "{name}");
        }
        assert_eq!(
            describe(&expanded, &opaque),
            describe(&lowered, &opaque),
            "{name}"
        );
    }
}
