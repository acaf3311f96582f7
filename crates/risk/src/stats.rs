//! Robust order statistics over amounts in integer minor units.
//!
//! Decision: nearest-rank percentiles (the value at rank ⌈p·n/100⌉), computed in integers. Every
//! result is one of the observed amounts, so it is exact, lies within min..max, and needs no
//! interpolation, rounding mode or float — an amount the user really redeemed is also easier to
//! explain ("your usual top amount is ₩20,000") than an interpolated ₩19,437.5.

/// The `percent`-th percentile (0..=100) of `values` by nearest rank; `None` when empty.
/// `percent` above 100 is treated as 100.
pub fn percentile(values: &[i128], percent: u32) -> Option<i128> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    percentile_sorted(&sorted, percent)
}

/// [`percentile`] over values already sorted ascending.
pub fn percentile_sorted(sorted: &[i128], percent: u32) -> Option<i128> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let percent = u128::from(percent.min(100));
    // rank = ⌈percent·n/100⌉, at least 1; as an index, rank − 1.
    let rank = (percent * n as u128).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(n - 1).min(n - 1);
    sorted.get(index).copied()
}

/// The median by nearest rank (the lower middle value for an even count).
pub fn median(values: &[i128]) -> Option<i128> {
    percentile(values, 50)
}

/// The median absolute deviation from the median: how far a typical amount lies from the usual
/// one, undisturbed by a few outliers.
pub fn mad(values: &[i128]) -> Option<i128> {
    let centre = median(values)?;
    let deviations: Vec<i128> = values
        .iter()
        .map(|v| v.saturating_sub(centre).saturating_abs())
        .collect();
    median(&deviations)
}

/// Summary of a set of amounts, all in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// How many values.
    pub count: usize,
    /// The smallest.
    pub min: i128,
    /// The 25th percentile.
    pub q1: i128,
    /// The median.
    pub median: i128,
    /// The 75th percentile.
    pub q3: i128,
    /// The 90th percentile.
    pub p90: i128,
    /// The largest.
    pub max: i128,
    /// The median absolute deviation.
    pub mad: i128,
}

impl Summary {
    /// Summarises `values`; `None` when empty.
    pub fn of(values: &[i128]) -> Option<Summary> {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        Some(Summary {
            count: sorted.len(),
            min: *sorted.first()?,
            q1: percentile_sorted(&sorted, 25)?,
            median: percentile_sorted(&sorted, 50)?,
            q3: percentile_sorted(&sorted, 75)?,
            p90: percentile_sorted(&sorted, 90)?,
            max: *sorted.last()?,
            mad: mad(&sorted)?,
        })
    }

    /// The interquartile range, q3 − q1.
    pub fn iqr(&self) -> i128 {
        self.q3.saturating_sub(self.q1)
    }
}
