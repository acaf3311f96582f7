//! Tipvault's risk engine: local and explainable. Every redemption, however small, is judged
//! against the user's own habits before it is sent; anything unusual waits for the user's
//! authenticator, and every decision says why, in English and Korean.
//!
//! Pure: no I/O, no clock (the claim's time is "now"), no randomness, no floating point.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use tipvault_money::{Currency, Money};
//! use tipvault_risk::{
//!     Claim, DestinationFingerprint, History, Leg, NetworkHash, Outcome, ProductKind,
//!     ProviderId, RuleId, Settings, assess,
//! };
//!
//! let claim = Claim {
//!     at: Utc.with_ymd_and_hms(2026, 11, 24, 15, 0, 0).unwrap(),
//!     network: NetworkHash::new("net-1f3a"),
//!     total: Money::from_minor(10_000, Currency::KRW),
//!     legs: vec![Leg {
//!         provider: ProviderId::new("sandbox"),
//!         product: ProductKind::MobileTopUp,
//!         destination: DestinationFingerprint::new("dest-9c2e"),
//!         amount: Money::from_minor(10_000, Currency::KRW),
//!     }],
//! };
//! let decision = assess(&History::default(), &Settings::default(), &claim);
//! assert_eq!(decision.outcome, Outcome::StepUp); // a new account verifies every redemption
//! assert!(decision.fired(RuleId::NewTier));
//! assert!(decision.reasons.iter().all(|r| !r.text.en.is_empty() && !r.text.ko.is_empty()));
//! ```
//!
//! # Decisions a caller must know
//!
//! - **Nothing is stored here.** The [`Profile`] and the [`Tier`] are recomputed from the
//!   [`History`] on every call, so there is no profile to tamper with; the history's integrity
//!   is the vault's (SQLCipher HMAC, audit chain).
//! - **Judging never fails.** A clock set backwards, a malformed claim or an unsupported
//!   currency is a [`Decision`] with a reason (pause or deny), never an error or a panic.
//! - **Stricter is free, looser needs a step-up.** Limits can be lowered freely;
//!   [`change_limit`] refuses to raise one without a [`StepUpProof`] for that exact change.
//! - **Network hashes are 30-day data.** The engine looks back [`NETWORK_WINDOW_DAYS`]; the
//!   caller keeps them under the 30-day retention class.
//! - **Unattended runs pause.** An auto-cash-out that would need a step-up waits
//!   ([`Decision::unattended`]).

#![deny(
    clippy::float_arithmetic,
    clippy::float_cmp,
    clippy::cast_precision_loss
)]
#![warn(missing_docs)]

pub mod autocashout;
pub mod decision;
pub mod error;
pub mod headroom;
pub mod history;
pub mod limits;
pub mod profile;
pub mod reason;
pub mod rules;
pub mod settings;
pub mod stats;
pub mod status;
pub mod tier;

pub use autocashout::{AutoCashOutRule, Firing, SourceBalance, add_rule, firing};
pub use decision::{Decision, Outcome, assess, assess_each};
pub use error::{AutoCashOutError, LimitError};
pub use headroom::{Headroom, headroom};
pub use history::{
    Claim, ClaimId, ConfirmedClaim, DestinationFingerprint, Dispute, History, Leg, NetworkHash,
    ProductKind, ProviderId, ProviderVerification, SourceId,
};
pub use limits::{
    CurrencyDefaults, LimitChange, LimitChanged, LimitKind, Limits, StepUpProof, UserLimit,
    UserLimits, change_limit, defaults, effective_limits,
};
pub use profile::{NETWORK_WINDOW_DAYS, Profile};
pub use reason::{Detail, Reason, Text};
pub use rules::{RuleId, Thresholds};
pub use settings::Settings;
pub use status::{RuleView, Status, status};
pub use tier::{Tier, TierProgress};
