//! `source`: platforms and sources serialise as the app layer stores them.

use super::common::source;
use tipvault_ledger::{PayoutRule, Platform, Source};
use tipvault_money::{Currency, Money};

#[test]
fn source_with_payout_rule_round_trips_through_json() {
    let mut s = source("toonation-main", Platform::Toonation, Currency::KRW);
    s.payout = Some(PayoutRule {
        threshold: Money::parse("40000", Currency::KRW).unwrap(),
        schedule: "request between the 1st and 10th; paid around month end".into(),
    });
    let json = serde_json::to_string(&s).unwrap();
    assert!(
        json.contains(r#""threshold":{"amount":"40000","currency":"KRW"}"#),
        "thresholds use money's machine form: {json}"
    );
    assert_eq!(serde_json::from_str::<Source>(&json).unwrap(), s);
}

#[test]
fn korean_platforms_need_a_profile_and_known_formats_do_not() {
    for p in [
        Platform::Toonation,
        Platform::Twip,
        Platform::Soop,
        Platform::Chzzk,
    ] {
        assert!(p.needs_profile(), "{p} has no public export format");
    }
    assert!(Platform::Generic("x".into()).needs_profile());
    assert!(!Platform::KoFi.needs_profile());
}
