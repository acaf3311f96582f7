//! Purge really deletes: a canary written into an expiring record is present in the decrypted
//! pages before the purge and absent from every decrypted page (free pages included) and from
//! the WAL after it.

use tipvault_vault::{AuditEvent, Vault};

use crate::support::{self, contains, days, pages, t0};

/// Decrypts `vault.db` and its WAL with the vault's exported key; returns
/// (canary in db pages, canary in WAL frames, freelist page count, page count).
fn scan(dir: &std::path::Path, key_hex: &str, canary: &[u8]) -> (bool, bool, u32, usize) {
    let db = std::fs::read(dir.join("vault.db")).unwrap();
    let wal = std::fs::read(dir.join("vault.db-wal")).unwrap_or_default();
    assert!(
        !contains(&db, canary) && !contains(&wal, canary),
        "files must be ciphertext"
    );
    let keys = pages::Keys::new(key_hex, &db[..16]);
    let db_pages = pages::decrypt_db(&keys, &db);
    let page1 = &db_pages[0];
    assert_eq!(&page1[..16], b"SQLite format 3\0");
    assert_eq!(
        page1[20], 80,
        "decrypted header must show SQLCipher's 80-byte reserve"
    );
    let freelist = u32::from_be_bytes(page1[36..40].try_into().unwrap());
    let in_db = db_pages.iter().any(|p| contains(p, canary));
    let in_wal = pages::decrypt_wal(&keys, &wal)
        .iter()
        .any(|(_, p)| contains(p, canary));
    (in_db, in_wal, freelist, db_pages.len())
}

#[test]
fn purged_canary_is_gone_from_database_pages_free_pages_and_wal() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let canary = b"CANARY-7f3a9c1e-tip-from-alice";
    let canary_text = std::str::from_utf8(canary).unwrap();
    // Many rows so whole pages become free, plus one body large enough for overflow pages.
    for i in 0..400 {
        vault
            .save_draft(&format!("{canary_text} #{i} {}", "x".repeat(200)), t0())
            .unwrap();
    }
    vault
        .save_draft(&format!("{canary_text} {}", "y".repeat(20_000)), t0())
        .unwrap();
    // Something that must survive: audit entries live five years.
    vault
        .audit_append(
            &AuditEvent::new("test.kept", serde_json::json!({"n": 1})).unwrap(),
            t0(),
        )
        .unwrap();
    let key = vault.export_key();

    let (_, in_wal, _, _) = scan(&dir, &key, canary);
    assert!(
        in_wal,
        "before checkpoint the canary must be visible in decrypted WAL frames"
    );
    vault.lock().unwrap();
    let (in_db, in_wal, _, _) = scan(&dir, &key, canary);
    assert!(
        in_db,
        "after lock's checkpoint the canary must be visible in decrypted db pages"
    );
    assert!(!in_wal);

    let later = t0() + days(2);
    let (mut vault, _) = Vault::unlock(&dir, &support::pass(), later).unwrap();
    assert!(
        vault.drafts(later).unwrap().is_empty(),
        "expired rows are unreadable before purge"
    );
    let (in_db, _, _, _) = scan(&dir, &key, canary);
    assert!(in_db, "…but still on disk until the purge");

    let report = vault.purge(later, false).unwrap();
    assert_eq!(report.per_class["draft"], 401);
    assert_eq!(report.total, 401);
    // Purge ends with wal_checkpoint(TRUNCATE); scan while the vault is still open.
    let (in_db, in_wal, freelist, page_count) = scan(&dir, &key, canary);
    assert!(
        !in_db,
        "canary left in a decrypted database page (live or free)"
    );
    assert!(!in_wal, "canary left in a decrypted WAL frame");
    assert!(
        freelist > 0,
        "the test must exercise free pages (freelist is {freelist})"
    );
    assert!(page_count > 10);
    assert_eq!(
        std::fs::metadata(dir.join("vault.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0),
        0
    );
    assert_eq!(
        vault
            .audit_entries(later, 0, 100)
            .unwrap()
            .iter()
            .filter(|e| e.kind == "test.kept")
            .count(),
        1
    );
    vault.lock().unwrap();
    let (in_db, in_wal, _, _) = scan(&dir, &key, canary);
    assert!(!in_db && !in_wal, "nothing reappears after lock");
}

#[test]
fn dry_run_counts_without_deleting() {
    let (_tmp, mut vault) = support::new_vault();
    vault.save_draft("short lived", t0()).unwrap();
    let later = t0() + days(2);
    let dry = vault.purge(later, true).unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.per_class["draft"], 1);
    let real = vault.purge(later, false).unwrap();
    assert_eq!(
        real.per_class["draft"], 1,
        "the dry run must not have deleted anything"
    );
    assert_eq!(vault.purge(later, false).unwrap().per_class["draft"], 0);
}

#[test]
fn purge_reports_every_class_and_keeps_live_rows() {
    let (_tmp, mut vault) = support::new_vault();
    vault.save_draft("old", t0()).unwrap();
    vault.save_draft("new", t0() + days(2)).unwrap();
    let report = vault.purge(t0() + days(2), false).unwrap();
    let classes: Vec<_> = report.per_class.keys().cloned().collect();
    assert_eq!(
        classes,
        [
            "audit",
            "catalog",
            "draft",
            "imported_tip",
            "network_fingerprint",
            "payer_detail",
            "receipt",
            "request_log",
            "risk_observation",
            "risk_state",
            "source",
            "verification_token"
        ]
    );
    assert_eq!(report.per_class["draft"], 1);
    let left = vault.drafts(t0() + days(2)).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].body, "new");
}

#[test]
fn purged_payer_messages_are_gone_from_the_table_the_search_index_and_the_wal() {
    use crate::ledger_support::{tip_with, vault_with_source};
    let (tmp, mut vault) = vault_with_source();
    let dir = support::vault_dir(&tmp);
    let canary = "zqxcanarymessage417";
    let entries: Vec<_> = (0..300)
        .map(|i| {
            tip_with(
                "main",
                &format!("C{i}"),
                i,
                500,
                25,
                Some("Canary Payer"),
                Some(&format!("{canary} {}", "padding words ".repeat(20))),
            )
        })
        .collect();
    vault
        .import_entries(&tipvault_ledger::SourceId::new("main"), &entries, t0())
        .unwrap();
    let key = vault.export_key();
    vault.lock().unwrap();
    let (in_db, _, _, _) = scan(&dir, &key, canary.as_bytes());
    assert!(
        in_db,
        "before the purge the message is in the decrypted pages"
    );

    // Payer details live 90 days; the amounts stay.
    let later = t0() + days(91);
    let (mut vault, _) = Vault::unlock(&dir, &support::pass(), later).unwrap();
    let report = vault.purge(later, false).unwrap();
    assert_eq!(report.per_class["payer_detail"], 300);
    let (in_db, in_wal, _, _) = scan(&dir, &key, canary.as_bytes());
    assert!(
        !in_db,
        "the message (or its search-index term) survived the purge in a decrypted page"
    );
    assert!(!in_wal);
    assert_eq!(vault.balances(later).unwrap()[0].entries, 300);
}

#[test]
fn purging_entries_also_removes_their_kept_details_from_the_search_index() {
    use crate::ledger_support::{tip_with, vault_with_source};
    let (tmp, mut vault) = vault_with_source();
    let dir = support::vault_dir(&tmp);
    let canary = "qvzentrycanary902";
    let entries: Vec<_> = (0..200)
        .map(|i| {
            tip_with(
                "main",
                &format!("E{i}"),
                i,
                500,
                25,
                Some("Someone"),
                Some(&format!("{canary} {}", "filler text ".repeat(20))),
            )
        })
        .collect();
    vault
        .import_entries(&tipvault_ledger::SourceId::new("main"), &entries, t0())
        .unwrap();
    // Entries now expire after 10 days, before their details (90 days): the purge deletes the
    // entries, and the details go with them by cascade.
    vault
        .set_retention(
            "imported_tip",
            std::time::Duration::from_secs(10 * 86_400),
            t0(),
        )
        .unwrap();
    let key = vault.export_key();
    let later = t0() + days(11);
    let report = vault.purge(later, false).unwrap();
    assert_eq!(report.per_class["imported_tip"], 200);
    let (in_db, in_wal, _, _) = scan(&dir, &key, canary.as_bytes());
    assert!(!in_db && !in_wal, "a cascaded detail left its text behind");
    let filter = tipvault_vault::HistoryFilter {
        search: Some(canary.into()),
        ..Default::default()
    };
    assert!(
        vault
            .history(&filter, None, 10, later)
            .unwrap()
            .entries
            .is_empty()
    );
    assert!(vault.balances(later).unwrap().is_empty());
}
