//! Vault lifecycle: create, unlock, lock, status, passphrase change, key rotation, key export.

use secrecy::SecretString;
use tipvault_vault::{
    CreateError, KdfParams, KeyChangeError, RotationProgress, SlotInfo, UnlockError, Vault,
    VaultStatus,
};

use crate::support::{self, t0};

#[test]
fn create_lock_unlock_round_trip_keeps_data() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let id = vault.save_draft("remember me", t0()).unwrap();
    let vault_id = vault.vault_id();
    vault.lock().unwrap();
    assert_eq!(
        std::fs::metadata(dir.join("vault.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0),
        0,
        "lock folds the WAL into vault.db"
    );
    let (vault, report) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    assert_eq!(report.migrated, None);
    assert_eq!(report.kdf_upgraded, None);
    assert_eq!(vault.vault_id(), vault_id);
    assert_eq!(vault.draft(id, t0()).unwrap().unwrap().body, "remember me");
    let shown = format!("{vault:?}");
    assert!(shown.contains(&vault_id.to_hex()));
    assert!(
        !shown.contains(vault.export_key().as_str()),
        "Debug must not show the key"
    );
}

#[test]
fn empty_passphrase_is_refused_at_create() {
    let dir = tempfile::tempdir().unwrap();
    let err = Vault::create(
        dir.path(),
        &SecretString::from(""),
        KdfParams::POLICY_MIN,
        t0(),
    )
    .unwrap_err();
    assert!(matches!(err, CreateError::EmptyPassphrase), "{err:?}");
}

#[test]
fn create_refuses_a_directory_that_already_holds_a_vault() {
    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    let before = support::fingerprint(&dir);
    let err = Vault::create(&dir, &support::pass(), KdfParams::POLICY_MIN, t0()).unwrap_err();
    assert!(matches!(err, CreateError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(
        support::fingerprint(&dir),
        before,
        "the existing vault is untouched"
    );
}

#[test]
fn a_wrong_passphrase_modifies_neither_database_nor_sidecar() {
    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    let db = std::fs::read(dir.join("vault.db")).unwrap();
    let keys = std::fs::read(dir.join("vault.keys")).unwrap();
    let err = Vault::unlock(&dir, &SecretString::from("not it"), t0()).unwrap_err();
    assert!(
        matches!(err, UnlockError::WrongPassphrase { .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "wrong passphrase");
    assert_eq!(std::fs::read(dir.join("vault.db")).unwrap(), db);
    assert_eq!(std::fs::read(dir.join("vault.keys")).unwrap(), keys);
    assert!(
        !dir.join("vault.db-wal").exists(),
        "the database was not even opened"
    );
}

#[test]
fn status_works_without_a_passphrase() {
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        Vault::status(empty.path(), t0()).unwrap(),
        VaultStatus::Absent
    );
    let (tmp, mut vault) = support::new_vault();
    let vault_id = vault.vault_id();
    vault.save_draft("makes the WAL non-empty", t0()).unwrap();
    let VaultStatus::Present(open) = Vault::status(&support::vault_dir(&tmp), t0()).unwrap() else {
        panic!("vault must be present");
    };
    assert!(open.wal_present, "an open vault with writes has a WAL");
    vault.lock().unwrap();
    let VaultStatus::Present(info) = Vault::status(&support::vault_dir(&tmp), t0()).unwrap() else {
        panic!("vault must be present");
    };
    assert!(!info.wal_present, "lock truncates the WAL");
    assert_eq!(info.vault_id, vault_id);
    assert_eq!(
        info.slots,
        vec![SlotInfo::Passphrase {
            kdf: KdfParams::POLICY_MIN,
            meets_policy: true
        }]
    );
    assert_eq!(info.data_key_generation, 1);
    assert!(!info.rotation_pending);
    assert_eq!(info.retry_after, None);
}

#[test]
fn change_passphrase_rewraps_without_touching_the_database() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    vault.save_draft("kept", t0()).unwrap();
    let key_before = vault.export_key();
    let new = SecretString::from("a brand new passphrase");
    assert!(matches!(
        vault.change_passphrase(
            &SecretString::from("wrong"),
            &new,
            KdfParams::POLICY_MIN,
            t0()
        ),
        Err(KeyChangeError::WrongPassphrase)
    ));
    assert!(matches!(
        vault.change_passphrase(
            &support::pass(),
            &SecretString::from(""),
            KdfParams::POLICY_MIN,
            t0()
        ),
        Err(KeyChangeError::EmptyPassphrase)
    ));
    vault
        .change_passphrase(&support::pass(), &new, KdfParams::POLICY_MIN, t0())
        .unwrap();
    assert_eq!(vault.export_key(), key_before, "the data key is unchanged");
    vault.lock().unwrap();

    assert!(matches!(
        Vault::unlock(&dir, &support::pass(), t0()),
        Err(UnlockError::WrongPassphrase { .. })
    ));
    let (vault, _) = Vault::unlock(&dir, &new, t0()).unwrap();
    assert_eq!(vault.drafts(t0()).unwrap().len(), 1);
    assert_eq!(vault.export_key(), key_before);
}

#[test]
fn rotate_key_reencrypts_with_a_new_key_and_reports_progress() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    for i in 0..200 {
        vault
            .save_draft(&format!("draft {i} {}", "z".repeat(100)), t0())
            .unwrap();
    }
    let old_key = vault.export_key();
    let mut phases = Vec::new();
    let report = vault.rotate_key(t0(), |p| phases.push(p)).unwrap();
    assert_eq!(report.generation, 2);
    assert!(report.pages > 5);
    assert_eq!(phases.first(), Some(&RotationProgress::Checkpointing));
    assert!(phases.contains(&RotationProgress::Rekeying {
        pages: report.pages
    }));
    assert_eq!(
        phases.last(),
        Some(&RotationProgress::Done { generation: 2 })
    );
    let new_key = vault.export_key();
    assert_ne!(new_key, old_key);
    assert_eq!(new_key.len(), 64);
    vault.lock().unwrap();

    // The old key no longer opens the file; the new one does.
    let db = std::fs::read(dir.join("vault.db")).unwrap();
    let old = support::pages::Keys::new(&old_key, &db[..16]);
    assert!(
        support::pages::decrypt_page(&old, 2, &db[4096..8192]).is_err(),
        "old key must fail"
    );
    let new = support::pages::Keys::new(&new_key, &db[..16]);
    support::pages::decrypt_db(&new, &db);

    let (vault, report) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    assert_eq!(report.rotation_recovered, None);
    assert_eq!(vault.drafts(t0()).unwrap().len(), 200);
    assert_eq!(vault.export_key(), new_key);
}

#[test]
fn a_vault_held_exclusively_by_another_connection_is_reported_as_locked() {
    let (tmp, vault) = support::new_vault();
    let key = vault.export_key().to_string();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    let other = support::raw_conn(&dir, &key);
    other
        .execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM draft;",
        )
        .unwrap();
    let err = Vault::unlock(&dir, &support::pass(), t0()).unwrap_err();
    assert!(matches!(err, UnlockError::Locked { .. }), "{err:?}");
    other.execute_batch("COMMIT;").unwrap();
    drop(other);
    support::unlock(&dir);
}

#[test]
fn locking_beside_a_reader_does_not_wait_for_it_and_loses_nothing() {
    // The command line reading the vault while the desktop locks (its idle timer, say): a
    // full checkpoint would wait the busy timeout (5 s) for the reader to finish; the lock
    // does not need one (the WAL is encrypted and folded in when the last connection closes).
    let (tmp, mut vault) = support::new_vault();
    vault.save_draft("written before the lock", t0()).unwrap();
    let key = vault.export_key().to_string();
    let dir = support::vault_dir(&tmp);
    let reader = support::raw_conn(&dir, &key);
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM draft;")
        .unwrap();
    let started = std::time::Instant::now();
    vault.lock().unwrap();
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(2),
        "the lock waited {waited:?} for the reader"
    );
    reader.execute_batch("COMMIT;").unwrap();
    drop(reader);
    // The last connection to close folded the WAL into the database.
    let wal = std::fs::metadata(dir.join("vault.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL still holds {wal} bytes");
    let (vault, _) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    let drafts = vault.drafts(t0()).unwrap();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
}

#[test]
fn a_vault_can_move_between_threads() {
    // The app layer keeps the vault behind a mutex and locks it from an idle timer.
    fn assert_send<T: Send>() {}
    assert_send::<Vault>();
}

#[test]
fn missing_pieces_are_not_a_vault() {
    let nowhere = tempfile::tempdir().unwrap();
    let err = Vault::unlock(&nowhere.path().join("absent"), &support::pass(), t0()).unwrap_err();
    assert!(matches!(err, UnlockError::NotAVault { .. }), "{err:?}");

    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    std::fs::rename(dir.join("vault.db"), dir.join("elsewhere.db")).unwrap();
    let err = Vault::unlock(&dir, &support::pass(), t0()).unwrap_err();
    assert!(
        matches!(
            err,
            UnlockError::NotAVault {
                reason: "vault.db is missing",
                ..
            }
        ),
        "{err:?}"
    );
    std::fs::rename(dir.join("elsewhere.db"), dir.join("vault.db")).unwrap();
    support::unlock(&dir);
}

#[test]
fn a_schema_newer_than_this_build_is_too_new() {
    let (tmp, vault) = support::new_vault();
    let key = vault.export_key().to_string();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    let newer = tipvault_vault::SCHEMA_VERSION + 1;
    support::raw_conn(&dir, &key)
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let err = Vault::unlock(&dir, &support::pass(), t0()).unwrap_err();
    assert!(
        matches!(err, UnlockError::TooNew { file: tipvault_vault::VaultFile::Database, found, .. } if found == newer),
        "{err:?}"
    );
    assert!(err.to_string().contains("update Tipvault"), "{err}");
}
