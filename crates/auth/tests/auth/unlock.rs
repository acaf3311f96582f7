//! Security-key unlock: registration, enrolment of a salt, and the KEK at a later unlock.

use tipvault_auth::unlock::{UnlockError, unlock_kek};
use tipvault_auth::{HmacSecretSalt, MemoryCredentialStore, RpConfig, SoftAuthenticator};

use super::common::{NOW, rp, user};

#[test]
fn enrolment_and_unlock_give_the_same_kek() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soft.json");
    let config = RpConfig::default();
    let vault_id = [5u8; 16];
    let salt = HmacSecretSalt::generate().unwrap();

    let (credential_id, enrolled) = {
        let mut device = SoftAuthenticator::open_or_create(&path).unwrap();
        let mut store = MemoryCredentialStore::new();
        let record = rp()
            .register(&mut store, &mut device, &user(), "key", NOW)
            .unwrap();
        let kek = unlock_kek(&mut device, &config, &record.id, salt, &vault_id).unwrap();
        (record.id, *kek.as_bytes())
    };

    // Later, in a new process: the vault is locked; the sidecar gives credential id and salt.
    let mut device = SoftAuthenticator::open(&path).unwrap();
    let kek = unlock_kek(&mut device, &config, &credential_id, salt, &vault_id).unwrap();
    assert_eq!(kek.as_bytes(), &enrolled);

    let other_salt = HmacSecretSalt::generate().unwrap();
    let other = unlock_kek(&mut device, &config, &credential_id, other_salt, &vault_id).unwrap();
    assert_ne!(
        other.as_bytes(),
        &enrolled,
        "another slot salt, another KEK"
    );
}

#[test]
fn unlock_without_user_verification_is_refused() {
    let config = RpConfig::default();
    let mut device = SoftAuthenticator::ephemeral();
    let mut store = MemoryCredentialStore::new();
    let record = rp()
        .register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    device.set_user_verification(false);
    let error = unlock_kek(
        &mut device,
        &config,
        &record.id,
        HmacSecretSalt::from_bytes([1; 32]),
        &[1; 16],
    )
    .unwrap_err();
    assert!(matches!(error, UnlockError::UserNotVerified), "{error:?}");
}

#[test]
fn another_device_cannot_unlock() {
    let config = RpConfig::default();
    let mut device = SoftAuthenticator::ephemeral();
    let mut store = MemoryCredentialStore::new();
    let record = rp()
        .register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let mut other = SoftAuthenticator::ephemeral();
    let error = unlock_kek(
        &mut other,
        &config,
        &record.id,
        HmacSecretSalt::from_bytes([1; 32]),
        &[1; 16],
    )
    .unwrap_err();
    assert!(matches!(error, UnlockError::Authenticator(_)), "{error:?}");
}

#[test]
fn the_unlock_assertion_verifies_after_opening_and_a_cloned_key_is_refused() {
    use tipvault_auth::{CeremonyError, CredentialStore as _, unlock_assertion};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soft.json");
    let config = RpConfig::default();
    let salt = HmacSecretSalt::from_bytes([3; 32]);
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::open_or_create(&path).unwrap();
    let record = rp()
        .register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    // Someone copies the state file now.
    let clone_path = dir.path().join("clone.json");
    std::fs::copy(&path, &clone_path).unwrap();

    let first = unlock_assertion(&mut device, &config, &record.id, salt, &[1; 16]).unwrap();
    assert!(
        first.response.hmac_secret.is_none(),
        "the output lives only as the KEK"
    );
    let verified = rp()
        .verify_unlock(&mut store, &first.challenge, first.response, NOW + 1)
        .unwrap();
    assert_eq!(verified.counter, 1);
    assert_eq!(store.get(&record.id).unwrap().unwrap().sign_count, 1);

    // The copy yields the same hmac-secret (so the same KEK) but an old counter.
    let mut clone = SoftAuthenticator::open(&clone_path).unwrap();
    let cloned = unlock_assertion(&mut clone, &config, &record.id, salt, &[1; 16]).unwrap();
    let error = rp()
        .verify_unlock(&mut store, &cloned.challenge, cloned.response, NOW + 2)
        .unwrap_err();
    assert!(
        matches!(
            error,
            CeremonyError::ClonedAuthenticator {
                stored: 1,
                presented: 1
            }
        ),
        "{error:?}"
    );

    // An assertion checked against a challenge it did not sign.
    let again = unlock_assertion(&mut device, &config, &record.id, salt, &[1; 16]).unwrap();
    let error = rp()
        .verify_unlock(&mut store, &[0; 32], again.response, NOW + 3)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::WrongChallenge), "{error:?}");
}
