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
    assert_eq!(view.forecasts.len(), 1, "one source has a payout threshold");
    assert_eq!(view.forecasts[0].threshold.amount, "50.00");
}
