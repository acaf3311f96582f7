//! Splitting an amount into parts without creating or losing a minor unit.
//!
//! Decision: the largest-remainder method on whole minor units. Each part first gets the floor of
//! its exact share; the units left over go one each to the parts with the largest dropped
//! fractions, and ties go to the earlier part, so the result is deterministic and the parts
//! always sum to the amount exactly. Shares are computed with exact 256-bit integer arithmetic,
//! so any ratios a `Decimal` can express are honoured. A negative amount is split as the mirror
//! image of its absolute value.

use crate::error::MoneyError;
use crate::exact::{self, Product};
use crate::money::Money;
use crate::rounding::{RoundingMode, round_to_currency};
use rust_decimal::Decimal;

/// Splits `amount` in proportion to `ratios` (any non-negative decimals, not all zero; they need
/// not sum to 1 or 100). Returns one part per ratio, in order; the parts sum to `amount` exactly,
/// and a part whose ratio is zero is zero.
///
/// `allocate(₩1,000, [1, 1, 1])` is `[₩334, ₩333, ₩333]`.
pub fn allocate(amount: Money, ratios: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
    if ratios.is_empty() {
        return Err(MoneyError::InvalidAllocation {
            reason: "no ratios were given: pass at least one",
        });
    }
    if ratios.iter().any(|r| r.is_sign_negative() && !r.is_zero()) {
        return Err(MoneyError::InvalidAllocation {
            reason: "a ratio is negative: ratios must be zero or positive",
        });
    }
    let weights = integer_weights(ratios)?;
    let total_weight = weights
        .iter()
        .try_fold(0u128, |sum, &w| sum.checked_add(w))
        .filter(|&sum| sum <= i128::MAX as u128)
        .ok_or(MoneyError::Overflow {
            operation: "allocation (the ratios span too many digits)",
        })?;
    if total_weight == 0 {
        return Err(MoneyError::InvalidAllocation {
            reason: "all ratios are zero: at least one must be positive",
        });
    }

    let units = amount.to_minor_i128().unsigned_abs();
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for &weight in &weights {
        // share = floor(units * weight / total_weight); it is at most `units`, so it fits.
        let (share, remainder) = exact::div_rem_u128(&exact::mul_u128(units, weight), total_weight)
            .ok_or(MoneyError::Overflow {
                operation: "allocation",
            })?;
        shares.push(share);
        remainders.push(remainder);
    }
    let given: u128 = shares.iter().sum();
    let left_over = units - given; // < number of parts, since each dropped fraction is < 1

    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Largest dropped fraction first (same denominator, so compare numerators); ties keep order.
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    for &index in order
        .iter()
        .take(usize::try_from(left_over).unwrap_or(usize::MAX))
    {
        shares[index] += 1;
    }
    to_parts(amount, &shares)
}

/// Splits `amount` into `parts` equal parts (to the minor unit); the first parts get the extra
/// units. `allocate_evenly($10.00, 3)` is `[$3.34, $3.33, $3.33]`.
pub fn allocate_evenly(amount: Money, parts: usize) -> Result<Vec<Money>, MoneyError> {
    let count = u128::try_from(parts).unwrap_or(u128::MAX);
    if count == 0 {
        return Err(MoneyError::InvalidAllocation {
            reason: "cannot split into zero parts: ask for at least one",
        });
    }
    let units = amount.to_minor_i128().unsigned_abs();
    let (base, extra) = (units / count, units % count);
    let shares: Vec<u128> = (0..count)
        .map(|index| if index < extra { base + 1 } else { base })
        .collect();
    to_parts(amount, &shares)
}

/// A percentage of an amount, rounded, with the rest and the exact rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PercentOf {
    /// The percentage, rounded to the minor unit with the caller's mode.
    pub part: Money,
    /// `amount - part`, exact: `part + rest == amount`.
    pub rest: Money,
    /// The unrounded percentage, `amount × percent / 100`.
    pub exact: Decimal,
    /// `exact - part.amount()`: what rounding dropped (positive) or added (negative).
    pub rounding_loss: Decimal,
}

/// `percent`% of `amount`, rounded with `mode`: `percent_of($12.50, 2.9, HalfUp)` has part $0.36,
/// rest $12.14, exact 0.3625, rounding loss 0.0025. The percentage may be negative or above 100.
///
/// Fails with [`MoneyError::Precision`] if the exact value needs more than 28 decimal places.
pub fn percent_of(
    amount: Money,
    percent: Decimal,
    mode: RoundingMode,
) -> Result<PercentOf, MoneyError> {
    let precision = MoneyError::Precision {
        operation: "percentage",
    };
    // Dividing by 100 is a shift of the scale: exact as long as the scale stays <= 28.
    let factor = Decimal::try_from_i128_with_scale(percent.mantissa(), percent.scale() + 2)
        .map_err(|_| precision.clone())?;
    let exact = Product::of(amount.amount(), factor)
        .to_exact_decimal()
        .ok_or(precision)?;
    let rounded = round_to_currency(exact, amount.currency(), mode)?;
    Ok(PercentOf {
        part: rounded.money,
        rest: amount.checked_sub(rounded.money)?,
        exact,
        rounding_loss: rounded.remainder,
    })
}

/// Brings every ratio to one scale so that they become integers with the same proportions.
fn integer_weights(ratios: &[Decimal]) -> Result<Vec<u128>, MoneyError> {
    let normalized: Vec<Decimal> = ratios.iter().map(Decimal::normalize).collect();
    let scale = normalized.iter().map(Decimal::scale).max().unwrap_or(0);
    normalized
        .iter()
        .map(|ratio| {
            10u128
                .checked_pow(scale - ratio.scale())
                .and_then(|factor| ratio.mantissa().unsigned_abs().checked_mul(factor))
                .ok_or(MoneyError::Overflow {
                    operation: "allocation (the ratios span too many digits)",
                })
        })
        .collect()
}

fn to_parts(amount: Money, shares: &[u128]) -> Result<Vec<Money>, MoneyError> {
    let negative = amount.is_negative();
    shares
        .iter()
        .map(|&share| {
            // share <= |amount| < 2^96, so the cast cannot wrap.
            let share = share as i128;
            Money::from_minor_i128(if negative { -share } else { share }, amount.currency())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::currency::Currency;
    use rust_decimal_macros::dec;

    fn minor(parts: &[Money]) -> Vec<i64> {
        parts.iter().map(|m| m.to_minor().unwrap()).collect()
    }

    #[test]
    fn thirds_give_the_extra_unit_to_the_first_part() {
        let won = Money::from_minor(1000, Currency::KRW);
        assert_eq!(
            minor(&allocate(won, &[dec!(1), dec!(1), dec!(1)]).unwrap()),
            [334, 333, 333]
        );
        assert_eq!(minor(&allocate_evenly(won, 3).unwrap()), [334, 333, 333]);
    }

    #[test]
    fn largest_remainder_wins_over_position() {
        // Exact shares 1.4, 1.6 of 3 units: floors 1, 1; the 0.6 remainder takes the extra unit.
        let m = Money::from_minor(3, Currency::KRW);
        assert_eq!(
            minor(&allocate(m, &[dec!(0.7), dec!(0.8)]).unwrap()),
            [1, 2]
        );
    }

    #[test]
    fn negative_amounts_mirror_positive_ones() {
        let m = Money::from_minor(-1000, Currency::USD);
        assert_eq!(minor(&allocate_evenly(m, 3).unwrap()), [-334, -333, -333]);
    }

    #[test]
    fn zero_ratio_gets_nothing() {
        let m = Money::from_minor(5, Currency::KRW);
        assert_eq!(
            minor(&allocate(m, &[dec!(1), dec!(0), dec!(1)]).unwrap()),
            [3, 0, 2]
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let m = Money::from_minor(5, Currency::KRW);
        for ratios in [&[][..], &[dec!(0), dec!(0)][..], &[dec!(1), dec!(-1)][..]] {
            assert!(matches!(
                allocate(m, ratios),
                Err(MoneyError::InvalidAllocation { .. })
            ));
        }
        assert!(matches!(
            allocate_evenly(m, 0),
            Err(MoneyError::InvalidAllocation { .. })
        ));
    }

    #[test]
    fn ratios_with_extreme_spread_are_an_overflow_not_a_panic() {
        let m = Money::from_minor(5, Currency::KRW);
        let ratios = [Decimal::MAX, dec!(0.0000000000000000000000000001)];
        assert!(matches!(
            allocate(m, &ratios),
            Err(MoneyError::Overflow { .. })
        ));
    }

    #[test]
    fn percent_of_keeps_part_plus_rest_equal_to_amount() {
        let gross = Money::from_minor(1250, Currency::USD);
        let fee = percent_of(gross, dec!(2.9), RoundingMode::HalfUp).unwrap();
        assert_eq!(fee.part.to_minor().unwrap(), 36);
        assert_eq!(fee.rest.to_minor().unwrap(), 1214);
        assert_eq!(fee.exact, dec!(0.3625));
        assert_eq!(fee.rounding_loss, dec!(0.0025));
    }
}
