//! Compile-time checks of `seccomp_policy!`: every mistake in `tests/ui/*.rs` must fail to
//! compile with the message in the `.stderr` beside it; `tests/ui/pass/*.rs` must compile
//! and run.
//!
//! After a deliberate change to a message, regenerate with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff before committing.

// `native` is the target's ABI, so what the cases print depends on the target; the
// messages were written for this one.
#[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
