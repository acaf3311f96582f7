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

/// [`debit_for`]'s debit in minor units, by integer arithmetic: the solver evaluates tens of
/// thousands of amounts of an FX range, and the decimal search costs microseconds each.
///
/// `convert` multiplies exactly and rounds down to the quote currency, so with the rate
/// `m·10^-s`, what a debit of `d` base minor units converts to is
/// `floor(d·m·10^(eq - eb - s))` quote minor units (`eb`, `eq` the currencies' minor digits);
/// the smallest `d ≥ 1` reaching `gross` is a ceiling division. `None` (use [`debit_for`])
/// when the numbers do not fit in `i128` or the rate is not positive. Checked against
/// [`debit_for`] in the tests.
pub(crate) fn debit_minor_fast(gross_minor: i64, rate: &Rate) -> Option<i64> {
    let r = rate.rate();
    let m = Some(r.mantissa()).filter(|m| *m > 0)?;
    let e = i64::from(rate.quote().minor_units())
        - i64::from(rate.base().minor_units())
        - i64::from(r.scale());
    let pow = |k: i64| -> Option<i128> { 10i128.checked_pow(u32::try_from(k).ok()?) };
    if !(0..=1_000_000_000_000_000).contains(&gross_minor) {
        return None;
    }
    let y = i128::from(gross_minor);
    // converted(d) = floor(d·num / den) with num/den = m·10^e.
    let (num, den) = if e >= 0 {
        (m.checked_mul(pow(e)?)?, 1i128)
    } else {
        (m, pow(-e)?)
    };
    // Smallest d with d·num >= y·den.
    let need = y.checked_mul(den)?;
    let d = if need <= 0 { 1 } else { (need + num - 1) / num };
    i64::try_from(d.max(1)).ok()
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

    #[test]
    fn the_integer_debit_matches_the_decimal_search() {
        let Some(at) = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).single() else {
            unreachable!()
        };
        let rates = [
            (Currency::KRW, Currency::USD, Decimal::new(71, 5)),
            (Currency::KRW, Currency::USD, Decimal::new(7_123_457, 10)),
            (Currency::USD, Currency::KRW, Decimal::new(140_845, 2)),
            (Currency::USD, Currency::EUR, Decimal::new(92_137, 5)),
            (Currency::EUR, Currency::JPY, Decimal::new(1_613, 1)),
            (Currency::JPY, Currency::KRW, Decimal::new(91, 1)),
        ];
        for (base, quote, value) in rates {
            let Ok(rate) = Rate::new(base, quote, value, "test", at) else {
                panic!("valid rate {base}→{quote}")
            };
            let mut gross = 1i64;
            while gross < 50_000_000 {
                let slow = debit_for(Money::from_minor(gross, quote), &rate, base)
                    .and_then(|d| Ok(d.debit.to_minor()?));
                assert_eq!(
                    slow.ok(),
                    debit_minor_fast(gross, &rate),
                    "{base}→{quote} at {value}, gross {gross}"
                );
                gross = gross * 3 / 2 + 1 + gross % 7;
            }
        }
    }
}
