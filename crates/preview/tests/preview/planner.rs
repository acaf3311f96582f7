//! The planner on the demo catalog and on focused catalogs: exactness, fees, limits, FX,
//! stranded value, bad input.

use crate::support::*;
use tipvault_money::{Currency, Locale};
use tipvault_preview::{
    LimitKind, Note, Objective, PlanError, ProductKind, Source, StrandedReason, Usage, Variant,
    explain, plan, preview,
};

fn nets(p: &tipvault_preview::Plan) -> Vec<(String, i64)> {
    p.legs
        .iter()
        .map(|l| (l.product_id.to_string(), l.net.to_minor().expect("fits")))
        .collect()
}

#[test]
fn top_up_first_then_donation_turns_1300_into_1000_plus_300() {
    let r = request(
        &[krw(1300)],
        vec![kind(ProductKind::MobileTopUp), kind(ProductKind::Donation)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(
        nets(&p),
        vec![
            ("krw-mobile-top-up".into(), 1000),
            ("krw-donation-green-earth".into(), 300)
        ]
    );
    assert_eq!(p.remainder, vec![krw(0)]);
    assert!(p.stranded.is_empty());
}

#[test]
fn denominations_3000_and_5000_beat_greedy_on_6000() {
    // Greedy (largest denomination first) takes ₩5,000 and strands ₩1,000; the exact solver
    // converts everything with 2 × ₩3,000. Checked with and without per-day limits, which use
    // different solver paths (frontier vs unbounded units).
    for limits in [r#"{}"#, r#"{"per_day_count":5,"per_day_sum":"50000"}"#] {
        let catalog = single(&denominations("cards", "KRW", &["3000", "5000"], limits));
        let r = request(&[krw(6000)], vec![], Objective::FirstPreference);
        let p = plan(&catalog, &r).expect("plans");
        let greedy_converted = 5000;
        assert_eq!(p.legs.len(), 1);
        let leg = &p.legs[0];
        assert_eq!(leg.net, krw(6000), "limits {limits}: all of it converts");
        assert!(leg.net.to_minor().expect("fits") > greedy_converted);
        let units: Vec<_> = leg.redemptions.iter().map(|r| r.net).collect();
        assert_eq!(units, vec![krw(3000), krw(3000)]);
        assert_eq!(p.remainder, vec![krw(0)]);
    }
}

#[test]
fn a_gift_card_costs_face_plus_fee() {
    let r = request(
        &[krw(5100)],
        vec![kind(ProductKind::GiftCard)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    let leg = &p.legs[0];
    assert_eq!(
        (leg.net, leg.fee, leg.gross, leg.debit),
        (krw(5000), krw(100), krw(5100), krw(5100))
    );
    assert_eq!(p.remainder, vec![krw(0)]);
    // ₩5,099 is one won short: nothing fits, and the unlock says so.
    let r = request(
        &[krw(5099)],
        vec![kind(ProductKind::GiftCard)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    assert!(p.legs.is_empty());
    let unlock = p.stranded[0].unlock.as_ref().expect("an unlock");
    assert_eq!((unlock.more, unlock.becomes), (krw(1), krw(5000)));
    assert!(p.notes.contains(&Note::NothingFits {
        currency: Currency::KRW
    }));
}

#[test]
fn the_objective_decides_between_a_payout_and_a_free_donation() {
    let prefs = vec![kind(ProductKind::BankPayout), kind(ProductKind::Donation)];
    let first = plan(
        &demo(),
        &request(&[krw(10_600)], prefs.clone(), Objective::FirstPreference),
    )
    .expect("plans");
    assert_eq!(
        nets(&first),
        vec![("krw-bank-payout".into(), 10_100)],
        "payout first, fee ₩500"
    );
    assert_eq!(first.legs[0].fee, krw(500));
    let cheap = plan(
        &demo(),
        &request(&[krw(10_600)], prefs, Objective::LeastFees),
    )
    .expect("plans");
    assert_eq!(
        nets(&cheap),
        vec![("krw-donation-green-earth".into(), 10_600)],
        "least fees: everything arrives, no fee"
    );
}

#[test]
fn kept_amounts_and_exclusions_are_honoured() {
    let mut r = request(&[krw(5000)], vec![], Objective::LeastFees);
    r.keep = vec![krw(1300)];
    r.excluded = vec![id("krw-donation-green-earth")];
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(p.kept, vec![krw(1300)]);
    assert!(
        p.legs
            .iter()
            .all(|l| l.product_id.as_str() != "krw-donation-green-earth")
    );
    let debit: i64 = p
        .legs
        .iter()
        .map(|l| l.debit.to_minor().expect("fits"))
        .sum();
    assert_eq!(
        debit, 3500,
        "₩3,700 available: ₩3,000 top-up + ₩500 transit"
    );
    assert_eq!(p.remainder, vec![krw(200)]);
}

#[test]
fn time_to_completion_is_the_slowest_leg() {
    let r = request(
        &[krw(12_000)],
        vec![
            kind(ProductKind::TransitCredit),
            kind(ProductKind::BankPayout),
        ],
        Objective::FirstPreference,
    );
    let mut r = r;
    r.used_today = vec![Usage {
        product: id("krw-transit-credit"),
        count: 0,
        sum: krw(99_000),
    }];
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(
        nets(&p),
        vec![
            ("krw-transit-credit".into(), 1000),
            ("krw-bank-payout".into(), 10_500)
        ]
    );
    assert_eq!(p.eta_typical_seconds, 86_400);
    assert_eq!(p.eta_worst_seconds, 259_200);
}

#[test]
fn stranded_value_says_what_would_free_it() {
    let r = request(
        &[krw(1300)],
        vec![kind(ProductKind::TransitCredit)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(nets(&p), vec![("krw-transit-credit".into(), 1000)]);
    let s = &p.stranded[0];
    assert_eq!(s.amount, krw(300));
    assert!(
        matches!(s.blocked_by[0].reason, StrandedReason::NotAMultipleOfStep { step } if step == krw(500))
    );
    let unlock = s.unlock.as_ref().expect("unlock");
    assert_eq!((unlock.more, unlock.becomes), (krw(200), krw(1500)));
    assert!(
        explain(&p, Locale::En).contains("₩200 more and this becomes a ₩1,500 transit credit."),
        "{}",
        explain(&p, Locale::En)
    );
}

#[test]
fn per_day_limits_cap_the_plan_and_are_reported() {
    let mut r = request(
        &[krw(20_000)],
        vec![kind(ProductKind::MobileTopUp)],
        Objective::FirstPreference,
    );
    r.used_today = vec![Usage {
        product: id("krw-mobile-top-up"),
        count: 4,
        sum: krw(40_000),
    }];
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(
        nets(&p),
        vec![("krw-mobile-top-up".into(), 10_000)],
        "one redemption left today"
    );
    assert!(matches!(
        p.stranded[0].blocked_by[0].reason,
        StrandedReason::OverLimit {
            limit: LimitKind::Count
        }
    ));
    assert!(
        p.stranded[0].unlock.is_none(),
        "no amount of money lifts a used-up limit"
    );
}

#[test]
fn a_balance_larger_than_every_limit_converts_up_to_the_limits() {
    let r = request(&[krw(10_000_000)], vec![], Objective::LeastFees);
    let started = std::time::Instant::now();
    let p = plan(&demo(), &r).expect("plans");
    assert!(
        started.elapsed().as_secs() < 5,
        "exact even at ₩10,000,000: {:?}",
        started.elapsed()
    );
    let converted: i64 = p
        .legs
        .iter()
        .map(|l| l.debit.to_minor().expect("fits"))
        .sum();
    // Top-up 50,000 + donation 1,000,000 + transit 100,000 + gift cards 150,000 (+2%) +
    // payout 5,000,000 (+500).
    assert_eq!(
        converted,
        50_000 + 1_000_000 + 100_000 + 153_000 + 5_000_500
    );
    assert_eq!(
        p.remainder[0].to_minor().expect("fits"),
        10_000_000 - converted
    );
    assert!(!p.stranded[0].blocked_by.is_empty());
}

#[test]
fn two_sources_pay_in_order() {
    let r = tipvault_preview::PlanRequest {
        sources: vec![
            Source {
                id: "toonation".into(),
                balance: krw(700),
            },
            Source {
                id: "twip".into(),
                balance: krw(600),
            },
        ],
        ..request(
            &[],
            vec![kind(ProductKind::MobileTopUp), kind(ProductKind::Donation)],
            Objective::FirstPreference,
        )
    };
    let p = plan(&demo(), &r).expect("plans");
    let top_up = &p.legs[0];
    let paid: Vec<_> = top_up
        .sources
        .iter()
        .map(|s| (s.source_id.as_str(), s.amount))
        .collect();
    assert_eq!(paid, vec![("toonation", krw(700)), ("twip", krw(300))]);
    assert_eq!(p.sources[1].left, krw(0));
    assert_eq!(p.sources[0].debited, krw(700));
}

#[test]
fn a_won_balance_buys_a_dollar_gift_card_through_an_fx_leg() {
    let mut r = request(
        &[krw(7100), usd(1234)],
        vec![product("usd-gift-card")],
        Objective::FirstPreference,
    );
    r.rates = vec![krw_to_usd()];
    let p = plan(&demo(), &r).expect("plans");
    let fx_leg = p
        .legs
        .iter()
        .find(|l| l.debit.currency() == Currency::KRW)
        .expect("an FX leg");
    assert_eq!(fx_leg.net, usd(500));
    assert_eq!(
        fx_leg.debit,
        krw(7043),
        "smallest debit whose conversion covers $5.00"
    );
    let fx = fx_leg.redemptions[0].fx.as_ref().expect("FX details");
    assert_eq!(fx.converted, usd(500));
    assert_eq!(
        fx.rounding_loss.to_string(),
        "0.00053",
        "the rounding loss is shown"
    );
    let usd_leg = p
        .legs
        .iter()
        .find(|l| l.debit.currency() == Currency::USD)
        .expect("USD leg");
    assert_eq!(
        usd_leg.net,
        usd(1000),
        "the dollar balance buys a $10 card itself"
    );
    assert_eq!(p.remainder, vec![krw(57), usd(234)]);
    // Without a rate the won balance cannot reach a dollar product, and says why.
    r.rates.clear();
    let p = plan(&demo(), &r).expect("plans");
    assert!(p.stranded.iter().any(|s| {
        s.blocked_by
            .iter()
            .any(|b| matches!(b.reason, StrandedReason::NoRate { .. }))
    }));
}

#[test]
fn limits_are_shared_between_currency_pools() {
    let mut r = request(
        &[krw(400_000), usd(30_000)],
        vec![product("usd-gift-card")],
        Objective::FirstPreference,
    );
    r.rates = vec![krw_to_usd()];
    let p = plan(&demo(), &r).expect("plans");
    let cards: usize = p.legs.iter().map(|l| l.redemptions.len()).sum();
    let sum: i64 = p.legs.iter().map(|l| l.net.to_minor().expect("fits")).sum();
    assert!(cards <= 5, "5 cards a day across both pools, got {cards}");
    assert!(sum <= 25_000, "$250 a day across both pools, got {sum}");
}

#[test]
fn bad_input_gets_typed_errors_or_an_empty_plan_with_the_reason() {
    let catalog = demo();
    let zero = plan(&catalog, &request(&[krw(0)], vec![], Objective::LeastFees)).expect("plans");
    assert!(zero.is_empty() && zero.notes.contains(&Note::ZeroBalance));
    assert_eq!(zero.remainder, vec![krw(0)]);
    let unknown = plan(
        &catalog,
        &request(
            &[krw(1000)],
            vec![product("no-such-product")],
            Objective::LeastFees,
        ),
    );
    assert!(
        matches!(unknown, Err(PlanError::UnknownProduct { .. })),
        "{unknown:?}"
    );
    assert!(matches!(
        plan(&catalog, &request(&[], vec![], Objective::LeastFees)),
        Err(PlanError::NoSources)
    ));
    let negative = plan(&catalog, &request(&[krw(-5)], vec![], Objective::LeastFees));
    assert!(matches!(negative, Err(PlanError::NegativeBalance { .. })));
    let mut twice = request(&[krw(1), krw(2)], vec![], Objective::LeastFees);
    twice.sources[1].id = twice.sources[0].id.clone();
    assert!(matches!(
        plan(&catalog, &twice),
        Err(PlanError::DuplicateSource { .. })
    ));
}

#[test]
fn an_expired_catalog_still_previews_but_cannot_be_redeemed() {
    let mut r = request(&[krw(1300)], vec![], Objective::LeastFees);
    r.now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2028, 1, 1, 0, 0, 0)
        .single()
        .expect("date");
    let p = plan(&demo(), &r).expect("plans");
    assert!(
        !p.redeemable,
        "an expired catalog must not back a redemption"
    );
    assert!(matches!(p.notes.last(), Some(Note::CatalogExpired { .. })));
    assert!(explain(&p, Locale::En).contains("expired"));
    let fresh = plan(
        &demo(),
        &request(&[krw(1300)], vec![], Objective::LeastFees),
    )
    .expect("plans");
    assert!(fresh.redeemable);
}

#[test]
fn alternatives_differ_from_the_best_and_from_each_other() {
    let r = request(
        &[krw(16_300)],
        vec![
            kind(ProductKind::GiftCard),
            kind(ProductKind::MobileTopUp),
            kind(ProductKind::Donation),
        ],
        Objective::FirstPreference,
    );
    let pv = preview(&demo(), &r).expect("plans");
    assert!(!pv.alternatives.is_empty() && pv.alternatives.len() <= 2);
    assert_eq!(pv.best.variant, Variant::Best);
    let mut signatures = vec![nets(&pv.best)];
    for alt in &pv.alternatives {
        assert!(
            !signatures.contains(&nets(alt)),
            "{:?} repeats a plan",
            alt.variant
        );
        signatures.push(nets(alt));
    }
}

#[test]
fn the_same_request_gives_the_same_preview() {
    let mut r = request(
        &[krw(987_654), usd(4321)],
        vec![],
        Objective::FirstPreference,
    );
    r.rates = vec![krw_to_usd()];
    let a = preview(&demo(), &r).expect("plans");
    let b = preview(&demo(), &r).expect("plans");
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).expect("json"),
        serde_json::to_string(&b).expect("json")
    );
}

#[test]
fn the_breakdown_serialises_for_the_ui() {
    let r = request(
        &[krw(1300)],
        vec![kind(ProductKind::MobileTopUp), kind(ProductKind::Donation)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    let v = serde_json::to_value(&p).expect("json");
    assert_eq!(
        v["legs"][0]["net"],
        serde_json::json!({"amount": "1000", "currency": "KRW"})
    );
    assert_eq!(v["legs"][0]["kind"], "mobile_top_up");
    assert_eq!(v["variant"]["variant"], "best");
    assert_eq!(v["freshness"], "fresh");
}

#[test]
fn a_large_balance_in_unlimited_denominations_uses_the_fewest_redemptions() {
    // ₩1,000,001 in unlimited ₩3,000 / ₩5,000 top-ups: the solver reduces the budget by whole
    // ₩5,000 units (periodicity) and must still find the optimum: ₩1,000,000 converted, no fee,
    // and the fewest redemptions (200 × ₩5,000), ₩1 left.
    let catalog = single(&denominations("cards", "KRW", &["3000", "5000"], "{}"));
    for objective in [Objective::FirstPreference, Objective::LeastFees] {
        let r = request(&[krw(1_000_001)], vec![], objective);
        let p = plan(&catalog, &r).expect("plans");
        assert_eq!(p.legs.len(), 1);
        let leg = &p.legs[0];
        assert_eq!(leg.net, krw(1_000_000));
        assert_eq!(leg.redemptions.len(), 200);
        assert!(leg.redemptions.iter().all(|r| r.net == krw(5000)));
        assert_eq!(p.remainder, vec![krw(1)]);
    }
}

#[test]
fn a_free_donation_that_takes_everything_beats_every_other_mix() {
    // Least fees over the whole demo catalog, ₩700,000: the free ₩1-step donation can take the
    // whole balance in one redemption, which no mix of top-ups, transit credit, gift cards or
    // an FX payout can beat (all value, no fee, one redemption). The solver removes the
    // dominated products before the DP; the answer must be exactly that.
    let mut r = request(&[krw(700_000)], vec![], Objective::LeastFees);
    r.rates = vec![krw_to_usd()];
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(nets(&p), vec![("krw-donation-green-earth".into(), 700_000)]);
    assert_eq!(p.remainder, vec![krw(0)]);
}

#[test]
fn a_sink_with_a_fee_does_not_hide_a_free_denomination() {
    // A ₩1-step payout with a ₩500 fee could take any amount, but a free ₩3,000 top-up is
    // better when it alone fits: ₩3,200 → ₩3,000 top-up (₩200 left) beats ₩2,700 paid out.
    let payout = r#"{"id":"payout","name":"payout","kind":"bank_payout","currency":"KRW",
        "amount":{"type":"range","min":"1000","max":null,"step":"1"},
        "fee":{"fixed":"500","percent":"0","rounding":"half_up"},
        "eta":{"typical_seconds":60,"worst_seconds":600},"limits":{}}"#;
    let catalog = tipvault_preview::Catalog::parse(&catalog_json(&format!(
        "{},{payout}",
        denominations("cards", "KRW", &["3000"], "{}")
    )))
    .expect("valid");
    let r = request(&[krw(3200)], vec![], Objective::LeastFees);
    let p = plan(&catalog, &r).expect("plans");
    assert_eq!(nets(&p), vec![("cards".into(), 3000)]);
    // With ₩10,000 the payout takes everything but its fee in one redemption: more value
    // than three top-ups (₩9,000), so it wins.
    let r = request(&[krw(10_000)], vec![], Objective::LeastFees);
    let p = plan(&catalog, &r).expect("plans");
    assert_eq!(nets(&p), vec![("payout".into(), 9_500)]);
}
