//! The device key: the Ed25519 secret this vault signs provider requests with.
//!
//! The one decision to know: the 32-byte Ed25519 seed is generated *inside* the vault (from
//! the operating system's random source) and stored only in the SQLCipher database, so it is
//! encrypted at rest with everything else and never exists in a file of its own. It is handed
//! out only as [`Zeroizing`] bytes, wiped when dropped; no API exports, prints or logs it
//! (the public key and device id are derived by the caller). One key per vault: rotating it
//! means re-pairing every provider, so it is created once and kept "until deleted" (class
//! `source`).

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use crate::Vault;
use crate::error::StoreError;
use crate::secret_row::SecretRow;

/// Retention class of the device key.
pub const CLASS: &str = "source";

/// Where the device key lives.
const ROW: SecretRow = SecretRow {
    table: "device_key",
    column: "secret",
    class: CLASS,
    what: "the device key",
};

impl Vault {
    /// The device's Ed25519 seed, generated and stored on first use.
    pub fn device_secret(&mut self, now: DateTime<Utc>) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        self.secret_row(&ROW, now)
    }

    /// The seed if it exists, without making one (for the secret-leak scan's key material).
    #[cfg(feature = "key-material")]
    pub(crate) fn read_device_secret(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<Zeroizing<[u8; 32]>>, StoreError> {
        self.read_secret_row(&ROW, now)
    }
}
