//! Provider accounts: a reconciliation is stored with its reading, its adjusting entries and
//! its audit event in one transaction, and the account's balance then equals the reading.

use serde_json::json;
use tipvault_ledger::entry::NewEntry;
use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source, SourceId};
use tipvault_money::{Currency, Money};
use tipvault_vault::{AuditEvent, BalanceReading, NewReconciliation, ReconciliationOutcome};

use crate::ledger_support::kofi;
use crate::support::{days, new_vault, t0, unlock, vault_dir};

fn account() -> Source {
    Source {
        id: SourceId::new("provider-edupoints"),
        label: "edupoints".into(),
        platform: Platform::Generic("tipvault-provider".into()),
        currency: Currency::KRW,
        payout: None,
    }
}

fn krw(minor: i64) -> Money {
    Money::from_minor(minor, Currency::KRW)
}

fn reading(minor: i64, secs: i64) -> BalanceReading {
    BalanceReading {
        provider_id: "edupoints".into(),
        amount: krw(minor),
        as_of: t0() + chrono::Duration::seconds(secs),
        read_at: t0() + chrono::Duration::seconds(secs),
        response: format!("{{\"amount\":\"{minor}\"}}"),
    }
}

fn credit(minor: i64, id: &str) -> Entry {
    Entry::new(NewEntry {
        source: account().id,
        kind: EntryKind::Credit,
        occurred_at: t0(),
        gross: krw(minor),
        fee: krw(0),
        net: krw(minor),
        key: EntryKey::TransactionId {
            platform: "tipvault-provider".into(),
            source: account().id,
            id: id.into(),
        },
        payer: None,
        message: None,
    })
    .unwrap()
}

#[test]
fn a_reconciliation_books_its_adjustment_and_survives_a_reopen() {
    let (tmp, mut vault) = new_vault();
    let now = t0();
    let rec = NewReconciliation {
        provider: krw(87_300),
        vault: krw(0),
        outcome: ReconciliationOutcome::Credited,
        detail: json!({"first": true}).to_string(),
    };
    let audit = AuditEvent::new("account.reconciled", json!({"provider": "edupoints"})).unwrap();
    let id = vault
        .record_reconciliation(
            &reading(87_300, 0),
            &rec,
            &account(),
            &[credit(87_300, "opening")],
            &audit,
            now,
        )
        .unwrap();
    drop(vault);
    let vault = unlock(&vault_dir(&tmp));
    let balances = vault.balances(now).unwrap();
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].source, account().id);
    assert_eq!(balances[0].net, krw(87_300));
    let stored = vault.reconciliations("edupoints", 10, now).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, id);
    assert_eq!(stored[0].reconciliation, rec);
    let latest = vault
        .latest_reading("edupoints", Currency::KRW, now)
        .unwrap()
        .unwrap();
    assert_eq!(Some(latest.id), stored[0].reading_id);
    assert_eq!(latest.reading, reading(87_300, 0));
    assert!(vault.audit_verify().unwrap().is_intact());
}

#[test]
fn the_latest_reading_is_the_providers_latest_and_expires_with_its_class() {
    let (_tmp, mut vault) = new_vault();
    let now = t0();
    let matched = |minor| NewReconciliation {
        provider: krw(minor),
        vault: krw(minor),
        outcome: ReconciliationOutcome::Matched,
        detail: "{}".into(),
    };
    let audit = AuditEvent::new("account.reconciled", json!({})).unwrap();
    for (minor, secs) in [(500, 10), (400, 30), (450, 20)] {
        vault
            .record_reconciliation(
                &reading(minor, secs),
                &matched(minor),
                &account(),
                &[],
                &audit,
                now,
            )
            .unwrap();
    }
    let latest = vault
        .latest_reading("edupoints", Currency::KRW, now)
        .unwrap();
    assert_eq!(latest.unwrap().reading.amount, krw(400));
    assert_eq!(vault.reconciliations("edupoints", 2, now).unwrap().len(), 2);
    assert!(
        vault
            .latest_reading("edupoints", Currency::USD, now)
            .unwrap()
            .is_none()
    );
    // Kept like receipts (5 years), then gone.
    let later = now + days(1827);
    assert!(
        vault
            .latest_reading("edupoints", Currency::KRW, later)
            .unwrap()
            .is_none()
    );
    assert!(
        vault
            .reconciliations("edupoints", 10, later)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_reconciliation_that_cannot_book_writes_nothing() {
    let (_tmp, mut vault) = new_vault();
    let now = t0();
    let rec = NewReconciliation {
        provider: krw(100),
        vault: krw(0),
        outcome: ReconciliationOutcome::Credited,
        detail: "{}".into(),
    };
    let audit = AuditEvent::new("account.reconciled", json!({})).unwrap();
    // An entry of another source: refused, and the reading is not kept either.
    let mut wrong = credit(100, "x");
    wrong = Entry::new(NewEntry {
        source: SourceId::new("elsewhere"),
        kind: wrong.kind(),
        occurred_at: wrong.occurred_at(),
        gross: wrong.gross(),
        fee: wrong.fee(),
        net: wrong.net(),
        key: EntryKey::TransactionId {
            platform: "p".into(),
            source: SourceId::new("elsewhere"),
            id: "x".into(),
        },
        payer: None,
        message: None,
    })
    .unwrap();
    assert!(
        vault
            .record_reconciliation(&reading(100, 0), &rec, &account(), &[wrong], &audit, now)
            .is_err()
    );
    assert!(
        vault
            .latest_reading("edupoints", Currency::KRW, now)
            .unwrap()
            .is_none()
    );
    assert!(
        vault
            .reconciliations("edupoints", 10, now)
            .unwrap()
            .is_empty()
    );
    assert!(vault.balances(now).unwrap().is_empty());
}

#[test]
fn a_platform_account_names_the_provider_that_holds_its_money() {
    let (_tmp, mut vault) = new_vault();
    let now = t0();
    vault.add_source(&kofi("kofi"), now).unwrap();
    assert!(vault.source_holders(now).unwrap().is_empty());
    assert!(
        vault
            .set_source_holder(&SourceId::new("kofi"), Some("edupoints"), now)
            .unwrap()
    );
    assert_eq!(
        vault.source_holders(now).unwrap(),
        [(SourceId::new("kofi"), "edupoints".to_owned())]
    );
    assert!(
        !vault
            .set_source_holder(&SourceId::new("nope"), Some("edupoints"), now)
            .unwrap()
    );
    assert!(
        vault
            .set_source_holder(&SourceId::new("kofi"), None, now)
            .unwrap()
    );
    assert!(vault.source_holders(now).unwrap().is_empty());
}
