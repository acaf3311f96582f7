//! Provider catalogs and the value-path planner for Tipvault: before anything happens, show
//! exactly how a balance turns into things the user can use — "Your ₩1,300 will be: ₩1,000
//! mobile top-up + ₩300 donation credit" — with fees and time to completion, computed locally.
//!
//! The catalogs it plans over are `tipvault-catalog`'s (re-exported here).
//!
//! Pure: no I/O, no clock (`now` is passed in), no randomness, no floating point.
//!
//! ```
//! use chrono::TimeZone;
//! use tipvault_money::{Currency, Locale, Money};
//! use tipvault_preview::{Catalog, Objective, PlanRequest, Preference, ProductKind, Source, explain, preview};
//!
//! let now = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 15, 0, 0).unwrap();
//! let catalog = Catalog::demo(now)?;
//! let request = PlanRequest {
//!     sources: vec![Source { id: "tips".into(), balance: Money::from_minor(1300, Currency::KRW) }],
//!     preferences: vec![
//!         Preference::Kind(ProductKind::MobileTopUp),
//!         Preference::Kind(ProductKind::Donation),
//!     ],
//!     objective: Objective::FirstPreference,
//!     keep: vec![],
//!     excluded: vec![],
//!     rates: vec![],
//!     used_today: vec![],
//!     limits: vec![],
//!     now,
//! };
//! let preview = preview(&catalog, &request)?;
//! assert!(explain(&preview.best, Locale::En)
//!     .starts_with("Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit."));
//! assert!(explain(&preview.best, Locale::Ko)
//!     .starts_with("1,300원은 휴대폰 충전 1,000원 + 기부 300원으로 바뀝니다."));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Decisions a caller must know
//!
//! - **Fee model** ([`fee`]): the destination receives the face amount (net); the balance pays
//!   face + fee (gross). A ₩5,000 gift card with a 2% fee costs ₩5,100.
//! - **Exactness** ([`knapsack`](crate::planner)): plans are optimal, never approximate; when the
//!   exact solver would be too large it returns [`PlanError::TooComplex`].
//! - **Conservation** ([`plan`]): per currency, Σ legs' debit + remainder + kept = balance;
//!   [`conservation()`] restates it as the lines a user checks, with the FX granularity and
//!   rounding of cross-currency legs on lines of their own.
//! - **Freshness** ([`freshness`]): an expired catalog still gives a preview, marked
//!   `redeemable: false` with a note.

#![deny(clippy::float_arithmetic)]
#![warn(missing_docs)]

pub mod across;
pub mod conservation;
pub mod error;
pub mod explain;
mod fx;
mod knapsack;
pub mod plan;
pub mod planner;
mod stranded;

// The catalog types are `tipvault-catalog`'s; re-exported whole so a planner user needs one
// crate (and `crate::catalog::…` paths inside this one keep working).
pub use tipvault_catalog::{amount_rule, catalog, fee, freshness, product};

pub use across::{AcrossError, AcrossPlan, ProviderPart, plan_across};
pub use amount_rule::AmountRule;
pub use catalog::{CATALOG_FORMAT, Catalog, DEMO_CATALOG_JSON, RawCatalog};
pub use conservation::{Arrival, Conservation, conservation, conservation_lines};
pub use error::{CatalogError, PlanError};
pub use explain::{explain, kind_name};
pub use fee::FeeRule;
pub use freshness::Freshness;
pub use plan::{
    FxDetail, Leg, LimitKind, Note, Objective, Plan, PlanRequest, Preference, Preview,
    ProductBlock, Redemption, Source, SourceDebit, SourceOutcome, Stranded, StrandedReason, Unlock,
    Usage, Variant,
};
pub use planner::{plan, preview};
pub use product::{DestinationField, Eta, FieldKind, Limits, Product, ProductId, ProductKind};
