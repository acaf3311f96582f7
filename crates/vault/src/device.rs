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
use rusqlite::{OptionalExtension, named_params};
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::{Vault, retention};

/// Retention class of the device key.
pub const CLASS: &str = "source";

impl Vault {
    /// The device's Ed25519 seed, generated and stored on first use.
    pub fn device_secret(&mut self, now: DateTime<Utc>) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        if let Some(secret) = self.read_device_secret(now)? {
            return Ok(secret);
        }
        let mut fresh = Zeroizing::new([0u8; 32]);
        crate::key::random_bytes(fresh.as_mut_slice()).map_err(|e| StoreError::Io {
            path: self.dir().join(crate::DB_FILE),
            source: std::io::Error::other(e.to_string()),
        })?;
        let conn = self.conn();
        let expires = retention::expires_at(conn, CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX);
        // INSERT OR IGNORE: a concurrent first use keeps whichever key was stored first.
        conn.execute(
            "INSERT OR IGNORE INTO device_key (id, secret, created_at, expires_at, retention_class)
             VALUES (1, :secret, :now, :exp, :class)",
            named_params! {":secret": fresh.as_slice(), ":now": now.timestamp(), ":exp": expires,
            ":class": CLASS},
        )
        .map_err(|e| self.sql_err(e))?;
        self.read_device_secret(now)?.ok_or(StoreError::Damaged {
            reason: "the device key was not stored".into(),
        })
    }

    pub(crate) fn read_device_secret(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Option<Zeroizing<[u8; 32]>>, StoreError> {
        let row: Option<Zeroizing<Vec<u8>>> = self
            .conn()
            .query_row(
                &format!(
                    "SELECT secret FROM device_key WHERE id = 1 AND {}",
                    retention::LIVE
                ),
                named_params! {":now": now.timestamp()},
                |r| r.get::<_, Vec<u8>>(0).map(Zeroizing::new),
            )
            .optional()
            .map_err(|e| self.sql_err(e))?;
        let Some(bytes) = row else { return Ok(None) };
        let mut secret = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(StoreError::Damaged {
                reason: "the stored device key has the wrong length".into(),
            });
        }
        secret.copy_from_slice(&bytes);
        Ok(Some(secret))
    }
}
