//! The privacy ledger: which fields went to which provider, and when.
//!
//! The one decision to know: a record is written in the same step that commits a request as
//! leaving (before it is sent), so nothing can leave unrecorded; it expires under its own
//! class `request_log` (90 days by default), independently of the receipts it relates to.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, named_params};

use crate::columns::unix_time;
use crate::error::StoreError;
use crate::{Vault, retention};

/// Retention class of privacy-ledger records.
pub const CLASS: &str = "request_log";

/// One request's disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyRecord {
    /// Provider.
    pub provider_id: String,
    /// Local redemption, if the request belonged to one.
    pub redemption_id: Option<String>,
    /// `redemption`, `pairing`, `dispute`, `status`, `catalog`.
    pub purpose: String,
    /// The fields and values sent, as a JSON object (field → value).
    pub fields: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

pub(crate) fn insert(
    conn: &Connection,
    r: &PrivacyRecord,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let exp = retention::expires_at(conn, CLASS, now)?.unwrap_or(i64::MAX);
    conn.execute(
        "INSERT INTO privacy_log (provider_id, redemption_id, purpose, fields, sent_at,
                                  created_at, expires_at, retention_class)
         VALUES (:p, :r, :purpose, :fields, :sent, :now, :exp, :class)",
        named_params! {":p": r.provider_id, ":r": r.redemption_id, ":purpose": r.purpose,
        ":fields": r.fields, ":sent": r.sent_at.timestamp(),
        ":now": now.timestamp(), ":exp": exp, ":class": CLASS},
    )?;
    Ok(())
}

impl Vault {
    /// Appends a record.
    pub fn privacy_append(
        &mut self,
        r: &PrivacyRecord,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        insert(self.conn(), r, now).map_err(|e| self.sql_err(e))
    }

    /// Live records, newest first, at most `limit`.
    pub fn privacy_log(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PrivacyRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT provider_id, redemption_id, purpose, fields, sent_at FROM privacy_log
                 WHERE {} ORDER BY sent_at DESC, id DESC LIMIT :limit",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(
                named_params! {":now": now.timestamp(), ":limit": limit},
                |r| {
                    Ok(PrivacyRecord {
                        provider_id: r.get(0)?,
                        redemption_id: r.get(1)?,
                        purpose: r.get(2)?,
                        fields: r.get(3)?,
                        sent_at: unix_time(4, r.get(4)?)?,
                    })
                },
            )
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }
}
