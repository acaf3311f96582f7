//! Converting money between currencies with a dated, sourced rate.
//!
//! Decision: a conversion never hides anything. [`convert`] computes the exact product
//! `amount × rate`, rounds it once with the caller's [`RoundingMode`], and returns a
//! [`Conversion`] that carries the exact value, the rounding loss (`unrounded - to`, exact, in the
//! quote currency) and the [`Rate`] itself with its source and timestamp. A rate converts in one
//! direction only (base → quote); the other direction is an explicit [`Rate::inverse`] with a
//! caller-chosen precision, never an implicit `1 / rate`.

use crate::currency::Currency;
use crate::error::{MoneyError, excerpt};
use crate::exact::{self, Dropped, MAX_MANTISSA, Product};
use crate::money::Money;
use crate::rounding::{RoundingMode, round_to_currency};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// An exchange rate: one unit of `base` is worth `rate` units of `quote`, according to `source`
/// at `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RateRepr", into = "RateRepr")]
pub struct Rate {
    base: Currency,
    quote: Currency,
    rate: Decimal,
    source: String,
    as_of: DateTime<Utc>,
}

impl Rate {
    /// A rate; refused ([`MoneyError::InvalidRate`]) unless it is greater than zero, the source
    /// is named, and a same-currency rate is exactly 1.
    pub fn new(
        base: Currency,
        quote: Currency,
        rate: Decimal,
        source: impl Into<String>,
        as_of: DateTime<Utc>,
    ) -> Result<Rate, MoneyError> {
        let invalid = |reason| MoneyError::InvalidRate {
            base,
            quote,
            rate,
            reason,
        };
        if rate.mantissa() <= 0 {
            return Err(invalid("a rate must be greater than zero"));
        }
        if base == quote && rate != Decimal::ONE {
            return Err(invalid(
                "a rate from a currency to itself must be exactly 1",
            ));
        }
        let source = source.into();
        if source.trim().is_empty() {
            return Err(invalid(
                "the rate has no source: name where it came from (e.g. the provider's quote id)",
            ));
        }
        Ok(Rate {
            base,
            quote,
            rate,
            source,
            as_of,
        })
    }

    /// The currency converted from.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// The currency converted to.
    pub fn quote(&self) -> Currency {
        self.quote
    }

    /// Units of quote per unit of base.
    pub fn rate(&self) -> Decimal {
        self.rate
    }

    /// Where the rate came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// When the source gave the rate.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// The opposite direction (quote → base): `1 / rate` rounded to `decimal_places` with `mode`,
    /// computed exactly before that one rounding. The source becomes `inverse of <source>`; the
    /// timestamp is kept. An inverse is an approximation, so the caller chooses its precision;
    /// prefer a rate quoted in the direction you need.
    ///
    /// Fails with [`MoneyError::InvalidRate`] if the inverse rounds to zero (ask for more decimal
    /// places), [`MoneyError::Precision`] past 28 places, [`MoneyError::Overflow`] if too large.
    pub fn inverse(&self, decimal_places: u32, mode: RoundingMode) -> Result<Rate, MoneyError> {
        if decimal_places > 28 {
            return Err(MoneyError::Precision {
                operation: "inverse rate",
            });
        }
        let overflow = MoneyError::Overflow {
            operation: "inverse rate",
        };
        // 1 / (m / 10^s) at p places = 10^(s + p) / m.
        let divisor = self.rate.mantissa().unsigned_abs();
        let numerator = exact::pow10(self.rate.scale() + decimal_places).ok_or(overflow.clone())?;
        let (quotient, remainder) =
            exact::div_rem_u128(&numerator, divisor).ok_or(overflow.clone())?;
        let dropped = Dropped::from_remainder(remainder, divisor);
        let mantissa = if exact::rounds_away(mode, false, quotient % 2 == 1, dropped) {
            quotient.checked_add(1).ok_or(overflow.clone())?
        } else {
            quotient
        };
        if mantissa > MAX_MANTISSA {
            return Err(overflow);
        }
        // mantissa <= 2^96 - 1: the cast cannot wrap.
        let inverse = Decimal::try_from_i128_with_scale(mantissa as i128, decimal_places)
            .map_err(|_| overflow.clone())?;
        if inverse.is_zero() {
            return Err(MoneyError::InvalidRate {
                base: self.quote,
                quote: self.base,
                rate: inverse,
                reason: "the inverse rounds to zero at this precision: ask for more decimal places",
            });
        }
        Rate::new(
            self.quote,
            self.base,
            inverse,
            format!("inverse of {}", self.source),
            self.as_of,
        )
    }
}

/// The result of a conversion, with everything needed to explain it.
///
/// Invariant: `to.amount() + rounding_loss == unrounded == from.amount() × rate.rate()`, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Conversion {
    from: Money,
    to: Money,
    #[serde(serialize_with = "decimal_as_string")]
    unrounded: Decimal,
    #[serde(serialize_with = "decimal_as_string")]
    rounding_loss: Decimal,
    rate: Rate,
    rounding: RoundingMode,
}

impl Conversion {
    /// The money converted.
    pub fn from(&self) -> Money {
        self.from
    }

    /// The converted money, rounded to the quote currency's minor unit.
    pub fn to(&self) -> Money {
        self.to
    }

    /// The exact value `from × rate`, in the quote currency, before rounding.
    pub fn unrounded(&self) -> Decimal {
        self.unrounded
    }

    /// `unrounded - to`: what rounding gave up (positive) or added (negative), in the quote
    /// currency; smaller than one minor unit. Show it; never drop it silently.
    pub fn rounding_loss(&self) -> Decimal {
        self.rounding_loss
    }

    /// The rate used, with its source and timestamp.
    pub fn rate(&self) -> &Rate {
        &self.rate
    }

    /// The rounding mode used.
    pub fn rounding(&self) -> RoundingMode {
        self.rounding
    }
}

/// Converts `money` with `rate` (whose base must be `money`'s currency), rounding once with
/// `mode`.
///
/// Errors: [`MoneyError::RateMismatch`] for the wrong currency (including the reverse direction:
/// use [`Rate::inverse`]), [`MoneyError::Precision`] when the exact product needs more than 28
/// decimal places, [`MoneyError::Overflow`] when it is too large.
pub fn convert(money: &Money, rate: &Rate, mode: RoundingMode) -> Result<Conversion, MoneyError> {
    if money.currency() != rate.base {
        return Err(MoneyError::RateMismatch {
            money: money.currency(),
            base: rate.base,
            quote: rate.quote,
        });
    }
    let product = Product::of(money.amount(), rate.rate);
    let unrounded = product.to_exact_decimal().ok_or_else(|| {
        // Distinguish "too many digits" from "too large" for the caller.
        if product
            .round_to_scale(0, RoundingMode::TowardZero)
            .is_none()
        {
            MoneyError::Overflow {
                operation: "currency conversion",
            }
        } else {
            MoneyError::Precision {
                operation: "currency conversion",
            }
        }
    })?;
    let rounded = round_to_currency(unrounded, rate.quote, mode)?;
    Ok(Conversion {
        from: *money,
        to: rounded.money,
        unrounded,
        rounding_loss: rounded.remainder,
        rate: rate.clone(),
        rounding: mode,
    })
}

fn decimal_as_string<S: serde::Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// The JSON shape of a rate: the rate as a string, the time in RFC 3339.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RateRepr {
    base: Currency,
    quote: Currency,
    rate: String,
    source: String,
    as_of: DateTime<Utc>,
}

impl From<Rate> for RateRepr {
    fn from(rate: Rate) -> Self {
        RateRepr {
            base: rate.base,
            quote: rate.quote,
            rate: rate.rate.to_string(),
            source: rate.source,
            as_of: rate.as_of,
        }
    }
}

impl TryFrom<RateRepr> for Rate {
    type Error = MoneyError;

    fn try_from(repr: RateRepr) -> Result<Self, Self::Error> {
        let parse_error = |reason| MoneyError::Parse {
            input: excerpt(&repr.rate, 64),
            reason,
        };
        let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let well_formed = match repr.rate.split_once('.') {
            Some((integer, fraction)) => plain(integer) && plain(fraction),
            None => plain(&repr.rate),
        };
        if !well_formed {
            return Err(parse_error(
                "a rate is written as digits with an optional decimal point, like 1380.25",
            ));
        }
        let rate = Decimal::from_str_exact(&repr.rate)
            .map_err(|_| parse_error("the rate has more than 28 decimal places or is too large"))?;
        Rate::new(repr.base, repr.quote, rate, repr.source, repr.as_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
    }

    fn usd_krw() -> Rate {
        Rate::new(Currency::USD, Currency::KRW, dec!(1380.25), "test", at()).unwrap()
    }

    #[test]
    fn converts_and_reports_the_loss() {
        let c = convert(
            &Money::from_minor(1250, Currency::USD),
            &usd_krw(),
            RoundingMode::HalfEven,
        )
        .unwrap();
        assert_eq!(c.unrounded(), dec!(17253.125));
        assert_eq!(c.to().to_string(), "17253 KRW");
        assert_eq!(c.rounding_loss(), dec!(0.125));
        assert_eq!(c.rate().source(), "test");
    }

    #[test]
    fn the_reverse_direction_needs_an_explicit_inverse() {
        let won = Money::from_minor(17253, Currency::KRW);
        assert!(matches!(
            convert(&won, &usd_krw(), RoundingMode::HalfEven),
            Err(MoneyError::RateMismatch { .. })
        ));
        let inverse = usd_krw().inverse(10, RoundingMode::HalfEven).unwrap();
        assert_eq!(inverse.base(), Currency::KRW);
        assert_eq!(inverse.rate(), dec!(0.0007245064));
        assert_eq!(inverse.source(), "inverse of test");
        let back = convert(&won, &inverse, RoundingMode::HalfEven).unwrap();
        assert_eq!(back.to().to_string(), "12.50 USD");
    }

    #[test]
    fn inverse_rounds_once_from_the_exact_quotient() {
        let rate = Rate::new(Currency::USD, Currency::EUR, dec!(8), "t", at()).unwrap();
        // 1/8 = 0.125: a true tie at two places.
        assert_eq!(
            rate.inverse(2, RoundingMode::HalfEven).unwrap().rate(),
            dec!(0.12)
        );
        assert_eq!(
            rate.inverse(2, RoundingMode::HalfUp).unwrap().rate(),
            dec!(0.13)
        );
        assert!(matches!(
            rate.inverse(0, RoundingMode::TowardZero),
            Err(MoneyError::InvalidRate { .. })
        ));
    }

    #[test]
    fn invalid_rates_are_refused() {
        for bad in [dec!(0), dec!(-1)] {
            assert!(Rate::new(Currency::USD, Currency::KRW, bad, "t", at()).is_err());
        }
        assert!(Rate::new(Currency::USD, Currency::USD, dec!(1.1), "t", at()).is_err());
        assert!(Rate::new(Currency::USD, Currency::USD, dec!(1.00), "t", at()).is_ok());
        assert!(Rate::new(Currency::USD, Currency::KRW, dec!(1), " ", at()).is_err());
    }
}
