//! The crate's errors, one enum per operation family.
//!
//! Decision: judging a claim never fails — a strange history or claim (a clock set backwards,
//! legs that do not add up, an unknown currency) is itself a reasoned pause or denial in the
//! [`Decision`](crate::Decision), because the user must see why. Errors are only for changes the
//! user asks for (limits, auto-cash-out rules) that cannot be made.

use chrono::{DateTime, Utc};
use tipvault_money::Currency;

use crate::tier::Tier;

/// Why a limit change was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// Raising a limit (or removing a lowered one) needs a step-up approving `approve`.
    #[error(
        "raising a limit needs confirmation with your security key or passkey: approve the \
         change, then try again"
    )]
    NeedsStepUp {
        /// The canonical text of the change, for the auth layer's challenge.
        approve: String,
    },
    /// The proof approves a different change.
    #[error("the confirmation was for a different change: confirm this exact change")]
    ProofForOtherContent,
    /// The proof is older than allowed.
    #[error("the confirmation from {verified_at} is too old at {now}: confirm the change again")]
    ProofExpired {
        /// When the proof was verified.
        verified_at: DateTime<Utc>,
        /// The moment of the change.
        now: DateTime<Utc>,
    },
    /// The proof claims to be from after `now`: a clock was changed.
    #[error("the confirmation is dated {verified_at}, after now ({now}): check the device clock")]
    ProofFromTheFuture {
        /// When the proof says it was verified.
        verified_at: DateTime<Utc>,
        /// The moment of the change.
        now: DateTime<Utc>,
    },
    /// The new amount is in another currency than the limit.
    #[error("a {expected} limit cannot be set in {found}")]
    CurrencyMismatch {
        /// The limit's currency.
        expected: Currency,
        /// The amount's currency.
        found: Currency,
    },
    /// A limit must be above zero (to stop all redemptions, lower it to the smallest unit).
    #[error("a limit must be more than zero")]
    NotPositive,
    /// The currency has no built-in limits.
    #[error("there are no limits for {currency}: redemptions in it are not supported yet")]
    NoLimitsForCurrency {
        /// The currency.
        currency: Currency,
    },
}

/// Why auto-cash-out rules cannot be added or run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AutoCashOutError {
    /// Auto-cash-out is for trusted users only.
    #[error(
        "automatic cash-outs need the trusted tier; you are {tier:?}: keep redeeming normally \
         and they unlock after 20 confirmed redemptions over 30 days without a dispute"
    )]
    NotTrusted {
        /// The user's tier.
        tier: Tier,
    },
    /// The threshold must be above zero.
    #[error("an automatic cash-out's threshold must be more than zero")]
    NotPositive,
    /// A rule with this id exists already.
    #[error("an automatic cash-out rule named {id:?} exists already: choose another name")]
    Duplicate {
        /// The id.
        id: String,
    },
}
