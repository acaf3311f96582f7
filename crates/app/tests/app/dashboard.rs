use tipvault_app::dashboard;

use super::ledger_support::kofi_with_tips;
use super::support::{new_vault, t0};

#[test]
fn a_new_vault_has_an_empty_dashboard() {
    let (_dir, _loc, mut session) = new_vault();
    let view = dashboard(&mut session, t0()).unwrap();
    assert!(view.sources.is_empty() && view.balances.is_empty() && view.forecasts.is_empty());
}

#[test]
fn the_dashboard_shows_sources_balances_and_a_forecast_per_threshold() {
    let (_dir, _loc, mut session) = new_vault();
    kofi_with_tips(&mut session);
    let view = dashboard(&mut session, t0()).unwrap();
    assert_eq!(view.sources.len(), 1);
    assert_eq!(view.sources[0].id, "kofi-main");
    let usd = view
        .balances
        .iter()
        .find(|b| b.currency == "USD")
        .expect("a USD balance");
    assert_eq!(
        usd.net.amount, "20.50",
        "kofi.csv's USD tips: 5.00 + 3.00 + 12.50"
    );
    // Ko-fi pays out at once (to PayPal or Stripe): its threshold forecasts nothing here.
    assert!(view.forecasts.is_empty(), "{:?}", view.forecasts);
    assert_eq!(
        tipvault_app::forecast(&mut session, 30, t0())
            .unwrap()
            .len(),
        1,
        "though the source has a payout threshold"
    );
}

#[test]
fn a_forecast_shows_for_an_account_whose_money_waits_at_its_platform() {
    let (_dir, _loc, mut session) = new_vault();
    kofi_with_tips(&mut session);
    tipvault_app::add_source(
        &mut session,
        &tipvault_app::NewSource {
            id: "toon".into(),
            label: "Toonation".into(),
            platform: "toonation".into(),
            currency: "KRW".into(),
            payout_threshold: Some("₩40,000".into()),
            payout_schedule: None,
        },
        t0(),
    )
    .unwrap();
    let view = dashboard(&mut session, t0()).unwrap();
    let sources: Vec<&str> = view.forecasts.iter().map(|f| f.source.as_str()).collect();
    assert_eq!(
        sources,
        ["toon"],
        "only the account whose money is at its platform"
    );
    assert_eq!(view.forecasts[0].threshold.amount, "40000");
    let toon = view.accounts.iter().find(|a| a.id == "toon").unwrap();
    assert!(toon.linkable && !toon.drawable);
    let kofi = view.accounts.iter().find(|a| a.id == "kofi-main").unwrap();
    assert!(
        !kofi.linkable && !kofi.drawable,
        "paid out: nothing to link or draw on"
    );
    assert_eq!(kofi.holds, kofi.balances);
}
