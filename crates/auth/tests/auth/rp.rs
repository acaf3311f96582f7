//! The real webauthn-rs relying party against the software authenticator.

use tipvault_auth::credential::CredentialStore as _;
use tipvault_auth::{
    Authenticator as _, AuthenticatorError, CeremonyError, MemoryCredentialStore, SoftAuthenticator,
};

use super::common::{NOW, rp, user};

#[test]
fn register_then_authenticate_with_the_software_authenticator() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();

    let record = rp
        .register(&mut store, &mut device, &user(), "test key", NOW)
        .unwrap();
    assert!(
        record.is_test_device,
        "the soft authenticator is a test device"
    );
    assert!(record.hmac_secret, "registration asks for hmac-secret");
    assert_eq!(record.label, "test key");

    let verified = rp.authenticate(&mut store, &mut device, NOW + 60).unwrap();
    assert_eq!(verified.credential_id, record.id);
    assert_eq!(verified.counter, 1);

    let stored = store.get(&record.id).unwrap().unwrap();
    assert_eq!(stored.sign_count, 1);
    assert_eq!(stored.last_used_at, Some(NOW + 60));

    // The record survives a JSON round trip (the vault stores it as JSON) and still verifies.
    let json = serde_json::to_string(&stored).unwrap();
    let mut reloaded = MemoryCredentialStore::new();
    reloaded
        .insert(serde_json::from_str(&json).unwrap())
        .unwrap();
    rp.authenticate(&mut reloaded, &mut device, NOW + 120)
        .unwrap();
}

#[test]
fn registration_without_user_verification_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    device.set_user_verification(false);
    let error = rp
        .register(&mut store, &mut device, &user(), "no pin", NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::UserNotVerified), "{error:?}");
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn assertion_without_user_verification_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    device.set_user_verification(false);
    let error = rp.authenticate(&mut store, &mut device, NOW).unwrap_err();
    assert!(matches!(error, CeremonyError::UserNotVerified), "{error:?}");
}

#[test]
fn registering_the_same_device_twice_is_refused_by_the_device() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let error = rp
        .register(&mut store, &mut device, &user(), "again", NOW)
        .unwrap_err();
    assert!(
        matches!(
            error,
            CeremonyError::Authenticator(AuthenticatorError::AlreadyRegistered)
        ),
        "{error:?}"
    );
}

#[test]
fn counter_going_backwards_is_a_cloned_authenticator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soft.json");
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut original = SoftAuthenticator::open_or_create(&path).unwrap();
    rp.register(&mut store, &mut original, &user(), "key", NOW)
        .unwrap();

    // Clone the device: copy its state file, as an attacker who copied the key would.
    let clone_path = dir.path().join("clone.json");
    std::fs::copy(&path, &clone_path).unwrap();
    let mut clone = SoftAuthenticator::open(&clone_path).unwrap();

    rp.authenticate(&mut store, &mut original, NOW).unwrap(); // counter 1
    rp.authenticate(&mut store, &mut original, NOW).unwrap(); // counter 2
    let error = rp.authenticate(&mut store, &mut clone, NOW).unwrap_err(); // counter 1 again
    assert!(
        matches!(
            error,
            CeremonyError::ClonedAuthenticator {
                stored: 2,
                presented: 1
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_stale_ceremony_cannot_hide_a_counter_that_went_backwards() {
    // Two ceremonies started at the same counter; the later-finishing one carries a lower
    // counter than the store has by then. webauthn-rs alone would compare with the old state.
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request_a, pending_a) = rp.start_authentication(&store).unwrap();
    let (request_b, pending_b) = rp.start_authentication(&store).unwrap();
    let response_a = device.get_assertion(&request_a).unwrap(); // counter 1
    let response_b = device.get_assertion(&request_b).unwrap(); // counter 2
    rp.finish_authentication(&mut store, pending_b, response_b, NOW)
        .unwrap();
    let error = rp
        .finish_authentication(&mut store, pending_a, response_a, NOW)
        .unwrap_err();
    assert!(
        matches!(
            error,
            CeremonyError::ClonedAuthenticator {
                stored: 2,
                presented: 1
            }
        ),
        "{error:?}"
    );
}

#[test]
fn replayed_assertion_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request, pending) = rp.start_authentication(&store).unwrap();
    // Keep a copy of the ceremony state (it is serialisable) to present the same answer twice.
    let pending_copy = serde_json::to_string(&pending).unwrap();
    let response = device.get_assertion(&request).unwrap();
    let replay = copy_assertion(&response);
    rp.finish_authentication(&mut store, pending, response, NOW)
        .unwrap();

    let error = rp
        .finish_authentication(
            &mut store,
            serde_json::from_str(&pending_copy).unwrap(),
            replay,
            NOW,
        )
        .unwrap_err();
    assert!(matches!(error, CeremonyError::Replayed), "{error:?}");
}

#[test]
fn replay_into_a_new_ceremony_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request, pending) = rp.start_authentication(&store).unwrap();
    let response = device.get_assertion(&request).unwrap();
    let replay = copy_assertion(&response);
    rp.finish_authentication(&mut store, pending, response, NOW)
        .unwrap();
    let (_, fresh) = rp.start_authentication(&store).unwrap();
    let error = rp
        .finish_authentication(&mut store, fresh, replay, NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::Replayed), "{error:?}");
}

#[test]
fn assertion_for_another_challenge_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request_a, _pending_a) = rp.start_authentication(&store).unwrap();
    let (_request_b, pending_b) = rp.start_authentication(&store).unwrap();
    let response_a = device.get_assertion(&request_a).unwrap();
    let error = rp
        .finish_authentication(&mut store, pending_b, response_a, NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::WrongChallenge), "{error:?}");
}

#[test]
fn assertion_for_another_origin_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (mut request, pending) = rp.start_authentication(&store).unwrap();
    request.origin = "https://evil.example".into();
    let response = device.get_assertion(&request).unwrap();
    let error = rp
        .finish_authentication(&mut store, pending, response, NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::WrongOrigin), "{error:?}");
}

#[test]
fn a_tampered_signature_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request, pending) = rp.start_authentication(&store).unwrap();
    let mut response = device.get_assertion(&request).unwrap();
    // Raise the counter after signing: the signature no longer covers these bytes.
    response.authenticator_data[36] ^= 0x02;
    let error = rp
        .finish_authentication(&mut store, pending, response, NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::Rejected(_)), "{error:?}");
}

#[test]
fn removed_credential_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    let record = rp
        .register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request, pending) = rp.start_authentication(&store).unwrap();
    let response = device.get_assertion(&request).unwrap();
    tipvault_auth::credential::remove(&mut store, &record.id).unwrap();
    let error = rp
        .finish_authentication(&mut store, pending, response, NOW)
        .unwrap_err();
    assert!(
        matches!(error, CeremonyError::UnknownCredential),
        "{error:?}"
    );
    // And with nothing left, no new ceremony starts.
    assert!(matches!(
        rp.start_authentication(&store),
        Err(CeremonyError::NoCredentials)
    ));
}

#[test]
fn a_device_without_the_credential_says_so() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut registered = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut registered, &user(), "key", NOW)
        .unwrap();
    let mut other = SoftAuthenticator::ephemeral();
    let error = rp.authenticate(&mut store, &mut other, NOW).unwrap_err();
    assert!(
        matches!(
            error,
            CeremonyError::Authenticator(AuthenticatorError::NoCredentials)
        ),
        "{error:?}"
    );
}

fn copy_assertion(response: &tipvault_auth::AssertionResponse) -> tipvault_auth::AssertionResponse {
    tipvault_auth::AssertionResponse {
        credential_id: response.credential_id.clone(),
        client_data_json: response.client_data_json.clone(),
        authenticator_data: response.authenticator_data.clone(),
        signature: response.signature.clone(),
        user_handle: response.user_handle.clone(),
        hmac_secret: None,
    }
}

#[test]
fn a_registration_state_survives_serialisation_between_its_halves() {
    // The app may keep the pending state across an IPC round trip while the user touches the key.
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    let (request, pending) = rp.start_registration(&user(), &[], true).unwrap();
    let saved = serde_json::to_string(&pending).unwrap();
    let response = device.make_credential(&request).unwrap();
    let record = rp
        .finish_registration(
            &mut store,
            serde_json::from_str(&saved).unwrap(),
            &response,
            &device.info(),
            "key",
            NOW,
        )
        .unwrap();
    assert!(record.hmac_secret);
    rp.authenticate(&mut store, &mut device, NOW).unwrap();
}

#[test]
fn a_registration_answered_for_another_challenge_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    let (request_a, _pending_a) = rp.start_registration(&user(), &[], true).unwrap();
    let (_request_b, pending_b) = rp.start_registration(&user(), &[], true).unwrap();
    let response = device.make_credential(&request_a).unwrap();
    let error = rp
        .finish_registration(&mut store, pending_b, &response, &device.info(), "key", NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::WrongChallenge), "{error:?}");
    assert!(store.list().unwrap().is_empty());
}
