//! The audit chain: appends link up, verification catches an edited, removed, inserted or
//! reordered entry, and purging old entries leaves an anchor so the rest still verifies.

use serde_json::json;
use tipvault_vault::{AuditError, AuditEvent, AuditProblem, Vault};

use crate::support::{self, days, t0};

/// A locked vault with six app events after the vault's own entries; returns (tmp, dir, key).
fn chain_of_six() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (tmp, mut vault) = support::new_vault();
    for i in 0..6 {
        let event = AuditEvent::new("test.step", json!({"i": i})).unwrap();
        vault
            .audit_append(&event, t0() + chrono::Duration::minutes(i))
            .unwrap();
    }
    assert!(vault.audit_verify().unwrap().is_intact());
    let key = vault.export_key().to_string();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    (tmp, dir, key)
}

fn verify_after(dir: &std::path::Path, key: &str, tamper: &str) -> Option<AuditProblem> {
    support::raw_conn(dir, key).execute_batch(tamper).unwrap();
    // Read the chain without unlocking (unlock appends an entry of its own).
    let (vault, _) = Vault::unlock(dir, &support::pass(), t0()).unwrap();
    vault.audit_verify().unwrap().problem
}

#[test]
fn appended_entries_form_a_verifiable_chain() {
    let (_tmp, mut vault) = support::new_vault();
    let first = vault
        .audit_append(&AuditEvent::new("test.a", json!({"x": 1})).unwrap(), t0())
        .unwrap();
    let second = vault
        .audit_append(&AuditEvent::new("test.b", json!(null)).unwrap(), t0())
        .unwrap();
    assert_eq!(second, first + 1, "seq has no gaps");
    let entries = vault.audit_entries(t0(), 0, 100).unwrap();
    assert_eq!(
        entries[0].kind, "vault.created",
        "the vault records its own creation"
    );
    assert_eq!(entries.last().unwrap().detail, json!(null));
    let report = vault.audit_verify().unwrap();
    assert!(report.is_intact());
    assert_eq!(report.checked, entries.len() as u64);
    assert_eq!(report.anchor, None);
    assert!(matches!(
        AuditEvent::new("Bad Kind", json!(1)),
        Err(AuditError::InvalidKind)
    ));
}

#[test]
fn an_edited_entry_is_detected() {
    let (_tmp, dir, key) = chain_of_six();
    let problem = verify_after(
        &dir,
        &key,
        "UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3;",
    );
    assert_eq!(problem, Some(AuditProblem::HashMismatch { seq: 3 }));
}

#[test]
fn a_removed_entry_is_detected() {
    let (_tmp, dir, key) = chain_of_six();
    let problem = verify_after(&dir, &key, "DELETE FROM audit_log WHERE seq = 4;");
    assert_eq!(
        problem,
        Some(AuditProblem::SequenceGap {
            expected: 4,
            found: 5
        })
    );
}

#[test]
fn removing_the_oldest_entry_without_an_anchor_is_detected() {
    let (_tmp, dir, key) = chain_of_six();
    let problem = verify_after(&dir, &key, "DELETE FROM audit_log WHERE seq = 1;");
    assert_eq!(
        problem,
        Some(AuditProblem::SequenceGap {
            expected: 1,
            found: 2
        })
    );
}

#[test]
fn an_inserted_entry_is_detected() {
    let (_tmp, dir, key) = chain_of_six();
    // Make room after seq 3 and insert a forged entry that links to seq 3's hash.
    let problem = verify_after(
        &dir,
        &key,
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 3;
         UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000;
         INSERT INTO audit_log (seq, at, kind, detail, prev_hash, hash, created_at, expires_at)
           SELECT 4, at, 'forged', '{}', hash, zeroblob(32), created_at, expires_at
           FROM audit_log WHERE seq = 3;",
    );
    assert_eq!(problem, Some(AuditProblem::HashMismatch { seq: 4 }));
}

#[test]
fn reordered_entries_are_detected() {
    let (_tmp, dir, key) = chain_of_six();
    let problem = verify_after(
        &dir,
        &key,
        "UPDATE audit_log SET seq = -5 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = 6;
         UPDATE audit_log SET seq = 6 WHERE seq = -5;",
    );
    assert_eq!(problem, Some(AuditProblem::BrokenLink { seq: 5 }));
}

#[test]
fn purging_old_entries_leaves_an_anchor_and_the_rest_verifies() {
    let (_tmp, mut vault) = support::new_vault();
    for i in 0..5 {
        vault
            .audit_append(&AuditEvent::new("test.old", json!({"i": i})).unwrap(), t0())
            .unwrap();
    }
    // Shorten audit retention to its floor so the t0 entries expire, then add newer ones.
    vault
        .set_retention("audit", std::time::Duration::from_secs(731 * 86_400), t0())
        .unwrap();
    let later = t0() + days(740);
    let kept = vault
        .audit_append(&AuditEvent::new("test.new", json!({})).unwrap(), later)
        .unwrap();
    let before = vault.audit_verify().unwrap();
    assert!(before.is_intact());
    let visible = vault.audit_entries(later, 0, 100).unwrap();
    assert_eq!(
        visible.first().map(|e| e.seq),
        Some(kept),
        "expired entries are hidden before the purge"
    );

    let report = vault.purge(later, false).unwrap();
    assert_eq!(
        report.audit_anchor_seq,
        Some(kept - 1),
        "everything before the first live entry goes"
    );
    assert_eq!(report.per_class["audit"], kept - 1);
    let after = vault.audit_verify().unwrap();
    assert!(
        after.is_intact(),
        "the anchor must let the remaining chain verify: {after:?}"
    );
    assert_eq!(after.anchor.map(|a| a.seq), Some(kept - 1));
    let entries = vault.audit_entries(later, 0, 100).unwrap();
    assert_eq!(entries[0].seq, kept);
    // New entries keep chaining after a purge, and a second purge moves the anchor.
    vault
        .audit_append(&AuditEvent::new("test.after", json!({})).unwrap(), later)
        .unwrap();
    assert!(vault.audit_verify().unwrap().is_intact());
    let much_later = later + days(740);
    vault.purge(much_later, false).unwrap();
    let last = vault.audit_verify().unwrap();
    assert!(last.is_intact(), "{last:?}");
}

/// An excerpt naming a record verifies on its own after older history was purged: its first
/// link carries the stored predecessor hash (the anchor's), and every detail is the exact
/// text that was hashed.
#[test]
fn an_excerpt_naming_a_record_links_up_after_older_entries_are_purged() {
    let (_tmp, mut vault) = support::new_vault();
    vault
        .set_retention("audit", std::time::Duration::from_secs(731 * 86_400), t0())
        .unwrap();
    for i in 0..3 {
        let event = AuditEvent::new("test.old", json!({"i": i})).unwrap();
        vault.audit_append(&event, t0()).unwrap();
    }
    let later = t0() + days(732);
    let name = |kind: &str, r: &str| AuditEvent::new(kind, json!({"redemption": r})).unwrap();
    vault
        .audit_append(&name("test.planned", "r1"), later)
        .unwrap();
    vault
        .audit_append(&name("test.other", "r2"), later)
        .unwrap();
    vault.audit_append(&name("test.sent", "r1"), later).unwrap();
    vault
        .audit_append(&name("test.after", "r3"), later)
        .unwrap();
    vault.purge(later, false).unwrap();
    let live = vault.audit_entries(later, 0, 100).unwrap();
    assert_eq!(
        live[0].kind, "test.planned",
        "everything before r1 was purged"
    );

    let links = vault.audit_excerpt_naming("redemption", "r1").unwrap();
    let kinds: Vec<&str> = links.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, ["test.planned", "test.other", "test.sent"]);
    assert_ne!(
        links[0].prev_hash, [0; 32],
        "the anchor, not a made-up genesis"
    );
    let mut prev = links[0].prev_hash;
    for l in &links {
        assert_eq!(l.prev_hash, prev);
        let computed =
            tipvault_vault::audit::entry_hash(l.seq, l.at, &l.kind, &l.detail, &l.prev_hash);
        assert_eq!(
            computed, l.hash,
            "entry {} verifies from its stored text",
            l.seq
        );
        prev = l.hash;
    }
    assert!(
        vault
            .audit_excerpt_naming("redemption", "nobody")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_unreadable_entry_is_an_error_when_listed_and_a_problem_when_verified() {
    let (_tmp, dir, key) = chain_of_six();
    support::raw_conn(&dir, &key)
        .execute_batch("UPDATE audit_log SET detail = 'not json' WHERE seq = 3;")
        .unwrap();
    let (vault, _) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    // Listed, it is never shown as an entry without detail (it once read as null).
    assert!(vault.audit_entries(t0(), 0, 100).is_err());
    // Verified, it is the tampering it is.
    assert_eq!(
        vault.audit_verify().unwrap().problem,
        Some(AuditProblem::HashMismatch { seq: 3 })
    );
}
