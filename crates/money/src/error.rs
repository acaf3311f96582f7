//! The one error type of the crate.
//!
//! Decision: a single `thiserror` enum, because every operation here fails for the same few
//! reasons (unknown currency, sub-unit digits, currency mismatch, overflow, bad rate, bad input)
//! and callers switch on the variant, never on the message. Messages say what happened and what
//! the caller can do about it.

use crate::currency::Currency;
use rust_decimal::Decimal;

/// Why a money operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The code is not in the ISO 4217 table this crate carries.
    #[error("unknown currency code {code:?}: use an active ISO 4217 code such as USD, EUR or KRW")]
    UnknownCurrency {
        /// The code as given (cut to 16 characters).
        code: String,
    },

    /// The amount has non-zero digits below the currency's minor unit.
    #[error(
        "{currency} amounts {}, and this one has {got}: check the amount and its currency",
        decimals_allowed(*allowed)
    )]
    TooManyDecimals {
        /// The currency whose minor unit was exceeded.
        currency: Currency,
        /// The currency's number of decimal places.
        allowed: u32,
        /// The decimal places the amount really needs (trailing zeros not counted).
        got: u32,
    },

    /// Two amounts in different currencies were combined.
    #[error(
        "currency mismatch: expected {expected}, found {found}: convert one amount with an \
         exchange rate first"
    )]
    CurrencyMismatch {
        /// The currency the operation works in.
        expected: Currency,
        /// The currency that was given.
        found: Currency,
    },

    /// A rate was applied to money in a currency that is not the rate's base.
    #[error(
        "cannot convert {money} with a {base}->{quote} rate: the rate converts {base} only; \
         use a {money}->{quote} rate, or the inverse rate for the opposite direction"
    )]
    RateMismatch {
        /// The currency of the money being converted.
        money: Currency,
        /// The rate's base currency.
        base: Currency,
        /// The rate's quote currency.
        quote: Currency,
    },

    /// The result does not fit in the decimal range (about 7.9e28 in minor units' terms) or in
    /// the requested integer type.
    #[error(
        "overflow in {operation}: the result is too large to represent; split the amount or \
         check the input for a typo"
    )]
    Overflow {
        /// What was being computed.
        operation: &'static str,
    },

    /// An exact intermediate value does not fit in a `Decimal` (at most 28 decimal places and
    /// a 96-bit mantissa, about 28 significant digits).
    #[error(
        "{operation} cannot be held exactly: the exact value needs more than 28 significant \
         digits; use a factor or rate with fewer decimal places"
    )]
    Precision {
        /// What was being computed.
        operation: &'static str,
    },

    /// An exchange rate that cannot be used.
    #[error("invalid rate {rate} for {base}->{quote}: {reason}")]
    InvalidRate {
        /// The base currency of the rate.
        base: Currency,
        /// The quote currency of the rate.
        quote: Currency,
        /// The rate as given.
        rate: Decimal,
        /// Why it was refused, and what to do.
        reason: &'static str,
    },

    /// Allocation inputs that cannot describe a split.
    #[error("cannot allocate: {reason}")]
    InvalidAllocation {
        /// Why, and what to do.
        reason: &'static str,
    },

    /// Text that is not a money amount in the accepted form.
    #[error("cannot read {input:?} as an amount: {reason}")]
    Parse {
        /// The input as given (cut to 64 characters).
        input: String,
        /// What was expected.
        reason: &'static str,
    },
}

/// Cuts user input kept in an error so that a pasted page does not end up in a message.
pub(crate) fn excerpt(input: &str, max_chars: usize) -> String {
    let mut out: String = input.chars().take(max_chars).collect();
    if input.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// How many decimal places a currency's amounts may have, in words.
fn decimals_allowed(allowed: u32) -> String {
    match allowed {
        0 => "have no decimal places".to_owned(),
        1 => "have at most 1 decimal place".to_owned(),
        n => format!("have at most {n} decimal places"),
    }
}
