//! KEK derivation from an hmac-secret output.

use tipvault_auth::hmac_secret::derive_kek_from_bytes;
use tipvault_auth::{CredentialId, KekError};

#[test]
fn kek_is_deterministic_and_bound_to_its_context() {
    let output = [0x42; 32];
    let credential = CredentialId::new(vec![1, 2, 3]);
    let vault = [9u8; 16];
    let kek = derive_kek_from_bytes(&output, &vault, &credential).unwrap();
    let again = derive_kek_from_bytes(&output, &vault, &credential).unwrap();
    assert_eq!(kek.as_bytes(), again.as_bytes(), "deterministic");

    let other_vault = derive_kek_from_bytes(&output, &[8u8; 16], &credential).unwrap();
    let other_credential =
        derive_kek_from_bytes(&output, &vault, &CredentialId::new(vec![1, 2, 4])).unwrap();
    let other_output = derive_kek_from_bytes(&[0x43; 32], &vault, &credential).unwrap();
    for other in [&other_vault, &other_credential, &other_output] {
        assert_ne!(kek.as_bytes(), other.as_bytes());
    }
    assert_ne!(
        kek.as_bytes(),
        &output,
        "the KEK is derived, never the raw output"
    );
    assert_eq!(format!("{kek:?}"), "SecurityKeyKek(<secret>)");
}

#[test]
fn kek_needs_a_vault_and_a_credential() {
    let credential = CredentialId::new(vec![1]);
    assert_eq!(
        derive_kek_from_bytes(&[0; 32], &[], &credential).unwrap_err(),
        KekError::EmptyVaultId
    );
    assert_eq!(
        derive_kek_from_bytes(&[0; 32], &[1], &CredentialId::new(Vec::new())).unwrap_err(),
        KekError::EmptyCredentialId
    );
}
