//! Registered security keys' credential records (WebAuthn public key, signature counter, label,
//! registration time), kept inside the encrypted database.
//!
//! The one decision to know: the record itself is opaque JSON written by the app layer (the
//! vault does not depend on `tipvault-auth`); the vault keeps beside it only what it enforces:
//! the credential id (unique), the signature counter (which may never go down: checked here and
//! by a trigger, so a cloned key's lower counter cannot be written back even by a bug above),
//! and the registration time. The table is vault configuration, like `setting`, not user data:
//! a record lives exactly as long as its unlock slot in the sidecar, so it has no expiry — an
//! expired record would leave a slot whose key can open the vault but never pass the
//! assertion check.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};

use crate::columns::unix_time;
use crate::error::{SecurityKeyError, StoreError};

/// One stored credential record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecurityKey {
    /// The WebAuthn credential id.
    pub credential_id: Vec<u8>,
    /// The app's record (JSON).
    pub record: String,
    /// Highest signature counter accepted so far.
    pub sign_count: u32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSecurityKey> {
    let secs: i64 = row.get(3)?;
    let count: i64 = row.get(2)?;
    Ok(StoredSecurityKey {
        credential_id: row.get(0)?,
        record: row.get(1)?,
        sign_count: u32::try_from(count).unwrap_or(u32::MAX),
        created_at: unix_time(3, secs)?,
    })
}

const COLUMNS: &str = "credential_id, record, sign_count, created_at FROM security_key";

pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<StoredSecurityKey>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} ORDER BY created_at, rowid"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

pub(crate) fn get(conn: &Connection, id: &[u8]) -> rusqlite::Result<Option<StoredSecurityKey>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} WHERE credential_id = :id"),
        named_params! {":id": id},
        from_row,
    )
    .optional()
}

pub(crate) fn insert(
    conn: &Connection,
    key: &StoredSecurityKey,
    now: DateTime<Utc>,
) -> Result<(), SecurityKeyError> {
    if get(conn, &key.credential_id)
        .map_err(|e| SecurityKeyError::Store(StoreError::Sql(e)))?
        .is_some()
    {
        return Err(SecurityKeyError::Exists);
    }
    conn.execute(
        "INSERT INTO security_key (credential_id, record, sign_count, created_at, updated_at)
         VALUES (:id, :record, :count, :created, :now)",
        named_params! {
            ":id": key.credential_id,
            ":record": key.record,
            ":count": i64::from(key.sign_count),
            ":created": key.created_at.timestamp(),
            ":now": now.timestamp(),
        },
    )
    .map_err(|e| SecurityKeyError::Store(StoreError::Sql(e)))?;
    Ok(())
}

pub(crate) fn update(
    conn: &mut Connection,
    key: &StoredSecurityKey,
    now: DateTime<Utc>,
) -> Result<(), SecurityKeyError> {
    let sql = |e| SecurityKeyError::Store(StoreError::Sql(e));
    // Immediate: the stored counter is read, compared, then written; another process's
    // write in between must wait, not fail the update at once (see `audit::append`).
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    let stored = get(&tx, &key.credential_id)
        .map_err(sql)?
        .ok_or(SecurityKeyError::NotFound)?;
    if key.sign_count < stored.sign_count {
        return Err(SecurityKeyError::CounterBackwards {
            stored: stored.sign_count,
            presented: key.sign_count,
        });
    }
    tx.execute(
        "UPDATE security_key SET record = :record, sign_count = :count, updated_at = :now
         WHERE credential_id = :id",
        named_params! {
            ":id": key.credential_id,
            ":record": key.record,
            ":count": i64::from(key.sign_count),
            ":now": now.timestamp(),
        },
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)
}

pub(crate) fn remove(conn: &Connection, id: &[u8]) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM security_key WHERE credential_id = :id",
        named_params! {":id": id},
    )? > 0)
}
