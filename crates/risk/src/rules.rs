//! The named rules and their thresholds, all visible to the user.
//!
//! Decision: every threshold is computed in one place ([`Thresholds::compute`]) from the tier,
//! the learned profile and the user's limits, and the same value is used to judge a claim and
//! to show the user "what would be checked" (the rule book). There are no hidden scores: a rule
//! fires or it does not, and says why with its threshold.

use crate::limits::{CurrencyDefaults, Limits, UserLimits, defaults, effective_limits};
use crate::profile::{NETWORK_WINDOW_DAYS, Profile, saturating_money};
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use tipvault_money::{Currency, Money};

/// The least number of claims in a currency before "usual range" means anything.
pub const USUAL_RANGE_MIN_SAMPLES: usize = 5;
/// A claim is above the usual range past twice the 90th percentile (the usual top amount)…
pub const USUAL_RANGE_P90_FACTOR: i128 = 2;
/// …or past eight times the median if that is lower (a claim of ten times the usual must be
/// caught even for a user whose amounts are spread wide)…
pub const USUAL_RANGE_MEDIAN_FACTOR: i128 = 8;
/// …but never below one and a half times the 90th percentile (as a fraction: 3/2), so normal
/// top amounts stay allowed.
pub const USUAL_RANGE_P90_FLOOR: (i128, i128) = (3, 2);
// Why not Tukey's far-out fence (q3 + 3·IQR)? It was the first design, as a looser second bound;
// in the simulation it let donors' claims of ten times their median through (their gifts run
// from ₩3,000 to ₩30,000, so the IQR is wide). See the README.
/// The burst rule never fires at or below this many claims in an hour…
pub const BURST_FLOOR: u32 = 3;
/// …learns the user's busiest hour above it, but never allows more than this unverified.
pub const BURST_CAP: u32 = 10;
/// Unverified claims allowed in a row, by tier. New users verify every claim anyway; PSD2's five
/// would make an established creator verify every sixth claim (17% of them), so established and
/// trusted users earn longer runs, still with a hard end.
pub const CUMULATIVE_CLAIMS: [(Tier, u32); 3] = [
    (Tier::New, 5),
    (Tier::Established, 100),
    (Tier::Trusted, 200),
];

/// Every rule the engine applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "RiskRuleId"))]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    /// The claim's legs do not add up or mix currencies.
    MalformedClaim,
    /// The currency has no limits.
    NoLimitsForCurrency,
    /// The claim is dated before the newest history: the clock went backwards.
    ClockBackwards,
    /// Above the per-claim limit.
    OverClaimLimit,
    /// Above the rolling 24-hour limit.
    OverDailyLimit,
    /// New users verify every claim.
    NewTier,
    /// Above the user's usual amounts (or too little history to know them).
    AboveUsualRange,
    /// A destination never used before.
    NewDestination,
    /// A provider never used before.
    NewProvider,
    /// A network not seen in the last 30 days.
    NewNetwork,
    /// Too many claims within an hour.
    Burst,
    /// Too many claims, or too much, since the last verification.
    CumulativeSinceVerification,
    /// An automatic cash-out cannot ask the user to verify: it waits for them instead.
    Unattended,
}

impl RuleId {
    /// Every rule, in the order they are checked.
    pub const ALL: [RuleId; 13] = [
        RuleId::MalformedClaim,
        RuleId::NoLimitsForCurrency,
        RuleId::ClockBackwards,
        RuleId::OverClaimLimit,
        RuleId::OverDailyLimit,
        RuleId::NewTier,
        RuleId::AboveUsualRange,
        RuleId::NewDestination,
        RuleId::NewProvider,
        RuleId::NewNetwork,
        RuleId::Burst,
        RuleId::CumulativeSinceVerification,
        RuleId::Unattended,
    ];
}

/// The usual range of claim amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UsualRange {
    /// Claims it was learned from.
    pub samples: usize,
    /// The median claim.
    pub median: Money,
    /// The 90th percentile.
    pub p90: Money,
    /// Claims above this need a step-up.
    pub above: Money,
}

/// Every threshold in force for one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// The currency.
    pub currency: Currency,
    /// The tier.
    pub tier: Tier,
    /// The limits per claim and per day.
    pub limits: Limits,
    /// The usual range; `None` until there are [`USUAL_RANGE_MIN_SAMPLES`] claims.
    pub usual_range: Option<UsualRange>,
    /// More claims than this within an hour is a burst.
    pub burst_per_hour: u32,
    /// More unverified claims in a row than this needs a step-up.
    pub cumulative_claims: u32,
    /// More unverified money in a row than this needs a step-up.
    pub cumulative_sum: Money,
    /// How far back a network counts as known, in days.
    pub network_window_days: i64,
}

impl Thresholds {
    /// The thresholds for `profile`'s currency at `tier`, with the user's own limits. `None` when
    /// the currency has no limits.
    pub fn compute(tier: Tier, profile: &Profile, user: &UserLimits) -> Option<Thresholds> {
        let limits = effective_limits(tier, profile, user)?;
        let CurrencyDefaults {
            cumulative_sum_floor,
            ..
        } = defaults(profile.currency)?;
        let currency = profile.currency;
        let money = |minor: i128| saturating_money(minor, currency);
        let usual_range = profile
            .amounts
            .filter(|a| a.samples >= USUAL_RANGE_MIN_SAMPLES)
            .map(|a| UsualRange {
                samples: a.samples,
                median: a.median,
                p90: a.p90,
                above: money(usual_threshold(
                    a.median.to_minor_i128(),
                    a.p90.to_minor_i128(),
                )),
            });
        let cumulative_claims = CUMULATIVE_CLAIMS
            .iter()
            .find(|(t, _)| *t == tier)
            .map_or(5, |(_, n)| *n);
        // The sum rule catches a run of claims that are each "usual" but all at the top of the
        // range: as many claims as the count rule allows, all at the 90th percentile.
        let p90 = profile.amounts.map_or(0, |a| a.p90.to_minor_i128());
        let cumulative_sum = money(
            p90.saturating_mul(i128::from(cumulative_claims))
                .max(cumulative_sum_floor.to_minor_i128()),
        );
        let cumulative_sum = if tier == Tier::New {
            cumulative_sum_floor
        } else {
            cumulative_sum
        };
        Some(Thresholds {
            currency,
            tier,
            limits,
            usual_range,
            burst_per_hour: profile.busiest_hour.clamp(BURST_FLOOR, BURST_CAP),
            cumulative_claims,
            cumulative_sum,
            network_window_days: NETWORK_WINDOW_DAYS,
        })
    }
}

/// The "above usual" threshold in minor units: max(1.5 × p90, min(2 × p90, 8 × median)).
pub fn usual_threshold(median: i128, p90: i128) -> i128 {
    let (num, den) = USUAL_RANGE_P90_FLOOR;
    let floor = p90.saturating_mul(num) / den;
    let spread = p90.saturating_mul(USUAL_RANGE_P90_FACTOR);
    let centre = median.saturating_mul(USUAL_RANGE_MEDIAN_FACTOR);
    floor.max(spread.min(centre))
}
