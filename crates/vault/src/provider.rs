//! Providers the user added: where they are, the key they sign with, and this device's id
//! there.
//!
//! The one decision to know: the provider's public key is pinned here when the provider is
//! added (from its signed catalog) and never replaced silently: [`Vault::put_provider`] with a
//! different key for a known provider is refused, so a server that changes keys (or an
//! attacker in its place) cannot sign receipts the app would accept.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, named_params};

use crate::columns::unix_time;
use crate::error::StoreError;
use crate::{Vault, retention};

/// Retention class of provider rows ("until deleted").
pub const CLASS: &str = "source";

/// A provider as the vault keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProvider {
    /// The provider id of its catalog.
    pub id: String,
    /// `http(s)://host[:port]`.
    pub base_url: String,
    /// The pinned key's id.
    pub key_id: String,
    /// The pinned Ed25519 public key.
    pub public_key: [u8; 32],
    /// This device's id after pairing.
    pub device_id: Option<String>,
    /// When it was paired.
    pub paired_at: Option<DateTime<Utc>>,
    /// A sandbox (demo money), labelled as such everywhere.
    pub sandbox: bool,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// The pairing was made with this device's own key for this provider (every pairing since
    /// schema v14); false: with the key all pairings shared before, or not paired.
    pub own_device_key: bool,
}

/// Why a provider was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ProviderStoreError {
    /// The provider is known under another key.
    #[error("provider {provider} is pinned to key `{pinned}`, not `{offered}`")]
    KeyChanged {
        /// Provider.
        provider: String,
        /// Pinned key id.
        pinned: String,
        /// Offered key id.
        offered: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredProvider> {
    let key: Vec<u8> = r.get(3)?;
    let public_key: [u8; 32] = key.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            3,
            rusqlite::types::Type::Blob,
            "provider key is not 32 bytes".into(),
        )
    })?;
    Ok(StoredProvider {
        id: r.get(0)?,
        base_url: r.get(1)?,
        key_id: r.get(2)?,
        public_key,
        device_id: r.get(4)?,
        paired_at: r
            .get::<_, Option<i64>>(5)?
            .map(|at| unix_time(5, at))
            .transpose()?,
        sandbox: r.get::<_, i64>(6)? != 0,
        added_at: unix_time(7, r.get(7)?)?,
        own_device_key: r.get::<_, Option<String>>(8)?.as_deref() == Some("own"),
    })
}

const COLUMNS: &str = "id, base_url, key_id, public_key, device_id, paired_at, sandbox, created_at, \
                       device_key FROM provider";

impl Vault {
    /// Adds a provider, or updates its address for the same pinned key (a pairing is kept).
    pub fn put_provider(
        &mut self,
        p: &StoredProvider,
        now: DateTime<Utc>,
    ) -> Result<(), ProviderStoreError> {
        if let Some(existing) = self.provider(&p.id, now)?
            && (existing.key_id != p.key_id || existing.public_key != p.public_key)
        {
            return Err(ProviderStoreError::KeyChanged {
                provider: p.id.clone(),
                pinned: existing.key_id,
                offered: p.key_id.clone(),
            });
        }
        let conn = self.conn();
        let exp = retention::expires_at(conn, CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX);
        conn.execute(
            "INSERT INTO provider (id, base_url, key_id, public_key, sandbox, created_at,
                                   expires_at, retention_class)
             VALUES (:id, :url, :kid, :key, :sandbox, :now, :exp, :class)
             ON CONFLICT (id) DO UPDATE SET base_url = excluded.base_url,
                                            sandbox = excluded.sandbox",
            named_params! {":id": p.id, ":url": p.base_url, ":kid": p.key_id,
            ":key": p.public_key.as_slice(), ":sandbox": i64::from(p.sandbox),
            ":now": now.timestamp(), ":exp": exp, ":class": CLASS},
        )
        .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// Pins a new signing key for a provider the user confirmed it for (its fingerprint,
    /// after the provider announced a key change); false when the provider is unknown. The
    /// caller audits it.
    pub fn replace_provider_key(
        &mut self,
        id: &str,
        key_id: &str,
        public_key: &[u8; 32],
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE provider SET key_id = :kid, public_key = :key WHERE id = :id",
                named_params! {":id": id, ":kid": key_id, ":key": public_key.as_slice()},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// Records this device's id at a provider, paired with this device's own key for it;
    /// false when the provider is unknown.
    pub fn set_provider_device(
        &mut self,
        id: &str,
        device_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE provider SET device_id = :dev, paired_at = :now, device_key = 'own'
                 WHERE id = :id",
                named_params! {":dev": device_id, ":now": now.timestamp(), ":id": id},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// One live provider.
    pub fn provider(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredProvider>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} WHERE id = :id AND {}", retention::LIVE),
                named_params! {":id": id, ":now": now.timestamp()},
                from_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Every live provider, by id.
    pub fn providers(&self, now: DateTime<Utc>) -> Result<Vec<StoredProvider>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} WHERE {} ORDER BY id",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, from_row)
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }
}
