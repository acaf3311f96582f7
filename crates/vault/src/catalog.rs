//! Provider catalogs cached in the vault, so previews work offline with the provider's own
//! products, fees and limits.
//!
//! The one decision to know: the vault stores a catalog as an opaque canonical document plus
//! the few fields it needs to choose and order them (provider, version, dates). Parsing and
//! validating the document is the preview crate's job, done by the app layer before a catalog
//! is stored and again whenever it is read, so the vault does not depend on the planner. One
//! catalog per provider: a newer version replaces the cached one; an older version is refused,
//! so a replayed old catalog (with old, perhaps lower, fees) cannot displace a newer one.
//!
//! **Renewal.** A provider re-publishes an unchanged catalog with new dates (the same version,
//! a later `issued_at`): the cached copy takes the new document and dates, so a catalog in
//! daily use never expires from under its user. The same version with anything else changed
//! (a fee, a product, a limit: anything but the three top-level dates) is refused as
//! tampering — a changed offer must carry a new version — and so is a re-issue that is not
//! later than the cached one (a replay of an earlier issue). Each refusal keeps the cached
//! copy as it was. The signature check (the provider's pinned key) happens before the vault
//! sees a fetched catalog; this module judges only versions and dates. The
//! row is user data (which providers the user deals with) and expires under the `catalog`
//! retention class; the document's own stale/expiry dates are separate and decide whether it
//! may be used for a redemption.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};

use crate::columns::unix_time;
use crate::error::StoreError;
use crate::retention;

/// The retention class of cached catalogs.
pub const CLASS: &str = "catalog";

/// A catalog as the vault keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCatalog {
    /// The provider the catalog describes (one catalog per provider).
    pub provider_id: String,
    /// The document's version; only a higher one replaces a stored catalog.
    pub version: u64,
    /// The canonical JSON document, as validated by the app layer when it was stored.
    pub document: String,
    /// When the provider issued it.
    pub issued_at: DateTime<Utc>,
    /// From then on, previews mark it stale.
    pub stale_after: DateTime<Utc>,
    /// From then on, it is never used for a redemption.
    pub expires_at: DateTime<Utc>,
    /// When it was stored (imported or fetched).
    pub stored_at: DateTime<Utc>,
}

/// What storing a catalog did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogStored {
    /// The first catalog of this provider.
    New,
    /// It replaced an older version.
    Replaced {
        /// The version it replaced.
        previous_version: u64,
    },
    /// The same version was already stored with the same document: nothing changed.
    Unchanged,
    /// The same version and offer, issued again later: the cached copy took its new dates.
    Renewed {
        /// The cached copy's expiry before the renewal.
        previous_expires_at: DateTime<Utc>,
    },
}

/// Why a catalog was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CatalogStoreError {
    /// A newer version (or the same version with a different document) is already stored.
    #[error(
        "the vault already holds version {stored} of {provider}'s catalog; version {offered} is \
         not newer"
    )]
    NotNewer {
        /// The provider.
        provider: String,
        /// The version the vault holds.
        stored: u64,
        /// The version offered.
        offered: u64,
    },
    /// The same version as the cached one, but a different offer: a provider must publish a
    /// change under a new version, so this is treated as tampering.
    #[error(
        "{provider}'s catalog version {version} differs from the cached copy of the same \
         version in more than its dates; a changed catalog must carry a new version"
    )]
    ChangedWithoutNewVersion {
        /// The provider.
        provider: String,
        /// The version both claim.
        version: u64,
    },
    /// The same version and offer, but not issued later than the cached copy (a replay of an
    /// earlier issue).
    #[error(
        "this issue of {provider}'s catalog version {version} ({offered}) is not later than \
         the cached one ({stored})"
    )]
    NotLaterIssue {
        /// The provider.
        provider: String,
        /// The version both claim.
        version: u64,
        /// When the cached copy was issued.
        stored: DateTime<Utc>,
        /// When the offered copy was issued.
        offered: DateTime<Utc>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The top-level keys a re-issue may change: the catalog v1 dates.
const DATE_KEYS: [&str; 3] = ["issued_at", "stale_after", "expires_at"];

/// The document without its dates, to compare two issues of one version. A document that is
/// not a JSON object is compared whole.
fn undated(document: &str) -> Result<serde_json::Value, &str> {
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(serde_json::Value::Object(mut map)) => {
            for key in DATE_KEYS {
                map.remove(key);
            }
            Ok(serde_json::Value::Object(map))
        }
        _ => Err(document),
    }
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCatalog> {
    let version: i64 = row.get(1)?;
    Ok(StoredCatalog {
        provider_id: row.get(0)?,
        version: u64::try_from(version).unwrap_or(0),
        document: row.get(2)?,
        issued_at: unix_time(3, row.get(3)?)?,
        stale_after: unix_time(4, row.get(4)?)?,
        expires_at: unix_time(5, row.get(5)?)?,
        stored_at: unix_time(6, row.get(6)?)?,
    })
}

const COLUMNS: &str = "provider_id, version, document, issued_at, stale_after, doc_expires_at, \
                       created_at FROM catalog";

pub(crate) fn get(
    conn: &Connection,
    provider_id: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<StoredCatalog>> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE provider_id = :id AND {}",
        retention::LIVE
    );
    conn.query_row(
        &sql,
        named_params! {":id": provider_id, ":now": now.timestamp()},
        from_row,
    )
    .optional()
}

pub(crate) fn list(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<StoredCatalog>> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE {} ORDER BY provider_id",
        retention::LIVE
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named_params! {":now": now.timestamp()}, from_row)?;
    rows.collect()
}

/// Stores `catalog` unless an equal or newer version is already there.
pub(crate) fn put(
    conn: &mut Connection,
    catalog: &StoredCatalog,
    now: DateTime<Utc>,
) -> Result<CatalogStored, CatalogStoreError> {
    let sql = |e| CatalogStoreError::Store(StoreError::Sql(e));
    // Immediate: compared with the stored version, then written (see `audit::append`).
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    // An expired row still holds the provider id until the purge: compare with it too, so a
    // purge delay cannot be used to roll a catalog back.
    let existing: Option<(i64, String, i64, i64)> = tx
        .query_row(
            "SELECT version, document, issued_at, doc_expires_at FROM catalog
             WHERE provider_id = :id",
            named_params! {":id": catalog.provider_id},
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .map_err(sql)?;
    let version = i64::try_from(catalog.version).map_err(|_| CatalogStoreError::NotNewer {
        provider: catalog.provider_id.clone(),
        stored: u64::MAX,
        offered: catalog.version,
    })?;
    let outcome = match existing {
        Some((stored, document, _, _)) if stored == version && document == catalog.document => {
            // The provider still publishes exactly this: the row is as fresh as this fetch,
            // so a catalog in daily use never expires from under its user (an expired row
            // not yet purged comes back too).
            let expires_at = retention::expires_at(&tx, CLASS, now)
                .map_err(sql)?
                .unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE catalog SET expires_at = :exp WHERE provider_id = :id",
                named_params! {":exp": expires_at, ":id": catalog.provider_id},
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
            return Ok(CatalogStored::Unchanged);
        }
        Some((stored, document, issued_at, doc_expires_at)) if stored == version => {
            if undated(&document) != undated(&catalog.document) {
                return Err(CatalogStoreError::ChangedWithoutNewVersion {
                    provider: catalog.provider_id.clone(),
                    version: catalog.version,
                });
            }
            let stored_issue = unix_time(0, issued_at).map_err(sql)?;
            if catalog.issued_at <= stored_issue {
                return Err(CatalogStoreError::NotLaterIssue {
                    provider: catalog.provider_id.clone(),
                    version: catalog.version,
                    stored: stored_issue,
                    offered: catalog.issued_at,
                });
            }
            CatalogStored::Renewed {
                previous_expires_at: unix_time(0, doc_expires_at).map_err(sql)?,
            }
        }
        Some((stored, ..)) if stored > version => {
            return Err(CatalogStoreError::NotNewer {
                provider: catalog.provider_id.clone(),
                stored: u64::try_from(stored).unwrap_or(0),
                offered: catalog.version,
            });
        }
        Some((stored, ..)) => CatalogStored::Replaced {
            previous_version: u64::try_from(stored).unwrap_or(0),
        },
        None => CatalogStored::New,
    };
    let expires_at = retention::expires_at(&tx, CLASS, now)
        .map_err(sql)?
        .unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO catalog (provider_id, version, document, issued_at, stale_after,
                              doc_expires_at, created_at, expires_at, retention_class)
         VALUES (:id, :version, :document, :issued, :stale, :doc_expires, :now, :exp, :class)
         ON CONFLICT (provider_id) DO UPDATE SET
             version = excluded.version, document = excluded.document,
             issued_at = excluded.issued_at, stale_after = excluded.stale_after,
             doc_expires_at = excluded.doc_expires_at, created_at = excluded.created_at,
             expires_at = excluded.expires_at",
        named_params! {
            ":id": catalog.provider_id,
            ":version": version,
            ":document": catalog.document,
            ":issued": catalog.issued_at.timestamp(),
            ":stale": catalog.stale_after.timestamp(),
            ":doc_expires": catalog.expires_at.timestamp(),
            ":now": now.timestamp(),
            ":exp": expires_at,
            ":class": CLASS,
        },
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(outcome)
}

/// Removes a provider's catalog; false when there was none.
pub(crate) fn remove(conn: &Connection, provider_id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM catalog WHERE provider_id = :id",
        named_params! {":id": provider_id},
    )? > 0)
}
