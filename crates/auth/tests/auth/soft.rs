//! The software authenticator: hmac-secret as CTAP2 defines it, persistence, the state file.

use tipvault_auth::authenticator::COSE_ES256;
use tipvault_auth::{
    Authenticator as _, AuthenticatorError, CredentialId, GetAssertionRequest, HmacSecretInput,
    HmacSecretSalt, MakeCredentialRequest, SoftAuthenticator,
};

fn registration() -> MakeCredentialRequest {
    MakeCredentialRequest {
        rp_id: "tipvault.local".into(),
        rp_name: "Tipvault".into(),
        origin: "https://tipvault.local".into(),
        challenge: vec![1; 32],
        user_id: vec![2; 16],
        user_name: "owner".into(),
        user_display_name: "Owner".into(),
        algorithms: vec![COSE_ES256],
        exclude: Vec::new(),
        user_verification: true,
        hmac_secret: true,
    }
}

fn assertion(id: &CredentialId, salt1: [u8; 32], salt2: Option<[u8; 32]>) -> GetAssertionRequest {
    GetAssertionRequest {
        rp_id: "tipvault.local".into(),
        origin: "https://tipvault.local".into(),
        challenge: vec![3; 32],
        allow: vec![id.clone()],
        user_verification: true,
        hmac_secret: Some(HmacSecretInput {
            salt1: HmacSecretSalt::from_bytes(salt1),
            salt2: salt2.map(HmacSecretSalt::from_bytes),
        }),
    }
}

fn output(
    device: &mut SoftAuthenticator,
    id: &CredentialId,
    salt1: [u8; 32],
    salt2: Option<[u8; 32]>,
) -> ([u8; 32], Option<[u8; 32]>) {
    let response = device.get_assertion(&assertion(id, salt1, salt2)).unwrap();
    let secret = response.hmac_secret.expect("hmac-secret output");
    (*secret.output1(), secret.output2().copied())
}

#[test]
fn same_salt_same_output_different_salt_different_output() {
    let mut device = SoftAuthenticator::ephemeral();
    let id = device
        .make_credential(&registration())
        .unwrap()
        .credential_id;
    let (a, _) = output(&mut device, &id, [1; 32], None);
    let (b, _) = output(&mut device, &id, [1; 32], None);
    let (c, _) = output(&mut device, &id, [2; 32], None);
    assert_eq!(a, b, "hmac-secret is deterministic per credential and salt");
    assert_ne!(a, c, "another salt gives another output");
}

#[test]
fn two_salts_give_two_outputs_matching_the_single_salt_ones() {
    let mut device = SoftAuthenticator::ephemeral();
    let id = device
        .make_credential(&registration())
        .unwrap()
        .credential_id;
    let (first, second) = output(&mut device, &id, [1; 32], Some([2; 32]));
    let (only_first, _) = output(&mut device, &id, [1; 32], None);
    let (only_second, _) = output(&mut device, &id, [2; 32], None);
    assert_eq!(first, only_first);
    assert_eq!(second, Some(only_second));
}

#[test]
fn different_credentials_give_different_outputs() {
    let mut device = SoftAuthenticator::ephemeral();
    let first = device
        .make_credential(&registration())
        .unwrap()
        .credential_id;
    let mut other_user = registration();
    other_user.user_id = vec![9; 16];
    let second = device.make_credential(&other_user).unwrap().credential_id;
    assert_ne!(first, second);
    let (a, _) = output(&mut device, &first, [1; 32], None);
    let (b, _) = output(&mut device, &second, [1; 32], None);
    assert_ne!(a, b, "each credential has its own CredRandom");
}

#[test]
fn a_reloaded_authenticator_gives_the_same_output_and_keeps_counting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soft-authenticator.json");
    let (id, before) = {
        let mut device = SoftAuthenticator::open_or_create(&path).unwrap();
        let id = device
            .make_credential(&registration())
            .unwrap()
            .credential_id;
        let (out, _) = output(&mut device, &id, [4; 32], None);
        (id, out)
    };
    let mut device = SoftAuthenticator::open(&path).unwrap();
    assert_eq!(device.credential_count(), 1);
    let response = device
        .get_assertion(&assertion(&id, [4; 32], None))
        .unwrap();
    assert_eq!(response.hmac_secret.unwrap().output1(), &before);
    let counter = u32::from_be_bytes(response.authenticator_data[33..37].try_into().unwrap());
    assert_eq!(counter, 2, "the counter persisted across the reload");
}

#[cfg(unix)]
#[test]
fn the_state_file_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soft.json");
    let mut device = SoftAuthenticator::open_or_create(&path).unwrap();
    device.make_credential(&registration()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = SoftAuthenticator::open(&path).unwrap_err();
    assert!(
        matches!(&error, AuthenticatorError::State { reason, .. } if reason.contains("chmod 600")),
        "{error}"
    );
}

#[test]
fn a_damaged_state_file_is_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("soft.json");
    SoftAuthenticator::open_or_create(&path).unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.truncate(text.len() / 2);
    std::fs::write(&path, &text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(matches!(
        SoftAuthenticator::open_or_create(&path),
        Err(AuthenticatorError::State { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "the damaged file is left for the user to inspect"
    );
}

#[test]
fn the_device_says_it_is_a_test_device() {
    let device = SoftAuthenticator::ephemeral();
    let info = device.info();
    assert!(info.is_test_device);
    assert!(info.label.contains("TEST DEVICE"));
}
