//! Each rule fires just past its threshold and not at it.

use crate::support::{claim, confirmed, daily, established, krw, leg, now, trusted, usd_cents};
use chrono::Duration;
use tipvault_risk::rules::usual_threshold;
use tipvault_risk::{
    ClaimId, Detail, Dispute, History, NetworkHash, Outcome, RuleId, Settings, assess,
};

fn fired(history: &History, c: &tipvault_risk::Claim, rule: RuleId) -> bool {
    assess(history, &Settings::default(), c).fired(rule)
}

#[test]
fn an_established_habitual_claim_is_simply_allowed() {
    let d = assess(
        &established(),
        &Settings::default(),
        &claim(now(), krw(10_000)),
    );
    assert_eq!(d.outcome, Outcome::Allow, "{:?}", d.reasons);
    assert!(d.reasons.is_empty());
}

#[test]
fn over_claim_limit_at_the_boundary() {
    let new = History::default();
    assert!(!fired(
        &new,
        &claim(now(), krw(30_000)),
        RuleId::OverClaimLimit
    ));
    let d = assess(&new, &Settings::default(), &claim(now(), krw(30_001)));
    assert!(d.fired(RuleId::OverClaimLimit));
    assert_eq!(d.outcome, Outcome::Deny);
}

#[test]
fn over_daily_limit_counts_the_trailing_24_hours() {
    let mut history = History::default();
    for hours in [23, 10, 2] {
        history
            .claims
            .push(confirmed(now() - Duration::hours(hours), krw(25_000), true));
    }
    // ₩75,000 used; ₩25,000 more reaches ₩100,000 exactly.
    assert!(!fired(
        &history,
        &claim(now(), krw(25_000)),
        RuleId::OverDailyLimit
    ));
    let d = assess(&history, &Settings::default(), &claim(now(), krw(25_001)));
    assert!(d.fired(RuleId::OverDailyLimit));
    assert_eq!(d.outcome, Outcome::Deny);
    // A claim exactly 24 hours old no longer counts.
    history
        .claims
        .push(confirmed(now() - Duration::hours(24), krw(25_000), true));
    assert!(!fired(
        &history,
        &claim(now(), krw(25_000)),
        RuleId::OverDailyLimit
    ));
}

#[test]
fn new_tier_verifies_every_claim_and_established_does_not() {
    let d = assess(
        &daily(4, krw(10_000), 1),
        &Settings::default(),
        &claim(now(), krw(10_000)),
    );
    assert!(d.fired(RuleId::NewTier));
    assert_eq!(d.outcome, Outcome::StepUp);
    assert!(!fired(
        &established(),
        &claim(now(), krw(10_000)),
        RuleId::NewTier
    ));
}

#[test]
fn above_usual_range_at_the_boundary() {
    // All ₩10,000: threshold max(1.5 × 10,000, min(2 × 10,000, 8 × 10,000)) = ₩20,000.
    assert!(!fired(
        &established(),
        &claim(now(), krw(20_000)),
        RuleId::AboveUsualRange
    ));
    let d = assess(
        &established(),
        &Settings::default(),
        &claim(now(), krw(20_001)),
    );
    assert!(d.fired(RuleId::AboveUsualRange));
    assert_eq!(
        d.outcome,
        Outcome::StepUp,
        "under the ₩40,000 limit: verify, not refuse"
    );
    let Detail::AboveUsualRange {
        threshold,
        median,
        p90,
        ..
    } = &d.reasons[0].detail
    else {
        panic!("unexpected detail {:?}", d.reasons[0].detail)
    };
    assert_eq!(
        (*threshold, *median, *p90),
        (krw(20_000), krw(10_000), krw(10_000))
    );
}

#[test]
fn the_usual_threshold_formula() {
    assert_eq!(usual_threshold(10_000, 10_000), 20_000, "2 × p90");
    assert_eq!(
        usual_threshold(5_000, 20_000),
        40_000,
        "8 × median = 2 × p90"
    );
    assert_eq!(
        usual_threshold(5_000, 30_000),
        45_000,
        "8 × median, floored at 1.5 × p90"
    );
    assert_eq!(usual_threshold(1_000, 20_000), 30_000, "1.5 × p90 floor");
    assert_eq!(
        usual_threshold(2_000, 3_000),
        6_000,
        "2 × p90 below 8 × median"
    );
}

#[test]
fn too_little_history_in_a_currency_means_no_usual_range_yet() {
    // Established in KRW, first claim in USD.
    let d = assess(
        &established(),
        &Settings::default(),
        &claim(now(), usd_cents(10_00)),
    );
    assert!(d.reasons.iter().any(|r| matches!(
        r.detail,
        Detail::NoUsualRangeYet {
            samples: 0,
            needed: 5
        }
    )));
    assert_eq!(d.outcome, Outcome::StepUp);
}

#[test]
fn new_destination_and_provider() {
    let mut c = claim(now(), krw(10_000));
    c.legs = vec![
        leg("telco", "phone-other", krw(5_000)),
        leg("newco", "phone-own", krw(5_000)),
    ];
    let d = assess(&established(), &Settings::default(), &c);
    assert!(d.fired(RuleId::NewDestination) && d.fired(RuleId::NewProvider));
    assert_eq!(
        d.reasons.len(),
        2,
        "one reason each, nothing else: {:?}",
        d.reasons
    );
    // Seen destination and provider: neither fires.
    assert!(!fired(
        &established(),
        &claim(now(), krw(10_000)),
        RuleId::NewDestination
    ));
    assert!(!fired(
        &established(),
        &claim(now(), krw(10_000)),
        RuleId::NewProvider
    ));
}

#[test]
fn a_destination_repeated_in_one_claim_is_one_reason() {
    let mut c = claim(now(), krw(10_000));
    c.legs = vec![
        leg("telco", "phone-x", krw(5_000)),
        leg("telco", "phone-x", krw(5_000)),
    ];
    let d = assess(&established(), &Settings::default(), &c);
    assert_eq!(
        d.reasons
            .iter()
            .filter(|r| r.rule == RuleId::NewDestination)
            .count(),
        1
    );
}

#[test]
fn new_network_within_thirty_days() {
    let mut c = claim(now(), krw(10_000));
    c.network = NetworkHash::new("net-cafe");
    assert!(fired(&established(), &c, RuleId::NewNetwork));
    // Last seen just over 30 days ago: forgotten (the caller's retention drops it too).
    let old = daily(10, krw(10_000), 31);
    assert!(fired(&old, &claim(now(), krw(10_000)), RuleId::NewNetwork));
    let recent = daily(10, krw(10_000), 29);
    assert!(!fired(
        &recent,
        &claim(now(), krw(10_000)),
        RuleId::NewNetwork
    ));
}

#[test]
fn burst_fires_past_three_in_an_hour() {
    let mut history = established();
    for minutes in [50, 30] {
        history.claims.push(confirmed(
            now() - Duration::minutes(minutes),
            krw(10_000),
            false,
        ));
    }
    assert!(
        !fired(&history, &claim(now(), krw(10_000)), RuleId::Burst),
        "third in the hour"
    );
    history
        .claims
        .push(confirmed(now() - Duration::minutes(10), krw(10_000), false));
    let d = assess(&history, &Settings::default(), &claim(now(), krw(10_000)));
    assert!(d.fired(RuleId::Burst), "fourth in the hour");
    assert!(matches!(
        d.reasons[0].detail,
        Detail::Burst {
            count: 4,
            threshold: 3
        }
    ));
}

#[test]
fn burst_threshold_learns_the_busiest_hour_up_to_a_cap() {
    let mut history = established();
    let base = now() - Duration::days(3) + Duration::hours(3); // clear of the daily noon claims
    for i in 0..5 {
        history.claims.push(confirmed(
            base + Duration::minutes(5 * i),
            krw(10_000),
            true,
        ));
    }
    let d = assess(&history, &Settings::default(), &claim(now(), krw(10_000)));
    assert_eq!(d.thresholds.unwrap().burst_per_hour, 5);
    for i in 0..20 {
        history.claims.push(confirmed(
            base + Duration::minutes(30 + i),
            krw(1_000),
            true,
        ));
    }
    let d = assess(&history, &Settings::default(), &claim(now(), krw(10_000)));
    assert_eq!(
        d.thresholds.unwrap().burst_per_hour,
        10,
        "never more than 10 unverified"
    );
}

/// 120 daily claims, the last yesterday, verified up to `verified_through` (index), with a
/// dispute so the user stays established (threshold 100).
fn long_run(unverified: usize) -> History {
    let mut history = daily(120, krw(10_000), 1);
    history.last_verification = None;
    let cut = 120 - unverified;
    history.claims[cut - 1].verified = true;
    history.disputes.push(Dispute {
        at: now() - Duration::days(200),
        claim: ClaimId::new("x"),
    });
    history
}

#[test]
fn cumulative_count_since_verification() {
    let at = assess(
        &long_run(99),
        &Settings::default(),
        &claim(now(), krw(10_000)),
    );
    assert_eq!(at.tier, tipvault_risk::Tier::Established);
    assert!(
        !at.fired(RuleId::CumulativeSinceVerification),
        "100th unverified claim"
    );
    let past = assess(
        &long_run(100),
        &Settings::default(),
        &claim(now(), krw(10_000)),
    );
    assert!(
        past.fired(RuleId::CumulativeSinceVerification),
        "101st unverified claim"
    );
    assert_eq!(past.outcome, Outcome::StepUp);
}

#[test]
fn cumulative_sum_since_verification() {
    // A new USD user with imported unverified claims: $99 so far, floor $100.
    let claims = [25_00, 25_00, 25_00, 24_00]
        .iter()
        .enumerate()
        .map(|(i, cents)| {
            confirmed(
                now() - Duration::days(4 - i64::try_from(i).unwrap()),
                usd_cents(*cents),
                false,
            )
        })
        .collect();
    let history = History {
        claims,
        ..History::default()
    };
    assert!(!fired(
        &history,
        &claim(now(), usd_cents(1_00)),
        RuleId::CumulativeSinceVerification
    ));
    let d = assess(
        &history,
        &Settings::default(),
        &claim(now(), usd_cents(1_01)),
    );
    assert!(d.fired(RuleId::CumulativeSinceVerification));
    assert!(d.reasons.iter().any(|r| matches!(
        r.detail,
        Detail::CumulativeSinceVerification {
            claims: 5,
            claim_threshold: 5,
            ..
        }
    )));
}

#[test]
fn trusted_users_run_longer_without_verification() {
    let d = assess(&trusted(), &Settings::default(), &claim(now(), krw(10_000)));
    let t = d.thresholds.unwrap();
    assert_eq!(
        (t.tier, t.cumulative_claims),
        (tipvault_risk::Tier::Trusted, 200)
    );
    assert_eq!(t.cumulative_sum, krw(2_000_000), "200 × p90");
}
