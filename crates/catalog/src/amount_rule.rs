//! Which net (face) amounts one redemption of a product may have.
//!
//! Decision: a rule constrains the **net** amount, the value the destination receives (see
//! [`crate::fee`] for why). Denominations are a strictly ascending list; a range is
//! `min, min + step, min + 2·step, …` up to an optional `max`. A product with denominations
//! may be redeemed several times in one plan (two ₩3,000 top-ups); a range product is redeemed
//! at most once per plan, since one request can carry any amount in its range.

use tipvault_money::Money;

/// The amounts one redemption may have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AmountRule {
    /// Only these amounts, strictly ascending, all positive.
    Denominations(Vec<Money>),
    /// `min + k·step` for k = 0, 1, … not above `max` (no upper bound when `max` is `None`).
    Range {
        /// The smallest amount, positive.
        min: Money,
        /// The largest amount, if any; `>= min`.
        max: Option<Money>,
        /// The increment, positive.
        step: Money,
    },
}

impl AmountRule {
    /// Whether `net` is an amount one redemption may have.
    pub fn accepts(&self, net: Money) -> bool {
        match self {
            AmountRule::Denominations(values) => values.contains(&net),
            AmountRule::Range { min, max, step } => {
                let (n, lo, st) = (
                    net.to_minor_i128(),
                    min.to_minor_i128(),
                    step.to_minor_i128(),
                );
                net.currency() == min.currency()
                    && n >= lo
                    && max.is_none_or(|m| n <= m.to_minor_i128())
                    && (n - lo) % st == 0
            }
        }
    }

    /// The smallest amount one redemption may have.
    pub fn smallest(&self) -> Option<Money> {
        match self {
            AmountRule::Denominations(values) => values.first().copied(),
            AmountRule::Range { min, .. } => Some(*min),
        }
    }

    /// The smallest accepted amount strictly above `net`, if any.
    pub fn next_above(&self, net: Money) -> Option<Money> {
        let n = net.to_minor_i128();
        match self {
            AmountRule::Denominations(values) => {
                values.iter().copied().find(|v| v.to_minor_i128() > n)
            }
            AmountRule::Range { min, max, step } => {
                let (lo, st) = (min.to_minor_i128(), step.to_minor_i128());
                let candidate = if n < lo {
                    lo
                } else {
                    lo + ((n - lo) / st + 1) * st
                };
                if max.is_some_and(|m| candidate > m.to_minor_i128()) {
                    return None;
                }
                Money::from_minor_i128(candidate, min.currency()).ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tipvault_money::Currency;

    fn krw(minor: i64) -> Money {
        Money::from_minor(minor, Currency::KRW)
    }

    #[test]
    fn a_range_accepts_only_its_progression() {
        let transit = AmountRule::Range {
            min: krw(500),
            max: Some(krw(100_000)),
            step: krw(500),
        };
        assert!(transit.accepts(krw(1500)));
        assert!(!transit.accepts(krw(1300)), "not a multiple of the step");
        assert!(!transit.accepts(krw(0)), "below the minimum");
        assert!(!transit.accepts(krw(100_500)), "above the maximum");
        assert_eq!(transit.next_above(krw(1300)), Some(krw(1500)));
        assert_eq!(transit.next_above(krw(100)), Some(krw(500)));
        assert_eq!(transit.next_above(krw(100_000)), None);
    }

    #[test]
    fn denominations_next_above_skips_to_the_first_larger() {
        let cards = AmountRule::Denominations(vec![krw(5000), krw(10_000)]);
        assert_eq!(cards.next_above(krw(5000)), Some(krw(10_000)));
        assert_eq!(cards.next_above(krw(10_000)), None);
        assert_eq!(cards.smallest(), Some(krw(5000)));
    }
}
