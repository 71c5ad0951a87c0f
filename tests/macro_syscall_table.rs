//! The macro checks syscall names with the runtime's syscall table, at expansion time; this
//! makes sure that what it accepts is, ABI by ABI, exactly what the runtime knows, so that
//! the two cannot drift apart.

use seccomp_dsl::{syscall_exists, syscall_names, Abi};

/// The compile errors of expanding `source`, as text.
fn errors(source: &str) -> Vec<String> {
    let tokens = source.parse().expect("the policy is tokens");
    let expansion = seccomp_runtime::syntax::expand_macro(tokens).to_string();
    expansion
        .split("compile_error !")
        .skip(1)
        .map(|error| error.split('"').nth(1).unwrap_or_default().to_owned())
        .collect()
}

fn name(abi: Abi) -> &'static str {
    abi.name()
}

#[test]
fn every_name_the_table_lists_is_accepted() {
    for abi in Abi::ALL {
        let names = syscall_names(abi);
        assert!(names.len() > 200, "{abi}: only {} names", names.len());
        // One rule per name: a multiplexer allowed outright beside the syscalls behind it
        // is fine, as long as they get the same action.
        let source = format!(
            "default errno(EPERM); abi {} {{ allow {}; }}",
            name(abi),
            names.join(", ")
        );
        assert_eq!(errors(&source), Vec::<String>::new(), "{abi}");
    }
}

#[test]
fn names_of_other_abis_are_rejected_exactly_where_the_runtime_lacks_them() {
    let mut everywhere: Vec<&str> = Abi::ALL.into_iter().flat_map(syscall_names).collect();
    everywhere.sort();
    everywhere.dedup();
    for abi in [
        Abi::X86_64,
        Abi::X86,
        Abi::X32,
        Abi::Aarch64,
        Abi::Mips64N32,
        Abi::S390X,
    ] {
        let missing: Vec<&str> = everywhere
            .iter()
            .copied()
            .filter(|name| !syscall_exists(abi, name))
            .collect();
        assert!(!missing.is_empty(), "{abi}");
        for name in missing {
            let source = format!(
                "default errno(EPERM); abi {} {{ allow {name}; }}",
                abi.name()
            );
            let errors = errors(&source);
            let expected = format!("`{name}` is not a syscall on {abi}");
            assert!(
                errors.len() == 1 && errors[0].starts_with(&expected),
                "{abi} {name}: {errors:?}"
            );
        }
    }
}

#[test]
fn anchors() {
    let accepted = |abi: &str, name: &str| {
        errors(&format!(
            "default errno(EPERM); abi {abi} {{ allow {name}; }}"
        ))
        .is_empty()
    };
    assert!(accepted("x86", "break"));
    assert!(accepted("x86", "socketcall"));
    assert!(accepted("x86", "_llseek"));
    assert!(accepted("x86_64", "openat"));
    assert!(accepted("x32", "openat"));
    assert!(accepted("mips64n32", "openat"));
    // Newer than libseccomp 2.5: the table knows them, so the macro does too.
    assert!(accepted("x86_64", "mseal"));
    assert!(accepted("x86", "listmount"));
    assert!(!accepted("x86_64", "socketcall"));
    assert!(!accepted("x86_64", "_llseek"));
    assert!(!accepted("x86_64", "break"));
    assert!(!accepted("aarch64", "open"));
}
