//! Limits per claim and per rolling day: the tier's ceiling, learned and bounded, and the
//! user's own lower limits.
//!
//! Decision: the user may **lower** a limit freely, but **raising** one (or removing a lowered
//! one) needs a [`StepUpProof`] bound to that exact change. The engine cannot verify a WebAuthn
//! assertion itself (that is `crates/auth`, which the risk crate must not depend on), so the
//! binding is by content: [`LimitChange::canonical`] is the text the auth layer hashes into the
//! assertion's challenge, and the proof it hands back names that same text. A proof for another
//! change, or an old one, is refused. The type is the auth layer's to construct; the app layer
//! is the only caller that holds both.

use crate::error::LimitError;
use crate::history::History;
use crate::profile::Profile;
use crate::tier::{Tier, tier_of};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use tipvault_money::{Currency, Money};

/// An established user's per-claim limit is this many times their 90th-percentile claim
/// (bounded by the tier's ceiling): above the "usual range" rule's threshold (2 × p90), so an
/// unusual claim is first verified, and only a far larger one is refused outright.
pub const CLAIM_LIMIT_P90_FACTOR: i128 = 4;
/// An established user's per-day limit is this many times their busiest 24 hours (bounded).
pub const DAY_LIMIT_BUSIEST_FACTOR: i128 = 2;
/// How long a step-up proof stays usable for a limit change (seconds).
pub const PROOF_MAX_AGE_SECONDS: i64 = 300;

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// The most one claim may debit.
    PerClaim,
    /// The most claims may debit within a rolling 24 hours.
    PerDay,
}

impl LimitKind {
    fn code(self) -> &'static str {
        match self {
            LimitKind::PerClaim => "per_claim",
            LimitKind::PerDay => "per_day",
        }
    }
}

/// The built-in numbers for one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CurrencyDefaults {
    /// The currency.
    pub currency: Currency,
    /// New tier: per claim.
    pub new_per_claim: Money,
    /// New tier: per day.
    pub new_per_day: Money,
    /// Established tier: the most the learned per-claim limit may grow to.
    pub established_cap_per_claim: Money,
    /// Established tier: the most the learned per-day limit may grow to.
    pub established_cap_per_day: Money,
    /// Trusted tier: per-claim ceiling.
    pub trusted_cap_per_claim: Money,
    /// Trusted tier: per-day ceiling.
    pub trusted_cap_per_day: Money,
    /// The cumulative rule's least sum (PSD2's €100 low-value exemption, in local money).
    pub cumulative_sum_floor: Money,
}

/// The defaults for `currency`: KRW and USD are built in; any other currency has no limits and
/// every claim in it is refused until the app supplies some (a missing limit must not mean
/// "unlimited").
pub fn defaults(currency: Currency) -> Option<CurrencyDefaults> {
    let m = |minor: i64| Money::from_minor(minor, currency);
    if currency == Currency::KRW {
        Some(CurrencyDefaults {
            currency,
            new_per_claim: m(30_000),
            new_per_day: m(100_000),
            established_cap_per_claim: m(300_000),
            established_cap_per_day: m(1_000_000),
            trusted_cap_per_claim: m(1_000_000),
            trusted_cap_per_day: m(3_000_000),
            cumulative_sum_floor: m(150_000),
        })
    } else if currency == Currency::USD {
        // Roughly the KRW numbers at ₩1,300–1,400 per dollar, rounded to amounts people use.
        let dollars = |whole: i64| m(whole * 100);
        Some(CurrencyDefaults {
            currency,
            new_per_claim: dollars(25),
            new_per_day: dollars(75),
            established_cap_per_claim: dollars(250),
            established_cap_per_day: dollars(750),
            trusted_cap_per_claim: dollars(750),
            trusted_cap_per_day: dollars(2_000),
            cumulative_sum_floor: dollars(100),
        })
    } else {
        None
    }
}

/// The limits in force for one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// The currency.
    pub currency: Currency,
    /// The tier the limits come from.
    pub tier: Tier,
    /// Per claim: the lower of the tier's and the user's.
    pub per_claim: Money,
    /// Per rolling 24 hours: the lower of the tier's and the user's.
    pub per_day: Money,
    /// The tier's per-claim ceiling (before the user's own limit).
    pub tier_per_claim: Money,
    /// The tier's per-day ceiling.
    pub tier_per_day: Money,
    /// Whether the user's own limit is what binds per claim.
    pub per_claim_set_by_user: bool,
    /// Whether the user's own limit is what binds per day.
    pub per_day_set_by_user: bool,
}

/// The tier's ceilings for `profile`'s currency: fixed for new users; for established and
/// trusted users, grown from their own history and bounded by the tier's caps (never below the
/// new tier's). `None` when the currency has no defaults.
pub fn tier_limits(tier: Tier, profile: &Profile) -> Option<(Money, Money)> {
    let d = defaults(profile.currency)?;
    let (cap_claim, cap_day) = match tier {
        Tier::New => return Some((d.new_per_claim, d.new_per_day)),
        Tier::Established => (d.established_cap_per_claim, d.established_cap_per_day),
        Tier::Trusted => (d.trusted_cap_per_claim, d.trusted_cap_per_day),
    };
    let minor = |m: Money| m.to_minor_i128();
    let p90 = profile.amounts.map_or(0, |a| minor(a.p90));
    let claim = (p90.saturating_mul(CLAIM_LIMIT_P90_FACTOR))
        .clamp(minor(d.new_per_claim), minor(cap_claim));
    let day = (minor(profile.busiest_day_sum).saturating_mul(DAY_LIMIT_BUSIEST_FACTOR))
        .clamp(minor(d.new_per_day), minor(cap_day))
        .max(claim); // a day always allows at least one full claim
    let money = |v: i128| crate::profile::saturating_money(v, profile.currency);
    Some((money(claim), money(day)))
}

/// The limits in force: the tier's ceilings, lowered by the user's own where those are lower.
pub fn effective_limits(tier: Tier, profile: &Profile, user: &UserLimits) -> Option<Limits> {
    let (tier_claim, tier_day) = tier_limits(tier, profile)?;
    let pick = |tier_value: Money, kind: LimitKind| match user.get(profile.currency, kind) {
        Some(own) if own.to_minor_i128() < tier_value.to_minor_i128() => (own, true),
        _ => (tier_value, false),
    };
    let (per_claim, claim_by_user) = pick(tier_claim, LimitKind::PerClaim);
    let (per_day, day_by_user) = pick(tier_day, LimitKind::PerDay);
    Some(Limits {
        currency: profile.currency,
        tier,
        per_claim,
        per_day,
        tier_per_claim: tier_claim,
        tier_per_day: tier_day,
        per_claim_set_by_user: claim_by_user,
        per_day_set_by_user: day_by_user,
    })
}

/// One limit the user set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLimit {
    /// Which limit.
    pub kind: LimitKind,
    /// The user's amount (its currency is the limit's currency).
    pub amount: Money,
}

/// The limits the user set; at most one per currency and kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserLimits(Vec<UserLimit>);

impl UserLimits {
    /// The user's own limit of `kind` in `currency`, if they set one.
    pub fn get(&self, currency: Currency, kind: LimitKind) -> Option<Money> {
        self.0
            .iter()
            .find(|l| l.kind == kind && l.amount.currency() == currency)
            .map(|l| l.amount)
    }

    /// Every limit the user set.
    pub fn all(&self) -> &[UserLimit] {
        &self.0
    }

    fn put(&mut self, currency: Currency, kind: LimitKind, amount: Option<Money>) {
        self.0
            .retain(|l| !(l.kind == kind && l.amount.currency() == currency));
        if let Some(amount) = amount {
            self.0.push(UserLimit { kind, amount });
        }
    }
}

/// A change the user asks for: set a limit, or (`new: None`) go back to the tier's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitChange {
    /// The currency.
    pub currency: Currency,
    /// Which limit.
    pub kind: LimitKind,
    /// The new limit; `None` removes the user's own.
    pub new: Option<Money>,
}

impl LimitChange {
    /// The exact text a step-up must approve: versioned, one field a line, amounts in minor
    /// units, so two different changes never share it. The auth layer hashes it into the
    /// WebAuthn challenge.
    pub fn canonical(&self) -> String {
        let new = self
            .new
            .map_or_else(|| "tier".to_owned(), |m| m.to_minor_i128().to_string());
        format!(
            "tipvault-risk/limit-change/v1\ncurrency={}\nkind={}\nnew={}\n",
            self.currency.code(),
            self.kind.code(),
            new
        )
    }
}

/// Evidence that the user approved `approved` with a verified authenticator assertion.
///
/// Made by the auth layer after it checked an assertion whose challenge was derived from
/// `approved`; the risk engine checks the content matches and that the proof is fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpProof {
    approved: String,
    verified_at: DateTime<Utc>,
}

impl StepUpProof {
    /// For the auth layer: the canonical content the verified assertion was bound to, and when
    /// it was verified.
    pub fn from_verified_assertion(
        approved: impl Into<String>,
        verified_at: DateTime<Utc>,
    ) -> Self {
        StepUpProof {
            approved: approved.into(),
            verified_at,
        }
    }

    /// When the assertion was verified.
    pub fn verified_at(&self) -> DateTime<Utc> {
        self.verified_at
    }

    /// Whether this proof approves exactly `content` at `now`.
    pub fn check(&self, content: &str, now: DateTime<Utc>) -> Result<(), LimitError> {
        if self.approved != content {
            return Err(LimitError::ProofForOtherContent);
        }
        if self.verified_at > now {
            return Err(LimitError::ProofFromTheFuture {
                verified_at: self.verified_at,
                now,
            });
        }
        if now - self.verified_at > Duration::seconds(PROOF_MAX_AGE_SECONDS) {
            return Err(LimitError::ProofExpired {
                verified_at: self.verified_at,
                now,
            });
        }
        Ok(())
    }
}

/// What a limit change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitChanged {
    /// Which limit.
    pub kind: LimitKind,
    /// The ceiling the user had before (their own, or the tier's).
    pub before: Money,
    /// The limit in force after.
    pub after: Money,
    /// Whether it needed (and used) a step-up.
    pub stepped_up: bool,
}

/// Applies `change` to `user`. Lowering (to at most the current ceiling — the user's own limit,
/// or the tier's when they set none) needs nothing; raising or removing a lower limit needs a
/// `proof` for exactly this change, no older than [`PROOF_MAX_AGE_SECONDS`]: without one,
/// [`LimitError::NeedsStepUp`] carries the text to approve.
pub fn change_limit(
    user: &mut UserLimits,
    history: &History,
    change: &LimitChange,
    proof: Option<&StepUpProof>,
    now: DateTime<Utc>,
) -> Result<LimitChanged, LimitError> {
    if let Some(new) = change.new {
        if new.currency() != change.currency {
            return Err(LimitError::CurrencyMismatch {
                expected: change.currency,
                found: new.currency(),
            });
        }
        if !new.is_positive() {
            return Err(LimitError::NotPositive);
        }
    }
    let profile = Profile::learn(history, change.currency, now);
    let tier = tier_of(&profile);
    let (tier_claim, tier_day) =
        tier_limits(tier, &profile).ok_or(LimitError::NoLimitsForCurrency {
            currency: change.currency,
        })?;
    let tier_value = match change.kind {
        LimitKind::PerClaim => tier_claim,
        LimitKind::PerDay => tier_day,
    };
    let before = user.get(change.currency, change.kind).unwrap_or(tier_value);
    let after_ceiling = change.new.unwrap_or(tier_value);
    let raises = after_ceiling.to_minor_i128().cmp(&before.to_minor_i128()) == Ordering::Greater;
    if raises {
        let proof = proof.ok_or_else(|| LimitError::NeedsStepUp {
            approve: change.canonical(),
        })?;
        proof.check(&change.canonical(), now)?;
    }
    user.put(change.currency, change.kind, change.new);
    let after = if after_ceiling.to_minor_i128() < tier_value.to_minor_i128() {
        after_ceiling
    } else {
        tier_value
    };
    Ok(LimitChanged {
        kind: change.kind,
        before,
        after,
        stepped_up: raises,
    })
}
