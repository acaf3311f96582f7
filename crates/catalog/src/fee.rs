//! Fee rules: what a provider charges on top of one redemption.
//!
//! Decision (the fee model): **the destination receives the face amount; the balance pays the
//! face plus the fee.** A ₩5,000 gift card with a 2% fee is a redemption of net ₩5,000 (what the card is
//! worth), fee ₩100, gross ₩5,100 (what leaves the balance). So the percentage is taken of the
//! face amount (the net), the amount rules (denominations, min/max/step) constrain the net, and
//! `net = gross - fee` always holds. This is what people expect from a price tag ("₩5,000 card,
//! ₩100 fee"), and it keeps denominations exact: a fee inside the face would make a ₩5,000 card
//! deliver ₩4,900.
//!
//! The fee is `fixed + percent% of net`, the percentage rounded once with the rule's own
//! [`RoundingMode`], then clamped to `[minimum, maximum]`. Fees are charged per redemption.

use rust_decimal::Decimal;
use tipvault_money::{Money, MoneyError, RoundingMode, percent_of};

/// How a product's fee is computed for one redemption.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeeRule {
    pub(crate) fixed: Money,
    pub(crate) percent: Decimal,
    pub(crate) minimum: Option<Money>,
    pub(crate) maximum: Option<Money>,
    pub(crate) rounding: RoundingMode,
}

impl FeeRule {
    /// No fee at all, in `currency`.
    pub fn free(currency: tipvault_money::Currency) -> FeeRule {
        FeeRule {
            fixed: Money::zero(currency),
            percent: Decimal::ZERO,
            minimum: None,
            maximum: None,
            rounding: RoundingMode::HalfUp,
        }
    }

    /// The fixed part, charged on every redemption.
    pub fn fixed(&self) -> Money {
        self.fixed
    }

    /// The percentage of the net (face) amount, `0..=100`.
    pub fn percent(&self) -> Decimal {
        self.percent
    }

    /// The smallest fee charged, if any.
    pub fn minimum(&self) -> Option<Money> {
        self.minimum
    }

    /// The largest fee charged, if any.
    pub fn maximum(&self) -> Option<Money> {
        self.maximum
    }

    /// How the percentage is rounded to the minor unit.
    pub fn rounding(&self) -> RoundingMode {
        self.rounding
    }

    /// Whether the fee is the same for every amount (no percentage), which lets the planner
    /// treat a range of amounts as one arithmetic progression.
    pub fn is_flat(&self) -> bool {
        self.percent.is_zero()
    }

    /// The fee for one redemption of `net` (the face amount, in the rule's currency).
    ///
    /// Monotone: a larger net never has a smaller fee (the percentage is non-negative and
    /// rounding and clamping preserve order), which the planner relies on.
    pub fn fee_for(&self, net: Money) -> Result<Money, MoneyError> {
        let percentage = percent_of(net, self.percent, self.rounding)?.part;
        let mut fee = self.fixed.checked_add(percentage)?;
        if let Some(minimum) = self.minimum
            && fee.checked_cmp(minimum)?.is_lt()
        {
            fee = minimum;
        }
        if let Some(maximum) = self.maximum
            && fee.checked_cmp(maximum)?.is_gt()
        {
            fee = maximum;
        }
        Ok(fee)
    }

    /// The fee for `net` given and returned in minor units of the rule's currency.
    pub fn fee_minor(&self, net_minor: i64) -> Result<i64, MoneyError> {
        self.fee_for(Money::from_minor(net_minor, self.fixed.currency()))?
            .to_minor()
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
    fn two_percent_of_a_5000_card_is_100_on_top() {
        let rule = FeeRule {
            percent: Decimal::from(2),
            ..FeeRule::free(Currency::KRW)
        };
        assert_eq!(rule.fee_for(krw(5000)), Ok(krw(100)));
    }

    #[test]
    fn minimum_and_maximum_clamp_after_rounding() {
        // Patreon's PayPal payout: 1%, min $0.25, max $20.
        let usd = |minor| Money::from_minor(minor, Currency::USD);
        let rule = FeeRule {
            fixed: usd(0),
            percent: Decimal::ONE,
            minimum: Some(usd(25)),
            maximum: Some(usd(2000)),
            rounding: RoundingMode::HalfUp,
        };
        assert_eq!(
            rule.fee_for(usd(1000)),
            Ok(usd(25)),
            "1% of $10 is below the minimum"
        );
        assert_eq!(
            rule.fee_for(usd(5050)),
            Ok(usd(51)),
            "1% of $50.50 = 0.505 rounds half up"
        );
        assert_eq!(rule.fee_for(usd(500_000)), Ok(usd(2000)), "capped at $20");
    }

    #[test]
    fn the_rule_rounding_mode_is_used() {
        let rule = FeeRule {
            percent: Decimal::new(15, 1), // 1.5%
            rounding: RoundingMode::Floor,
            ..FeeRule::free(Currency::KRW)
        };
        assert_eq!(rule.fee_for(krw(1099)), Ok(krw(16)), "16.485 floors to 16");
        let ceiling = FeeRule {
            rounding: RoundingMode::Ceiling,
            ..rule
        };
        assert_eq!(ceiling.fee_for(krw(1099)), Ok(krw(17)));
    }
}
