//! Money for Tipvault: ISO 4217 currencies, exact amounts, explicit rounding, allocation that
//! conserves every minor unit, formatting for people and machines, and FX conversion that
//! reports its rounding.
//!
//! Pure: no I/O, no clock (timestamps are passed in), no floating point anywhere.
//!
//! ```
//! use rust_decimal::Decimal;
//! use tipvault_money::{Currency, Locale, Money, RoundingMode, allocate, format};
//!
//! let balance = Money::parse("1300", Currency::KRW)?;
//! let legs = allocate(balance, &[Decimal::from(1000), Decimal::from(300)])?;
//! assert_eq!(format(&legs[0], Locale::En), "₩1,000");
//! assert_eq!(format(&legs[1], Locale::Ko), "300원");
//!
//! let tip = Money::parse("12.5", Currency::USD)?; // stored as 12.50
//! assert!(Money::parse("12.345", Currency::USD).is_err()); // never rounded silently
//! let fee = tip.checked_mul(Decimal::new(29, 3), RoundingMode::HalfUp)?; // 2.9 %
//! assert_eq!(fee.to_string(), "0.36 USD");
//! # Ok::<(), tipvault_money::MoneyError>(())
//! ```
//!
//! # Decisions a caller must know
//!
//! - **Scale is the minor unit.** A [`Money`]'s amount always has exactly
//!   [`Currency::minor_units`] decimal places, so its mantissa is the count of minor units (what
//!   the vault stores as INTEGER). Input with trailing zeros is accepted (`"1300.0"` KRW);
//!   non-zero sub-unit digits are [`MoneyError::TooManyDecimals`].
//! - **Rounding is always named.** Every operation that may round takes a [`RoundingMode`] and
//!   reports what it dropped ([`Rounded::remainder`], [`PercentOf::rounding_loss`],
//!   [`Conversion::rounding_loss`]). Products (`× factor`, `× rate`, `1 / rate`) are computed
//!   exactly in 256-bit integers and rounded once.
//! - **Checked everything.** Overflow, currency mismatch and bad input are errors, never panics;
//!   there are no `+`/`-`/`*` operators on [`Money`] (only `-m`, which cannot overflow).
//! - **People vs machines.** [`format()`] is for people (`₩1,300`, `1,300원`, `$12.50`,
//!   `BHD 1.234`); `Display`/`FromStr` and JSON (`{"amount":"12.50","currency":"USD"}`) are for
//!   machines and round-trip exactly.
//! - **FX is one-directional.** A [`Rate`] converts base → quote only; the other direction is an
//!   explicit [`Rate::inverse`] with a chosen precision.

#![deny(
    clippy::float_arithmetic,
    clippy::float_cmp,
    clippy::cast_precision_loss
)]
// Beyond the workspace's lints (no unwrap, expect, panic or todo): no unreachable!() either.
#![cfg_attr(not(test), deny(clippy::unreachable))]
#![warn(missing_docs)]

pub mod allocation;
pub mod currency;
pub mod error;
mod exact;
pub mod format;
pub mod fx;
pub mod money;
pub mod read;
pub mod rounding;

pub use allocation::{PercentOf, allocate, allocate_evenly, percent_of};
pub use currency::Currency;
pub use error::MoneyError;
pub use format::{Locale, format, format_machine, parse_machine};
pub use fx::{Conversion, Rate, convert};
pub use money::Money;
pub use read::{ReadError, read};
pub use rounding::{Rounded, RoundingMode, round_to_currency};
