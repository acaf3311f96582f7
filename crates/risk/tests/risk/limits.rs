//! Limits: defaults, growth from history, lowering freely, raising only with a step-up.

use crate::support::{claim, daily, established, krw, now, usd_cents};
use chrono::Duration;
use tipvault_money::{Currency, Money};
use tipvault_risk::limits::tier_limits;
use tipvault_risk::{
    History, LimitChange, LimitError, LimitKind, Profile, RuleId, Settings, StepUpProof, Tier,
    UserLimits, assess, change_limit, defaults,
};

#[test]
fn new_users_get_the_fixed_defaults_in_krw_and_usd() {
    let krw_profile = Profile::learn(&History::default(), Currency::KRW, now());
    assert_eq!(
        tier_limits(Tier::New, &krw_profile),
        Some((krw(30_000), krw(100_000)))
    );
    let usd_profile = Profile::learn(&History::default(), Currency::USD, now());
    assert_eq!(
        tier_limits(Tier::New, &usd_profile),
        Some((usd_cents(25_00), usd_cents(75_00)))
    );
    assert!(
        defaults(Currency::EUR).is_none(),
        "no currency is unlimited by omission"
    );
}

#[test]
fn established_limits_grow_from_history_within_bounds() {
    // p90 ₩10,000 → 4 × = ₩40,000 per claim; busiest day ₩10,000 → 2 × is below the floor.
    let profile = Profile::learn(&established(), Currency::KRW, now());
    assert_eq!(
        tier_limits(Tier::Established, &profile),
        Some((krw(40_000), krw(100_000)))
    );
    // Tiny claims never push a limit below the new tier's.
    let small = Profile::learn(&daily(10, krw(1_000), 1), Currency::KRW, now());
    assert_eq!(
        tier_limits(Tier::Established, &small),
        Some((krw(30_000), krw(100_000)))
    );
    // Huge claims (verified) stop at the tier's cap.
    let big = Profile::learn(&daily(10, krw(900_000), 1), Currency::KRW, now());
    assert_eq!(
        tier_limits(Tier::Established, &big),
        Some((krw(300_000), krw(1_000_000)))
    );
    assert_eq!(
        tier_limits(Tier::Trusted, &big),
        Some((krw(1_000_000), krw(1_800_000)))
    );
}

fn lower(kind: LimitKind, amount: i64) -> LimitChange {
    LimitChange {
        currency: Currency::KRW,
        kind,
        new: Some(krw(amount)),
    }
}

#[test]
fn lowering_needs_no_step_up_and_binds_at_once() {
    let history = established();
    let mut settings = Settings::default();
    let changed = change_limit(
        &mut settings.limits,
        &history,
        &lower(LimitKind::PerClaim, 15_000),
        None,
        now(),
    )
    .unwrap();
    assert_eq!(
        (changed.before, changed.after, changed.stepped_up),
        (krw(40_000), krw(15_000), false)
    );
    let at_limit = assess(&history, &settings, &claim(now(), krw(15_000)));
    assert!(!at_limit.fired(RuleId::OverClaimLimit));
    let over = assess(&history, &settings, &claim(now(), krw(15_001)));
    assert!(over.fired(RuleId::OverClaimLimit));
    assert!(
        over.reasons[0]
            .text
            .en
            .contains("your own limit of ₩15,000"),
        "{:?}",
        over.reasons
    );
}

#[test]
fn raising_without_a_proof_returns_the_text_to_approve() {
    let history = established();
    let mut limits = UserLimits::default();
    change_limit(
        &mut limits,
        &history,
        &lower(LimitKind::PerDay, 50_000),
        None,
        now(),
    )
    .unwrap();
    let raise = lower(LimitKind::PerDay, 80_000);
    let error = change_limit(&mut limits, &history, &raise, None, now()).unwrap_err();
    assert_eq!(
        error,
        LimitError::NeedsStepUp {
            approve: raise.canonical()
        }
    );
    assert_eq!(
        limits.get(Currency::KRW, LimitKind::PerDay),
        Some(krw(50_000)),
        "unchanged"
    );
    // Going back to the tier's limit is a raise too.
    let reset = LimitChange {
        currency: Currency::KRW,
        kind: LimitKind::PerDay,
        new: None,
    };
    assert!(matches!(
        change_limit(&mut limits, &history, &reset, None, now()),
        Err(LimitError::NeedsStepUp { .. })
    ));
}

#[test]
fn raising_with_a_proof_for_exactly_this_change_works() {
    let history = established();
    let mut limits = UserLimits::default();
    change_limit(
        &mut limits,
        &history,
        &lower(LimitKind::PerClaim, 10_000),
        None,
        now(),
    )
    .unwrap();
    let raise = lower(LimitKind::PerClaim, 20_000);
    let proof =
        StepUpProof::from_verified_assertion(raise.canonical(), now() - Duration::seconds(30));
    let changed = change_limit(&mut limits, &history, &raise, Some(&proof), now()).unwrap();
    assert_eq!(
        (changed.before, changed.after, changed.stepped_up),
        (krw(10_000), krw(20_000), true)
    );
    assert_eq!(
        limits.get(Currency::KRW, LimitKind::PerClaim),
        Some(krw(20_000))
    );
}

#[test]
fn a_proof_for_another_change_an_old_one_or_a_future_one_is_refused() {
    let history = established();
    let mut limits = UserLimits::default();
    change_limit(
        &mut limits,
        &history,
        &lower(LimitKind::PerClaim, 10_000),
        None,
        now(),
    )
    .unwrap();
    let raise = lower(LimitKind::PerClaim, 20_000);
    let other =
        StepUpProof::from_verified_assertion(lower(LimitKind::PerClaim, 20_001).canonical(), now());
    assert_eq!(
        change_limit(&mut limits, &history, &raise, Some(&other), now()),
        Err(LimitError::ProofForOtherContent)
    );
    let at_edge =
        StepUpProof::from_verified_assertion(raise.canonical(), now() - Duration::seconds(300));
    assert!(change_limit(&mut limits.clone(), &history, &raise, Some(&at_edge), now()).is_ok());
    let stale =
        StepUpProof::from_verified_assertion(raise.canonical(), now() - Duration::seconds(301));
    assert!(matches!(
        change_limit(&mut limits, &history, &raise, Some(&stale), now()),
        Err(LimitError::ProofExpired { .. })
    ));
    let future =
        StepUpProof::from_verified_assertion(raise.canonical(), now() + Duration::seconds(1));
    assert!(matches!(
        change_limit(&mut limits, &history, &raise, Some(&future), now()),
        Err(LimitError::ProofFromTheFuture { .. })
    ));
    assert_eq!(
        limits.get(Currency::KRW, LimitKind::PerClaim),
        Some(krw(10_000))
    );
}

#[test]
fn a_raise_above_the_tier_is_kept_but_the_tier_still_binds() {
    let history = established();
    let mut limits = UserLimits::default();
    let raise = lower(LimitKind::PerClaim, 500_000);
    let proof = StepUpProof::from_verified_assertion(raise.canonical(), now());
    let changed = change_limit(&mut limits, &history, &raise, Some(&proof), now()).unwrap();
    assert_eq!(
        changed.after,
        krw(40_000),
        "the tier's ceiling still applies"
    );
    let settings = Settings {
        limits,
        ..Settings::default()
    };
    assert!(assess(&history, &settings, &claim(now(), krw(40_001))).fired(RuleId::OverClaimLimit));
}

#[test]
fn the_same_amount_is_not_a_raise() {
    let mut limits = UserLimits::default();
    let same = lower(LimitKind::PerClaim, 40_000);
    assert!(change_limit(&mut limits, &established(), &same, None, now()).is_ok());
}

#[test]
fn bad_changes_are_refused() {
    let history = established();
    let mut limits = UserLimits::default();
    let wrong_currency = LimitChange {
        currency: Currency::KRW,
        kind: LimitKind::PerClaim,
        new: Some(usd_cents(100)),
    };
    assert!(matches!(
        change_limit(&mut limits, &history, &wrong_currency, None, now()),
        Err(LimitError::CurrencyMismatch { .. })
    ));
    let zero = LimitChange {
        new: Some(Money::zero(Currency::KRW)),
        ..lower(LimitKind::PerDay, 1)
    };
    assert_eq!(
        change_limit(&mut limits, &history, &zero, None, now()),
        Err(LimitError::NotPositive)
    );
    let euro = LimitChange {
        currency: Currency::EUR,
        kind: LimitKind::PerDay,
        new: Some(Money::from_minor(100, Currency::EUR)),
    };
    assert!(matches!(
        change_limit(&mut limits, &history, &euro, None, now()),
        Err(LimitError::NoLimitsForCurrency { .. })
    ));
}

#[test]
fn canonical_text_names_every_field() {
    let a = lower(LimitKind::PerClaim, 20_000).canonical();
    assert_eq!(
        a,
        "tipvault-risk/limit-change/v1\ncurrency=KRW\nkind=per_claim\nnew=20000\n"
    );
    assert_ne!(a, lower(LimitKind::PerDay, 20_000).canonical());
    assert_ne!(a, lower(LimitKind::PerClaim, 20_001).canonical());
    let reset = LimitChange {
        currency: Currency::KRW,
        kind: LimitKind::PerClaim,
        new: None,
    };
    assert!(reset.canonical().ends_with("new=tier\n"));
}
