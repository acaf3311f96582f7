//! How much may be cashed out right now, and why: what the planner is given, so a preview never
//! plans above what the gate would allow.
//!
//! Decision: the headroom is the lower of the per-claim limit and what the rolling 24-hour
//! limit has left, computed from the same [`Thresholds`] and profile the gate judges with, so
//! the two can never disagree. It bounds what a *claim* debits (amount + fee, in the claim's
//! currency); other rules (a step-up, a pause) do not lower it: they ask, they do not refuse.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_money::{Currency, Locale, Money, format};

use crate::history::History;
use crate::limits::LimitKind;
use crate::profile::Profile;
use crate::reason::Text;
use crate::rules::Thresholds;
use crate::settings::Settings;
use crate::tier::tier_of;

/// What may leave now in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headroom {
    /// The currency.
    pub currency: Currency,
    /// The most one redemption may debit now (never negative).
    pub now: Money,
    /// Which limit binds.
    pub bound_by: LimitKind,
    /// The per-claim limit.
    pub per_claim: Money,
    /// The per-day limit.
    pub per_day: Money,
    /// Debited within the trailing 24 hours.
    pub used_today: Money,
    /// Whether the binding limit is one the user lowered.
    pub set_by_user: bool,
    /// "You can cash out up to ₩30,000 now: a new account's limit for one redemption."
    pub text: Text,
}

/// The headroom in `currency` at `now`; `None` when the currency has no limits (every claim in
/// it is refused, so nothing may be planned either).
pub fn headroom(
    history: &History,
    settings: &Settings,
    currency: Currency,
    now: DateTime<Utc>,
) -> Option<Headroom> {
    let profile = Profile::learn(history, currency, now);
    let tier = tier_of(&profile);
    let t = Thresholds::compute(tier, &profile, &settings.limits)?;
    let used = profile.last_day.sum;
    let day_left = (t.limits.per_day.to_minor_i128() - used.to_minor_i128()).max(0);
    let claim = t.limits.per_claim.to_minor_i128();
    let (minor, bound_by, set_by_user) = if day_left < claim {
        (day_left, LimitKind::PerDay, t.limits.per_day_set_by_user)
    } else {
        (claim, LimitKind::PerClaim, t.limits.per_claim_set_by_user)
    };
    let now_money = Money::from_minor_i128(minor, currency).ok()?;
    let (tier_en, tier_ko) = tier.name();
    let (amount_en, amount_ko) = (
        format(&now_money, Locale::En),
        format(&now_money, Locale::Ko),
    );
    let (used_en, used_ko) = (format(&used, Locale::En), format(&used, Locale::Ko));
    let text = match (bound_by, set_by_user) {
        (LimitKind::PerClaim, false) => Text {
            en: format!(
                "You can cash out up to {amount_en} now: the {tier_en} tier's limit for one \
                 redemption."
            ),
            ko: format!(
                "지금은 최대 {amount_ko}까지 현금화할 수 있습니다: {tier_ko} 등급의 1회 한도입니다."
            ),
        },
        (LimitKind::PerClaim, true) => Text {
            en: format!(
                "You can cash out up to {amount_en} now: the limit you set for one redemption."
            ),
            ko: format!(
                "지금은 최대 {amount_ko}까지 현금화할 수 있습니다: 직접 정한 1회 한도입니다."
            ),
        },
        (LimitKind::PerDay, _) => Text {
            en: format!(
                "You can cash out up to {amount_en} now: {used_en} of the {} daily limit{} \
                 was used in the last 24 hours.",
                format(&t.limits.per_day, Locale::En),
                if set_by_user { " you set" } else { "" }
            ),
            ko: format!(
                "지금은 최대 {amount_ko}까지 현금화할 수 있습니다: 최근 24시간 동안 {}의 {}일일 한도 중 {used_ko}을(를) 사용했습니다.",
                format(&t.limits.per_day, Locale::Ko),
                if set_by_user { "직접 정한 " } else { "" }
            ),
        },
    };
    Some(Headroom {
        currency,
        now: now_money,
        bound_by,
        per_claim: t.limits.per_claim,
        per_day: t.limits.per_day,
        used_today: used,
        set_by_user,
        text,
    })
}
