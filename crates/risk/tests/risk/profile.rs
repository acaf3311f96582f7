//! The profile learned from history.

use crate::support::{claim, confirmed, daily, krw, leg, now, usd_cents};
use chrono::Duration;
use tipvault_money::Currency;
use tipvault_risk::{
    ClaimId, ConfirmedClaim, History, NETWORK_WINDOW_DAYS, NetworkHash, Profile, Settings, assess,
};

#[test]
fn amounts_are_claim_totals_in_the_profiles_currency() {
    let mut history = daily(5, krw(10_000), 1);
    // A two-leg claim counts as one ₩30,000 claim; a USD claim is left out of KRW habits.
    history.claims.push(ConfirmedClaim {
        id: ClaimId::new("split"),
        at: now() - Duration::hours(3),
        network: NetworkHash::new("net-home"),
        verified: false,
        legs: vec![
            leg("telco", "phone-own", krw(20_000)),
            leg("givehub", "charity", krw(10_000)),
        ],
    });
    history.claims.push(confirmed(
        now() - Duration::hours(2),
        usd_cents(99_00),
        false,
    ));
    let profile = Profile::learn(&history, Currency::KRW, now());
    let amounts = profile.amounts.unwrap();
    assert_eq!(amounts.samples, 6);
    assert_eq!(amounts.max, krw(30_000));
    assert_eq!(amounts.median, krw(10_000));
    assert_eq!(profile.confirmed, 7, "counts and tiers see every currency");
    assert_eq!(profile.last_day.count, 2);
    assert_eq!(
        profile.last_day.sum,
        krw(30_000),
        "sums stay in one currency"
    );
    assert!(profile.providers.iter().any(|p| p.as_str() == "givehub"));
}

#[test]
fn trailing_windows_exclude_their_start() {
    let history = History {
        claims: vec![
            confirmed(now() - Duration::hours(1), krw(1_000), false),
            confirmed(now() - Duration::minutes(59), krw(2_000), false),
            confirmed(now() - Duration::hours(24), krw(4_000), false),
            confirmed(now() - Duration::hours(23), krw(8_000), false),
        ],
        ..History::default()
    };
    let profile = Profile::learn(&history, Currency::KRW, now());
    assert_eq!(
        profile.last_hour.count, 1,
        "exactly an hour ago is outside the hour"
    );
    assert_eq!(profile.last_hour.sum, krw(2_000));
    assert_eq!(
        profile.last_day.count, 3,
        "exactly 24 hours ago is outside the day"
    );
    assert_eq!(profile.last_day.sum, krw(11_000));
}

#[test]
fn busiest_hour_and_day_are_learned() {
    let base = now() - Duration::days(3);
    let history = History {
        claims: (0..4)
            .map(|i| confirmed(base + Duration::minutes(15 * i), krw(5_000), false))
            .chain([confirmed(base + Duration::hours(5), krw(7_000), false)])
            .collect(),
        ..History::default()
    };
    let profile = Profile::learn(&history, Currency::KRW, now());
    assert_eq!(profile.busiest_hour, 4);
    assert_eq!(profile.busiest_day_sum, krw(27_000));
    assert_eq!(profile.hours.iter().sum::<u32>(), 5);
}

#[test]
fn networks_are_remembered_for_thirty_days_only() {
    let mut at_edge = confirmed(
        now() - Duration::days(NETWORK_WINDOW_DAYS),
        krw(1_000),
        false,
    );
    at_edge.network = NetworkHash::new("net-old");
    let mut inside = confirmed(
        now() - Duration::days(NETWORK_WINDOW_DAYS) + Duration::minutes(1),
        krw(1_000),
        false,
    );
    inside.network = NetworkHash::new("net-recent");
    let history = History {
        claims: vec![at_edge, inside],
        ..History::default()
    };
    let profile = Profile::learn(&history, Currency::KRW, now());
    assert!(!profile.networks.contains(&NetworkHash::new("net-old")));
    assert!(profile.networks.contains(&NetworkHash::new("net-recent")));
}

#[test]
fn claims_after_now_are_not_habits_but_move_the_newest_moment() {
    let history = History {
        claims: vec![
            confirmed(now() - Duration::days(1), krw(1_000), false),
            confirmed(now() + Duration::days(1), krw(9_000), false),
        ],
        ..History::default()
    };
    let profile = Profile::learn(&history, Currency::KRW, now());
    assert_eq!(profile.confirmed, 1);
    assert_eq!(profile.amounts.unwrap().max, krw(1_000));
    assert_eq!(profile.newest_at, Some(now() + Duration::days(1)));
}

#[test]
fn the_run_since_verification_restarts_at_each_verification() {
    let mut history = daily(6, krw(1_000), 1);
    history.last_verification = None;
    history.claims[2].verified = true;
    let profile = Profile::learn(&history, Currency::KRW, now());
    assert_eq!(profile.since_verification.count, 3);
    assert_eq!(profile.since_verification.sum, krw(3_000));
    history.last_verification = Some(now() - Duration::minutes(1));
    let profile = Profile::learn(&history, Currency::KRW, now());
    assert_eq!(profile.since_verification.count, 0);
}

#[test]
fn the_profile_is_recomputed_from_history_so_order_does_not_matter() {
    let history = crate::support::trusted();
    let mut shuffled = history.clone();
    shuffled.claims.reverse();
    shuffled.claims.swap(3, 17);
    let c = claim(now(), krw(12_000));
    assert_eq!(
        assess(&history, &Settings::default(), &c),
        assess(&shuffled, &Settings::default(), &c)
    );
    assert_eq!(
        Profile::learn(&history, Currency::KRW, now()),
        Profile::learn(&shuffled, Currency::KRW, now())
    );
}

#[test]
fn usual_hours_are_the_busiest_first() {
    let profile = Profile::learn(&crate::support::established(), Currency::KRW, now());
    assert_eq!(profile.usual_hours(3), vec![12]);
}

#[test]
fn a_valid_provider_verification_makes_the_provider_familiar_and_nothing_else() {
    use tipvault_risk::{Outcome, ProviderId, ProviderVerification, RuleId};
    let mut history = crate::support::established();
    let new_provider = claim(now(), krw(10_000));
    let provider = new_provider.legs[0].provider.clone();
    // Make the claim's provider one the history never used.
    for c in &mut history.claims {
        for l in &mut c.legs {
            l.provider = ProviderId::new("other-provider");
        }
    }
    let token = |issued: Duration, expires: Duration| ProviderVerification {
        provider: provider.clone(),
        issued_at: now() + issued,
        expires_at: now() + expires,
    };
    let without = assess(&history, &Settings::default(), &new_provider);
    assert!(without.fired(RuleId::NewProvider), "{:?}", without.reasons);

    history.provider_verifications = vec![token(-Duration::days(1), Duration::days(30))];
    let with = assess(&history, &Settings::default(), &new_provider);
    assert!(
        !with.fired(RuleId::NewProvider),
        "a provider the user verified with is not new: {:?}",
        with.reasons
    );
    assert_eq!(
        with.tier, without.tier,
        "a provider verification never changes the tier"
    );

    for (why, issued, expires) in [
        ("expired", -Duration::days(40), -Duration::seconds(1)),
        (
            "expiring exactly now",
            -Duration::days(40),
            Duration::zero(),
        ),
        (
            "issued after the claim",
            Duration::minutes(5),
            Duration::days(30),
        ),
    ] {
        history.provider_verifications = vec![token(issued, expires)];
        let d = assess(&history, &Settings::default(), &new_provider);
        assert!(d.fired(RuleId::NewProvider), "{why}: {:?}", d.reasons);
        assert_ne!(d.outcome, Outcome::Allow, "{why}");
    }

    // A new account still verifies every claim, token or not.
    let new_user = History {
        provider_verifications: vec![token(-Duration::days(1), Duration::days(30))],
        ..History::default()
    };
    let d = assess(&new_user, &Settings::default(), &new_provider);
    assert!(d.fired(RuleId::NewTier) && !d.fired(RuleId::NewProvider));
    assert_eq!(d.outcome, Outcome::StepUp);
}
