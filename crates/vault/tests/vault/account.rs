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
        // The books: nothing booked into the account (recording compares them again).
        vault: krw(0),
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

/// A reconciliation is recorded only against the books it compared: if something was booked
/// into the account (its own entries or a linked platform account's) after they were read,
/// nothing is written and the caller is told to reconcile again.
#[test]
fn a_reconciliation_against_books_that_changed_meanwhile_writes_nothing() {
    let (_tmp, mut vault) = new_vault();
    let now = t0();
    let audit = AuditEvent::new("account.reconciled", json!({})).unwrap();
    let compared = |books: i64| NewReconciliation {
        provider: krw(1_000),
        vault: krw(books),
        outcome: ReconciliationOutcome::Credited,
        detail: "{}".into(),
    };
    // Books of ₩0 were read; then ₩300 was booked into the account (another window's receipt).
    vault
        .record_reconciliation(&reading(0, 0), &compared(0), &account(), &[], &audit, now)
        .map(|_| ())
        .unwrap_or_else(|e| panic!("{e}"));
    let booked = vault
        .record_reconciliation(
            &reading(300, 1),
            &NewReconciliation {
                provider: krw(300),
                vault: krw(0),
                outcome: ReconciliationOutcome::Credited,
                detail: "{}".into(),
            },
            &account(),
            &[credit(300, "meanwhile")],
            &audit,
            now,
        )
        .unwrap();
    let stale = vault.record_reconciliation(
        &reading(1_000, 2),
        &compared(0),
        &account(),
        &[credit(1_000, "twice")],
        &audit,
        now,
    );
    assert!(
        matches!(stale, Err(tipvault_vault::LedgerError::BooksChanged)),
        "{stale:?}"
    );
    let stored = vault.reconciliations("edupoints", 10, now).unwrap();
    assert_eq!(stored[0].id, booked, "nothing newer was written");
    assert_eq!(vault.balances(now).unwrap()[0].net, krw(300));
    // A platform account linked to the provider counts in its books too.
    let tips = Source {
        id: SourceId::new("tips"),
        label: "tips".into(),
        platform: Platform::Generic("tips".into()),
        currency: Currency::KRW,
        payout: None,
    };
    vault.add_source(&tips, now).unwrap();
    let tip = Entry::new(NewEntry {
        source: tips.id.clone(),
        kind: EntryKind::Tip,
        occurred_at: t0(),
        gross: krw(475),
        fee: krw(0),
        net: krw(475),
        key: EntryKey::TransactionId {
            platform: "tips".into(),
            source: tips.id.clone(),
            id: "t1".into(),
        },
        payer: None,
        message: None,
    })
    .unwrap();
    vault.import_entries(&tips.id, &[tip], now).unwrap();
    assert!(
        vault
            .set_source_holder(&tips.id, Some("edupoints"), now)
            .unwrap()
    );
    let stale = vault.record_reconciliation(
        &reading(775, 3),
        &compared(300),
        &account(),
        &[],
        &audit,
        now,
    );
    assert!(matches!(
        stale,
        Err(tipvault_vault::LedgerError::BooksChanged)
    ));
    vault
        .record_reconciliation(
            &reading(775, 3),
            &compared(775),
            &account(),
            &[],
            &audit,
            now,
        )
        .unwrap();
    assert!(vault.audit_verify().unwrap().is_intact());
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

#[test]
fn a_reconciliation_outcome_has_one_name_stored_and_shown() {
    for outcome in [
        ReconciliationOutcome::Matched,
        ReconciliationOutcome::Credited,
        ReconciliationOutcome::Pending,
        ReconciliationOutcome::Unexplained,
        ReconciliationOutcome::DoubleCharge,
    ] {
        assert_eq!(
            serde_json::to_value(outcome).unwrap(),
            json!(outcome.as_str())
        );
        assert_eq!(
            ReconciliationOutcome::parse(outcome.as_str()),
            Some(outcome)
        );
    }
    assert_eq!(ReconciliationOutcome::parse("lost"), None);
}
