//! Rounding to a currency's minor unit, with the mode always named by the caller.
//!
//! Decision: no operation in this crate picks a rounding mode for you. [`RoundingMode`] maps one
//! to one onto rust_decimal's [`RoundingStrategy`]; "up" and "down" mean away from and toward
//! zero (as in Java's `RoundingMode` and rust_decimal's `Midpoint*` names), while [`Floor`] and
//! [`Ceiling`] are the signed directions. Rounding reports what it dropped ([`Rounded::remainder`])
//! so that no fraction of a unit disappears silently.
//!
//! [`Floor`]: RoundingMode::Floor
//! [`Ceiling`]: RoundingMode::Ceiling

use crate::currency::Currency;
use crate::error::MoneyError;
use crate::money::Money;
use rust_decimal::{Decimal, RoundingStrategy};

/// How to round a value that has more decimal places than the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// To the nearest; a tie goes to the even neighbour (banker's rounding). 2.5 → 2, 3.5 → 4.
    HalfEven,
    /// To the nearest; a tie goes away from zero. 2.5 → 3, -2.5 → -3.
    HalfUp,
    /// To the nearest; a tie goes toward zero. 2.5 → 2, -2.5 → -2.
    HalfDown,
    /// Drop the extra digits (truncate). 2.9 → 2, -2.9 → -2.
    TowardZero,
    /// Away from zero whenever anything is dropped. 2.1 → 3, -2.1 → -3.
    AwayFromZero,
    /// Toward negative infinity. 2.9 → 2, -2.1 → -3.
    Floor,
    /// Toward positive infinity. 2.1 → 3, -2.9 → -2.
    Ceiling,
}

impl RoundingMode {
    /// Every mode, for tests and pickers.
    pub const ALL: [RoundingMode; 7] = [
        RoundingMode::HalfEven,
        RoundingMode::HalfUp,
        RoundingMode::HalfDown,
        RoundingMode::TowardZero,
        RoundingMode::AwayFromZero,
        RoundingMode::Floor,
        RoundingMode::Ceiling,
    ];

    /// The rust_decimal strategy this mode stands for.
    pub fn to_strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
            RoundingMode::TowardZero => RoundingStrategy::ToZero,
            RoundingMode::AwayFromZero => RoundingStrategy::AwayFromZero,
            RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
            RoundingMode::Ceiling => RoundingStrategy::ToPositiveInfinity,
        }
    }

    /// Whether the mode rounds to the nearest unit (at most half a unit off).
    pub fn is_nearest(self) -> bool {
        matches!(
            self,
            RoundingMode::HalfEven | RoundingMode::HalfUp | RoundingMode::HalfDown
        )
    }
}

impl From<RoundingMode> for RoundingStrategy {
    fn from(mode: RoundingMode) -> Self {
        mode.to_strategy()
    }
}

/// A value rounded to a currency's minor unit, with what the rounding dropped.
///
/// Invariant: `money.amount() + remainder == value` exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rounded {
    /// The rounded amount.
    pub money: Money,
    /// `value - money.amount()`: positive when rounding gave up value, negative when it added
    /// some. Always smaller than one minor unit in magnitude.
    pub remainder: Decimal,
}

/// Rounds any decimal to `currency`'s minor unit with `mode`, and reports the remainder.
///
/// Fails only with [`MoneyError::Overflow`], for values near the top of the decimal range
/// that have no room for the currency's decimal places.
pub fn round_to_currency(
    value: Decimal,
    currency: Currency,
    mode: RoundingMode,
) -> Result<Rounded, MoneyError> {
    let rounded = value.round_dp_with_strategy(currency.minor_units(), mode.to_strategy());
    let money = Money::from_decimal(rounded, currency).map_err(|_| MoneyError::Overflow {
        operation: "rounding to the currency's minor unit",
    })?;
    let remainder = exact_difference(value, money.amount()).ok_or(MoneyError::Overflow {
        operation: "rounding remainder",
    })?;
    Ok(Rounded { money, remainder })
}

/// `a - b` computed on the mantissas, so that it is exact or `None` (rust_decimal's own
/// subtraction may round when the scales differ near the top of the range).
pub(crate) fn exact_difference(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale().max(b.scale());
    let widen = |d: Decimal| -> Option<i128> {
        10i128
            .checked_pow(scale - d.scale())
            .and_then(|factor| d.mantissa().checked_mul(factor))
    };
    let difference = widen(a)?.checked_sub(widen(b)?)?;
    Decimal::try_from_i128_with_scale(difference, scale).ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    pub(crate) fn any_mode() -> impl Strategy<Value = RoundingMode> {
        proptest::sample::select(RoundingMode::ALL.to_vec())
    }

    fn round(value: Decimal, currency: Currency, mode: RoundingMode) -> String {
        round_to_currency(value, currency, mode)
            .unwrap()
            .money
            .amount()
            .to_string()
    }

    #[test]
    fn each_mode_on_ties_and_non_ties() {
        use RoundingMode::*;
        let cases = [
            // value, HalfEven, HalfUp, HalfDown, TowardZero, AwayFromZero, Floor, Ceiling
            (dec!(2.5), ["2", "3", "2", "2", "3", "2", "3"]),
            (dec!(3.5), ["4", "4", "3", "3", "4", "3", "4"]),
            (dec!(-2.5), ["-2", "-3", "-2", "-2", "-3", "-3", "-2"]),
            (dec!(2.51), ["3", "3", "3", "2", "3", "2", "3"]),
            (dec!(-2.49), ["-2", "-2", "-2", "-2", "-3", "-3", "-2"]),
            (dec!(7), ["7", "7", "7", "7", "7", "7", "7"]),
        ];
        let modes = [
            HalfEven,
            HalfUp,
            HalfDown,
            TowardZero,
            AwayFromZero,
            Floor,
            Ceiling,
        ];
        for (value, expected) in cases {
            for (mode, want) in modes.iter().zip(expected) {
                assert_eq!(round(value, Currency::KRW, *mode), want, "{value} {mode:?}");
            }
        }
    }

    #[test]
    fn rounding_to_more_places_pads_with_zeros() {
        assert_eq!(
            round(dec!(12.3), Currency::USD, RoundingMode::HalfEven),
            "12.30"
        );
        assert_eq!(
            round(dec!(1), Currency::BHD, RoundingMode::HalfEven),
            "1.000"
        );
    }

    #[test]
    fn remainder_is_what_was_dropped() {
        let r = round_to_currency(dec!(1.2349), Currency::USD, RoundingMode::HalfEven).unwrap();
        assert_eq!(r.money.amount(), dec!(1.23));
        assert_eq!(r.remainder, dec!(0.0049));
        let r = round_to_currency(dec!(1.235), Currency::USD, RoundingMode::Ceiling).unwrap();
        assert_eq!(
            r.remainder,
            dec!(-0.005),
            "rounding up adds value: negative remainder"
        );
    }

    #[test]
    fn rounding_near_the_top_of_the_range_is_an_error_not_a_panic() {
        // 28 integer digits leave no room for two decimals.
        let huge = dec!(7922816251426433759354395033.5);
        assert!(matches!(
            round_to_currency(huge, Currency::USD, RoundingMode::HalfEven),
            Err(MoneyError::Overflow { .. })
        ));
        let ok = round_to_currency(huge, Currency::KRW, RoundingMode::HalfEven).unwrap();
        assert_eq!(ok.remainder, dec!(-0.5));
    }

    #[test]
    fn exact_difference_refuses_what_it_cannot_hold() {
        assert_eq!(exact_difference(dec!(1.5), dec!(0.25)), Some(dec!(1.25)));
        assert_eq!(exact_difference(Decimal::MAX, dec!(0.1)), None);
    }
}
