//! The sidecar as a file: damage, a sidecar from another vault, a missing or foreign file, and
//! a newer format are each reported with their own error, and never as a wrong passphrase.

use tipvault_vault::{UnlockError, Vault, VaultFile};

use crate::support::{self, t0};

fn locked_vault() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    (tmp, dir)
}

#[test]
fn any_flipped_byte_is_damage_not_a_wrong_passphrase_and_the_original_still_opens() {
    let (tmp, dir) = locked_vault();
    let original = std::fs::read(dir.join("vault.keys")).unwrap();
    let copy = tmp.path().join("copy");
    support::copy_dir(&dir, &copy);
    for offset in 0..original.len() {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x01;
        std::fs::write(copy.join("vault.keys"), &bytes).unwrap();
        match Vault::unlock(&copy, &support::pass(), t0()) {
            Err(UnlockError::Damaged {
                file: VaultFile::Sidecar,
                reason,
                ..
            }) => {
                assert!(
                    !reason.contains('{'),
                    "messages never echo file content: {reason}"
                );
            }
            // Flips inside the "format" / "version" header fields.
            Err(
                UnlockError::NotAVault { .. }
                | UnlockError::TooNew {
                    file: VaultFile::Sidecar,
                    ..
                },
            ) => {}
            Ok(_) => panic!("byte {offset}: a damaged sidecar must not unlock"),
            Err(other) => panic!("byte {offset}: unexpected {other:?}"),
        }
    }
    support::unlock(&dir);
}

#[test]
fn a_sidecar_from_another_vault_is_a_mismatch() {
    let (_a, dir_a) = locked_vault();
    let (_b, dir_b) = locked_vault();
    std::fs::copy(dir_b.join("vault.keys"), dir_a.join("vault.keys")).unwrap();
    let err = Vault::unlock(&dir_a, &support::pass(), t0()).unwrap_err();
    assert!(matches!(err, UnlockError::Mismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("does not belong"), "{err}");
}

#[test]
fn missing_foreign_or_newer_sidecars_have_their_own_errors() {
    let (_tmp, dir) = locked_vault();
    let keys = dir.join("vault.keys");
    let original = std::fs::read(&keys).unwrap();

    std::fs::write(&keys, br#"{"some":"other app"}"#).unwrap();
    assert!(matches!(
        Vault::unlock(&dir, &support::pass(), t0()),
        Err(UnlockError::NotAVault { .. })
    ));

    let newer = String::from_utf8(original.clone())
        .unwrap()
        .replace("\"version\": 2", "\"version\": 7");
    assert_ne!(
        newer.as_bytes(),
        original.as_slice(),
        "the test must really change the version"
    );
    std::fs::write(&keys, newer).unwrap();
    let err = Vault::unlock(&dir, &support::pass(), t0()).unwrap_err();
    assert!(
        matches!(
            err,
            UnlockError::TooNew {
                file: VaultFile::Sidecar,
                found: 7,
                supported: 2
            }
        ),
        "{err:?}"
    );

    std::fs::remove_file(&keys).unwrap();
    assert!(matches!(
        Vault::unlock(&dir, &support::pass(), t0()),
        Err(UnlockError::NotAVault { .. })
    ));

    std::fs::write(&keys, &original).unwrap();
    support::unlock(&dir);
}

// ----- two processes with one vault open ------------------------------------------------------
// Each open vault keeps the sidecar it read at unlock; these tests open the same vault twice,
// as the desktop app and a `tipvault` command can, and change its keys from both.

fn kek(byte: u8) -> zeroize::Zeroizing<[u8; 32]> {
    zeroize::Zeroizing::new([byte; 32])
}

#[test]
fn a_key_change_in_one_window_is_not_undone_by_a_change_in_another() {
    let (tmp, mut first) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut second = support::unlock(&dir);
    let new_pass = secrecy::SecretString::from("the passphrase set in the other window");
    second
        .change_passphrase(
            &support::pass(),
            &new_pass,
            tipvault_vault::KdfParams::POLICY_MIN,
            t0(),
        )
        .unwrap();
    // The first window still holds the sidecar from before the change.
    first
        .add_security_key_slot(b"credential-a", [1; 32], "key A", kek(1), t0())
        .unwrap();
    first.lock().unwrap();
    second.lock().unwrap();

    let old = Vault::unlock(&dir, &support::pass(), t0())
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(old, UnlockError::WrongPassphrase { .. }),
        "the replaced passphrase must stay replaced: {old:?}"
    );
    let (vault, _) = Vault::unlock(&dir, &new_pass, t0()).unwrap();
    assert!(
        vault.has_security_key_slot(b"credential-a"),
        "and the slot added in the first window is there too"
    );
    Vault::unlock_with_security_key(&dir, b"credential-a", kek(1), t0())
        .map(|_| ())
        .unwrap();
}

#[test]
fn slots_added_from_many_threads_at_once_are_all_kept() {
    let (tmp, vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    vault.lock().unwrap();
    // All open before any change: every one starts from the same, soon stale, key file.
    let open: Vec<Vault> = (0..6).map(|_| support::unlock(&dir)).collect();
    let handles: Vec<_> = open
        .into_iter()
        .zip(0u8..)
        .map(|(mut vault, i)| {
            std::thread::spawn(move || {
                let id = [b'k', i];
                vault
                    .add_security_key_slot(&id, [i; 32], &format!("key {i}"), kek(i), t0())
                    .unwrap();
                vault.lock().unwrap();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let vault = support::unlock(&dir);
    for i in 0u8..6 {
        assert!(vault.has_security_key_slot(&[b'k', i]), "slot {i} lost");
    }
}

#[test]
fn a_change_after_the_keys_were_replaced_elsewhere_is_refused_and_writes_nothing() {
    let (tmp, mut first) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut second = support::unlock(&dir);
    second.rotate_key(t0(), |_| {}).unwrap();
    second.lock().unwrap();
    let before = std::fs::read(dir.join("vault.keys")).unwrap();

    let err = first
        .add_security_key_slot(b"credential-b", [2; 32], "key B", kek(2), t0())
        .unwrap_err();
    assert!(
        matches!(err, tipvault_vault::KeyChangeError::ChangedElsewhere),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read(dir.join("vault.keys")).unwrap(),
        before,
        "the key file is untouched"
    );
    drop(first);
    let vault = support::unlock(&dir);
    assert!(!vault.has_security_key_slot(b"credential-b"));
}

#[test]
fn a_passphrase_check_in_an_open_vault_follows_a_change_made_in_another_window() {
    let (tmp, first) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let mut second = support::unlock(&dir);
    let new_pass = secrecy::SecretString::from("the passphrase set in the other window");
    second
        .change_passphrase(
            &support::pass(),
            &new_pass,
            tipvault_vault::KdfParams::POLICY_MIN,
            t0(),
        )
        .unwrap();
    // The first window re-authenticates a sensitive change: the new passphrase is the one.
    first.verify_passphrase(&new_pass, t0()).unwrap();
    let old = first.verify_passphrase(&support::pass(), t0()).unwrap_err();
    assert!(
        matches!(old, UnlockError::WrongPassphrase { .. }),
        "the replaced passphrase no longer confirms anything: {old:?}"
    );
}
