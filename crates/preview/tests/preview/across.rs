//! Planning across providers: each account through its own provider's catalog only, the
//! cheapest provider first under a shared limit, value conserved per account and in total, and
//! an ambiguous product id refused.

use proptest::prelude::*;
use tipvault_money::Money;
use tipvault_preview::{
    AcrossError, Catalog, Objective, PlanError, PlanRequest, Preference, ProductKind, ProviderPart,
    Source, plan_across,
};

use crate::support::{id, krw, request};

/// A catalog of `provider` with a KRW top-up (1,000 steps) and a KRW donation (any amount from
/// ₩1), each at `percent` fee on top.
fn catalog(provider: &str, percent: &str, top_up_id: &str) -> Catalog {
    let fee = format!(r#"{{"fixed":"0","percent":"{percent}","rounding":"half_up"}}"#);
    let json = format!(
        r#"{{"format":"tipvault.catalog.v1","provider_id":"{provider}","version":1,
        "issued_at":"2026-11-01T00:00:00Z","stale_after":"2026-12-01T00:00:00Z",
        "expires_at":"2027-11-01T00:00:00Z","products":[
        {{"id":"{top_up_id}","name":"Top-up","kind":"mobile_top_up","currency":"KRW",
          "amount":{{"type":"denominations","values":["1000","5000","10000"]}},
          "fee":{fee},"eta":{{"typical_seconds":60,"worst_seconds":600}},"limits":{{}}}},
        {{"id":"{provider}-donation","name":"Donation","kind":"donation","currency":"KRW",
          "amount":{{"type":"range","min":"1","max":"1000000","step":"1"}},
          "fee":{fee},"eta":{{"typical_seconds":60,"worst_seconds":600}},"limits":{{}}}}]}}"#
    );
    Catalog::parse(&json).expect("valid test catalog")
}

fn part<'a>(catalog: &'a Catalog, account: &str, balance: Money) -> ProviderPart<'a> {
    ProviderPart {
        catalog,
        sources: vec![Source {
            id: account.to_owned(),
            balance,
        }],
        used_today: vec![],
    }
}

fn across_request(preferences: Vec<Preference>, limit: Option<i64>) -> PlanRequest {
    let mut r = request(&[], preferences, Objective::FirstPreference);
    r.limits = limit.map(krw).into_iter().collect();
    r
}

#[test]
fn each_account_goes_through_its_own_providers_catalog_only() {
    let (edu, telco) = (
        catalog("edu", "1", "topup"),
        catalog("telco", "3", "mobile"),
    );
    let plan = plan_across(
        &[
            part(&edu, "provider-edu", krw(12_000)),
            part(&telco, "provider-telco", krw(5_500)),
        ],
        &across_request(vec![Preference::Kind(ProductKind::MobileTopUp)], None),
    )
    .unwrap();
    assert_eq!(plan.plans.len(), 2);
    for p in &plan.plans {
        let catalog = if p.provider_id == "edu" { &edu } else { &telco };
        for leg in &p.legs {
            assert!(catalog.product(leg.product_id.as_str()).is_some());
            for debit in &leg.sources {
                assert_eq!(debit.source_id, format!("provider-{}", p.provider_id));
            }
        }
    }
}

#[test]
fn the_cheapest_provider_spends_a_shared_limit_first() {
    // Named so that the providers' id order (the tie-break) is the other way round.
    let (dear, cheap) = (
        catalog("aa-dear", "5", "topup-a"),
        catalog("zz-cheap", "1", "topup-b"),
    );
    // Both hold ₩10,000; the limit lets ₩10,000 leave now: it all goes through the cheap one.
    let plan = plan_across(
        &[
            part(&dear, "provider-aa-dear", krw(10_000)),
            part(&cheap, "provider-zz-cheap", krw(10_000)),
        ],
        &across_request(vec![Preference::Kind(ProductKind::Donation)], Some(10_000)),
    )
    .unwrap();
    assert_eq!(plan.plans[0].provider_id, "zz-cheap", "cheapest first");
    assert_eq!(plan.plans[0].sources[0].debited, krw(10_000));
    assert_eq!(
        plan.plans[1].sources[0].debited,
        krw(0),
        "nothing left of the limit"
    );
    assert_eq!(plan.debited().unwrap(), vec![krw(10_000)]);
}

#[test]
fn an_amount_to_keep_stays_with_the_dearest_provider() {
    let (dear, cheap) = (
        catalog("dear", "5", "topup-a"),
        catalog("cheap", "1", "topup-b"),
    );
    let mut r = across_request(vec![Preference::Kind(ProductKind::Donation)], None);
    r.keep = vec![krw(4_000)];
    let plan = plan_across(
        &[
            part(&dear, "provider-dear", krw(10_000)),
            part(&cheap, "provider-cheap", krw(10_000)),
        ],
        &r,
    )
    .unwrap();
    let dear_plan = plan.plans.iter().find(|p| p.provider_id == "dear").unwrap();
    assert_eq!(dear_plan.sources[0].left, krw(4_000));
    let cheap_plan = plan
        .plans
        .iter()
        .find(|p| p.provider_id == "cheap")
        .unwrap();
    assert_eq!(cheap_plan.sources[0].left, krw(0));
}

#[test]
fn a_product_id_two_providers_use_is_refused_when_named_and_excluded_everywhere() {
    let (a, b) = (catalog("a", "1", "topup"), catalog("b", "2", "topup"));
    let parts = [
        part(&a, "provider-a", krw(3_000)),
        part(&b, "provider-b", krw(3_000)),
    ];
    let err = plan_across(
        &parts,
        &across_request(vec![Preference::Product(id("topup"))], None),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AcrossError::AmbiguousProduct {
            product: "topup".into(),
            providers: vec!["a".into(), "b".into()],
        }
    );
    assert!(err.to_string().contains("several providers"));
    // Excluding it is safe: neither provider gets a top-up leg.
    let mut r = across_request(vec![], None);
    r.excluded = vec![id("topup")];
    let plan = plan_across(&parts, &r).unwrap();
    assert!(
        plan.plans
            .iter()
            .flat_map(|p| &p.legs)
            .all(|l| l.product_id.as_str() != "topup")
    );
    // A product only one provider offers is planned there only.
    let plan = plan_across(
        &parts,
        &across_request(vec![Preference::Product(id("a-donation"))], None),
    )
    .unwrap();
    for p in &plan.plans {
        let expected = if p.provider_id == "a" { 3_000 } else { 0 };
        assert_eq!(p.sources[0].debited, krw(expected), "{}", p.provider_id);
    }
}

#[test]
fn an_account_named_under_two_providers_is_refused() {
    let (a, b) = (catalog("a", "1", "ta"), catalog("b", "1", "tb"));
    let err = plan_across(
        &[
            part(&a, "shared", krw(1_000)),
            part(&b, "shared", krw(1_000)),
        ],
        &across_request(vec![], None),
    )
    .unwrap_err();
    assert_eq!(
        err,
        AcrossError::SourceInTwoParts {
            source_id: "shared".into()
        }
    );
    let err = plan_across(
        &[part(&a, "x", krw(1_000)), part(&a, "y", krw(1_000))],
        &across_request(vec![], None),
    )
    .unwrap_err();
    assert!(
        matches!(err, AcrossError::DuplicateProvider { .. }),
        "{err:?}"
    );
    assert_eq!(
        plan_across(&[], &across_request(vec![], None)).unwrap_err(),
        AcrossError::NoProviders
    );
    let err = plan_across(
        &[part(&a, "x", krw(1_000))],
        &across_request(vec![Preference::Product(id("nowhere"))], None),
    )
    .unwrap_err();
    assert!(matches!(err, AcrossError::UnknownProduct { .. }), "{err:?}");
}

/// A provider of the property test: its fee and balance, and whether its top-up id collides.
fn provider_case() -> impl Strategy<Value = (u8, i64)> {
    (0u8..=9, 0i64..=60_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Conservation per account and in total, no leg on an account another provider holds,
    /// and a shared limit never exceeded.
    #[test]
    fn value_is_conserved_per_account_and_in_total(
        providers in prop::collection::vec(provider_case(), 1..=3),
        limit in prop::option::of(0i64..=80_000),
        keep in prop::option::of(0i64..=20_000),
        prefer_top_up_first in any::<bool>(),
    ) {
        let catalogs: Vec<Catalog> = providers
            .iter()
            .enumerate()
            .map(|(i, (fee, _))| catalog(&format!("p{i}"), &fee.to_string(), &format!("top-{i}")))
            .collect();
        let parts: Vec<ProviderPart<'_>> = catalogs
            .iter()
            .zip(&providers)
            .enumerate()
            .map(|(i, (c, (_, balance)))| part(c, &format!("provider-p{i}"), krw(*balance)))
            .collect();
        let preferences = if prefer_top_up_first {
            vec![Preference::Kind(ProductKind::MobileTopUp), Preference::Kind(ProductKind::Donation)]
        } else {
            vec![]
        };
        let mut r = across_request(preferences, limit);
        r.keep = keep.map(krw).into_iter().collect();
        let plan = match plan_across(&parts, &r) {
            Ok(plan) => plan,
            Err(AcrossError::Plan { error: PlanError::TooComplex { .. }, .. }) => return Ok(()),
            Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        let mut total_debited = 0i128;
        let mut total_paid = 0i128;
        for p in &plan.plans {
            let index: usize = p.provider_id[1..].parse().unwrap();
            let account = format!("provider-p{index}");
            let balance = providers[index].1;
            // Per account: what leaves and what stays make its balance.
            prop_assert_eq!(p.sources.len(), 1);
            let outcome = &p.sources[0];
            prop_assert_eq!(&outcome.source_id, &account);
            prop_assert_eq!(outcome.debited.to_minor_i128() + outcome.left.to_minor_i128(), i128::from(balance));
            // Every leg is the provider's own product, drawn on its own account only.
            let mut paid = 0i128;
            for leg in &p.legs {
                prop_assert!(catalogs[index].product(leg.product_id.as_str()).is_some());
                let mut leg_paid = 0i128;
                for debit in &leg.sources {
                    prop_assert_eq!(&debit.source_id, &account);
                    leg_paid += debit.amount.to_minor_i128();
                }
                // A leg's sources pay its debit: what its product receives plus its fee.
                prop_assert_eq!(leg_paid, leg.debit.to_minor_i128());
                prop_assert_eq!(leg.debit.to_minor_i128(), leg.net.to_minor_i128() + leg.fee.to_minor_i128());
                paid += leg_paid;
            }
            prop_assert_eq!(paid, outcome.debited.to_minor_i128(), "legs pay exactly what leaves {}", account);
            total_debited += outcome.debited.to_minor_i128();
            total_paid += paid;
        }
        prop_assert_eq!(total_paid, total_debited);
        let debited = plan.debited().unwrap();
        prop_assert_eq!(debited.iter().map(|m| m.to_minor_i128()).sum::<i128>(), total_debited);
        if let Some(limit) = limit {
            prop_assert!(total_debited <= i128::from(limit), "{} > limit {}", total_debited, limit);
        }
        if let Some(keep) = keep {
            let left: i128 = plan.plans.iter().map(|p| p.sources[0].left.to_minor_i128()).sum();
            let held: i128 = providers.iter().map(|(_, b)| i128::from(*b)).sum();
            prop_assert!(left >= i128::from(keep).min(held), "kept {} of {}", left, keep);
        }
    }
}

#[test]
fn a_balance_in_a_currency_its_providers_catalog_lacks_stays_where_it_is_and_says_so() {
    // `creator` holds dollars but its catalog sells only won products: nothing of it is planned
    // (never through the other provider's dollar-free catalog either), and the plan says why.
    let (edu, creator) = (
        catalog("edu", "1", "edu-topup"),
        catalog("creator", "0", "c-topup"),
    );
    let plan = plan_across(
        &[
            part(&edu, "provider-edu", krw(5_000)),
            part(&creator, "provider-creator", crate::support::usd(2_000)),
        ],
        &across_request(vec![], None),
    )
    .unwrap();
    let creator_plan = plan
        .plans
        .iter()
        .find(|p| p.provider_id == "creator")
        .unwrap();
    assert!(creator_plan.legs.is_empty());
    assert_eq!(creator_plan.sources[0].left, crate::support::usd(2_000));
    assert_eq!(
        creator_plan.stranded.len(),
        1,
        "{:?}",
        creator_plan.stranded
    );
    assert_eq!(creator_plan.stranded[0].amount, crate::support::usd(2_000));
    let edu_plan = plan.plans.iter().find(|p| p.provider_id == "edu").unwrap();
    assert!(
        edu_plan
            .legs
            .iter()
            .all(|l| l.debit.currency() == krw(0).currency())
    );
    assert_eq!(plan.debited().unwrap()[0], krw(5_000));
}
