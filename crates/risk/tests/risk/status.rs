//! The rule book shows the thresholds that are really applied.

use crate::support::{claim, established, krw, now};
use tipvault_money::Currency;
use tipvault_risk::{History, Outcome, RuleId, Settings, Tier, assess, status};

#[test]
fn a_new_user_sees_the_new_tier_rules() {
    let s = status(
        &History::default(),
        &Settings::default(),
        Currency::KRW,
        now(),
    );
    assert_eq!(s.progress.tier, Tier::New);
    let rules: Vec<RuleId> = s.rules.iter().map(|r| r.rule).collect();
    assert!(rules.contains(&RuleId::NewTier));
    let limit = s
        .rules
        .iter()
        .find(|r| r.rule == RuleId::OverClaimLimit)
        .unwrap();
    assert_eq!(limit.outcome, Outcome::Deny);
    assert!(limit.text.en.contains("₩30,000") && limit.text.ko.contains("30,000원"));
}

#[test]
fn the_rule_book_matches_what_assess_applies() {
    let history = established();
    let s = status(&history, &Settings::default(), Currency::KRW, now());
    let d = assess(&history, &Settings::default(), &claim(now(), krw(10_000)));
    assert_eq!(s.thresholds, d.thresholds);
    let usual = s
        .rules
        .iter()
        .find(|r| r.rule == RuleId::AboveUsualRange)
        .unwrap();
    assert!(usual.text.en.contains("₩20,000"), "{}", usual.text.en);
    assert!(!s.rules.iter().any(|r| r.rule == RuleId::NewTier));
    for rule in &s.rules {
        assert!(!rule.text.en.is_empty() && !rule.text.ko.is_empty());
    }
}

#[test]
fn status_serialises() {
    let s = status(&established(), &Settings::default(), Currency::KRW, now());
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["progress"]["tier"], "established");
    assert_eq!(json["thresholds"]["limits"]["per_claim"]["amount"], "40000");
}
