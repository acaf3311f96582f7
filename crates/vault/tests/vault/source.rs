//! Sources: stored with their payout rule, ids unique, visible only while live.

use tipvault_ledger::{PayoutRule, SourceId};
use tipvault_money::Money;
use tipvault_vault::LedgerError;

use crate::ledger_support::{kofi, usd};
use crate::support::{self, days, t0};

#[test]
fn a_source_round_trips_with_its_payout_rule() {
    let (_tmp, mut vault) = support::new_vault();
    let mut generic = kofi("sheet");
    generic.platform = tipvault_ledger::Platform::Generic("투네이션 시트".into());
    generic.payout = None;
    vault.add_source(&kofi("main"), t0()).unwrap();
    vault.add_source(&generic, t0()).unwrap();
    let listed = vault.sources(t0()).unwrap();
    assert_eq!(listed, vec![kofi("main"), generic.clone()]);
    assert_eq!(
        vault.source(&SourceId::new("sheet"), t0()).unwrap(),
        Some(generic)
    );
}

#[test]
fn ids_are_unique_and_thresholds_use_the_source_currency() {
    let (_tmp, mut vault) = support::new_vault();
    vault.add_source(&kofi("main"), t0()).unwrap();
    assert!(matches!(
        vault.add_source(&kofi("main"), t0()),
        Err(LedgerError::SourceExists(id)) if id == "main"
    ));
    let mut wrong = kofi("other");
    wrong.payout = Some(PayoutRule {
        threshold: Money::from_minor(40_000, tipvault_money::Currency::from_code("KRW").unwrap()),
        schedule: String::new(),
    });
    assert!(matches!(
        vault.add_source(&wrong, t0()),
        Err(LedgerError::ThresholdCurrency { .. })
    ));
    assert_eq!(usd().code(), "USD");
}

#[test]
fn an_expired_source_is_hidden_and_purged_with_its_entries() {
    let (_tmp, mut vault) = support::new_vault();
    vault.add_source(&kofi("main"), t0()).unwrap();
    vault
        .import_entries(
            &SourceId::new("main"),
            &[crate::ledger_support::tip("main", "T1", 1, 500, 25)],
            t0(),
        )
        .unwrap();
    vault
        .set_retention("source", std::time::Duration::from_secs(86_400), t0())
        .unwrap();
    let later = t0() + days(2);
    assert!(vault.sources(later).unwrap().is_empty(), "expired: hidden");
    let report = vault.purge(later, false).unwrap();
    assert_eq!(report.per_class["source"], 1);
    assert!(
        vault.balances(later).unwrap().is_empty(),
        "the cascade removed the entries and their balance"
    );
    crate::ledger_support::assert_balances_consistent(&vault, later);
}

#[test]
fn a_payout_rule_can_be_edited_and_removed() {
    let (_tmp, mut vault) = support::new_vault();
    vault.add_source(&kofi("main"), t0()).unwrap();
    let id = SourceId::new("main");
    let rule = PayoutRule {
        threshold: Money::from_minor(2_500, usd()),
        schedule: "weekly".into(),
    };
    assert!(vault.set_payout(&id, Some(&rule), t0()).unwrap());
    let stored = vault.source(&id, t0()).unwrap().unwrap();
    assert_eq!(stored.payout, Some(rule));

    let krw = PayoutRule {
        threshold: Money::from_minor(40_000, tipvault_money::Currency::from_code("KRW").unwrap()),
        schedule: String::new(),
    };
    assert!(matches!(
        vault.set_payout(&id, Some(&krw), t0()),
        Err(LedgerError::ThresholdCurrency { .. })
    ));

    assert!(vault.set_payout(&id, None, t0()).unwrap());
    assert_eq!(vault.source(&id, t0()).unwrap().unwrap().payout, None);
    assert!(
        !vault
            .set_payout(&SourceId::new("nobody"), None, t0())
            .unwrap()
    );
    // Expired sources are not editable (they wait for the purge).
    assert!(!vault.set_payout(&id, None, t0() + days(365 * 200)).unwrap());
}
