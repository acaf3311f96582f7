//! Judging one claim: [`assess`] runs every rule and returns a [`Decision`] that carries every
//! reason.
//!
//! Decision: every rule is evaluated and every one that fires is reported (not just the first),
//! so the "why" panel is complete; the outcome is the strictest any rule asks for. Only a claim
//! whose shape is broken, or in a currency without limits, stops early, because the other rules
//! would judge numbers that mean nothing.

use crate::history::{Claim, History};
use crate::profile::Profile;
use crate::reason::{Detail, Malformation, Reason, Text, summary};
use crate::rules::{RuleId, Thresholds};
use crate::settings::Settings;
use crate::tier::{Tier, progress};
use serde::Serialize;
use std::collections::BTreeSet;
use tipvault_money::Currency;

/// What happens to a claim, from least to most strict.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "RiskOutcome"))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Send it.
    Allow,
    /// Send it once the user confirms this exact plan with an authenticator.
    StepUp,
    /// Keep it (durable, in the outbox) until the user confirms or cancels it.
    Pause,
    /// Do not send it.
    Deny,
}

/// The verdict on a claim, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The strictest outcome any rule asked for; `Allow` when none fired.
    pub outcome: Outcome,
    /// The user's tier.
    pub tier: Tier,
    /// The claim's currency.
    pub currency: Currency,
    /// Every rule that fired, in rule order.
    pub reasons: Vec<Reason>,
    /// One line for the whole decision.
    pub summary: Text,
    /// The thresholds the claim was judged against (absent only when the currency has none).
    pub thresholds: Option<Thresholds>,
}

impl Decision {
    fn new(tier: Tier, currency: Currency, reasons: Vec<Reason>, t: Option<Thresholds>) -> Self {
        let outcome = reasons
            .iter()
            .map(|r| r.outcome)
            .max()
            .unwrap_or(Outcome::Allow);
        Decision {
            outcome,
            tier,
            currency,
            reasons,
            summary: summary(outcome, tier),
            thresholds: t,
        }
    }

    /// Whether `rule` fired.
    pub fn fired(&self, rule: RuleId) -> bool {
        self.reasons.iter().any(|r| r.rule == rule)
    }

    /// The decision for a claim nobody is present to confirm (an auto-cash-out): a step-up
    /// becomes a pause, so it waits for the user instead of failing or going through.
    pub fn unattended(mut self) -> Decision {
        if self.outcome == Outcome::StepUp {
            self.reasons.push(Reason::new(
                RuleId::Unattended,
                Outcome::Pause,
                Detail::Unattended,
            ));
            self.outcome = Outcome::Pause;
            self.summary = summary(self.outcome, self.tier);
        }
        self
    }
}

/// Judges `claim` against the habits learned from `history` and the user's `settings`. The
/// claim's own time is the only clock. Never fails: anything odd is a reason.
pub fn assess(history: &History, settings: &Settings, claim: &Claim) -> Decision {
    let currency = claim.total.currency();
    let now = claim.at;
    let profile = Profile::learn(history, currency, now);
    let standing = progress(&profile);
    let tier = standing.tier;

    if let Some(problem) = malformation(claim) {
        let reason = Reason::new(
            RuleId::MalformedClaim,
            Outcome::Deny,
            Detail::MalformedClaim { problem },
        );
        return Decision::new(tier, currency, vec![reason], None);
    }
    let Some(t) = Thresholds::compute(tier, &profile, &settings.limits) else {
        let reason = Reason::new(
            RuleId::NoLimitsForCurrency,
            Outcome::Deny,
            Detail::NoLimitsForCurrency { currency },
        );
        return Decision::new(tier, currency, vec![reason], None);
    };

    let mut reasons = Vec::new();
    let mut fire = |rule, outcome, detail| reasons.push(Reason::new(rule, outcome, detail));
    let amount = claim.total;
    let minor = amount.to_minor_i128();

    if let Some(newest_at) = profile.newest_at.filter(|newest| *newest > now) {
        fire(
            RuleId::ClockBackwards,
            Outcome::Pause,
            Detail::ClockBackwards {
                claim_at: now,
                newest_at,
            },
        );
    }

    if minor > t.limits.per_claim.to_minor_i128() {
        fire(
            RuleId::OverClaimLimit,
            Outcome::Deny,
            Detail::OverClaimLimit {
                amount,
                limit: t.limits.per_claim,
                set_by_user: t.limits.per_claim_set_by_user,
            },
        );
    }
    let used = profile.last_day.sum;
    if used.to_minor_i128().saturating_add(minor) > t.limits.per_day.to_minor_i128() {
        fire(
            RuleId::OverDailyLimit,
            Outcome::Deny,
            Detail::OverDailyLimit {
                used,
                amount,
                limit: t.limits.per_day,
                set_by_user: t.limits.per_day_set_by_user,
            },
        );
    }

    if tier == Tier::New {
        fire(
            RuleId::NewTier,
            Outcome::StepUp,
            Detail::NewTier {
                confirmed: standing.confirmed,
                claims_needed: standing.claims_needed,
                days_needed: standing.days_needed,
            },
        );
    }

    match t.usual_range {
        Some(range) if minor > range.above.to_minor_i128() => fire(
            RuleId::AboveUsualRange,
            Outcome::StepUp,
            Detail::AboveUsualRange {
                amount,
                median: range.median,
                p90: range.p90,
                threshold: range.above,
            },
        ),
        Some(_) => {}
        None => fire(
            RuleId::AboveUsualRange,
            Outcome::StepUp,
            Detail::NoUsualRangeYet {
                samples: profile.amounts.map_or(0, |a| a.samples),
                needed: crate::rules::USUAL_RANGE_MIN_SAMPLES,
            },
        ),
    }

    let mut seen_destinations = BTreeSet::new();
    let mut seen_providers = BTreeSet::new();
    for leg in &claim.legs {
        if !profile.destinations.contains(&leg.destination)
            && seen_destinations.insert(&leg.destination)
        {
            fire(
                RuleId::NewDestination,
                Outcome::StepUp,
                Detail::NewDestination {
                    product: leg.product,
                    destination: leg.destination.clone(),
                    provider: leg.provider.clone(),
                },
            );
        }
        if !profile.providers.contains(&leg.provider) && seen_providers.insert(&leg.provider) {
            fire(
                RuleId::NewProvider,
                Outcome::StepUp,
                Detail::NewProvider {
                    provider: leg.provider.clone(),
                },
            );
        }
    }

    if !profile.networks.contains(&claim.network) {
        fire(
            RuleId::NewNetwork,
            Outcome::StepUp,
            Detail::NewNetwork {
                window_days: t.network_window_days,
            },
        );
    }

    let in_hour = profile.last_hour.count.saturating_add(1);
    if in_hour > t.burst_per_hour {
        fire(
            RuleId::Burst,
            Outcome::StepUp,
            Detail::Burst {
                count: in_hour,
                threshold: t.burst_per_hour,
            },
        );
    }

    let run = profile.since_verification;
    let run_claims = run.count.saturating_add(1);
    let run_sum = run.sum.checked_add(amount).unwrap_or(run.sum);
    if run_claims > t.cumulative_claims
        || run_sum.to_minor_i128() > t.cumulative_sum.to_minor_i128()
    {
        fire(
            RuleId::CumulativeSinceVerification,
            Outcome::StepUp,
            Detail::CumulativeSinceVerification {
                claims: run_claims,
                claim_threshold: t.cumulative_claims,
                sum: run_sum,
                sum_threshold: t.cumulative_sum,
                since: profile.last_verified,
            },
        );
    }

    Decision::new(tier, currency, reasons, Some(t))
}

/// Judges one plan made of `claims`, one per currency (a plan across providers can draw on
/// accounts in several): each is [`assess`]ed and the plan gets the strictest outcome, with
/// every reason any of them gave (once each). The tier, currency and thresholds shown are
/// those of the claim that decided. `None` for no claims.
pub fn assess_each(history: &History, settings: &Settings, claims: &[Claim]) -> Option<Decision> {
    let mut decisions = claims.iter().map(|c| assess(history, settings, c));
    let mut deciding = decisions.next()?;
    let mut reasons = deciding.reasons.clone();
    for d in decisions {
        for r in &d.reasons {
            if !reasons.contains(r) {
                reasons.push(r.clone());
            }
        }
        if d.outcome > deciding.outcome {
            deciding = d;
        }
    }
    Some(Decision::new(
        deciding.tier,
        deciding.currency,
        reasons,
        deciding.thresholds,
    ))
}

fn malformation(claim: &Claim) -> Option<Malformation> {
    let currency = claim.total.currency();
    if claim.legs.is_empty() {
        return Some(Malformation::NoLegs);
    }
    if claim.legs.iter().any(|l| l.amount.currency() != currency) {
        return Some(Malformation::MixedCurrencies);
    }
    if claim.legs.iter().any(|l| !l.amount.is_positive()) {
        return Some(Malformation::NonPositiveLeg);
    }
    let sum = claim
        .legs
        .iter()
        .fold(0i128, |s, l| s.saturating_add(l.amount.to_minor_i128()));
    (sum != claim.total.to_minor_i128()).then_some(Malformation::LegsDoNotAddUp)
}
