//! Key material: the data key (DEK) that SQLCipher uses as its raw key, the vault key (VK) that
//! wraps it, and the key-encryption keys (KEKs) that wrap the VK.
//!
//! The one decision to know: there are two wrapping levels (KEK → VK → DEK). Slots wrap the VK,
//! the VK wraps the DEK. Rotating the DEK therefore never needs the passphrase or every
//! registered security key to be present, and changing a passphrase never touches the database.
//! Every key lives in [`Zeroizing`] memory, has a redacted `Debug`, and is wiped on drop.

use std::fmt;

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use zeroize::Zeroizing;

/// Length of every symmetric key in the hierarchy (256 bits).
pub(crate) const KEY_LEN: usize = 32;
/// XChaCha20-Poly1305 nonce length: 192 bits, large enough that random nonces never collide.
pub(crate) const NONCE_LEN: usize = 24;

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(buf).map_err(|_| RandomError)
}

/// The operating system refused to hand out random bytes (practically never happens).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the operating system's random number generator is unavailable")]
pub struct RandomError;

/// 32 secret bytes that wipe themselves when dropped.
///
/// Boxed: the bytes stay at one heap address for the key's whole life, so moving a key (or a
/// `Vault` holding one, which moves between threads and into sessions) copies a pointer, not
/// the key. Inline bytes would leave a copy in every stack frame a move passed through, which
/// nothing wipes; the secret-leak scan found such copies in a locked app's memory.
#[derive(Clone)]
struct KeyBytes(Box<Zeroizing<[u8; KEY_LEN]>>);

impl KeyBytes {
    fn generate() -> Result<Self, RandomError> {
        let mut bytes = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        random_bytes(bytes.as_mut_slice())?;
        Ok(Self(bytes))
    }

    fn from_slice(slice: &[u8]) -> Option<Self> {
        if slice.len() != KEY_LEN {
            return None;
        }
        let mut bytes = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        bytes.copy_from_slice(slice);
        Some(Self(bytes))
    }
}

/// The random 256-bit key SQLCipher encrypts the database with (used as a raw key, so SQLCipher
/// runs no PBKDF2 of its own).
#[derive(Clone)]
pub struct DataKey(KeyBytes);

impl DataKey {
    pub(crate) fn generate() -> Result<Self, RandomError> {
        KeyBytes::generate().map(Self)
    }

    pub(crate) fn from_slice(slice: &[u8]) -> Option<Self> {
        KeyBytes::from_slice(slice).map(Self)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0.0
    }

    /// Lower-case hex of the key, 64 characters.
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.as_bytes()))
    }

    /// SQLCipher's raw-key blob syntax `x'<64 hex>'`: with exactly 32 bytes SQLCipher uses the
    /// bytes directly as the AES key and derives only the HMAC key (2 PBKDF2 rounds).
    pub(crate) fn sqlcipher_key_literal(&self) -> Zeroizing<Vec<u8>> {
        let hex = self.to_hex();
        let mut literal = Zeroizing::new(Vec::with_capacity(hex.len() + 3));
        literal.extend_from_slice(b"x'");
        literal.extend_from_slice(hex.as_bytes());
        literal.push(b'\'');
        literal
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The key that wraps the data key; itself wrapped by every unlock slot.
#[derive(Clone)]
pub(crate) struct VaultKey(KeyBytes);

impl VaultKey {
    pub(crate) fn generate() -> Result<Self, RandomError> {
        KeyBytes::generate().map(Self)
    }

    pub(crate) fn from_slice(slice: &[u8]) -> Option<Self> {
        KeyBytes::from_slice(slice).map(Self)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0.0
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

/// A key-encryption key: the output of Argon2id over a passphrase (or, later, a security key's
/// hmac-secret output).
pub(crate) struct Kek(KeyBytes);

impl Kek {
    pub(crate) fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let mut boxed = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        boxed.copy_from_slice(bytes.as_slice());
        Self(KeyBytes(boxed))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0.0
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

/// A secret sealed with XChaCha20-Poly1305 under a wrapping key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    pub(crate) nonce: [u8; NONCE_LEN],
    pub(crate) ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// The AEAD rejected the ciphertext: wrong key, or the sealed bytes or their context changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenFailed;

/// Seals `secret` under `key`, binding `aad` (vault id and slot metadata) so a wrapped key cannot
/// be moved to another slot or vault without detection.
pub(crate) fn seal(key: &[u8; KEY_LEN], aad: &[u8], secret: &[u8]) -> Result<Sealed, RandomError> {
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| RandomError)?;
    let xnonce = XNonce::from(nonce);
    // Encryption with a valid 32-byte key and a 24-byte nonce cannot fail; keep the error path
    // anyway instead of panicking.
    let ciphertext = cipher
        .encrypt(&xnonce, Payload { msg: secret, aad })
        .map_err(|_| RandomError)?;
    Ok(Sealed { nonce, ciphertext })
}

/// Opens a [`Sealed`] secret; the plaintext is returned in zeroizing memory.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, OpenFailed> {
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| OpenFailed)?;
    let xnonce = XNonce::from(sealed.nonce);
    cipher
        .decrypt(
            &xnonce,
            Payload {
                msg: &sealed.ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| OpenFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trips_and_binds_aad() {
        let key = [7u8; KEY_LEN];
        let sealed = seal(&key, b"vault-a", b"secret").unwrap();
        assert_eq!(
            open(&key, b"vault-a", &sealed).unwrap().as_slice(),
            b"secret"
        );
        assert_eq!(
            open(&key, b"vault-b", &sealed),
            Err(OpenFailed),
            "a wrapped key moved to another context must not open"
        );
        assert_eq!(open(&[8u8; KEY_LEN], b"vault-a", &sealed), Err(OpenFailed));
    }

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let dek = DataKey::from_slice(&[0xab; KEY_LEN]).unwrap();
        let shown = format!("{dek:?}");
        assert!(!shown.contains("ab"), "Debug leaked key bytes: {shown}");
        assert_eq!(shown, "DataKey(<redacted>)");
    }

    #[test]
    fn raw_key_literal_has_sqlcipher_blob_syntax() {
        let dek = DataKey::from_slice(&[0x01; KEY_LEN]).unwrap();
        let literal = dek.sqlcipher_key_literal();
        let text = std::str::from_utf8(&literal).unwrap();
        assert_eq!(
            text.len(),
            67,
            "x' + 64 hex + ' is what SQLCipher treats as a raw key"
        );
        assert!(text.starts_with("x'0101") && text.ends_with("01'"));
    }
}
