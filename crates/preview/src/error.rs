//! The errors of the crate: planning's own, and (re-exported) reading a catalog's.
//!
//! Decision: every planning error says what the user can change. Callers switch on the variant, never on the message.

use tipvault_money::{Currency, MoneyError};

pub use tipvault_catalog::CatalogError;

/// Why a preview could not be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The request has no source at all.
    #[error("there is no balance to plan: add at least one source")]
    NoSources,

    /// Two sources share an id.
    #[error("source {source_id:?} is listed twice: give every source its own id")]
    DuplicateSource {
        /// The repeated id.
        source_id: String,
    },

    /// A source's balance is negative.
    #[error("source {source_id:?} has a negative balance ({amount}): settle it before planning")]
    NegativeBalance {
        /// The source.
        source_id: String,
        /// Its balance, machine form.
        amount: String,
    },

    /// An amount to keep is negative, or repeated for one currency.
    #[error("the amount to keep in {currency} is negative or given twice: give one amount >= 0")]
    InvalidKeep {
        /// The currency.
        currency: Currency,
    },

    /// A preference or exclusion names a product the catalog does not have.
    #[error(
        "no product {product:?} in catalog {provider:?}: check the id against the catalog, or \
         refresh the catalog"
    )]
    UnknownProduct {
        /// The id as given.
        product: String,
        /// The catalog's provider.
        provider: String,
    },

    /// Usage for today was reported twice for one product.
    #[error("today's usage of product {product:?} is given twice")]
    DuplicateUsage {
        /// The product.
        product: String,
    },

    /// The exact solver would need more memory or time than a preview may take. The planner
    /// never falls back to an approximate answer; it says so instead.
    #[error(
        "this preview needs {states} solver states, more than the {cap} a preview may use: keep \
         a larger amount, exclude products with very fine steps, or split the balance"
    )]
    TooComplex {
        /// States (or state × option work) the exact solver would need.
        states: u64,
        /// The cap.
        cap: u64,
    },

    /// A consistency check inside the planner failed. This is a bug: the preview is withheld
    /// rather than shown wrong.
    #[error("internal planner error ({detail}): nothing was planned; please report this")]
    Internal {
        /// Which check failed.
        detail: &'static str,
    },

    /// Arithmetic failed (an amount too large to represent).
    #[error("amount arithmetic failed: {0}")]
    Money(#[from] MoneyError),
}
