//! Security-key slots and credential records: a key enrolled with the software authenticator
//! (real hmac-secret, real KEK derivation) opens the vault without the passphrase; another
//! salt or another vault's KEK does not; removing the slot ends it while the passphrase keeps
//! working; key rotation and passphrase changes keep the slot; stored counters never go down.

use chrono::Duration;
use tipvault_auth::{
    CredentialId, HmacSecretSalt, MemoryCredentialStore, RelyingParty, RpConfig, SoftAuthenticator,
    UserIdentity, unlock_kek,
};
use tipvault_vault::{
    KeyChangeError, SecurityKeyError, SlotInfo, StoredSecurityKey, UnlockError, Vault, VaultStatus,
};
use zeroize::Zeroizing;

use crate::support::{self, t0};

struct Enrolled {
    device: SoftAuthenticator,
    credential: CredentialId,
    salt: [u8; 32],
}

/// Registers a credential on a fresh software authenticator and adds its slot to `vault`.
fn enrol(vault: &mut Vault, label: &str) -> Enrolled {
    let mut device = SoftAuthenticator::ephemeral();
    let mut store = MemoryCredentialStore::new();
    let user = UserIdentity {
        id: [1; 16],
        name: "owner".into(),
        display_name: "Owner".into(),
    };
    let record = RelyingParty::desktop()
        .unwrap()
        .register(&mut store, &mut device, &user, label, t0().timestamp())
        .unwrap();
    let salt = HmacSecretSalt::generate().unwrap();
    let kek = kek_for(
        &mut device,
        &record.id,
        *salt.as_bytes(),
        vault.vault_id().as_bytes(),
    );
    vault
        .add_security_key_slot(record.id.as_bytes(), *salt.as_bytes(), label, kek, t0())
        .unwrap();
    Enrolled {
        device,
        credential: record.id,
        salt: *salt.as_bytes(),
    }
}

fn kek_for(
    device: &mut SoftAuthenticator,
    credential: &CredentialId,
    salt: [u8; 32],
    vault_id: &[u8],
) -> Zeroizing<[u8; 32]> {
    let kek = unlock_kek(
        device,
        &RpConfig::default(),
        credential,
        HmacSecretSalt::from_bytes(salt),
        vault_id,
    )
    .unwrap();
    Zeroizing::new(*kek.as_bytes())
}

/// What a caller does at unlock: read the slots, ask the key, open.
fn open_with(dir: &std::path::Path, key: &mut Enrolled) -> Result<Vault, UnlockError> {
    let slots = Vault::security_key_slots(dir)?;
    let slot = slots
        .slots
        .iter()
        .find(|s| s.credential_id == key.credential.as_bytes())
        .ok_or(UnlockError::NoSecurityKeySlot)?;
    let kek = kek_for(
        &mut key.device,
        &key.credential,
        slot.prf_salt,
        slots.vault_id.as_bytes(),
    );
    Vault::unlock_with_security_key(dir, &slot.credential_id, kek, t0()).map(|(v, _)| v)
}

#[test]
fn an_enrolled_key_opens_the_vault_without_the_passphrase() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    vault.save_draft("opened by a key", t0()).unwrap();
    let mut key = enrol(&mut vault, "blue key");
    vault.lock().unwrap();

    let slots = Vault::security_key_slots(&dir).unwrap();
    assert_eq!(slots.slots.len(), 1);
    assert_eq!(slots.slots[0].label, "blue key");
    assert_eq!(slots.slots[0].prf_salt, key.salt);
    match Vault::status(&dir, t0()).unwrap() {
        VaultStatus::Present(info) => assert!(info.slots.contains(&SlotInfo::SecurityKey {
            label: "blue key".into()
        })),
        VaultStatus::Absent => panic!("vault vanished"),
    }

    let vault = open_with(&dir, &mut key).unwrap();
    assert_eq!(vault.drafts(t0()).unwrap()[0].body, "opened by a key");
    let unlocked = vault
        .audit_entries(t0(), 0, 100)
        .unwrap()
        .into_iter()
        .rfind(|e| e.kind == "vault.unlocked")
        .unwrap();
    assert_eq!(unlocked.detail["method"], "security_key");
    assert_eq!(unlocked.detail["label"], "blue key");
    assert!(
        vault
            .audit_entries(t0(), 0, 100)
            .unwrap()
            .iter()
            .any(|e| e.kind == "vault.security_key_slot_added")
    );
}

#[test]
fn a_wrong_kek_is_refused_and_writes_nothing() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut key = enrol(&mut vault, "key");
    let vault_id = vault.vault_id();
    vault.lock().unwrap();
    let before = support::fingerprint(&dir);

    // The right key over another salt: what a tampered salt in the sidecar would produce.
    let other_salt = kek_for(
        &mut key.device,
        &key.credential,
        [9; 32],
        vault_id.as_bytes(),
    );
    let err = Vault::unlock_with_security_key(&dir, key.credential.as_bytes(), other_salt, t0())
        .unwrap_err();
    assert!(matches!(err, UnlockError::WrongSecurityKey), "{err:?}");
    // The right salt bound to another vault id.
    let other_vault = kek_for(&mut key.device, &key.credential, key.salt, &[0; 16]);
    let err = Vault::unlock_with_security_key(&dir, key.credential.as_bytes(), other_vault, t0())
        .unwrap_err();
    assert!(matches!(err, UnlockError::WrongSecurityKey), "{err:?}");
    // A credential id without a slot.
    let err =
        Vault::unlock_with_security_key(&dir, b"no such credential", Zeroizing::new([0; 32]), t0())
            .unwrap_err();
    assert!(matches!(err, UnlockError::NoSecurityKeySlot), "{err:?}");
    assert!(err.to_string().contains("passphrase"), "{err}");

    assert_eq!(
        support::fingerprint(&dir),
        before,
        "a refused key writes nothing"
    );
    open_with(&dir, &mut key).unwrap();
}

#[test]
fn removing_the_slot_ends_key_unlock_and_the_passphrase_still_works() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut key = enrol(&mut vault, "key");
    let mut second = enrol(&mut vault, "spare key");
    assert!(
        vault
            .remove_security_key_slot(key.credential.as_bytes(), t0())
            .unwrap()
    );
    assert!(
        !vault
            .remove_security_key_slot(key.credential.as_bytes(), t0())
            .unwrap(),
        "removing twice finds nothing"
    );
    vault.lock().unwrap();

    let err = open_with(&dir, &mut key).unwrap_err();
    assert!(matches!(err, UnlockError::NoSecurityKeySlot), "{err:?}");
    // The wrapped copy is gone from the file itself, not just hidden.
    let sidecar = std::fs::read_to_string(dir.join("vault.keys")).unwrap();
    assert!(!sidecar.contains(&hex::encode(key.credential.as_bytes())));
    open_with(&dir, &mut second).expect("the other key keeps its slot");
    support::unlock(&dir);
}

#[test]
fn a_second_slot_for_the_same_credential_is_refused() {
    let (_tmp, mut vault) = support::new_vault();
    let mut key = enrol(&mut vault, "key");
    let kek = kek_for(
        &mut key.device,
        &key.credential,
        key.salt,
        vault.vault_id().as_bytes(),
    );
    let err = vault
        .add_security_key_slot(key.credential.as_bytes(), key.salt, "again", kek, t0())
        .unwrap_err();
    assert!(
        matches!(err, KeyChangeError::SecurityKeySlotExists),
        "{err:?}"
    );
}

#[test]
fn rotation_passphrase_change_and_rename_keep_the_slot() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut key = enrol(&mut vault, "key");
    vault.rotate_key(t0(), |_| {}).unwrap();
    let new_pass = secrecy::SecretString::from("another integration passphrase");
    vault
        .change_passphrase(
            &support::pass(),
            &new_pass,
            tipvault_vault::KdfParams::POLICY_MIN,
            t0(),
        )
        .unwrap();
    assert!(
        vault
            .rename_security_key_slot(key.credential.as_bytes(), "renamed key")
            .unwrap()
    );
    let exported = vault.export_key();
    vault.lock().unwrap();
    assert_eq!(
        Vault::security_key_slots(&dir).unwrap().slots[0].label,
        "renamed key",
        "the label is shown before unlock, and renaming re-wraps nothing"
    );
    let vault = open_with(&dir, &mut key).unwrap();
    assert_eq!(
        vault.export_key(),
        exported,
        "the rotated data key is reached"
    );
}

#[test]
fn credential_records_are_stored_and_their_counter_never_goes_down() {
    let (tmp, mut vault) = support::new_vault();
    let mut stored = StoredSecurityKey {
        credential_id: vec![1, 2, 3],
        record: r#"{"label":"k"}"#.into(),
        sign_count: 0,
        created_at: t0(),
    };
    vault.insert_security_key(&stored, t0()).unwrap();
    assert!(matches!(
        vault.insert_security_key(&stored, t0()),
        Err(SecurityKeyError::Exists)
    ));
    stored.sign_count = 5;
    stored.record = r#"{"label":"k2"}"#.into();
    vault
        .update_security_key(&stored, t0() + Duration::minutes(1))
        .unwrap();
    assert_eq!(vault.security_key(&[1, 2, 3]).unwrap().unwrap(), stored);

    let mut cloned = stored.clone();
    cloned.sign_count = 4;
    let err = vault.update_security_key(&cloned, t0()).unwrap_err();
    assert!(
        matches!(
            err,
            SecurityKeyError::CounterBackwards {
                stored: 5,
                presented: 4
            }
        ),
        "{err:?}"
    );
    assert_eq!(vault.security_keys().unwrap(), vec![stored.clone()]);

    // The trigger refuses it even behind the vault's back.
    let key = vault.export_key();
    let dir = support::vault_dir(&tmp);
    vault.lock().unwrap();
    let conn = support::raw_conn(&dir, &key);
    let raw = conn.execute(
        "UPDATE security_key SET sign_count = 1 WHERE credential_id = x'010203'",
        [],
    );
    assert!(raw.is_err(), "the trigger must refuse a lower counter");
    drop(conn);

    let mut vault = support::unlock(&dir);
    assert!(vault.delete_security_key(&[1, 2, 3]).unwrap());
    assert!(!vault.delete_security_key(&[1, 2, 3]).unwrap());
    assert!(vault.security_keys().unwrap().is_empty());
}

#[test]
fn replacing_the_vault_key_shuts_out_old_slots_even_with_an_old_key_file() {
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut removed = enrol(&mut vault, "lost key");
    let mut kept = enrol(&mut vault, "spare key");
    // What a thief kept: the key file as it was while the lost key could still unlock.
    let old_keys = std::fs::read(dir.join("vault.keys")).unwrap();

    let kek = kek_for(
        &mut kept.device,
        &kept.credential,
        kept.salt,
        vault.vault_id().as_bytes(),
    );
    // A wrong passphrase changes nothing.
    assert!(matches!(
        vault.replace_vault_key(&secrecy::SecretString::from("wrong"), vec![], t0(), |_| {}),
        Err(KeyChangeError::WrongPassphrase)
    ));
    let replaced = vault
        .replace_vault_key(
            &support::pass(),
            vec![(kept.credential.as_bytes().to_vec(), kek)],
            t0(),
            |_| {},
        )
        .unwrap();
    assert_eq!(replaced.security_key_slots_kept, 1);
    assert_eq!(replaced.slots_dropped, 1, "the lost key's slot is gone");
    assert_eq!(
        replaced.data_key_generation, 2,
        "the data key was rotated too"
    );
    vault.lock().unwrap();

    // The passphrase and the kept key open the vault as it is now; the lost key does not.
    Vault::unlock(&dir, &support::pass(), t0())
        .unwrap()
        .0
        .lock()
        .unwrap();
    open_with(&dir, &mut kept).unwrap().lock().unwrap();
    assert!(open_with(&dir, &mut removed).is_err());

    // The old key file with the lost key: it unwraps only the old keys, which open nothing
    // of the vault as it is now.
    let current_keys = std::fs::read(dir.join("vault.keys")).unwrap();
    std::fs::write(dir.join("vault.keys"), &old_keys).unwrap();
    let err = open_with(&dir, &mut removed).map(|_| ()).unwrap_err();
    assert!(
        !matches!(err, UnlockError::WrongSecurityKey),
        "the old slot does open the old vault key ({err:?}), but nothing that key unwraps \
         decrypts the current database"
    );
    std::fs::write(dir.join("vault.keys"), &current_keys).unwrap();
    Vault::unlock(&dir, &support::pass(), t0())
        .unwrap()
        .0
        .lock()
        .unwrap();
}

#[cfg(unix)]
#[test]
fn a_security_key_unlock_tightens_a_world_readable_vault_like_a_passphrase_unlock() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let (tmp, mut vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut key = enrol(&mut vault, "blue key");
    vault.lock().unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::set_permissions(
            entry.unwrap().path(),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    open_with(&dir, &mut key).unwrap().lock().unwrap();
    assert_eq!(mode(&dir), 0o700);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}
