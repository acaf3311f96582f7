//! The consistency check: a vault written only through its API holds everywhere, and each part
//! the check covers, broken behind the vault's back, is named.

use tipvault_ledger::SourceId;
use tipvault_vault::{Inconsistency, Vault};

use crate::ledger_support::{tip, vault_with_source};
use crate::support::{self, t0};

/// A locked vault with three entries (two with a payer and a message, indexed for search);
/// returns (tmp, dir, key).
fn vault_with_entries() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (tmp, mut vault) = vault_with_source();
    vault
        .import_entries(
            &SourceId::new("main"),
            &[
                tip("main", "A", 1, 500, 25),
                tip("main", "B", 2, 1_000, 50),
                tip("main", "C", 3, 300, 15),
            ],
            t0(),
        )
        .unwrap();
    let report = vault.check_consistency(t0()).unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(report.entries, 3);
    assert!(
        report.audit_entries > 0,
        "the vault's own events are checked"
    );
    let key = vault.export_key().to_string();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    (tmp, dir, key)
}

fn problems_after(tamper: &str) -> Vec<Inconsistency> {
    let (_tmp, dir, key) = vault_with_entries();
    support::raw_conn(&dir, &key).execute_batch(tamper).unwrap();
    let (vault, _) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    vault.check_consistency(t0()).unwrap().problems
}

#[test]
fn a_vault_written_through_its_api_is_consistent() {
    let (_tmp, dir, _key) = vault_with_entries();
    let (vault, _) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    let report = vault.check_consistency(t0()).unwrap();
    assert_eq!(report.problems, []);
    assert_eq!(report.entries, 3);
}

#[test]
fn an_edited_balance_is_found() {
    let problems = problems_after("UPDATE balance SET net_minor = net_minor + 1;");
    assert_eq!(problems, [Inconsistency::Balances]);
}

#[test]
fn an_edited_audit_entry_is_found() {
    let problems = problems_after("UPDATE audit_log SET detail = '{}' WHERE seq = 1;");
    assert!(
        matches!(problems[..], [Inconsistency::Audit(_)]),
        "{problems:?}"
    );
}

#[test]
fn a_search_index_row_without_its_entry_is_found() {
    // Written into the index directly, as a write torn between the index and its content
    // table would leave it.
    let problems = problems_after(
        "INSERT INTO entry_fts (rowid, payer, message) VALUES (424242, 'ghost', 'ghost');",
    );
    assert!(
        matches!(problems[..], [Inconsistency::SearchIndex(_)]),
        "{problems:?}"
    );
}

#[test]
fn a_row_pointing_at_a_missing_record_is_found() {
    let problems = problems_after(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO entry_detail (entry_id, payer, message, created_at, expires_at)
             VALUES (424242, NULL, NULL, 0, 4102444800);",
    );
    assert!(
        problems.contains(&Inconsistency::ForeignKeys(1)),
        "{problems:?}"
    );
}
