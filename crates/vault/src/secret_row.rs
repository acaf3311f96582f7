//! A 32-byte secret the vault makes for itself on first use and keeps in a one-row table (the
//! device key, the risk salt): generated from the operating system's random source inside the
//! vault, stored only in the encrypted database, handed out only as [`Zeroizing`] bytes.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, named_params};
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::{Vault, retention};

/// Where one such secret lives. The names are constants of this crate, never input.
pub(crate) struct SecretRow {
    /// Its table (one row, `id = 1`).
    pub(crate) table: &'static str,
    /// The column holding the 32 bytes.
    pub(crate) column: &'static str,
    /// Its retention class.
    pub(crate) class: &'static str,
    /// What it is, for an error about it ("the device key").
    pub(crate) what: &'static str,
}

impl Vault {
    /// The secret of `row`, made and stored on first use. `INSERT OR IGNORE`: a concurrent
    /// first use keeps whichever secret was stored first, and both callers read that one.
    pub(crate) fn secret_row(
        &mut self,
        row: &SecretRow,
        now: DateTime<Utc>,
    ) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        if let Some(secret) = self.read_secret_row(row, now)? {
            return Ok(secret);
        }
        let mut fresh = Zeroizing::new([0u8; 32]);
        crate::key::random_bytes(fresh.as_mut_slice()).map_err(|e| StoreError::Io {
            path: self.dir().join(crate::DB_FILE),
            source: std::io::Error::other(e.to_string()),
        })?;
        let conn = self.conn();
        let expires = retention::expires_at(conn, row.class, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX);
        conn.execute(
            &format!(
                "INSERT OR IGNORE INTO {} (id, {}, created_at, expires_at, retention_class)
                 VALUES (1, :secret, :now, :exp, :class)",
                row.table, row.column
            ),
            named_params! {":secret": fresh.as_slice(), ":now": now.timestamp(), ":exp": expires,
            ":class": row.class},
        )
        .map_err(|e| self.sql_err(e))?;
        self.read_secret_row(row, now)?
            .ok_or_else(|| StoreError::Damaged {
                reason: format!("{} was not stored", row.what),
            })
    }

    /// The secret of `row` if it exists and has not expired.
    pub(crate) fn read_secret_row(
        &self,
        row: &SecretRow,
        now: DateTime<Utc>,
    ) -> Result<Option<Zeroizing<[u8; 32]>>, StoreError> {
        let stored: Option<Zeroizing<Vec<u8>>> = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {} FROM {} WHERE id = 1 AND {}",
                    row.column,
                    row.table,
                    retention::LIVE
                ),
                named_params! {":now": now.timestamp()},
                |r| r.get::<_, Vec<u8>>(0).map(Zeroizing::new),
            )
            .optional()
            .map_err(|e| self.sql_err(e))?;
        let Some(bytes) = stored else { return Ok(None) };
        if bytes.len() != 32 {
            return Err(StoreError::Damaged {
                reason: format!(
                    "the stored {} has the wrong length",
                    row.what.trim_start_matches("the ")
                ),
            });
        }
        let mut secret = Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(&bytes);
        Ok(Some(secret))
    }
}
