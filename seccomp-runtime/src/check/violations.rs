//! A policy's mistakes as a list that cannot be empty: what [`Error::Invalid`] holds.
//!
//! [`Error::Invalid`]: crate::Error::Invalid

use std::fmt;
use std::iter::{once, Chain, Once};
use std::{slice, vec};

use crate::check::violation::Violation;

/// One or more violations, in the order found.
///
/// An invalid policy has at least one mistake, and the error's message shows the first;
/// holding the first apart from the rest makes an empty list unrepresentable, so showing
/// it never fails.
///
/// ```
/// use seccomp_runtime::{Violation, Violations};
///
/// assert!(Violations::new(Vec::new()).is_none());
/// let violations = Violations::new(vec![Violation::NoBlocks]).unwrap();
/// assert_eq!(violations.first(), &Violation::NoBlocks);
/// assert_eq!(violations.len(), 1);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Violations {
    // Boxed: a violation is large, and an `Error` holding one unboxed would make every
    // `Result<_, Error>` that large.
    first: Box<Violation>,
    rest: Vec<Violation>,
}

impl Violations {
    /// The violations of `list`, or `None` if it is empty.
    pub fn new(list: Vec<Violation>) -> Option<Violations> {
        let mut list = list.into_iter();
        let first = list.next()?;
        Some(Violations {
            first: Box::new(first),
            rest: list.collect(),
        })
    }

    /// The first violation found.
    pub fn first(&self) -> &Violation {
        &self.first
    }

    /// Every violation, the first included.
    pub fn iter(&self) -> Chain<Once<&Violation>, slice::Iter<'_, Violation>> {
        once(&*self.first).chain(&self.rest)
    }

    /// How many violations there are: at least one.
    #[allow(clippy::len_without_is_empty)] // never empty, by construction
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// The violations as a vector, the first at index 0.
    pub fn into_vec(self) -> Vec<Violation> {
        let mut all = Vec::with_capacity(self.len());
        all.push(*self.first);
        all.extend(self.rest);
        all
    }
}

impl fmt::Debug for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The first violation, and how many more there are.
impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        match self.rest.len() {
            0 => Ok(()),
            more => write!(f, " (and {more} more)"),
        }
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = Chain<Once<&'a Violation>, slice::Iter<'a, Violation>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = Chain<Once<Violation>, vec::IntoIter<Violation>>;

    fn into_iter(self) -> Self::IntoIter {
        once(*self.first).chain(self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn messages_of_any_index_show_without_panicking() {
        let far = Violation::EmptyBlock { block: usize::MAX };
        let far = Violations::new(vec![far]).unwrap();
        assert!(Error::Invalid(far).to_string().ends_with("names no ABI"));
        let rule = crate::model::rule::RuleRef {
            block: Some(usize::MAX),
            index: usize::MAX,
        };
        assert!(rule
            .to_string()
            .starts_with("rule #18446744073709551616 of block #"));
    }

    #[test]
    fn empty_is_unrepresentable() {
        assert_eq!(Violations::new(Vec::new()), None);
    }

    #[test]
    fn shows_the_first_and_counts_the_rest() {
        let two = Violations::new(vec![
            Violation::NoBlocks,
            Violation::EmptyBlock { block: 0 },
        ])
        .unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two.iter().count(), 2);
        assert_eq!(
            Error::Invalid(two.clone()).to_string(),
            format!("invalid policy: {} (and 1 more)", Violation::NoBlocks)
        );
        assert_eq!(format!("{two:?}"), "[NoBlocks, EmptyBlock { block: 0 }]");
        assert_eq!(
            two.into_vec(),
            [Violation::NoBlocks, Violation::EmptyBlock { block: 0 }]
        );
        let one = Violations::new(vec![Violation::NoBlocks]).unwrap();
        assert_eq!(
            Error::Invalid(one).to_string(),
            format!("invalid policy: {}", Violation::NoBlocks)
        );
    }
}
