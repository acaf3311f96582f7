//! Receipts: the provider's signed documents, stored exactly as received.
//!
//! The one decision to know: the vault keeps the signed document text byte for byte (and the
//! signed request it answered, when known) and never a parsed copy, so a receipt verifies
//! offline with only the provider's public key for as long as it is kept (class `receipt`,
//! 5 years). Verifying is the app's job; the vault only stores and returns.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};

use crate::columns::unix_time;
use crate::error::StoreError;
use crate::{Vault, retention};

/// Retention class of receipts.
pub const CLASS: &str = "receipt";

/// A receipt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// The provider's redemption id (the receipt's subject).
    pub provider_redemption_id: String,
    /// Local redemption.
    pub redemption_id: String,
    /// Leg.
    pub seq: u32,
    /// Provider.
    pub provider_id: String,
    /// The signed receipt document (JSON as received).
    pub document: String,
    /// The signed request it answered (JSON), when this device holds it.
    pub request: Option<String>,
    /// When it was stored.
    pub stored_at: DateTime<Utc>,
}

pub(crate) fn insert(
    conn: &Connection,
    r: &StoredReceipt,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let exp = retention::expires_at(conn, CLASS, now)?.unwrap_or(i64::MAX);
    // A repeat (the same redemption confirmed twice, e.g. by a reconcile after a crash) keeps
    // the first document; a request learned later fills in a missing one.
    conn.execute(
        "INSERT INTO receipt (provider_redemption_id, redemption_id, seq, provider_id, document,
                              request, created_at, expires_at, retention_class)
         VALUES (:pid, :id, :seq, :provider, :doc, :req, :now, :exp, :class)
         ON CONFLICT (provider_redemption_id) DO UPDATE SET
             request = COALESCE(receipt.request, excluded.request)",
        named_params! {":pid": r.provider_redemption_id, ":id": r.redemption_id, ":seq": r.seq,
        ":provider": r.provider_id, ":doc": r.document, ":req": r.request,
        ":now": now.timestamp(), ":exp": exp, ":class": CLASS},
    )?;
    Ok(())
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReceipt> {
    Ok(StoredReceipt {
        provider_redemption_id: r.get(0)?,
        redemption_id: r.get(1)?,
        seq: r.get(2)?,
        provider_id: r.get(3)?,
        document: r.get(4)?,
        request: r.get(5)?,
        stored_at: unix_time(6, r.get(6)?)?,
    })
}

const COLUMNS: &str = "provider_redemption_id, redemption_id, seq, provider_id, document, \
                       request, created_at FROM receipt";

impl Vault {
    /// The live receipts of a local redemption, by leg.
    pub fn receipts_of(
        &self,
        redemption_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredReceipt>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} WHERE redemption_id = :id AND {} ORDER BY seq",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(
                named_params! {":id": redemption_id, ":now": now.timestamp()},
                from_row,
            )
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    /// One live receipt by the provider's redemption id.
    pub fn receipt(
        &self,
        provider_redemption_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredReceipt>, StoreError> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} WHERE provider_redemption_id = :pid AND {}",
                    retention::LIVE
                ),
                named_params! {":pid": provider_redemption_id, ":now": now.timestamp()},
                from_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }
}
