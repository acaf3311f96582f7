//! Paying for a product in another currency: the FX leg of one redemption.
//!
//! Decision: the balance pays the **smallest** amount in its own currency whose conversion,
//! rounded **down** (`Floor`) to the product currency's minor unit, covers the redemption's
//! gross. Rounding down means the provider is never promised more than the rate gives; taking
//! the smallest such debit means the user loses at most what the rate's granularity forces, and
//! that loss is reported twice: the sub-unit `rounding_loss` of money's [`Conversion`] and the
//! whole-unit `overshoot` above the gross. Rates are used only in the direction given
//! (balance currency → product currency); the planner never inverts one.

use crate::error::PlanError;
use crate::plan::FxDetail;
use tipvault_money::{Currency, Money, MoneyError, Rate, RoundingMode, convert};

/// The FX leg paying `gross` (product currency) from a balance in `pool`.
pub(crate) fn debit_for(gross: Money, rate: &Rate, pool: Currency) -> Result<FxDetail, PlanError> {
    let overflow = || {
        PlanError::Money(MoneyError::Overflow {
            operation: "FX debit",
        })
    };
    let estimate = gross
        .amount()
        .checked_div(rate.rate())
        .ok_or_else(overflow)?;
    let mut debit = Money::from_decimal_rounded(estimate, pool, RoundingMode::Ceiling)?;
    let one = Money::from_minor(1, pool);
    let covers = |debit: Money| -> Result<bool, PlanError> {
        Ok(convert(&debit, rate, RoundingMode::Floor)?
            .to()
            .checked_cmp(gross)?
            .is_ge())
    };
    // The estimate is within a unit or two of the answer (Decimal division keeps 28 digits);
    // step to the exact smallest debit. Bounded so that a pathological rate cannot loop.
    for _ in 0..16 {
        if covers(debit)? {
            break;
        }
        debit = debit.checked_add(one)?;
    }
    for _ in 0..16 {
        let lower = debit.checked_sub(one)?;
        if lower.is_positive() && covers(lower)? {
            debit = lower;
        } else {
            break;
        }
    }
    let conversion = convert(&debit, rate, RoundingMode::Floor)?;
    if conversion.to().checked_cmp(gross)?.is_lt() {
        return Err(overflow());
    }
    Ok(FxDetail {
        debit,
        converted: conversion.to(),
        rounding_loss: conversion.rounding_loss(),
        overshoot: conversion.to().checked_sub(gross)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::Decimal;

    #[test]
    fn krw_to_usd_takes_the_smallest_debit_that_covers() {
        let Some(at) = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).single() else {
            unreachable!()
        };
        let Ok(rate) = Rate::new(
            Currency::KRW,
            Currency::USD,
            Decimal::new(71, 5),
            "test",
            at,
        ) else {
            unreachable!()
        };
        let five = Money::from_minor(500, Currency::USD);
        let Ok(fx) = debit_for(five, &rate, Currency::KRW) else {
            unreachable!()
        };
        // 5 / 0.00071 = 7042.25…: ₩7,043 converts to $5.00053 → $5.00 (floor).
        assert_eq!(fx.debit, Money::from_minor(7043, Currency::KRW));
        assert_eq!(fx.converted, five);
        assert_eq!(fx.rounding_loss, Decimal::new(53, 5));
        assert!(fx.overshoot.is_zero());
    }
}
