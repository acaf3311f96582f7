//! The headroom the planner is given agrees with the gate: a claim of exactly the headroom
//! passes the limit rules, one unit more is refused.

use crate::support::*;
use chrono::Duration;
use tipvault_money::{Currency, Money};
use tipvault_risk::limits::LimitKind;
use tipvault_risk::{History, RuleId, Settings, assess, headroom};

fn over_a_limit(history: &History, amount: Money) -> bool {
    let d = assess(history, &Settings::default(), &claim(now(), amount));
    d.fired(RuleId::OverClaimLimit) || d.fired(RuleId::OverDailyLimit)
}

fn agrees_with_the_gate(history: &History, currency: Currency) -> Money {
    let h = headroom(history, &Settings::default(), currency, now()).expect("limits");
    if h.now.is_positive() {
        assert!(
            !over_a_limit(history, h.now),
            "the headroom itself passes: {h:?}"
        );
    }
    let one_more = Money::from_minor(h.now.to_minor().unwrap() + 1, currency);
    assert!(
        over_a_limit(history, one_more),
        "one unit more is refused: {h:?}"
    );
    h.now
}

#[test]
fn a_new_account_may_cash_out_its_per_redemption_limit() {
    let empty = History::default();
    let h = headroom(&empty, &Settings::default(), Currency::KRW, now()).unwrap();
    assert_eq!((h.now, h.bound_by), (krw(30_000), LimitKind::PerClaim));
    assert_eq!(
        h.text.en,
        "You can cash out up to ₩30,000 now: the new tier's limit for one redemption."
    );
    assert!(h.text.ko.contains("30,000원"), "{}", h.text.ko);
    assert_eq!(agrees_with_the_gate(&empty, Currency::KRW), krw(30_000));
    assert_eq!(
        agrees_with_the_gate(&empty, Currency::USD),
        usd_cents(2_500)
    );
}

#[test]
fn what_the_last_24_hours_used_lowers_it_to_the_days_rest() {
    // A new account (₩100,000 a day): ₩80,000 in the last 24 hours leaves ₩20,000.
    let mut history = History::default();
    for (hours, amount) in [(20, 30_000), (10, 30_000), (2, 20_000)] {
        history
            .claims
            .push(confirmed(now() - Duration::hours(hours), krw(amount), true));
    }
    let h = headroom(&history, &Settings::default(), Currency::KRW, now()).unwrap();
    assert_eq!((h.now, h.bound_by), (krw(20_000), LimitKind::PerDay));
    assert_eq!(h.used_today, krw(80_000));
    assert!(
        h.text.en.contains("₩80,000 of the ₩100,000 daily limit"),
        "{}",
        h.text.en
    );
    assert_eq!(agrees_with_the_gate(&history, Currency::KRW), krw(20_000));
}

#[test]
fn an_established_user_gets_the_learned_limit() {
    let history = established();
    agrees_with_the_gate(&history, Currency::KRW);
}
