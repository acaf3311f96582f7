//! Reasons: why a rule fired, as structured data for the UI and as plain text in English and
//! Korean.
//!
//! Decision: the text is rendered here, next to the numbers, so the CLI, the desktop and the
//! audit log all say the same thing; the UI may still render its own from [`Detail`], which
//! carries every number (amounts as exact money, thresholds, times).

use crate::decision::Outcome;
use crate::history::{DestinationFingerprint, ProductKind, ProviderId};
use crate::rules::RuleId;
use crate::tier::Tier;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_money::{Currency, Locale, Money, format};

/// The same message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// English.
    pub en: String,
    /// Korean.
    pub ko: String,
}

impl Text {
    /// The text in `locale`.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Ko => &self.ko,
        }
    }
}

/// What was wrong with a claim's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Malformation {
    /// No legs.
    NoLegs,
    /// A leg is in another currency than the total.
    MixedCurrencies,
    /// A leg is zero or negative.
    NonPositiveLeg,
    /// The legs do not add up to the total.
    LegsDoNotAddUp,
}

/// The numbers behind a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// See [`RuleId::MalformedClaim`].
    MalformedClaim {
        /// What is wrong.
        problem: Malformation,
    },
    /// See [`RuleId::NoLimitsForCurrency`].
    NoLimitsForCurrency {
        /// The currency.
        currency: Currency,
    },
    /// See [`RuleId::ClockBackwards`].
    ClockBackwards {
        /// The claim's time.
        claim_at: DateTime<Utc>,
        /// The newest time in the history.
        newest_at: DateTime<Utc>,
    },
    /// See [`RuleId::OverClaimLimit`].
    OverClaimLimit {
        /// The claim.
        amount: Money,
        /// The limit.
        limit: Money,
        /// Whether the user set this limit themselves.
        set_by_user: bool,
    },
    /// See [`RuleId::OverDailyLimit`].
    OverDailyLimit {
        /// Already redeemed in the last 24 hours.
        used: Money,
        /// The claim.
        amount: Money,
        /// The limit.
        limit: Money,
        /// Whether the user set this limit themselves.
        set_by_user: bool,
    },
    /// See [`RuleId::NewTier`].
    NewTier {
        /// Confirmed claims so far.
        confirmed: u32,
        /// Claims still needed to become established.
        claims_needed: u32,
        /// Days still needed to become established.
        days_needed: i64,
    },
    /// See [`RuleId::AboveUsualRange`].
    AboveUsualRange {
        /// The claim.
        amount: Money,
        /// The usual (median) claim.
        median: Money,
        /// The 90th percentile.
        p90: Money,
        /// The threshold.
        threshold: Money,
    },
    /// [`RuleId::AboveUsualRange`] without enough history in this currency to know a range.
    NoUsualRangeYet {
        /// Claims in this currency so far.
        samples: usize,
        /// Claims needed.
        needed: usize,
    },
    /// See [`RuleId::NewDestination`].
    NewDestination {
        /// What the leg buys there.
        product: ProductKind,
        /// The destination.
        destination: DestinationFingerprint,
        /// Its provider.
        provider: ProviderId,
    },
    /// See [`RuleId::NewProvider`].
    NewProvider {
        /// The provider.
        provider: ProviderId,
    },
    /// See [`RuleId::NewNetwork`].
    NewNetwork {
        /// The window, in days.
        window_days: i64,
    },
    /// See [`RuleId::Burst`].
    Burst {
        /// Claims in the last hour, this one included.
        count: u32,
        /// The threshold.
        threshold: u32,
    },
    /// See [`RuleId::CumulativeSinceVerification`].
    CumulativeSinceVerification {
        /// Unverified claims in a row, this one included.
        claims: u32,
        /// The claim threshold.
        claim_threshold: u32,
        /// Unverified money in a row, this one included.
        sum: Money,
        /// The sum threshold.
        sum_threshold: Money,
        /// The last verification.
        since: Option<DateTime<Utc>>,
    },
    /// See [`RuleId::Unattended`].
    Unattended,
}

/// Why a decision is what it is: one fired rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The rule.
    pub rule: RuleId,
    /// What the rule asks for.
    pub outcome: Outcome,
    /// The numbers.
    pub detail: Detail,
    /// Plain language, English and Korean.
    pub text: Text,
}

impl Reason {
    /// A reason from its rule, outcome and numbers, with its text rendered.
    pub fn new(rule: RuleId, outcome: Outcome, detail: Detail) -> Reason {
        let text = render(&detail);
        Reason {
            rule,
            outcome,
            detail,
            text,
        }
    }
}

fn en(m: &Money) -> String {
    format(m, Locale::En)
}

fn ko(m: &Money) -> String {
    format(m, Locale::Ko)
}

/// A count and its English noun, singular for one ("1 redemption", "3 redemptions"); Korean
/// counts need no plural.
pub fn count_en(n: impl Into<i64>, one: &str, other: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { other })
}

fn when(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A product kind in a sentence (English with its article, Korean as a noun).
fn product_words(kind: ProductKind) -> (&'static str, &'static str) {
    match kind {
        ProductKind::MobileTopUp => ("a mobile top-up", "모바일 충전"),
        ProductKind::Donation => ("a donation", "기부"),
        ProductKind::TransitCredit => ("transit credit", "교통 카드 충전"),
        ProductKind::GiftCard => ("a gift card", "상품권"),
        ProductKind::BankPayout => ("a bank payout", "계좌 지급"),
    }
}

fn render(detail: &Detail) -> Text {
    let (en, ko) = match detail {
        Detail::MalformedClaim { problem } => {
            let (e, k) = match problem {
                Malformation::NoLegs => ("it has no legs", "항목이 없습니다"),
                Malformation::MixedCurrencies => (
                    "its legs are in more than one currency",
                    "항목의 통화가 서로 다릅니다",
                ),
                Malformation::NonPositiveLeg => (
                    "a leg is zero or negative",
                    "금액이 0 이하인 항목이 있습니다",
                ),
                Malformation::LegsDoNotAddUp => (
                    "its legs do not add up to its total",
                    "항목의 합이 총액과 다릅니다",
                ),
            };
            (
                format!("This redemption was refused because {e}. Preview it again."),
                format!("이 청구는 거절되었습니다: {k}. 미리보기를 다시 만들어 주세요."),
            )
        }
        Detail::NoLimitsForCurrency { currency } => (
            format!("Redemptions in {currency} are not supported yet: there are no limits for it."),
            format!("{currency} 통화의 한도가 없어 아직 청구할 수 없습니다."),
        ),
        Detail::ClockBackwards {
            claim_at,
            newest_at,
        } => (
            format!(
                "This device's clock seems to be set back: this redemption is dated {}, before \
                 your newest record ({}). It waits until the clock is right; check the date and \
                 time settings.",
                when(claim_at),
                when(newest_at)
            ),
            format!(
                "기기 시계가 과거로 맞춰진 것 같습니다. 이 청구 시각({})이 가장 최근 기록({})보다 \
                 이릅니다. 시계가 바로잡힐 때까지 대기합니다. 날짜와 시간 설정을 확인해 주세요.",
                when(claim_at),
                when(newest_at)
            ),
        ),
        Detail::OverClaimLimit {
            amount,
            limit,
            set_by_user,
        } => {
            let (whose_en, whose_ko) = if *set_by_user {
                ("your own limit", "직접 정한 한도")
            } else {
                ("your limit", "한도")
            };
            (
                format!(
                    "This redemption of {} is over {whose_en} of {} per redemption. Redeem less, \
                     or raise the limit (that needs your security key).",
                    en(amount),
                    en(limit)
                ),
                format!(
                    "이 청구 금액({})이 1회 {whose_ko}({})를 넘습니다. 금액을 줄이거나 한도를 \
                     올려 주세요(보안 키 확인이 필요합니다).",
                    ko(amount),
                    ko(limit)
                ),
            )
        }
        Detail::OverDailyLimit {
            used,
            amount,
            limit,
            set_by_user,
        } => {
            let (whose_en, whose_ko) = if *set_by_user {
                ("your own limit", "직접 정한 한도")
            } else {
                ("your limit", "한도")
            };
            (
                format!(
                    "You have redeemed {} in the last 24 hours; this {} more would pass {whose_en} \
                     of {} per 24 hours. Wait, or redeem less.",
                    en(used),
                    en(amount),
                    en(limit)
                ),
                format!(
                    "최근 24시간 청구액은 {}입니다. 이번 청구({})까지 더하면 24시간 {whose_ko}({})를 \
                     넘습니다. 나중에 다시 하거나 금액을 줄여 주세요.",
                    ko(used),
                    ko(amount),
                    ko(limit)
                ),
            )
        }
        Detail::NewTier {
            confirmed,
            claims_needed,
            days_needed,
        } => (
            format!(
                "Your account is new ({} so far), so every redemption is confirmed with your \
                 security key. This stops after {} and {}.",
                count_en(*confirmed, "confirmed redemption", "confirmed redemptions"),
                count_en(*claims_needed, "more redemption", "more redemptions"),
                count_en(*days_needed, "more day", "more days"),
            ),
            format!(
                "새 계정이라(확인된 청구 {confirmed}건) 모든 청구를 보안 키로 확인합니다. 청구 \
                 {claims_needed}건과 {days_needed}일이 더 지나면 필요 없어집니다."
            ),
        ),
        Detail::AboveUsualRange {
            amount,
            median,
            p90,
            threshold,
        } => (
            format!(
                "{} is more than you usually redeem (usually {}, at most about {}): above {} \
                 we ask you to confirm.",
                en(amount),
                en(median),
                en(p90),
                en(threshold)
            ),
            format!(
                "이번 청구({})는 평소보다 큽니다(보통 {}, 많아도 약 {}). 기준 금액({})을 넘으면 \
                 확인을 요청합니다.",
                ko(amount),
                ko(median),
                ko(p90),
                ko(threshold)
            ),
        ),
        Detail::NoUsualRangeYet { samples: 0, needed } => (
            format!(
                "You have no redemptions in this currency yet, so your usual amounts are not \
                 known ({needed} needed), and we ask you to confirm."
            ),
            format!(
                "이 통화의 청구가 아직 없어 평소 금액을 알 수 없습니다({needed}건 필요). \
                 확인을 요청합니다."
            ),
        ),
        Detail::NoUsualRangeYet { samples, needed } => (
            format!(
                "There {} only {samples} {} in this currency, too few to know your usual \
                 amounts ({needed} needed), so we ask you to confirm.",
                if *samples == 1 { "is" } else { "are" },
                if *samples == 1 {
                    "redemption"
                } else {
                    "redemptions"
                }
            ),
            format!(
                "이 통화의 청구가 {samples}건뿐이라 평소 금액을 아직 알 수 없습니다({needed}건 \
                 필요). 확인을 요청합니다."
            ),
        ),
        Detail::NewDestination {
            product,
            destination,
            provider,
        } => {
            let (en, ko) = product_words(*product);
            (
                format!(
                    "This sends {en} to a destination you have not used before (…{}, via \
                     {provider}).",
                    destination.tail()
                ),
                format!(
                    "{ko}: 처음 사용하는 받는 곳입니다(…{}, {provider}).",
                    destination.tail()
                ),
            )
        }
        Detail::NewProvider { provider } => (
            format!("You have not redeemed with {provider} before."),
            format!("{provider}에서 청구하는 것은 처음입니다."),
        ),
        Detail::NewNetwork { window_days } => (
            format!(
                "This redemption comes from a network you have not used in the last \
                 {window_days} days."
            ),
            format!("최근 {window_days}일 동안 사용하지 않은 네트워크에서 한 청구입니다."),
        ),
        Detail::Burst { count, threshold } => (
            format!(
                "This is redemption number {count} within an hour; more than {threshold} in an \
                 hour needs your confirmation."
            ),
            format!(
                "한 시간 안에 {count}번째 청구입니다. 한 시간에 {threshold}건을 넘으면 확인이 \
                 필요합니다."
            ),
        ),
        Detail::CumulativeSinceVerification {
            claims,
            claim_threshold,
            sum,
            sum_threshold,
            since,
        } => {
            let (since_en, since_ko) = since.as_ref().map_or_else(
                || ("ever".to_owned(), "처음부터".to_owned()),
                |at| (format!("since {}", when(at)), format!("{} 이후", when(at))),
            );
            (
                format!(
                    "{} totalling {} without confirmation {since_en}: after \
                     {claim_threshold} redemptions or {} we ask you to confirm again.",
                    count_en(*claims, "redemption", "redemptions"),
                    en(sum),
                    en(sum_threshold)
                ),
                format!(
                    "{since_ko} 확인 없이 {claims}건(합계 {})을 청구했습니다. {claim_threshold}건이나 \
                     기준 금액({})을 넘으면 다시 확인을 요청합니다.",
                    ko(sum),
                    ko(sum_threshold)
                ),
            )
        }
        Detail::Unattended => (
            "This automatic cash-out needs your confirmation, so it waits until you confirm or \
             cancel it."
                .to_owned(),
            "자동 청구에 확인이 필요해 직접 확인하거나 취소할 때까지 대기합니다.".to_owned(),
        ),
    };
    Text { en, ko }
}

/// A decision's one-line summary.
pub fn summary(outcome: Outcome, tier: Tier) -> Text {
    let (tier_en, tier_ko) = tier.name();
    let (en, ko) = match outcome {
        Outcome::Allow => ("Allowed", "허용"),
        Outcome::StepUp => (
            "Confirm with your security key to continue",
            "계속하려면 보안 키로 확인해 주세요",
        ),
        Outcome::Pause => (
            "Paused: this redemption waits until you confirm or cancel it",
            "일시 정지: 확인하거나 취소할 때까지 대기합니다",
        ),
        Outcome::Deny => ("Refused", "거절"),
    };
    Text {
        en: format!("{en} ({tier_en} account)."),
        ko: format!("{ko} ({tier_ko} 계정)."),
    }
}
