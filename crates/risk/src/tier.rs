//! Tiers: new → established → trusted, earned from confirmed history.
//!
//! Decision: the tier is derived from the history every time (like the profile), never stored,
//! so it cannot be promoted by editing a setting; it drops again if the history behind it
//! expires or a dispute is opened.
//!
//! - **New**: every redemption is verified; low fixed limits.
//! - **Established**: ≥ [`ESTABLISHED_CLAIMS`] confirmed claims, the first ≥
//!   [`ESTABLISHED_DAYS`] days ago; limits grow from the user's own history (bounded); only
//!   anomalies are verified.
//! - **Trusted**: ≥ [`TRUSTED_CLAIMS`] confirmed claims, the first ≥ [`TRUSTED_DAYS`] days ago,
//!   and no dispute; auto-cash-out rules may run.

use crate::profile::Profile;
use serde::{Deserialize, Serialize};

/// Confirmed claims needed to become established.
pub const ESTABLISHED_CLAIMS: u32 = 5;
/// Days since the first confirmed claim needed to become established.
pub const ESTABLISHED_DAYS: i64 = 7;
/// Confirmed claims needed to become trusted.
pub const TRUSTED_CLAIMS: u32 = 20;
/// Days since the first confirmed claim needed to become trusted.
pub const TRUSTED_DAYS: i64 = 30;

/// How much the engine trusts the user's habits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Every redemption verified, low limits.
    New,
    /// Only anomalies verified; limits learned from history.
    Established,
    /// As established, plus auto-cash-out rules.
    Trusted,
}

impl Tier {
    /// The tier's name in English and Korean.
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Tier::New => ("new", "신규"),
            Tier::Established => ("established", "일반"),
            Tier::Trusted => ("trusted", "신뢰"),
        }
    }

    /// Whether automatic cash-out rules may be added and fire at this tier (trusted only): the
    /// one place the rule lives, for the engine, the app's status and the window.
    #[must_use]
    pub fn allows_auto_cash_out(self) -> bool {
        self == Tier::Trusted
    }
}

/// Where the user stands and what the next tier needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierProgress {
    /// The current tier.
    pub tier: Tier,
    /// Confirmed claims so far.
    pub confirmed: u32,
    /// Whole days since the first confirmed claim.
    pub days: i64,
    /// Disputes on record (any blocks trusted).
    pub disputes: u32,
    /// The next tier, if any.
    pub next: Option<Tier>,
    /// Claims still needed for the next tier.
    pub claims_needed: u32,
    /// Days still needed for the next tier.
    pub days_needed: i64,
}

/// The tier `profile` earns.
pub fn tier_of(profile: &Profile) -> Tier {
    progress(profile).tier
}

/// The tier `profile` earns and what the next one needs.
pub fn progress(profile: &Profile) -> TierProgress {
    let days = profile
        .first_at
        .map_or(0, |first| (profile.now - first).num_days().max(0));
    let confirmed = profile.confirmed;
    let meets = |claims: u32, span: i64| confirmed >= claims && days >= span;
    let tier = if meets(TRUSTED_CLAIMS, TRUSTED_DAYS) && profile.disputes == 0 {
        Tier::Trusted
    } else if meets(ESTABLISHED_CLAIMS, ESTABLISHED_DAYS) {
        Tier::Established
    } else {
        Tier::New
    };
    let (next, claims, span) = match tier {
        Tier::New => (
            Some(Tier::Established),
            ESTABLISHED_CLAIMS,
            ESTABLISHED_DAYS,
        ),
        Tier::Established => (Some(Tier::Trusted), TRUSTED_CLAIMS, TRUSTED_DAYS),
        Tier::Trusted => (None, 0, 0),
    };
    TierProgress {
        tier,
        confirmed,
        days,
        disputes: profile.disputes,
        next,
        claims_needed: claims.saturating_sub(confirmed),
        days_needed: (span - days).max(0),
    }
}
