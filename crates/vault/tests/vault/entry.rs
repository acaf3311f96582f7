//! Importing entries: one transaction, idempotent on the de-duplication key, all or nothing.

use tipvault_ledger::SourceId;
use tipvault_vault::{HistoryFilter, ImportOutcome, LedgerError};

use crate::ledger_support::{assert_balances_consistent, tip, tip_with, vault_with_source};
use crate::support::t0;

fn main() -> SourceId {
    SourceId::new("main")
}

#[test]
fn import_is_idempotent_on_the_dedup_key() {
    let (_tmp, mut vault) = vault_with_source();
    let entries = vec![tip("main", "A", 1, 500, 25), tip("main", "B", 2, 300, 15)];
    let first = vault.import_entries(&main(), &entries, t0()).unwrap();
    assert_eq!(
        first,
        ImportOutcome {
            inserted: 2,
            duplicates: 0
        }
    );
    let again = vault.import_entries(&main(), &entries, t0()).unwrap();
    assert_eq!(
        again,
        ImportOutcome {
            inserted: 0,
            duplicates: 2
        }
    );
    let stored = vault.entries(&HistoryFilter::default(), t0()).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored.iter().map(|s| s.entry.clone()).collect::<Vec<_>>(),
        entries,
        "entries read back exactly as written (keys, amounts, times)"
    );
    assert_balances_consistent(&vault, t0());
}

#[test]
fn a_failing_batch_rolls_back_every_earlier_batch() {
    let (_tmp, mut vault) = vault_with_source();
    let mut import = vault.begin_import(&main(), None, t0()).unwrap();
    let good: Vec<_> = (0..50)
        .map(|i| tip("main", &format!("G{i}"), i, 100, 5))
        .collect();
    assert_eq!(import.insert(&good).unwrap().inserted, 50);
    // An entry of another source mid-stream: the sink errors, the import is dropped.
    let err = import.insert(&[tip("other", "X", 1, 100, 5)]).unwrap_err();
    assert!(matches!(err, LedgerError::WrongSource { .. }), "{err:?}");
    drop(import);
    assert!(
        vault
            .entries(&HistoryFilter::default(), t0())
            .unwrap()
            .is_empty(),
        "nothing from the failed import may be committed"
    );
    assert!(vault.balances(t0()).unwrap().is_empty());
}

#[test]
fn batches_commit_together_and_count_duplicates_within_the_import() {
    let (_tmp, mut vault) = vault_with_source();
    let mut import = vault.begin_import(&main(), None, t0()).unwrap();
    import.insert(&[tip("main", "A", 1, 500, 25)]).unwrap();
    import
        .insert(&[tip("main", "A", 1, 500, 25), tip("main", "B", 2, 700, 35)])
        .unwrap();
    let outcome = import.commit().unwrap();
    assert_eq!(outcome.inserted, 2);
    assert_eq!(outcome.duplicates, 1);
    let balances = vault.balances(t0()).unwrap();
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].net.to_minor().unwrap(), 475 + 665);
}

#[test]
fn importing_into_an_unknown_source_is_refused() {
    let (_tmp, mut vault) = vault_with_source();
    let err = vault
        .import_entries(&SourceId::new("nope"), &[tip("nope", "A", 1, 1, 0)], t0())
        .unwrap_err();
    assert!(matches!(err, LedgerError::UnknownSource(id) if id == "nope"));
}

#[test]
fn dry_run_key_check_reads_only() {
    let (_tmp, mut vault) = vault_with_source();
    let a = tip("main", "A", 1, 500, 25);
    vault
        .import_entries(&main(), std::slice::from_ref(&a), t0())
        .unwrap();
    let keys = vec![
        a.key().dedup_string(),
        tip("main", "B", 1, 5, 0).key().dedup_string(),
    ];
    assert_eq!(vault.count_known_keys(&keys).unwrap(), 1);
}

#[test]
fn payer_details_expire_before_the_amounts() {
    let (_tmp, mut vault) = vault_with_source();
    let e = tip_with("main", "A", 1, 500, 25, Some("Mina"), Some("love it"));
    vault.import_entries(&main(), &[e], t0()).unwrap();
    let soon = t0() + crate::support::days(1);
    let stored = vault.entries(&HistoryFilter::default(), soon).unwrap();
    assert_eq!(stored[0].entry.payer(), Some("Mina"));
    let after_90_days = t0() + crate::support::days(91);
    let stored = vault
        .entries(&HistoryFilter::default(), after_90_days)
        .unwrap();
    assert_eq!(stored.len(), 1, "the amount lives five years");
    assert_eq!(
        stored[0].entry.payer(),
        None,
        "the payer name expired (90 days)"
    );
    assert_eq!(stored[0].entry.message(), None);
    let report = vault.purge(after_90_days, false).unwrap();
    assert_eq!(report.per_class["payer_detail"], 1);
    assert_eq!(report.per_class["imported_tip"], 0);
}

#[test]
fn an_import_keeps_its_file_name_with_each_entry_and_no_more() {
    let (_tmp, mut vault) = vault_with_source();
    let mut import = vault
        .begin_import(&main(), Some("ko-fi-2026.csv"), t0())
        .unwrap();
    import.insert(&[tip("main", "A", 1, 500, 25)]).unwrap();
    import.commit().unwrap();
    vault
        .import_entries(&main(), &[tip("main", "B", 2, 300, 15)], t0())
        .unwrap();
    let stored = vault.entries(&HistoryFilter::default(), t0()).unwrap();
    let names: Vec<Option<&str>> = stored.iter().map(|s| s.file_name.as_deref()).collect();
    assert_eq!(names, [Some("ko-fi-2026.csv"), None]);

    // A failed import leaves no file record behind: it rolls back with its entries.
    let import = vault
        .begin_import(&main(), Some("abandoned.csv"), t0())
        .unwrap();
    drop(import);
    // Nor does a file that brought nothing new.
    let mut again = vault
        .begin_import(&main(), Some("ko-fi-2026 (copy).csv"), t0())
        .unwrap();
    again.insert(&[tip("main", "A", 1, 500, 25)]).unwrap();
    assert_eq!(again.commit().unwrap().inserted, 0);
    // The file record expires with the entries it brought, and the purge deletes both.
    let later = stored[0].expires_at + chrono::Duration::seconds(1);
    let report = vault.purge(later, false).unwrap();
    assert_eq!(
        report.per_class.get("imported_tip").copied(),
        Some(2 + 1),
        "two entries and one file record, not the abandoned one"
    );
}
