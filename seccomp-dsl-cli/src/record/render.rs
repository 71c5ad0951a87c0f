//! A recording as a policy file or a `seccomp_policy! { ... }` expression, with comments.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;

use seccomp_runtime::{syscall_name, Abi};

use super::recording::Recording;

/// The rules for one syscall of one ABI, as they will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rules {
    /// `allow name;`
    Always,
    /// `allow name if argN == value;`, one rule per value, with each value's count.
    Values(u8, Vec<(u64, u64)>),
}

/// One ABI's syscalls: by name, the rules and the count; and the numbers libseccomp has
/// no name for, with their counts.
#[derive(Debug, Default)]
struct AbiRules {
    named: BTreeMap<String, (Rules, u64)>,
    unnamed: Vec<(i32, u64)>,
}

/// How the policy is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A policy file: what `check`, `run` and the other subcommands read.
    Policy,
    /// The `seccomp_policy! { ... }` expression, to paste into Rust code (the subcommands
    /// read it too).
    Macro,
}

/// The policy text: a header comment, then the policy, in `format`.
///
/// `default errno(EPERM);`. With two or more ABIs seen, a syscall seen on all of them with
/// the same rules goes to the common rules; the rest go to one block per ABI, names sorted.
pub fn render(
    recording: &Recording,
    command: &[OsString],
    status: String,
    format: Format,
) -> String {
    let mut per_abi: BTreeMap<Abi, AbiRules> = BTreeMap::new();
    for ((abi, nr), seen) in &recording.seen {
        let abi_rules = per_abi.entry(*abi).or_default();
        let Some(name) = syscall_name(*abi, *nr) else {
            abi_rules.unnamed.push((*nr, seen.count));
            continue;
        };
        let rules = match &seen.values {
            Some((arg, Some(values))) => {
                Rules::Values(*arg, values.iter().map(|(v, n)| (*v, *n)).collect())
            }
            _ => Rules::Always,
        };
        abi_rules
            .named
            .insert(name.to_string(), (rules, seen.count));
    }

    let mut common: BTreeMap<String, (Rules, Vec<(Abi, u64)>)> = BTreeMap::new();
    if per_abi.len() >= 2 {
        let (first, rest) = {
            let mut abis = per_abi.values();
            (abis.next(), abis.collect::<Vec<_>>())
        };
        for (name, (rules, _)) in first.map(|f| &f.named).into_iter().flatten() {
            if rest
                .iter()
                .all(|other| other.named.get(name).is_some_and(|(r, _)| r == rules))
            {
                let counts = per_abi
                    .iter()
                    .map(|(abi, r)| (*abi, r.named[name].1))
                    .collect();
                common.insert(name.clone(), (rules.clone(), counts));
            }
        }
        for abi_rules in per_abi.values_mut() {
            abi_rules.named.retain(|name, _| !common.contains_key(name));
        }
    }

    let mut out = String::new();
    header(&mut out, command, &status);
    // The policy file is the macro's body; the macro form indents it by one level.
    let (indent, inner) = match format {
        Format::Policy => ("", "    "),
        Format::Macro => {
            out.push_str("seccomp_policy! {\n");
            ("    ", "        ")
        }
    };
    let _ = writeln!(out, "{indent}default errno(EPERM);");
    if !common.is_empty() {
        let _ = writeln!(out, "\n{indent}// Seen on every ABI below.");
        for (name, (rules, counts)) in &common {
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            let by_abi: Vec<String> = counts
                .iter()
                .map(|(abi, n)| format!("{abi}: {n}"))
                .collect();
            let note = format!("{} ({})", calls(total), by_abi.join(", "));
            write_rules(&mut out, indent, name, rules, &note);
        }
    }
    for (abi, abi_rules) in &per_abi {
        let _ = writeln!(out, "\n{indent}abi {abi} {{");
        for (name, (rules, count)) in &abi_rules.named {
            write_rules(&mut out, inner, name, rules, &calls(*count));
        }
        for (nr, count) in &abi_rules.unnamed {
            let _ = writeln!(
                out,
                "{inner}// syscall #{nr} ({}), unknown to libseccomp: not allowed",
                calls(*count)
            );
        }
        let _ = writeln!(out, "{indent}}}");
    }
    if format == Format::Macro {
        out.push_str("}\n");
    }
    out
}

/// How the recorded run ended, for the header: "exit status 0", "killed by signal 9".
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended".to_owned(),
    }
}

fn header(out: &mut String, command: &[OsString], status: &str) {
    let words: Vec<String> = command
        .iter()
        .map(|word| shell_quote(&word.to_string_lossy()))
        .collect();
    let _ = writeln!(
        out,
        "// Recorded by `seccomp-dsl record` from one run of: {}",
        words.join(" ")
    );
    let _ = writeln!(out, "// ({status}).");
    out.push_str(
        "// It allows what that run did and nothing else: review it before shipping. Paths the\n\
         // run did not take (errors, other options, other input) need syscalls it never saw,\n\
         // which fail with EPERM; ABIs it did not use get the `bad_arch` action (kill_process).\n",
    );
}

/// The rule lines for one syscall.
fn write_rules(out: &mut String, indent: &str, name: &str, rules: &Rules, note: &str) {
    match rules {
        Rules::Always => {
            let _ = writeln!(out, "{indent}allow {name}; // {note}");
        }
        Rules::Values(arg, values) => {
            for (value, count) in values {
                let note = match count {
                    0 => MERGED.to_owned(),
                    _ => format!("{count} of {note}"),
                };
                let _ = writeln!(
                    out,
                    "{indent}allow {name} if arg{arg} == {}; // {note}",
                    literal(*value),
                );
            }
        }
    }
}

/// The note on a rule that only the merged policy had.
const MERGED: &str = "from the merged policy";

/// Small values in decimal (commands, flags as numbers); larger ones (ioctl requests,
/// negative values as the kernel sees them) in hex.
fn literal(value: u64) -> String {
    if value <= 4096 {
        value.to_string()
    } else {
        format!("{value:#x}")
    }
}

fn calls(count: u64) -> String {
    match count {
        // `record --merge`: a rule of the merged policy that this run did not need.
        0 => MERGED.to_owned(),
        1 => "1 call".to_owned(),
        n => format!("{n} calls"),
    }
}

/// `word` as a POSIX shell would need it written, for the header comment.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::recording::Seen;

    fn seen(count: u64, values: Option<(u8, Option<BTreeMap<u64, u64>>)>) -> Seen {
        Seen { count, values }
    }

    #[test]
    fn common_rules_blocks_and_conditions() {
        let x86_64 = |name| seccomp_runtime::syscall_number(Abi::X86_64, name).unwrap();
        let x86 = |name| seccomp_runtime::syscall_number(Abi::X86, name).unwrap();
        let mut recording = Recording::default();
        recording
            .seen
            .insert((Abi::X86_64, x86_64("read")), seen(3, None));
        recording
            .seen
            .insert((Abi::X86_64, x86_64("openat")), seen(1, None));
        recording.seen.insert(
            (Abi::X86_64, x86_64("fcntl")),
            seen(5, Some((1, Some(BTreeMap::from([(1, 2), (3, 3)]))))),
        );
        recording
            .seen
            .insert((Abi::X86_64, x86_64("ioctl")), seen(9, Some((1, None))));
        recording
            .seen
            .insert((Abi::X86, x86("read")), seen(2, None));
        recording
            .seen
            .insert((Abi::X86, x86("socketcall")), seen(1, None));
        let command: [OsString; 3] = ["sh".into(), "-c".into(), "ls | wc".into()];
        let text = render(&recording, &command, "exit status 0".into(), Format::Macro);
        let expected = "\
seccomp_policy! {
    default errno(EPERM);

    // Seen on every ABI below.
    allow read; // 5 calls (x86: 2, x86_64: 3)

    abi x86 {
        allow socketcall; // 1 call
    }

    abi x86_64 {
        allow fcntl if arg1 == 1; // 2 of 5 calls
        allow fcntl if arg1 == 3; // 3 of 5 calls
        allow ioctl; // 9 calls
        allow openat; // 1 call
    }
}
";
        assert!(text.ends_with(expected), "{text}");
        assert!(text
            .starts_with("// Recorded by `seccomp-dsl record` from one run of: sh -c 'ls | wc'\n"));
        // The policy file is the same body, unwrapped and one level less indented.
        let file = render(&recording, &command, "exit status 0".into(), Format::Policy);
        let body: String = expected
            .lines()
            .filter(|line| !matches!(*line, "seccomp_policy! {" | "}"))
            .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
            .collect();
        assert!(file.ends_with(&body), "{file}");
    }

    #[test]
    fn literals_and_quoting() {
        assert_eq!(literal(3), "3");
        assert_eq!(literal(0x5401), "0x5401");
        assert_eq!(literal((-100i64) as u64), "0xffffffffffffff9c");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("/bin/ls"), "/bin/ls");
    }
}
