//! The CTAP2 hmac-secret extension's values, and the key-encryption key the vault derives from
//! its output.
//!
//! The decision to know: the vault never uses the authenticator's output directly as a key. It
//! runs HKDF-SHA-256 over it with a fixed context label, the vault id and the credential id, so
//! the same security key and salt can never yield the same KEK for two vaults or two purposes.
//! Salts are not secret (they sit in the vault's sidecar); outputs and KEKs are, and are wiped
//! on drop.

use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::authenticator::{AuthenticatorError, CredentialId, random_bytes};

/// Length of an hmac-secret salt and of each output (CTAP 2.1 §12.5: 32 bytes).
pub const HMAC_SECRET_LEN: usize = 32;

/// HKDF `info` prefix of a security-key KEK; a new version of the derivation changes it.
pub const KEK_CONTEXT: &[u8] = b"tipvault/vault/security-key-kek/v1";

/// One 32-byte hmac-secret salt. Random per vault slot; stored in the sidecar in the clear.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HmacSecretSalt([u8; HMAC_SECRET_LEN]);

impl HmacSecretSalt {
    /// A fresh random salt, for a new unlock slot.
    pub fn generate() -> Result<Self, AuthenticatorError> {
        let mut salt = [0u8; HMAC_SECRET_LEN];
        random_bytes(&mut salt)?;
        Ok(Self(salt))
    }

    /// A salt read back from storage.
    pub fn from_bytes(bytes: [u8; HMAC_SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw salt.
    pub fn as_bytes(&self) -> &[u8; HMAC_SECRET_LEN] {
        &self.0
    }
}

impl fmt::Debug for HmacSecretSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacSecretSalt(")?;
        for byte in &self.0[..4] {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "…)")
    }
}

/// The salts sent with an assertion: one, or two (a second lets a caller roll keys over).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HmacSecretInput {
    /// First salt.
    pub salt1: HmacSecretSalt,
    /// Optional second salt.
    pub salt2: Option<HmacSecretSalt>,
}

impl HmacSecretInput {
    /// One salt.
    pub fn one(salt: HmacSecretSalt) -> Self {
        Self {
            salt1: salt,
            salt2: None,
        }
    }
}

/// The authenticator's outputs: `HMAC-SHA-256(CredRandom, salt)` for each salt. Secret.
pub struct HmacSecretOutput {
    output1: Zeroizing<[u8; HMAC_SECRET_LEN]>,
    output2: Option<Zeroizing<[u8; HMAC_SECRET_LEN]>>,
}

impl HmacSecretOutput {
    /// Wraps outputs received from a device.
    pub fn new(
        output1: Zeroizing<[u8; HMAC_SECRET_LEN]>,
        output2: Option<Zeroizing<[u8; HMAC_SECRET_LEN]>>,
    ) -> Self {
        Self { output1, output2 }
    }

    /// The output for `salt1`.
    pub fn output1(&self) -> &[u8; HMAC_SECRET_LEN] {
        &self.output1
    }

    /// The output for `salt2`, when one was sent.
    pub fn output2(&self) -> Option<&[u8; HMAC_SECRET_LEN]> {
        self.output2.as_deref()
    }
}

impl fmt::Debug for HmacSecretOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSecretOutput(<secret>)")
    }
}

/// `HMAC-SHA-256(key, message)`, the primitive hmac-secret is defined with.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Zeroizing<[u8; HMAC_SECRET_LEN]> {
    let mut out = Zeroizing::new([0u8; HMAC_SECRET_LEN]);
    // HMAC accepts keys of any length (RFC 2104 §2), so `new_from_slice` cannot fail here.
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        mac.update(message);
        let mut tag = mac.finalize().into_bytes();
        out.copy_from_slice(&tag);
        tag.zeroize();
    }
    out
}

/// A 256-bit key-encryption key for the vault's data key. Secret; wiped on drop.
pub struct SecurityKeyKek(Zeroizing<[u8; 32]>);

impl SecurityKeyKek {
    /// The key bytes, to hand to the vault's AEAD.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecurityKeyKek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityKeyKek(<secret>)")
    }
}

/// Why a KEK could not be derived.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KekError {
    /// The vault id was empty.
    #[error("the vault id is empty")]
    EmptyVaultId,
    /// The credential id was empty.
    #[error("the credential id is empty")]
    EmptyCredentialId,
    /// HKDF refused the output length (cannot happen for 32 bytes; kept typed, not panicking).
    #[error("key derivation failed")]
    Derivation,
}

/// Derives the KEK that wraps the vault key in a security-key slot:
///
/// ```text
/// KEK = HKDF-SHA-256(salt = "tipvault/hkdf-salt/v1", ikm = hmac-secret output1,
///                    info = KEK_CONTEXT ‖ u32be(len vault_id) ‖ vault_id
///                                       ‖ u32be(len credential_id) ‖ credential_id)
/// ```
///
/// Length prefixes keep the `info` encoding unambiguous.
pub fn derive_kek(
    output: &HmacSecretOutput,
    vault_id: &[u8],
    credential_id: &CredentialId,
) -> Result<SecurityKeyKek, KekError> {
    derive_kek_from_bytes(output.output1(), vault_id, credential_id)
}

/// [`derive_kek`] from raw output bytes (for a device API that hands them over directly).
pub fn derive_kek_from_bytes(
    output1: &[u8; HMAC_SECRET_LEN],
    vault_id: &[u8],
    credential_id: &CredentialId,
) -> Result<SecurityKeyKek, KekError> {
    if vault_id.is_empty() {
        return Err(KekError::EmptyVaultId);
    }
    if credential_id.as_bytes().is_empty() {
        return Err(KekError::EmptyCredentialId);
    }
    let mut info = Vec::with_capacity(KEK_CONTEXT.len() + 8 + vault_id.len() + 64);
    info.extend_from_slice(KEK_CONTEXT);
    info.extend_from_slice(&(vault_id.len() as u32).to_be_bytes());
    info.extend_from_slice(vault_id);
    info.extend_from_slice(&(credential_id.as_bytes().len() as u32).to_be_bytes());
    info.extend_from_slice(credential_id.as_bytes());
    let hkdf = Hkdf::<Sha256>::new(Some(b"tipvault/hkdf-salt/v1"), output1);
    let mut kek = Zeroizing::new([0u8; 32]);
    hkdf.expand(&info, kek.as_mut())
        .map_err(|_| KekError::Derivation)?;
    Ok(SecurityKeyKek(kek))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_and_hmac_states_a_key_passes_through_are_wiped_when_dropped() {
        // Compiles only with sha2's and hmac's `zeroize` features (Cargo.toml). An HKDF's
        // pseudorandom key lives in an HMAC state: two SHA-256 cores (inner and outer) and a
        // block buffer. `Hmac` does not say it is wiped itself; each of its parts does.
        use hmac::digest::block_api::{Buffer, CoreProxy};
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Sha256>();
        wiped_on_drop::<<Sha256 as CoreProxy>::Core>();
        wiped_on_drop::<Buffer<<Hmac<Sha256> as CoreProxy>::Core>>();
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let tag = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let out = HmacSecretOutput::new(Zeroizing::new([7; 32]), None);
        assert_eq!(format!("{out:?}"), "HmacSecretOutput(<secret>)");
    }
}
