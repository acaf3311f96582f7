//! Drafts: short-lived notes (class `draft`, one day by default) — the vault's own example of a
//! typed repository over a user-data table, and what the expiry and purge tests write into.
//!
//! The one decision to know: like every repository in this crate, reads take `now` and filter
//! with [`crate::retention::LIVE`], so an expired draft is invisible even before a purge.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};

use crate::columns::unix_time;
use crate::retention;

const CLASS: &str = "draft";

/// A stored draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Row id.
    pub id: i64,
    /// The text.
    pub body: String,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
    /// When it stops being readable and becomes purgeable.
    pub expires_at: DateTime<Utc>,
}

pub(crate) fn insert(conn: &Connection, body: &str, now: DateTime<Utc>) -> rusqlite::Result<i64> {
    let expires_at = retention::expires_at(conn, CLASS, now)?.unwrap_or(now.timestamp());
    conn.execute(
        INSERT_SQL,
        named_params! {":body": body, ":now": now.timestamp(), ":exp": expires_at, ":class": CLASS},
    )?;
    Ok(conn.last_insert_rowid())
}

/// Inserts many drafts in one transaction (an import); returns how many were written.
pub(crate) fn insert_many<'a>(
    conn: &mut Connection,
    bodies: impl IntoIterator<Item = &'a str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<u64> {
    // Immediate: read (the retention), then written; a deferred transaction would fail at once
    // with "database is locked" if another process wrote in between (see `audit::append`).
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let expires_at = retention::expires_at(&tx, CLASS, now)?.unwrap_or(now.timestamp());
    let mut written = 0u64;
    {
        let mut stmt = tx.prepare(INSERT_SQL)?;
        for body in bodies {
            stmt.execute(named_params! {
                ":body": body, ":now": now.timestamp(), ":exp": expires_at, ":class": CLASS,
            })?;
            written += 1;
        }
    }
    tx.commit()?;
    Ok(written)
}

/// The insert used by every draft write; public (hidden) only so the benchmark's plain-SQLite
/// side runs the very same statement.
#[doc(hidden)]
pub const INSERT_SQL: &str = "INSERT INTO draft (body, created_at, expires_at, retention_class)
     VALUES (:body, :now, :exp, :class)";

/// Live drafts with `id > after_id`, by id, at most `limit`: an indexed range query (the
/// history view's virtual scrolling). Public (hidden) only for the benchmark's plain side.
#[doc(hidden)]
pub const PAGE_SQL: &str = "SELECT id, body, created_at, expires_at FROM draft
     WHERE id > :after AND expires_at > :now ORDER BY id LIMIT :limit";

pub(crate) fn page(
    conn: &Connection,
    now: DateTime<Utc>,
    after_id: i64,
    limit: u32,
) -> rusqlite::Result<Vec<Draft>> {
    let mut stmt = conn.prepare_cached(PAGE_SQL)?;
    let rows = stmt.query_map(
        named_params! {":after": after_id, ":now": now.timestamp(), ":limit": limit},
        from_row,
    )?;
    rows.collect()
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        id: row.get(0)?,
        body: row.get(1)?,
        created_at: unix_time(2, row.get(2)?)?,
        expires_at: unix_time(3, row.get(3)?)?,
    })
}

pub(crate) fn list(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Draft>> {
    let sql = format!(
        "SELECT id, body, created_at, expires_at FROM draft WHERE {} ORDER BY id",
        retention::LIVE
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named_params! {":now": now.timestamp()}, from_row)?;
    rows.collect()
}

pub(crate) fn get(
    conn: &Connection,
    id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Draft>> {
    let sql = format!(
        "SELECT id, body, created_at, expires_at FROM draft WHERE id = :id AND {}",
        retention::LIVE
    );
    conn.query_row(
        &sql,
        named_params! {":id": id, ":now": now.timestamp()},
        from_row,
    )
    .optional()
}
