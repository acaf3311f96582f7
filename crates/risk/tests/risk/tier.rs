//! Tier transitions at their boundaries.

use crate::support::{daily, krw, now};
use chrono::Duration;
use tipvault_money::Currency;
use tipvault_risk::tier::progress;
use tipvault_risk::{ClaimId, Dispute, History, Profile, Tier};

fn tier(history: &History) -> Tier {
    progress(&Profile::learn(history, Currency::KRW, now())).tier
}

#[test]
fn nobody_starts_above_new() {
    let p = progress(&Profile::learn(&History::default(), Currency::KRW, now()));
    assert_eq!(p.tier, Tier::New);
    assert_eq!((p.claims_needed, p.days_needed), (5, 7));
}

#[test]
fn established_needs_five_claims_and_seven_days() {
    // daily(n, _, last): the first claim is (last + n − 1) days ago.
    assert_eq!(
        tier(&daily(5, krw(1_000), 3)),
        Tier::Established,
        "first claim 7 days ago"
    );
    assert_eq!(
        tier(&daily(5, krw(1_000), 2)),
        Tier::New,
        "first claim only 6 days ago"
    );
    assert_eq!(
        tier(&daily(4, krw(1_000), 10)),
        Tier::New,
        "4 claims are not enough"
    );
}

#[test]
fn trusted_needs_twenty_claims_thirty_days_and_no_dispute() {
    assert_eq!(
        tier(&daily(20, krw(1_000), 11)),
        Tier::Trusted,
        "first claim 30 days ago"
    );
    assert_eq!(
        tier(&daily(20, krw(1_000), 10)),
        Tier::Established,
        "first claim 29 days ago"
    );
    assert_eq!(
        tier(&daily(19, krw(1_000), 20)),
        Tier::Established,
        "19 claims"
    );
    let mut disputed = daily(40, krw(1_000), 1);
    disputed.disputes.push(Dispute {
        at: now() - Duration::days(100),
        claim: ClaimId::new("old"),
    });
    assert_eq!(
        tier(&disputed),
        Tier::Established,
        "any dispute blocks trusted"
    );
}

#[test]
fn progress_counts_what_is_missing() {
    let p = progress(&Profile::learn(
        &daily(3, krw(1_000), 1),
        Currency::KRW,
        now(),
    ));
    assert_eq!(p.tier, Tier::New);
    assert_eq!(p.days, 3);
    assert_eq!((p.claims_needed, p.days_needed), (2, 4));
    let p = progress(&Profile::learn(
        &daily(40, krw(1_000), 1),
        Currency::KRW,
        now(),
    ));
    assert_eq!((p.tier, p.next), (Tier::Trusted, None));
}

#[test]
fn the_tier_drops_when_history_behind_it_is_gone() {
    let mut history = daily(10, krw(1_000), 1);
    assert_eq!(tier(&history), Tier::Established);
    history.claims.truncate(4); // e.g. expired under retention
    assert_eq!(tier(&history), Tier::New);
}
