//! Unlocking the vault with a security key: one assertion with the slot's hmac-secret salt,
//! whose output becomes the slot's key-encryption key.
//!
//! The decision to know: at unlock the credential records (with their public keys) are inside
//! the still-locked vault, so the assertion's signature cannot be verified here. It does not
//! need to be: the secret is the hmac-secret output, which only the authenticator holding the
//! credential can compute, and the AEAD tag of the vault's slot is what proves it right. This
//! module still checks what it can see (credential id, relying party, the UV flag), because
//! CTAP2 derives a *different* output without user verification, and that would surface as a
//! confusing "wrong key" instead of "verify with your PIN".
//!
//! Enrolment is the same call with a fresh salt right after registration (CTAP 2.1 hmac-secret
//! returns no output at creation, so the user touches the key twice).

use sha2::{Digest, Sha256};

use crate::authenticator::{
    AssertionResponse, Authenticator, AuthenticatorError, CredentialId, GetAssertionRequest,
    random_bytes,
};
use crate::hmac_secret::{HmacSecretInput, HmacSecretSalt, KekError, SecurityKeyKek, derive_kek};
use crate::rp::RpConfig;

const FLAG_UV: u8 = 0x04;

/// Why a security key could not produce the vault's KEK.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    /// The device failed or refused.
    #[error(transparent)]
    Authenticator(#[from] AuthenticatorError),
    /// The device answered with another credential than the slot's.
    #[error("this security key is not the one registered for this vault")]
    WrongCredential,
    /// The response is for another relying party or is malformed.
    #[error("the security key's response is not for Tipvault")]
    WrongRelyingParty,
    /// No user verification: the output would not match the enrolled one.
    #[error("the security key did not verify you (PIN or biometric); unlocking needs it")]
    UserNotVerified,
    /// The credential has no hmac-secret.
    #[error("this security key was registered without hmac-secret and cannot unlock the vault")]
    NoHmacSecret,
    /// KEK derivation failed.
    #[error(transparent)]
    Kek(#[from] KekError),
}

/// The assertion request for unlocking (random challenge, UV required, one salt).
pub fn unlock_request(
    config: &RpConfig,
    credential_id: &CredentialId,
    salt: HmacSecretSalt,
) -> Result<GetAssertionRequest, AuthenticatorError> {
    let mut challenge = vec![0u8; 32];
    random_bytes(&mut challenge)?;
    Ok(GetAssertionRequest {
        rp_id: config.rp_id.clone(),
        origin: config.origin.clone(),
        challenge,
        allow: vec![credential_id.clone()],
        user_verification: true,
        hmac_secret: Some(HmacSecretInput::one(salt)),
    })
}

/// Asks `authenticator` for the hmac-secret of `credential_id` over `salt` and derives the KEK
/// for `vault_id` from it.
pub fn unlock_kek(
    authenticator: &mut dyn Authenticator,
    config: &RpConfig,
    credential_id: &CredentialId,
    salt: HmacSecretSalt,
    vault_id: &[u8],
) -> Result<SecurityKeyKek, UnlockError> {
    unlock_assertion(authenticator, config, credential_id, salt, vault_id).map(|a| a.kek)
}

/// The KEK together with the assertion that produced it, so that once the vault is open its
/// signature, counter and freshness can be verified against the stored credential record
/// ([`crate::RelyingParty::verify_unlock`]): a cloned key yields the right hmac-secret, and only
/// that later check catches its counter going backwards.
#[derive(Debug)]
pub struct UnlockAssertion {
    /// The slot's key-encryption key (secret, zeroized on drop).
    pub kek: SecurityKeyKek,
    /// The random challenge the assertion signed.
    pub challenge: Vec<u8>,
    /// The assertion, with its hmac-secret output already removed (it lives on only as `kek`).
    pub response: AssertionResponse,
}

/// [`unlock_kek`], keeping the assertion for verification after the vault opened.
pub fn unlock_assertion(
    authenticator: &mut dyn Authenticator,
    config: &RpConfig,
    credential_id: &CredentialId,
    salt: HmacSecretSalt,
    vault_id: &[u8],
) -> Result<UnlockAssertion, UnlockError> {
    let request = unlock_request(config, credential_id, salt)?;
    let mut response = authenticator.get_assertion(&request)?;
    if &response.credential_id != credential_id {
        return Err(UnlockError::WrongCredential);
    }
    let data = &response.authenticator_data;
    let rp_id_hash = Sha256::digest(config.rp_id.as_bytes());
    if data.len() < 37 || data[..32] != rp_id_hash[..] {
        return Err(UnlockError::WrongRelyingParty);
    }
    if data[32] & FLAG_UV == 0 {
        return Err(UnlockError::UserNotVerified);
    }
    let output = response
        .hmac_secret
        .take()
        .ok_or(UnlockError::NoHmacSecret)?;
    let kek = derive_kek(&output, vault_id, credential_id)?;
    Ok(UnlockAssertion {
        kek,
        challenge: request.challenge,
        response,
    })
}
