//! What decides one syscall on one ABI, in a form two policies (or a policy and a profile)
//! can be compared in.
//!
//! Both `Policy::decide` and libseccomp read a syscall's rules the same way: the first
//! rule without conditions decides whatever the arguments, and makes every conditional
//! rule beside it dead; otherwise the conditional rules whose comparisons hold decide.
//! So the order of conditional rules, and of comparisons in a rule, does not matter.

use std::collections::HashSet;
use std::fmt;

use seccomp_runtime::{Action, Comparison};

/// One rule for one syscall: its action and its comparisons, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clause {
    /// The action.
    pub action: Action,
    /// The comparisons, all of which must hold; empty for a rule without conditions.
    pub conditions: Vec<Comparison>,
}

impl Clause {
    /// A clause, comparisons sorted so that equal clauses compare equal.
    pub fn new(action: Action, conditions: &[Comparison]) -> Clause {
        let mut conditions = conditions.to_vec();
        conditions.sort();
        Clause { action, conditions }
    }

    /// Whether the clause applies whatever the arguments.
    pub fn is_unconditional(&self) -> bool {
        self.conditions.is_empty()
    }

    /// An order for output: unconditional first, then by comparisons, then by action.
    pub fn sort_key(&self) -> (Vec<Comparison>, String) {
        (self.conditions.clone(), self.action.to_string())
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.action)?;
        for (i, comparison) in self.conditions.iter().enumerate() {
            f.write_str(if i == 0 { " if " } else { " && " })?;
            write!(f, "{comparison}")?;
        }
        Ok(())
    }
}

/// The rules that decide one syscall on one ABI, reduced to what takes effect: the first
/// unconditional clause alone, or the distinct conditional clauses in a fixed order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decides(Vec<Clause>);

impl Decides {
    /// Reduce `clauses`, given in the order the rules are added.
    pub fn reduce(clauses: impl IntoIterator<Item = Clause>) -> Decides {
        // A set, not a scan of `kept`: a profile may give one syscall thousands of rules.
        let mut seen: HashSet<Clause> = HashSet::new();
        let mut kept: Vec<Clause> = Vec::new();
        for clause in clauses {
            if clause.is_unconditional() {
                return Decides(vec![clause]);
            }
            if seen.insert(clause.clone()) {
                kept.push(clause);
            }
        }
        kept.sort_by_key(Clause::sort_key);
        Decides(kept)
    }

    /// The clauses.
    pub fn clauses(&self) -> &[Clause] {
        &self.0
    }

    /// Whether no rule decides the syscall (the default action does).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Decides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no rule (the default action)");
        }
        for (i, clause) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seccomp_runtime::arg;

    #[test]
    fn the_first_unconditional_rule_decides_alone() {
        let decides = Decides::reduce([
            Clause::new(Action::Allow, &[arg(0).eq(1)]),
            Clause::new(Action::Trap, &[]),
            Clause::new(Action::Allow, &[]),
        ]);
        assert_eq!(decides.clauses(), &[Clause::new(Action::Trap, &[])]);
    }

    #[test]
    fn conditional_rules_in_any_order_are_equal() {
        let one = Decides::reduce([
            Clause::new(Action::Allow, &[arg(0).eq(1), arg(1).eq(2)]),
            Clause::new(Action::Trap, &[arg(0).eq(2)]),
        ]);
        let two = Decides::reduce([
            Clause::new(Action::Trap, &[arg(0).eq(2)]),
            Clause::new(Action::Allow, &[arg(1).eq(2), arg(0).eq(1)]),
            Clause::new(Action::Trap, &[arg(0).eq(2)]),
        ]);
        assert_eq!(one, two);
        assert_eq!(
            one.to_string(),
            "allow if arg0 == 1 && arg1 == 2; trap if arg0 == 2"
        );
    }
}
