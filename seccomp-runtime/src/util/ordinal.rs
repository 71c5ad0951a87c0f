//! 1-based numbers for messages (`block #1`) from 0-based indexes.

use std::fmt;

/// Shows index `n` as `#n+1`.
///
/// Indexes are public fields a caller may set to anything; `usize::MAX + 1` would overflow
/// (a panic in debug builds) in a message, so the sum is taken in `u128`.
pub(crate) struct Nth(pub(crate) usize);

impl fmt::Display for Nth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0 as u128 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_based_without_overflow() {
        assert_eq!(Nth(0).to_string(), "#1");
        assert_eq!(
            Nth(usize::MAX).to_string(),
            format!("#{}", usize::MAX as u128 + 1)
        );
    }
}
