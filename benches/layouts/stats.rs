//! Medians and quartiles.

use std::fmt;

/// The 25th, 50th and 75th percentiles of some samples.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
}

impl Spread {
    pub fn of(samples: &[f64]) -> Spread {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Spread {
            p25: percentile(&sorted, 0.25),
            median: percentile(&sorted, 0.5),
            p75: percentile(&sorted, 0.75),
        }
    }

    /// The same spread in another unit.
    pub fn scaled(self, by: f64) -> Spread {
        Spread {
            p25: self.p25 * by,
            median: self.median * by,
            p75: self.p75 * by,
        }
    }
}

/// Linear interpolation between the closest ranks.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = q * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

impl fmt::Display for Spread {
    /// `median (p25..p75)`, with the formatter's precision.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = f.precision().unwrap_or(1);
        write!(
            f,
            "{:.p$} ({:.p$}..{:.p$})",
            self.median, self.p25, self.p75
        )
    }
}
