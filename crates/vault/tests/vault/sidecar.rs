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
