//! A policy written back in the policy language.
//!
//! The text is the body of `seccomp_policy! { ... }` (or of a policy file): settings that
//! differ from their defaults, the common rules, then the blocks. Parsed again, it gives a
//! policy equal to the one written, so tools that make policies (`seccomp-dsl import`, a
//! configuration converter) can show them as people write them.

use std::fmt;

use crate::model::action::Action;

use crate::model::policy::{Attributes, Block, IoUring, Optimize, Policy};

use crate::model::rule::Rule;

impl fmt::Display for Policy {
    /// The policy in the policy language, one statement a line, blocks indented by four
    /// spaces:
    ///
    /// ```
    /// use seccomp_runtime::{arg, errno, Abi, Action, Block, Entry, Policy, Rule};
    ///
    /// let policy = Policy::new(Action::Errno(errno::EPERM))
    ///     .tsync(true)
    ///     .rule(Rule::new(Action::Allow, ["exit_group"]))
    ///     .block(
    ///         Block::new([Abi::X86_64, Abi::X32])
    ///             .rule(Rule::new(Action::Allow, [Entry::optional("fcntl")]).when(arg(1).eq(3))),
    ///     );
    /// assert_eq!(
    ///     policy.to_string(),
    ///     "default errno(EPERM);\ntsync = true;\n\nallow exit_group;\n\n\
    ///      abi x86_64, x32 {\n    allow ?fcntl if arg1 == 3;\n}\n"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "default {};", self.default_action)?;
        // `Policy::new`'s `bad_arch` action, which the language's `bad_arch` defaults to too.
        if self.bad_arch_action != Action::KillProcess {
            writeln!(f, "bad_arch {};", self.bad_arch_action)?;
        }
        if let Some(action) = self.unknown_action {
            writeln!(f, "unknown {action};")?;
        }
        write_flags(f, self.attributes)?;
        if self.io_uring == IoUring::Unfiltered {
            writeln!(f, "io_uring = unfiltered;")?;
        }
        if !self.common.is_empty() {
            writeln!(f)?;
            write_rules(f, "", &self.common)?;
        }
        for block in &self.blocks {
            writeln!(f)?;
            write_block(f, block)?;
        }
        Ok(())
    }
}

/// The settings whose value is not the default, in the order the language lists them.
fn write_flags(f: &mut fmt::Formatter<'_>, attributes: Attributes) -> fmt::Result {
    let defaults = Attributes::default();
    let flags = [
        (
            "no_new_privs",
            attributes.no_new_privs,
            defaults.no_new_privs,
        ),
        ("tsync", attributes.tsync, defaults.tsync),
        ("log", attributes.log, defaults.log),
        ("ssb", attributes.ssb, defaults.ssb),
    ];
    for (name, value, default) in flags {
        if value != default {
            writeln!(f, "{name} = {value};")?;
        }
    }
    if attributes.optimize != defaults.optimize {
        let layout = match attributes.optimize {
            Optimize::Linear => "linear",
            Optimize::BinaryTree => "binary_tree",
        };
        writeln!(f, "optimize = {layout};")?;
    }
    Ok(())
}

fn write_block(f: &mut fmt::Formatter<'_>, block: &Block) -> fmt::Result {
    f.write_str("abi ")?;
    for (i, abi) in block.abis().iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(abi.name())?;
    }
    if block.rules().is_empty() {
        return writeln!(f, " {{}}");
    }
    writeln!(f, " {{")?;
    write_rules(f, "    ", block.rules())?;
    writeln!(f, "}}")
}

/// Lines longer than this are broken after a comma.
const WIDTH: usize = 100;

/// Each rule on its line; a long one (a profile's hundreds of names) broken after commas,
/// continued four spaces further in.
fn write_rules(f: &mut fmt::Formatter<'_>, indent: &str, rules: &[Rule]) -> fmt::Result {
    for rule in rules {
        let text = format!("{indent}{rule};");
        if text.len() <= WIDTH {
            writeln!(f, "{text}")?;
            continue;
        }
        let mut line = String::new();
        for word in text.split_inclusive(", ") {
            if !line.trim().is_empty() && line.len() + word.trim_end().len() > WIDTH {
                writeln!(f, "{}", line.trim_end())?;
                line = format!("{indent}    ");
            }
            line.push_str(word);
        }
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group;
    use crate::model::abi::Abi;
    use crate::model::condition::arg;
    use crate::model::errno;
    use crate::model::rule::Entry;

    #[test]
    fn defaults_are_not_written() {
        let policy = Policy::new(Action::Allow)
            .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::KillProcess, ["ptrace"])));
        assert_eq!(
            policy.to_string(),
            "default allow;\n\nabi x86_64 {\n    kill_process ptrace;\n}\n"
        );
    }

    #[test]
    fn long_rules_are_broken_after_commas() {
        let names: Vec<String> = (0..40).map(|i| format!("name{i}")).collect();
        let policy = Policy::new(Action::Allow)
            .block(Block::new([Abi::X86_64]).rule(Rule::new(Action::Trap, names)));
        let text = policy.to_string();
        assert!(text.lines().all(|line| line.len() <= WIDTH), "{text}");
        assert!(text.contains("\n    trap name0, name1,"), "{text}");
        assert!(text.contains(",\n        name"), "{text}");
        let joined = text.replace(",\n        ", ", ");
        assert!(joined.contains("name38, name39;\n}"), "{text}");
    }

    #[test]
    fn every_setting_that_differs() {
        let policy = Policy::new(Action::Errno(errno::EPERM))
            .bad_arch(Action::KillThread)
            .unknown(Action::Errno(errno::ENOSYS))
            .no_new_privs(false)
            .tsync(true)
            .log(true)
            .ssb(true)
            .optimize(Optimize::Linear)
            .io_uring(IoUring::Unfiltered)
            .block(Block::new([Abi::X86]));
        assert_eq!(
            policy.to_string(),
            "default errno(EPERM);\nbad_arch kill_thread;\nunknown errno(ENOSYS);\n\
             no_new_privs = false;\ntsync = true;\nlog = true;\nssb = true;\n\
             optimize = linear;\nio_uring = unfiltered;\n\nabi x86 {}\n"
        );
    }

    #[test]
    fn entries_conditions_and_values() {
        let policy = Policy::new(Action::Errno(1000))
            .rule(
                Rule::new(Action::Allow, [Entry::group(group::SYSTEM_SERVICE)])
                    .except([Entry::group(group::PRIVILEGED), Entry::syscall("kill")]),
            )
            .block(
                Block::new([Abi::X86_64, Abi::X32])
                    .rule(
                        Rule::new(Action::Trace(7), [Entry::optional("openat")])
                            .when(arg(2).masked_eq(0o3, 0))
                            .when(arg(3).ge(0x1_0000_0000)),
                    )
                    .rule(Rule::new(Action::Errno(0), ["ptrace"]).when(arg(0).ne(16))),
            );
        assert_eq!(
            policy.to_string(),
            "default errno(1000);\n\n\
             allow @system_service except @privileged, kill;\n\n\
             abi x86_64, x32 {\n\
             \x20   trace(7) ?openat if arg2 & 0x3 == 0x0 && arg3 >= 0x100000000;\n\
             \x20   errno(0) ptrace if arg0 != 16;\n\
             }\n"
        );
    }
}
