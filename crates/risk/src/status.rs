//! The user's standing and the rule book: what `risk status` / `risk limits` and the desktop's
//! "tier and limits" page show.
//!
//! Decision: the rule book is built from the same [`Thresholds`] that [`assess`](crate::assess)
//! uses, so what the user reads is exactly what is checked.

use crate::decision::Outcome;
use crate::history::History;
use crate::profile::Profile;
use crate::reason::Text;
use crate::rules::{RuleId, Thresholds};
use crate::settings::Settings;
use crate::tier::{TierProgress, progress};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_money::{Currency, Locale, Money, format};

/// One rule as the user sees it: what it checks, with its threshold, and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleView {
    /// The rule.
    pub rule: RuleId,
    /// What it asks for when it fires.
    pub outcome: Outcome,
    /// What it checks, with the threshold now in force.
    pub text: Text,
}

/// Standing, habits and rules for one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Tier and progress to the next.
    pub progress: TierProgress,
    /// The learned habits.
    pub profile: Profile,
    /// The thresholds in force (`None` when the currency has no limits).
    pub thresholds: Option<Thresholds>,
    /// The rule book.
    pub rules: Vec<RuleView>,
}

/// The user's standing in `currency` at `now`.
pub fn status(
    history: &History,
    settings: &Settings,
    currency: Currency,
    now: DateTime<Utc>,
) -> Status {
    let profile = Profile::learn(history, currency, now);
    let progress = progress(&profile);
    let thresholds = Thresholds::compute(progress.tier, &profile, &settings.limits);
    let rules = thresholds.as_ref().map(rule_book).unwrap_or_default();
    Status {
        progress,
        profile,
        thresholds,
        rules,
    }
}

fn both(m: &Money) -> (String, String) {
    (format(m, Locale::En), format(m, Locale::Ko))
}

/// Every rule that can fire on a claim, with its threshold, in check order.
pub fn rule_book(t: &Thresholds) -> Vec<RuleView> {
    let view = |rule, outcome, en: String, ko: String| RuleView {
        rule,
        outcome,
        text: Text { en, ko },
    };
    let (claim_en, claim_ko) = both(&t.limits.per_claim);
    let (day_en, day_ko) = both(&t.limits.per_day);
    let (sum_en, sum_ko) = both(&t.cumulative_sum);
    let (tier_en, tier_ko) = t.tier.name();
    let usual = match t.usual_range {
        Some(r) => {
            let (above_en, above_ko) = both(&r.above);
            (
                format!(
                    "A redemption above {above_en} is confirmed (from your usual amounts: \
                     typically {}, at most about {}).",
                    format(&r.median, Locale::En),
                    format(&r.p90, Locale::En)
                ),
                format!(
                    "기준 금액({above_ko})을 넘는 청구는 확인합니다(평소 금액: 보통 {}, 많아도 약 {}).",
                    format(&r.median, Locale::Ko),
                    format(&r.p90, Locale::Ko)
                ),
            )
        }
        None => (
            format!(
                "Until there are {} redemptions in this currency, every one is confirmed.",
                crate::rules::USUAL_RANGE_MIN_SAMPLES
            ),
            format!(
                "이 통화의 청구가 {}건이 될 때까지 모두 확인합니다.",
                crate::rules::USUAL_RANGE_MIN_SAMPLES
            ),
        ),
    };
    let mut rules = vec![
        view(
            RuleId::ClockBackwards,
            Outcome::Pause,
            "A redemption dated before your newest record (a clock set back) waits.".into(),
            "가장 최근 기록보다 이른 시각의 청구(시계가 과거로 맞춰진 경우)는 대기합니다.".into(),
        ),
        view(
            RuleId::OverClaimLimit,
            Outcome::Deny,
            format!("More than {claim_en} in one redemption is refused ({tier_en} account)."),
            format!("1회 한도({claim_ko})를 넘는 청구는 거절합니다({tier_ko} 계정)."),
        ),
        view(
            RuleId::OverDailyLimit,
            Outcome::Deny,
            format!("More than {day_en} within 24 hours is refused."),
            format!("24시간 한도({day_ko})를 넘는 청구는 거절합니다."),
        ),
    ];
    if t.tier == crate::tier::Tier::New {
        rules.push(view(
            RuleId::NewTier,
            Outcome::StepUp,
            "While your account is new, every redemption is confirmed.".into(),
            "신규 계정은 모든 청구를 확인합니다.".into(),
        ));
    }
    rules.extend([
        view(RuleId::AboveUsualRange, Outcome::StepUp, usual.0, usual.1),
        view(
            RuleId::NewDestination,
            Outcome::StepUp,
            "A destination you have not used before is confirmed.".into(),
            "처음 사용하는 받는 곳은 확인합니다.".into(),
        ),
        view(
            RuleId::NewProvider,
            Outcome::StepUp,
            "A provider you have not used before is confirmed.".into(),
            "처음 사용하는 제공자는 확인합니다.".into(),
        ),
        view(
            RuleId::NewNetwork,
            Outcome::StepUp,
            format!(
                "A network not used in the last {} days is confirmed.",
                t.network_window_days
            ),
            format!(
                "최근 {}일 동안 사용하지 않은 네트워크는 확인합니다.",
                t.network_window_days
            ),
        ),
        view(
            RuleId::Burst,
            Outcome::StepUp,
            format!(
                "More than {} redemptions within an hour are confirmed.",
                t.burst_per_hour
            ),
            format!("한 시간에 {}건을 넘는 청구는 확인합니다.", t.burst_per_hour),
        ),
        view(
            RuleId::CumulativeSinceVerification,
            Outcome::StepUp,
            format!(
                "After {} redemptions or {sum_en} without confirmation, the next is confirmed.",
                t.cumulative_claims
            ),
            format!(
                "확인 없이 {}건이나 합계 기준({sum_ko})을 넘으면 다음 청구를 확인합니다.",
                t.cumulative_claims
            ),
        ),
    ]);
    rules
}
