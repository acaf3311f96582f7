//! Whole decisions: clock set backwards, malformed claims, unsupported currencies, unattended
//! runs, the JSON form, determinism.

use crate::support::{claim, established, krw, leg, now, usd_cents};
use chrono::Duration;
use tipvault_money::{Currency, Money};
use tipvault_risk::reason::Malformation;
use tipvault_risk::{Detail, History, NetworkHash, Outcome, RuleId, Settings, assess};

#[test]
fn a_clock_set_backwards_pauses_with_a_reason() {
    let history = established();
    let newest = history.newest().unwrap();
    let d = assess(
        &history,
        &Settings::default(),
        &claim(newest - Duration::minutes(1), krw(10_000)),
    );
    assert_eq!(d.outcome, Outcome::Pause);
    let reason = &d.reasons[0];
    assert_eq!(reason.rule, RuleId::ClockBackwards);
    assert!(
        matches!(reason.detail, Detail::ClockBackwards { newest_at, .. } if newest_at == newest)
    );
    assert!(reason.text.en.contains("clock"), "{}", reason.text.en);
    assert!(reason.text.ko.contains("시계"), "{}", reason.text.ko);
    // At the same instant as the newest record: fine.
    let same = assess(&history, &Settings::default(), &claim(newest, krw(10_000)));
    assert!(!same.fired(RuleId::ClockBackwards));
}

#[test]
fn a_verification_or_dispute_in_the_future_also_reveals_the_clock() {
    let mut history = established();
    history.last_verification = Some(now() + Duration::days(365));
    let d = assess(&history, &Settings::default(), &claim(now(), krw(10_000)));
    assert!(d.fired(RuleId::ClockBackwards));
    assert_eq!(d.outcome, Outcome::Pause);
}

#[test]
fn a_clock_far_in_the_past_does_not_crash_and_is_still_judged() {
    let history = established();
    let d = assess(
        &history,
        &Settings::default(),
        &claim(now() - Duration::days(3650), krw(999_999)),
    );
    assert!(d.fired(RuleId::ClockBackwards));
    assert!(d.fired(RuleId::OverClaimLimit), "the other rules still run");
    assert_eq!(d.outcome, Outcome::Deny);
}

#[test]
fn malformed_claims_are_refused_with_what_is_wrong() {
    let cases = [
        (vec![], krw(10_000), Malformation::NoLegs),
        (
            vec![leg("telco", "phone-own", usd_cents(10_00))],
            krw(10_000),
            Malformation::MixedCurrencies,
        ),
        (
            vec![
                leg("telco", "phone-own", krw(0)),
                leg("telco", "phone-own", krw(10_000)),
            ],
            krw(10_000),
            Malformation::NonPositiveLeg,
        ),
        (
            vec![leg("telco", "phone-own", krw(9_999))],
            krw(10_000),
            Malformation::LegsDoNotAddUp,
        ),
    ];
    for (legs, total, problem) in cases {
        let mut c = claim(now(), total);
        c.legs = legs;
        let d = assess(&established(), &Settings::default(), &c);
        assert_eq!(d.outcome, Outcome::Deny);
        assert_eq!(d.reasons.len(), 1);
        assert_eq!(d.reasons[0].detail, Detail::MalformedClaim { problem });
    }
}

#[test]
fn a_currency_without_limits_is_refused_not_unlimited() {
    let eur = Money::from_minor(10_00, Currency::EUR);
    let d = assess(
        &History::default(),
        &Settings::default(),
        &claim(now(), eur),
    );
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(d.fired(RuleId::NoLimitsForCurrency));
    assert!(d.thresholds.is_none());
}

#[test]
fn every_fired_rule_is_reported_and_the_strictest_wins() {
    let mut c = claim(now(), krw(50_000));
    c.network = NetworkHash::new("net-elsewhere");
    c.legs = vec![leg("newco", "phone-new", krw(50_000))];
    let d = assess(&established(), &Settings::default(), &c);
    let rules: Vec<RuleId> = d.reasons.iter().map(|r| r.rule).collect();
    assert_eq!(
        rules,
        [
            RuleId::OverClaimLimit,
            RuleId::AboveUsualRange,
            RuleId::NewDestination,
            RuleId::NewProvider,
            RuleId::NewNetwork
        ]
    );
    assert_eq!(d.outcome, Outcome::Deny);
    assert!(d.summary.en.starts_with("Refused") && d.summary.ko.starts_with("거절"));
}

#[test]
fn unattended_step_ups_become_pauses_and_nothing_else_changes() {
    let mut c = claim(now(), krw(10_000));
    c.network = NetworkHash::new("net-elsewhere");
    let d = assess(&established(), &Settings::default(), &c).unattended();
    assert_eq!(d.outcome, Outcome::Pause);
    assert_eq!(d.reasons.last().unwrap().rule, RuleId::Unattended);
    let allowed = assess(
        &established(),
        &Settings::default(),
        &claim(now(), krw(10_000)),
    );
    assert_eq!(allowed.clone().unattended(), allowed);
    let denied = assess(
        &established(),
        &Settings::default(),
        &claim(now(), krw(90_000)),
    );
    assert_eq!(denied.clone().unattended(), denied);
}

#[test]
fn the_decision_serialises_for_the_ui() {
    let d = assess(
        &History::default(),
        &Settings::default(),
        &claim(now(), krw(31_000)),
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["outcome"], "deny");
    assert_eq!(json["tier"], "new");
    assert_eq!(json["reasons"][0]["rule"], "over_claim_limit");
    assert_eq!(json["reasons"][0]["detail"]["kind"], "over_claim_limit");
    assert_eq!(json["reasons"][0]["detail"]["limit"]["amount"], "30000");
    assert!(
        json["reasons"][0]["text"]["ko"]
            .as_str()
            .unwrap()
            .contains("30,000원")
    );
}

#[test]
fn the_same_input_always_gives_the_same_decision() {
    let mut c = claim(now(), krw(25_000));
    c.network = NetworkHash::new("net-x");
    let first = assess(&established(), &Settings::default(), &c);
    for _ in 0..5 {
        assert_eq!(assess(&established(), &Settings::default(), &c), first);
    }
}

#[test]
fn a_plan_in_several_currencies_gets_its_strictest_claims_outcome() {
    let history = established();
    let settings = Settings::default();
    let small = claim(now(), krw(10_000));
    let huge = claim(now(), usd_cents(9_999_999));
    let alone = assess(&history, &settings, &small);
    let strict = assess(&history, &settings, &huge);
    assert!(strict.outcome > alone.outcome, "{strict:?}");
    let both = tipvault_risk::assess_each(&history, &settings, &[small, huge]).unwrap();
    assert_eq!(both.outcome, strict.outcome);
    assert_eq!(
        both.currency,
        Currency::USD,
        "shown in the deciding claim's currency"
    );
    for reason in alone.reasons.iter().chain(&strict.reasons) {
        assert_eq!(
            both.reasons.iter().filter(|r| *r == reason).count(),
            1,
            "every reason once: {reason:?}"
        );
    }
    assert_eq!(tipvault_risk::assess_each(&history, &settings, &[]), None);
}

#[test]
fn a_claim_in_two_currencies_counts_once_and_is_a_sample_of_each() {
    let mut across = crate::support::confirmed(now() - Duration::days(1), krw(10_000), false);
    across
        .legs
        .push(leg("creator-credit", "gift-card", usd_cents(25_00)));
    let history = History {
        claims: vec![across],
        ..History::default()
    };
    for (currency, median) in [
        (Currency::KRW, krw(10_000)),
        (Currency::USD, usd_cents(25_00)),
    ] {
        let profile = tipvault_risk::Profile::learn(&history, currency, now());
        assert_eq!(profile.confirmed, 1, "one redemption, counted once");
        let amounts = profile.amounts.expect("a sample in {currency}");
        assert_eq!((amounts.samples, amounts.median), (1, median));
    }
}
