//! Provider catalogs in the vault: import (validated, expiry and version checked), listing,
//! the choice a preview runs over, and previews of the vault's real balances.

use std::path::PathBuf;
use tipvault_app::{CatalogOutcome, Freshness, ReconciliationOutcome};

use serde_json::{Value, json};
use tipvault_app::{
    BalancePreviewQuery, ErrorCode, choose_catalog, import_catalog, list_catalogs,
    preview_balances, remove_catalog,
};

use super::ledger_support::kofi_with_tips;
use super::support::{new_vault, t0};

/// The demo catalog issued at the tests' `t0`, as a JSON value, to edit into other providers'
/// catalogs.
fn demo() -> Value {
    serde_json::to_value(tipvault_app::demo_catalog(t0()).unwrap()).unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, doc: &Value) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

fn acme(version: u64) -> Value {
    let mut doc = demo();
    doc["provider_id"] = json!("acme");
    doc["version"] = json!(version);
    doc
}

#[test]
fn an_imported_catalog_is_listed_and_chosen_for_previews() {
    let (dir, _loc, mut session) = new_vault();
    // Nothing cached: the demo catalog.
    assert_eq!(
        choose_catalog(&mut session, None, t0())
            .unwrap()
            .provider_id(),
        "demo-provider"
    );
    let imported = import_catalog(&mut session, &write(&dir, "a.json", &acme(2)), t0()).unwrap();
    assert_eq!(imported.outcome, CatalogOutcome::New);
    assert_eq!(imported.catalog.provider_id, "acme");
    assert_eq!(imported.catalog.freshness, Freshness::Fresh);
    assert!(imported.catalog.real_money, "a real provider's catalog");

    let listed = list_catalogs(&mut session, t0()).unwrap();
    let demo = listed.iter().find(|c| c.built_in).unwrap();
    assert!(!demo.real_money, "the built-in demo is demo money");
    let ids: Vec<(&str, bool)> = listed
        .iter()
        .map(|c| (c.provider_id.as_str(), c.built_in))
        .collect();
    assert_eq!(ids, [("acme", false), ("demo-provider", true)]);
    // One cached catalog: it is the default; the demo stays reachable by name.
    assert_eq!(
        choose_catalog(&mut session, None, t0())
            .unwrap()
            .provider_id(),
        "acme"
    );
    assert_eq!(
        choose_catalog(&mut session, Some("demo"), t0())
            .unwrap()
            .provider_id(),
        "demo-provider"
    );
    let err = choose_catalog(&mut session, Some("zeta"), t0()).unwrap_err();
    assert!(err.message.contains("Cached: acme"), "{}", err.message);

    // Two cached catalogs: the user must say which.
    let mut beta = acme(1);
    beta["provider_id"] = json!("beta");
    import_catalog(&mut session, &write(&dir, "b.json", &beta), t0()).unwrap();
    let err = choose_catalog(&mut session, None, t0()).unwrap_err();
    assert!(err.message.contains("acme, beta"), "{}", err.message);

    remove_catalog(&mut session, "beta", t0()).unwrap();
    assert_eq!(
        choose_catalog(&mut session, None, t0())
            .unwrap()
            .provider_id(),
        "acme"
    );
}

#[test]
fn bad_expired_and_older_catalogs_are_refused_and_nothing_changes() {
    let (dir, _loc, mut session) = new_vault();
    import_catalog(&mut session, &write(&dir, "a.json", &acme(5)), t0()).unwrap();

    let mut negative_fee = acme(6);
    negative_fee["products"][0]["fee"]["fixed"] = json!("-100");
    let mut zero_step = acme(6);
    let range = zero_step["products"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["amount"]["type"] == "range")
        .unwrap();
    range["amount"]["step"] = json!("0");
    let mut unsorted = acme(6);
    unsorted["products"][0]["amount"]["values"] = json!(["3000", "1000"]);
    let mut percent = acme(6);
    percent["products"][0]["fee"]["percent"] = json!("101");
    let mut currency = acme(6);
    currency["products"][0]["currency"] = json!("XYZ");
    let mut expired = acme(6);
    expired["issued_at"] = json!("2025-01-01T00:00:00Z");
    expired["stale_after"] = json!("2025-02-01T00:00:00Z");
    expired["expires_at"] = json!("2025-03-01T00:00:00Z");
    let older = acme(4);
    for (name, doc, says) in [
        ("negative-fee", negative_fee, "fee"),
        ("zero-step", zero_step, "step"),
        ("unsorted", unsorted, "denomination"),
        ("percent", percent, "percent"),
        ("currency", currency, "XYZ"),
        ("expired", expired, "expired on 2025-03-01"),
        ("older", older, "version 5"),
    ] {
        let err = import_catalog(&mut session, &write(&dir, name, &doc), t0()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{name}");
        assert!(
            err.message.to_lowercase().contains(&says.to_lowercase()),
            "{name}: {}",
            err.message
        );
    }
    let not_json = dir.path().join("binary.json");
    std::fs::write(&not_json, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    assert!(import_catalog(&mut session, &not_json, t0()).is_err());

    let cached = list_catalogs(&mut session, t0()).unwrap();
    assert_eq!(
        (cached[0].provider_id.as_str(), cached[0].version),
        ("acme", 5)
    );
}

fn query() -> BalancePreviewQuery {
    BalancePreviewQuery {
        prefer: vec!["gift-card".into()],
        ..BalancePreviewQuery::default()
    }
}

/// A paired sandbox holding `balances` (currency, minor units) for the user, its account
/// reconciled once (so the vault's books hold that balance).
fn sandbox_holding(
    session: &mut tipvault_app::Session,
    dir: &std::path::Path,
    balances: &[(&str, i64)],
) -> (tipvault_app::Network, tipvault_sandbox_provider::Sandbox) {
    let net = tipvault_app::Network::new().unwrap();
    let mut config = tipvault_sandbox_provider::Config::new(dir.join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    config.demo_balances = balances.iter().map(|(c, m)| ((*c).into(), *m)).collect();
    let sandbox = net
        .runtime()
        .block_on(tipvault_sandbox_provider::Sandbox::start(config))
        .unwrap();
    let now = chrono::Utc::now();
    let kind = tipvault_app::providers::ProviderKind::Real;
    let pass = super::support::PASSPHRASE;
    super::support::add_provider(session, &net, &sandbox.base_url(), kind, pass, now).unwrap();
    tipvault_app::pair_provider(session, &net, None, "1111-2222", now).unwrap();
    let found = tipvault_app::reconcile_account(session, &net, "demo-provider", now).unwrap();
    assert!(
        found
            .iter()
            .all(|r| r.outcome == ReconciliationOutcome::Credited),
        "{found:?}"
    );
    (net, sandbox)
}

#[test]
fn a_balance_preview_draws_only_on_money_a_paired_provider_holds() {
    let (dir, _loc, mut session) = new_vault();
    let now = chrono::Utc::now();
    let catalog = choose_catalog(&mut session, None, now).unwrap();
    // No balance yet: a clear refusal, not an empty plan that looks like a result.
    let err = preview_balances(&mut session, &catalog, &query(), now).unwrap_err();
    assert!(err.message.contains("holds no balance"), "{}", err.message);

    // kofi.csv: USD 20.50 and EUR 10.00 that Ko-fi already paid out to PayPal. History, not
    // money to cash out: the refusal says where it went instead of planning it.
    kofi_with_tips(&mut session);
    let err = preview_balances(&mut session, &catalog, &query(), now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("paid out to PayPal or Stripe") && err.message.contains("$20.50"),
        "{}",
        err.message
    );

    // The sandbox holds USD 20.50 and EUR 10.00: one account, one planner source a currency.
    let (_net, _sandbox) =
        sandbox_holding(&mut session, dir.path(), &[("USD", 2050), ("EUR", 1000)]);
    let catalog = choose_catalog(&mut session, None, now).unwrap();
    let result = preview_balances(&mut session, &catalog, &query(), now).unwrap();
    let plan = &result.preview.best;
    let sources: Vec<String> = plan.sources.iter().map(|s| s.source_id.clone()).collect();
    assert_eq!(
        sources,
        ["provider-demo-provider:EUR", "provider-demo-provider:USD"],
        "the Ko-fi income is not among them"
    );
    // Conservation per currency: what each source pays plus what it keeps is its balance.
    for s in &plan.sources {
        assert_eq!(
            s.debited.checked_add(s.left).unwrap(),
            s.balance,
            "{}",
            s.source_id
        );
    }
    // The demo catalog has no EUR products and no rate was given: EUR stays, untouched.
    let eur = |plan: &tipvault_preview::Plan| {
        plan.sources
            .iter()
            .find(|s| s.source_id == "provider-demo-provider:EUR")
            .unwrap()
            .clone()
    };
    assert!(eur(plan).debited.is_zero());

    // With a EUR→USD rate the EUR balance can reach the USD gift card.
    let with_rate = BalancePreviewQuery {
        rates: vec!["EUR/USD=1.08".into()],
        prefer: vec!["gift-card".into()],
        ..BalancePreviewQuery::default()
    };
    let result = preview_balances(&mut session, &catalog, &with_rate, now).unwrap();
    assert!(eur(&result.preview.best).debited.is_positive());

    for (bad, says) in [
        (vec!["EUR-USD=1.08".to_owned()], "not a rate"),
        (vec!["EUR/USD=-1".to_owned()], "rate"),
    ] {
        let q = BalancePreviewQuery {
            rates: bad,
            ..BalancePreviewQuery::default()
        };
        let err = preview_balances(&mut session, &catalog, &q, now).unwrap_err();
        assert!(err.message.contains(says), "{}", err.message);
    }
    // A platform account is never an account to draw on, even by name.
    let kofi = BalancePreviewQuery {
        sources: vec!["kofi-main".into()],
        ..BalancePreviewQuery::default()
    };
    let err = preview_balances(&mut session, &catalog, &kofi, now).unwrap_err();
    assert!(err.message.contains("\"kofi-main\""), "{}", err.message);
    let own = BalancePreviewQuery {
        sources: vec!["provider-demo-provider".into()],
        prefer: vec!["gift-card".into()],
        ..BalancePreviewQuery::default()
    };
    assert!(preview_balances(&mut session, &catalog, &own, now).is_ok());
}

#[test]
fn limits_follow_the_risk_engine_through_the_users_rates_rounded_down() {
    use tipvault_money::{Currency, Money};
    let (_dir, _loc, mut session) = new_vault();
    let headroom = tipvault_app::cash_out_headroom(&mut session, t0()).unwrap();
    // A new account: ₩30,000 and $25.00 per redemption; no limits of its own for euros.
    let rates = [
        tipvault_app::parse_rate("EUR/USD=1.08", t0()).unwrap(),
        tipvault_app::parse_rate("USD/KRW=1380.50", t0()).unwrap(),
    ];
    let limits = tipvault_app::limits_for(
        &headroom,
        &[Currency::EUR, Currency::KRW, Currency::USD],
        &rates,
    );
    let got: Vec<Money> = limits.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        got,
        [
            // €23.14 × 1.08 = $24.99; a cent more would pass $25.00.
            Money::from_minor(2_314, Currency::EUR),
            Money::from_minor(30_000, Currency::KRW),
            // The won limit binds dollars spent on won products: $21.73 × 1,380.50 ≤ ₩30,000.
            Money::from_minor(2_173, Currency::USD),
        ]
    );
    assert!(
        limits[0]
            .1
            .en
            .starts_with("You can cash out up to $25.00 now")
            && limits[0].1.en.contains("€23.14 of your EUR balance"),
        "{}",
        limits[0].1.en
    );
}

#[test]
fn a_balance_preview_never_plans_above_what_may_leave_now() {
    let (dir, _loc, mut session) = new_vault();
    let now = chrono::Utc::now();
    // The sandbox holds USD 20.50 and EUR 10.00; the demo's dollar gift cards are $5, $10, $25.
    let (_net, _sandbox) =
        sandbox_holding(&mut session, dir.path(), &[("USD", 2050), ("EUR", 1000)]);
    // The user lowered the dollar limit to $5.00 per redemption (lowering needs no key).
    tipvault_app::set_limit(
        &mut session,
        "USD",
        tipvault_app::LimitKind::PerClaim,
        Some("5.00"),
        None,
        now,
    )
    .unwrap();
    let catalog = choose_catalog(&mut session, None, now).unwrap();
    let result = preview_balances(&mut session, &catalog, &query(), now).unwrap();
    let plan = &result.preview.best;
    let usd_debit: i64 = plan
        .legs
        .iter()
        .filter(|l| l.debit.currency() == tipvault_money::Currency::USD)
        .map(|l| l.debit.to_minor().unwrap())
        .sum();
    assert_eq!(usd_debit, 500, "one $5 card, and not a cent more");
    let held: Vec<String> = plan.held.iter().map(ToString::to_string).collect();
    assert!(held.contains(&"15.50 USD".to_owned()), "{held:?}");
    let usd = result
        .limits
        .iter()
        .find(|l| l.limit.currency == "USD")
        .expect("the dollar limit is reported");
    assert_eq!(
        usd.en,
        "You can cash out up to $5.00 now: the limit you set for one redemption."
    );
    assert!(
        result
            .explanation
            .en
            .contains("$15.50 waits: you can cash out up to $5.00 now."),
        "{}",
        result.explanation.en
    );
}
