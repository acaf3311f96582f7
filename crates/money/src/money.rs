//! An amount of one currency, exact to the currency's minor unit.
//!
//! Decision: the amount's scale is always exactly the currency's minor units (12.50 USD is
//! stored as mantissa 1250, scale 2; ₩1,300 as 1300, scale 0), so the mantissa *is* the count
//! of minor units. Every constructor enforces it: trailing zeros are accepted and dropped
//! ("1300.0" KRW is ₩1,300), non-zero digits below the minor unit are refused
//! ([`MoneyError::TooManyDecimals`]) — rounding is never implicit. All arithmetic is checked;
//! there is deliberately no `Add`/`Sub`/`Mul` operator that could panic or mix currencies.

use crate::currency::Currency;
use crate::error::{MoneyError, excerpt};
use crate::exact::{MAX_MANTISSA, Product};
use crate::rounding::{self, Rounded, RoundingMode};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// An exact amount of money in one currency.
///
/// Serialised as `{"amount":"12.50","currency":"USD"}`; the amount string always carries exactly
/// the currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "MoneyRepr", into = "MoneyRepr")]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money {
            amount: Decimal::new(0, currency.minor_units()),
            currency,
        }
    }

    /// From a count of minor units: `Money::from_minor(1250, USD)` is $12.50,
    /// `Money::from_minor(1300, KRW)` is ₩1,300. Cannot fail: every `i64` fits.
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money {
            amount: Decimal::new(minor, currency.minor_units()),
            currency,
        }
    }

    /// From a count of minor units that may exceed `i64`; fails past the decimal range
    /// (±(2^96 − 1) minor units).
    pub fn from_minor_i128(minor: i128, currency: Currency) -> Result<Money, MoneyError> {
        if minor.unsigned_abs() > MAX_MANTISSA {
            return Err(MoneyError::Overflow {
                operation: "money from minor units",
            });
        }
        Decimal::try_from_i128_with_scale(minor, currency.minor_units())
            .map(|amount| Money { amount, currency })
            .map_err(|_| MoneyError::Overflow {
                operation: "money from minor units",
            })
    }

    /// From a decimal, exactly: trailing zeros are fine, non-zero digits below the minor unit
    /// are [`MoneyError::TooManyDecimals`]. Use [`Money::from_decimal_rounded`] to round.
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let normalized = amount.normalize();
        let allowed = currency.minor_units();
        if normalized.scale() > allowed {
            return Err(MoneyError::TooManyDecimals {
                currency,
                allowed,
                got: normalized.scale(),
            });
        }
        let minor = 10i128
            .checked_pow(allowed - normalized.scale())
            .and_then(|factor| normalized.mantissa().checked_mul(factor))
            .ok_or(MoneyError::Overflow {
                operation: "money from decimal",
            })?;
        Money::from_minor_i128(minor, currency)
    }

    /// From a decimal rounded to the currency's minor unit with `mode`. The dropped fraction is
    /// discarded here; use [`crate::round_to_currency`] to keep it.
    pub fn from_decimal_rounded(
        amount: Decimal,
        currency: Currency,
        mode: RoundingMode,
    ) -> Result<Money, MoneyError> {
        rounding::round_to_currency(amount, currency, mode).map(|rounded| rounded.money)
    }

    /// Parses a plain amount in `currency`: an optional `-`, digits, and optionally `.` and
    /// digits (`"12.5"`, `"-0.01"`, `"1300"`, `"1300.00"`). No `+`, spaces, grouping commas,
    /// exponents or symbols: this is for machine text; people's input belongs to the UI layer.
    /// Trailing zeros are accepted; `"12.345"` USD is [`MoneyError::TooManyDecimals`].
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let parse_error = |reason| MoneyError::Parse {
            input: excerpt(amount, 64),
            reason,
        };
        let (negative, unsigned) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (integer, fraction) = match unsigned.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (unsigned, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(integer) {
            return Err(parse_error(
                "expected digits before any decimal point, like 12.50 or -3",
            ));
        }
        let fraction = match fraction {
            Some(fraction) if !all_digits(fraction) => {
                return Err(parse_error("expected digits after the decimal point"));
            }
            Some(fraction) => fraction.trim_end_matches('0'),
            None => "",
        };
        let allowed = currency.minor_units();
        let got = u32::try_from(fraction.len()).unwrap_or(u32::MAX);
        if got > allowed {
            return Err(MoneyError::TooManyDecimals {
                currency,
                allowed,
                got,
            });
        }
        let overflow = MoneyError::Overflow {
            operation: "parsing an amount",
        };
        let padding = std::iter::repeat_n(b'0', (allowed - got) as usize);
        let mut minor: i128 = 0;
        for digit in integer.bytes().chain(fraction.bytes()).chain(padding) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(digit - b'0')))
                .ok_or_else(|| overflow.clone())?;
        }
        Money::from_minor_i128(if negative { -minor } else { minor }, currency)
    }

    /// The amount, with exactly `currency().minor_units()` decimal places.
    pub fn amount(self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount as a count of minor units (`1250` for $12.50), if it fits in an `i64`.
    pub fn to_minor(self) -> Result<i64, MoneyError> {
        i64::try_from(self.amount.mantissa()).map_err(|_| MoneyError::Overflow {
            operation: "conversion to i64 minor units",
        })
    }

    /// The amount as a count of minor units; always fits.
    pub fn to_minor_i128(self) -> i128 {
        self.amount.mantissa()
    }

    /// Whether the amount is zero.
    pub fn is_zero(self) -> bool {
        self.amount.is_zero()
    }

    /// Whether the amount is above zero.
    pub fn is_positive(self) -> bool {
        self.amount.mantissa() > 0
    }

    /// Whether the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.amount.mantissa() < 0
    }

    /// The amount without its sign.
    pub fn abs(self) -> Money {
        if self.is_negative() {
            self.negated()
        } else {
            self
        }
    }

    /// The amount with its sign flipped. Cannot overflow: the decimal range is symmetric.
    pub fn negated(self) -> Money {
        if self.is_zero() {
            // Decimal keeps a sign on zero; Money never shows "-0.00".
            return self;
        }
        Money {
            amount: -self.amount,
            currency: self.currency,
        }
    }

    /// `self + other`; both must be in the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self.amount.mantissa() + other.amount.mantissa(); // each < 2^96: no i128 overflow
        Money::from_minor_i128(sum, self.currency).map_err(|_| MoneyError::Overflow {
            operation: "addition",
        })
    }

    /// `self - other`; both must be in the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let difference = self.amount.mantissa() - other.amount.mantissa();
        Money::from_minor_i128(difference, self.currency).map_err(|_| MoneyError::Overflow {
            operation: "subtraction",
        })
    }

    /// `self × factor`, rounded once to the minor unit with `mode`. The product is computed
    /// exactly before that single rounding, whatever the factor's precision.
    pub fn checked_mul(self, factor: Decimal, mode: RoundingMode) -> Result<Money, MoneyError> {
        let minor = Product::of(self.amount, factor)
            .round_to_scale(self.currency.minor_units(), mode)
            .ok_or(MoneyError::Overflow {
                operation: "multiplication",
            })?;
        Money::from_minor_i128(minor, self.currency)
    }

    /// `self × factor`, rounded with `mode`, with the exact product and what rounding dropped.
    /// Fails with [`MoneyError::Precision`] when the exact product needs more than 28 decimal
    /// places (use [`Money::checked_mul`] if only the rounded result matters).
    pub fn checked_mul_exact(
        self,
        factor: Decimal,
        mode: RoundingMode,
    ) -> Result<Rounded, MoneyError> {
        let product = Product::of(self.amount, factor);
        let exact = product.to_exact_decimal().ok_or(MoneyError::Precision {
            operation: "multiplication",
        })?;
        rounding::round_to_currency(exact, self.currency, mode)
    }

    /// Compares two amounts of the same currency.
    pub fn checked_cmp(self, other: Money) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.amount.mantissa().cmp(&other.amount.mantissa()))
    }

    /// Sums amounts that must all be in `currency`; an empty input is zero.
    pub fn checked_sum<I>(currency: Currency, amounts: I) -> Result<Money, MoneyError>
    where
        I: IntoIterator<Item = Money>,
    {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                expected: self.currency,
                found: other.currency,
            })
        }
    }
}

impl std::ops::Neg for Money {
    type Output = Money;

    fn neg(self) -> Money {
        self.negated()
    }
}

/// The machine form, `12.50 USD`: exact digits, no grouping, the code after one space. For
/// people, use [`crate::format()`].
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Reads the machine form written by `Display`: `"12.50 USD"`.
impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (amount, code) = text.split_once(' ').ok_or_else(|| MoneyError::Parse {
            input: excerpt(text, 64),
            reason: "expected an amount, one space and a currency code, like 12.50 USD",
        })?;
        Money::parse(amount, Currency::from_code(code)?)
    }
}

/// The JSON shape: the amount as a string, so no reader turns it into a float.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyRepr {
    amount: String,
    currency: String,
}

impl From<Money> for MoneyRepr {
    fn from(money: Money) -> Self {
        MoneyRepr {
            amount: money.amount.to_string(),
            currency: money.currency.code().to_owned(),
        }
    }
}

impl TryFrom<MoneyRepr> for Money {
    type Error = MoneyError;

    fn try_from(repr: MoneyRepr) -> Result<Self, Self::Error> {
        Money::parse(&repr.amount, Currency::from_code(&repr.currency)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn scale_always_equals_minor_units() {
        assert_eq!(
            Money::from_minor(1250, Currency::USD).amount().to_string(),
            "12.50"
        );
        assert_eq!(
            Money::parse("12.5", Currency::USD)
                .unwrap()
                .amount()
                .scale(),
            2
        );
        assert_eq!(
            Money::from_decimal(dec!(1300.000), Currency::KRW)
                .unwrap()
                .amount()
                .scale(),
            0
        );
        assert_eq!(Money::zero(Currency::BHD).amount().to_string(), "0.000");
    }

    #[test]
    fn negative_zero_becomes_zero() {
        let m = Money::from_decimal(dec!(-0.00), Currency::USD).unwrap();
        assert_eq!(m.to_string(), "0.00 USD");
        assert_eq!(Money::zero(Currency::USD).negated().to_string(), "0.00 USD");
    }

    #[test]
    fn parse_rejects_what_is_not_a_plain_amount() {
        for bad in [
            "", "-", ".5", "5.", "+5", "1,000", " 5", "5 ", "1e3", "--5", "5.0.0", "١٢",
        ] {
            assert!(
                matches!(
                    Money::parse(bad, Currency::USD),
                    Err(MoneyError::Parse { .. })
                ),
                "{bad:?} must be a parse error"
            );
        }
    }

    #[test]
    fn overflow_in_add_is_an_error() {
        let max = Money::from_minor_i128(MAX_MANTISSA as i128, Currency::KRW).unwrap();
        assert!(matches!(
            max.checked_add(Money::from_minor(1, Currency::KRW)),
            Err(MoneyError::Overflow { .. })
        ));
        assert!(Money::from_minor_i128(MAX_MANTISSA as i128 + 1, Currency::KRW).is_err());
    }
}
