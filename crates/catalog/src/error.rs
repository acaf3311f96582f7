//! Why a catalog document was refused.
//!
//! Decision: every catalog error names the product (and the field) it is about, because the
//! person who fixes it is a provider's engineer reading a validation report. Callers switch on
//! the variant, never on the message.

use chrono::{DateTime, Utc};
use tipvault_money::Currency;

/// Why a raw catalog document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The text is not JSON of the catalog v1 shape.
    #[error("the catalog is not a valid catalog v1 JSON document: {detail}")]
    Malformed {
        /// What the JSON reader said (position and expectation).
        detail: String,
    },

    /// The `format` field names another version of the protocol.
    #[error("unsupported catalog format {found:?}: this build reads {expected:?}; update Tipvault")]
    UnsupportedFormat {
        /// The format as given.
        found: String,
        /// The one format this build reads.
        expected: &'static str,
    },

    /// The provider id or a product id is empty or has characters outside `[a-z0-9._-]`.
    #[error("invalid id {id:?}: ids are 1-64 characters of a-z, 0-9, '.', '_' or '-'")]
    InvalidId {
        /// The id as given.
        id: String,
    },

    /// Two products share an id.
    #[error("product id {product:?} appears twice: every product needs its own id")]
    DuplicateProductId {
        /// The repeated id.
        product: String,
    },

    /// `expires_at` is not after `issued_at`, or `stale_after` is outside the two.
    #[error(
        "catalog dates out of order (issued {issued_at}, stale after {stale_after}, expires \
         {expires_at}): they must satisfy issued_at <= stale_after <= expires_at and \
         issued_at < expires_at"
    )]
    DatesOutOfOrder {
        /// When the catalog was issued.
        issued_at: DateTime<Utc>,
        /// When it becomes stale.
        stale_after: DateTime<Utc>,
        /// When it expires.
        expires_at: DateTime<Utc>,
    },

    /// The product's currency is not an ISO 4217 code this build knows.
    #[error("product {product:?}: unknown currency {code:?}: use an ISO 4217 code such as KRW")]
    UnknownCurrency {
        /// The product.
        product: String,
        /// The code as given.
        code: String,
    },

    /// An amount is not a plain decimal number.
    #[error("product {product:?}: {field} {value:?} is not an amount like \"1000\" or \"12.50\"")]
    InvalidAmount {
        /// The product.
        product: String,
        /// Which field (e.g. `fee.fixed`).
        field: &'static str,
        /// The value as given.
        value: String,
    },

    /// An amount has more decimal places than its currency's minor unit.
    #[error(
        "product {product:?}: {field} {value:?} has more decimals than {currency} allows \
         ({allowed}): write it in whole minor units"
    )]
    TooManyDecimals {
        /// The product.
        product: String,
        /// Which field.
        field: &'static str,
        /// The value as given.
        value: String,
        /// The product's currency.
        currency: Currency,
        /// Decimal places the currency allows.
        allowed: u32,
    },

    /// A fee amount (fixed, minimum or maximum) is negative.
    #[error("product {product:?}: {field} is negative ({value}): fees are charged, never paid out")]
    NegativeFee {
        /// The product.
        product: String,
        /// Which fee field.
        field: &'static str,
        /// The value as given.
        value: String,
    },

    /// The fee percentage is below 0 or above 100.
    #[error("product {product:?}: fee percent {percent} is outside 0..=100")]
    PercentOutOfRange {
        /// The product.
        product: String,
        /// The percent as given.
        percent: String,
    },

    /// The fee minimum is above the fee maximum.
    #[error("product {product:?}: fee minimum {minimum} is above fee maximum {maximum}")]
    FeeMinAboveMax {
        /// The product.
        product: String,
        /// The minimum fee.
        minimum: String,
        /// The maximum fee.
        maximum: String,
    },

    /// A denomination, range minimum or range maximum is zero or negative.
    #[error("product {product:?}: {field} must be greater than zero, found {value}")]
    NonPositiveAmount {
        /// The product.
        product: String,
        /// Which field.
        field: &'static str,
        /// The value as given.
        value: String,
    },

    /// A range step is zero or negative.
    #[error("product {product:?}: amount step must be greater than zero, found {step}")]
    NonPositiveStep {
        /// The product.
        product: String,
        /// The step as given.
        step: String,
    },

    /// A range minimum is above its maximum.
    #[error("product {product:?}: amount minimum {minimum} is above maximum {maximum}")]
    MinAboveMax {
        /// The product.
        product: String,
        /// The minimum.
        minimum: String,
        /// The maximum.
        maximum: String,
    },

    /// A denomination list is empty.
    #[error("product {product:?}: the denomination list is empty: list at least one amount")]
    NoDenominations {
        /// The product.
        product: String,
    },

    /// The same denomination is listed twice.
    #[error("product {product:?}: denomination {value} is listed twice")]
    DuplicateDenomination {
        /// The product.
        product: String,
        /// The repeated denomination.
        value: String,
    },

    /// Denominations are not in ascending order.
    #[error(
        "product {product:?}: denominations must be listed in ascending order ({value} comes \
         after a larger one)"
    )]
    UnsortedDenominations {
        /// The product.
        product: String,
        /// The first denomination out of order.
        value: String,
    },

    /// The typical time to completion is longer than the worst.
    #[error(
        "product {product:?}: typical ETA {typical_seconds}s is longer than worst {worst_seconds}s"
    )]
    EtaOutOfOrder {
        /// The product.
        product: String,
        /// Typical seconds.
        typical_seconds: u64,
        /// Worst seconds.
        worst_seconds: u64,
    },

    /// A per-day limit is zero (a product that can never be used: leave it out instead).
    #[error("product {product:?}: per-day {field} limit is zero: remove the product instead")]
    ZeroLimit {
        /// The product.
        product: String,
        /// `count` or `sum`.
        field: &'static str,
    },

    /// A destination field is declared twice or has an invalid name.
    #[error("product {product:?}: destination field {name:?} is repeated or not a snake_case name")]
    InvalidDestinationField {
        /// The product.
        product: String,
        /// The field name.
        name: String,
    },

    /// The product's name is empty (or blank) or longer than 200 characters.
    #[error("product {product:?} has no usable name: it must be 1 to 200 characters, not blank")]
    UnusableName {
        /// The product.
        product: String,
    },

    /// A name in another language has no language code of two or three lowercase letters, or
    /// is empty or longer than 200 characters.
    #[error("product {product:?}: its name for language {language:?} is not usable")]
    InvalidName {
        /// The product.
        product: String,
        /// The language code as given.
        language: String,
    },
}
