//! How long reading a large policy file takes, stage by stage: `cargo run --release
//! --features files --example large_policy -- RULES [mixed]`. Each rule is a conditional rule on
//! the same syscall (`allow fcntl if arg1 == N;`), the worst case for the checks, which
//! compare the conditional rules of one syscall with each other.

use std::time::Instant;

use seccomp_runtime::Policy;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules: usize = std::env::args().nth(1).map_or(Ok(100_000), |n| n.parse())?;
    // `mixed`: every other rule has another action, so that each pair of rules is also
    // checked for overlapping conditions.
    let mixed = std::env::args().nth(2).as_deref() == Some("mixed");
    let mut text = String::from("default errno(EPERM);\nabi x86_64 {\n");
    for n in 0..rules {
        let action = if mixed && n % 2 == 1 {
            "errno(EACCES)"
        } else {
            "allow"
        };
        text.push_str(&format!("    {action} fcntl if arg1 == {n};\n"));
    }
    text.push_str("}\n");
    let start = Instant::now();
    let result = text.parse::<Policy>();
    let parsed = start.elapsed();
    match result {
        Ok(policy) => println!(
            "{rules} rules, {} bytes: parsed and checked in {parsed:.2?} ({} rules)",
            text.len(),
            policy.rules().count()
        ),
        Err(error) => println!("{rules} rules: refused in {parsed:.2?}: {error}"),
    }
    Ok(())
}
