//! Policy files under bad input: arbitrary bytes and mutated valid files never make the
//! reader panic, and every mistake it reports has a position inside the text.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::panic;

use proptest::prelude::*;
use seccomp_dsl::Policy;
use seccomp_runtime::syntax::{FileError, ParsedPolicy, MAX_FILE_SIZE, MAX_NESTING, MAX_RULES};

/// Read `text`; fail the case on a panic or on a mistake without a position in the text.
fn read_checked(text: &str) -> Result<(), TestCaseError> {
    let result = panic::catch_unwind(|| ParsedPolicy::parse(text, "fuzz.seccomp"));
    let Ok(result) = result else {
        return Err(TestCaseError::fail(format!(
            "the reader panicked on: {text:?}"
        )));
    };
    let error = match result {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    let Some(diagnostics) = error.diagnostics() else {
        return Err(TestCaseError::fail(format!(
            "not a list of mistakes: {error}"
        )));
    };
    prop_assert!(
        !diagnostics.list().is_empty(),
        "no mistake in an error: {text:?}"
    );
    // proc-macro2 counts a text that ends in a newline as having a line after it.
    let lines = text.lines().count().max(1) + 1;
    for mistake in diagnostics.list() {
        prop_assert!(!mistake.message.is_empty());
        prop_assert!(
            (1..=lines).contains(&mistake.start.line) && mistake.start.column >= 1,
            "{}:{} is outside the text ({lines} lines): {}\n{text:?}",
            mistake.start.line,
            mistake.start.column,
            mistake.message
        );
    }
    // Rendering never panics either.
    prop_assert!(diagnostics.render().contains("error: "));
    Ok(())
}

/// The fixtures and the demo file, as the texts to mutate.
fn valid_texts() -> Vec<String> {
    let mut texts: Vec<String> = fixtures::all()
        .into_iter()
        .map(|(_, text, _)| text.to_owned())
        .collect();
    texts.push(include_str!("../examples/demo.seccomp").to_owned());
    texts
}

const PIECES: &[&str] = &[
    ";",
    ",",
    "{",
    "}",
    "(",
    ")",
    "==",
    "&",
    "&&",
    "@",
    "?",
    "if",
    "except",
    "abi",
    "allow",
    "errno",
    "default",
    "native",
    "x86_64",
    "x32",
    "read",
    "F_GETFL",
    "libc::O_CLOEXEC",
    "(1 + 2)",
    "0xffffffffffffffff",
    "18446744073709551616",
    "-1",
    "arg6",
    "\"",
    "'",
    "/*",
    "*/",
    "//",
    "\n",
    "r#",
    "é",
    "\u{0}",
    "#",
    "\\",
];

/// One edit of a text: delete a range, insert a piece, or duplicate a range.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..40usize).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), prop::sample::select(PIECES)).prop_map(|(at, p)| Edit::Insert(at, p)),
        (any::<usize>(), 1..80usize).prop_map(|(at, len)| Edit::Duplicate(at, len)),
    ]
}

/// The char boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, edit: &Edit) {
    match *edit {
        Edit::Delete(at, len) => {
            let start = boundary(text, at);
            let end = boundary(text, start + len.min(text.len() - start));
            text.replace_range(start..end, "");
        }
        Edit::Insert(at, piece) => {
            let at = boundary(text, at);
            text.insert_str(at, &format!(" {piece} "));
        }
        Edit::Duplicate(at, len) => {
            let start = boundary(text, at);
            let end = boundary(text, start + len.min(text.len() - start));
            let copy = text[start..end].to_owned();
            text.insert_str(end, &copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        read_checked(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn mutated_valid_files(which in any::<usize>(), edits in prop::collection::vec(edit(), 1..6)) {
        let texts = valid_texts();
        let mut text = texts[which % texts.len()].clone();
        for edit in &edits {
            apply(&mut text, edit);
        }
        read_checked(&text)?;
    }
}

#[test]
fn the_valid_texts_are_valid() {
    for text in valid_texts() {
        text.parse::<Policy>().expect("a fixture parses");
    }
}

#[test]
fn too_many_rules_are_refused_at_the_first_one_too_many() {
    let mut text = String::from("default errno(EPERM);\nabi x86_64 {\n");
    for n in 0..MAX_RULES + 10 {
        text.push_str(&format!("    allow fcntl if arg1 == {n};\n"));
    }
    text.push_str("}\n");
    let error = text.parse::<Policy>().expect_err("too many rules");
    let mistakes = error.diagnostics().expect("a positioned mistake").list();
    assert_eq!(mistakes.len(), 1);
    assert_eq!(mistakes[0].start.line, 3 + MAX_RULES);
    assert!(mistakes[0]
        .message
        .starts_with("this policy has 4106 rules; a policy file holds at most 4096"));
}

#[test]
fn too_large_a_text_is_refused_before_reading() {
    let text = format!(
        "default allow; abi x86_64 {{ }} // {}",
        "x".repeat(MAX_FILE_SIZE)
    );
    let error = text.parse::<Policy>().expect_err("too large");
    assert!(matches!(error, FileError::TooLarge { size, .. } if size == text.len()));
}

/// Deep nesting gets a positioned mistake, not a stack overflow that aborts the process
/// (issue 21, finding 6: 3000 parentheses in a value, 30,000 braces).
#[test]
fn deep_nesting_is_refused_where_it_gets_too_deep() {
    let parens = format!(
        "default errno(EPERM);\nabi x86_64 {{ allow fcntl if arg1 == {}1{}; }}\n",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let braces = format!(
        "default errno(EPERM);\n{}{}\n",
        "{".repeat(30_000),
        "}".repeat(30_000)
    );
    for (text, column) in [(parens, 36 + MAX_NESTING), (braces, 1 + MAX_NESTING)] {
        read_checked(&text).expect("a well-formed error");
        let error = text.parse::<Policy>().expect_err("too deep");
        let mistakes = error.diagnostics().expect("a positioned mistake").list();
        assert_eq!(mistakes.len(), 1, "{mistakes:?}");
        assert_eq!(
            (mistakes[0].start.line, mistakes[0].start.column),
            (2, column)
        );
        assert!(mistakes[0]
            .message
            .starts_with("brackets nested more than 64 deep"));
    }
    // As deep as allowed is parsed, and refused for what it says (a file takes no
    // expressions), not for its depth.
    let deepest = format!(
        "default errno(EPERM);\nabi x86_64 {{ allow fcntl if arg1 == {}1{}; }}\n",
        "(".repeat(MAX_NESTING - 2),
        ")".repeat(MAX_NESTING - 2)
    );
    let error = deepest.parse::<Policy>().expect_err("an expression");
    let mistakes = error.diagnostics().expect("a positioned mistake").list();
    assert!(mistakes[0]
        .message
        .starts_with("a policy file takes no expressions"));
}
