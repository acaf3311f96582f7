//! Purge: really deleting expired rows, then checkpointing so the plaintext is gone from the
//! database file and its WAL.
//!
//! The one decision to know: deletion relies on `secure_delete` (SQLCipher forces it on) to zero
//! freed cells and pages, and on `wal_checkpoint(TRUNCATE)` to move the zeroed pages into the
//! database file and cut the WAL to zero bytes, so no old frame keeps a copy. The audit log is
//! purged only as a prefix, leaving an anchor (see [`crate::audit`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::audit;
use crate::migration;
use crate::retention;

/// What a purge removed (or would remove, for a dry run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// True when nothing was deleted, only counted.
    pub dry_run: bool,
    /// Rows per retention class (every class is listed, zeros included).
    pub per_class: BTreeMap<String, u64>,
    /// Sum of `per_class`.
    pub total: u64,
    /// The audit sequence number now anchoring the chain, if audit entries were purged.
    pub audit_anchor_seq: Option<u64>,
}

pub(crate) fn purge(
    conn: &mut Connection,
    now: DateTime<Utc>,
    dry_run: bool,
) -> rusqlite::Result<PurgeReport> {
    let now_s = now.timestamp();
    let mut per_class: BTreeMap<String, u64> = retention::list(conn)?
        .into_iter()
        .map(|class| (class.name, 0))
        .collect();
    // Immediate: read (which tables expire, which rows), then deleted (see `audit::append`).
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for table in migration::expiring_tables(&tx)? {
        if table == audit::TABLE {
            continue;
        }
        // One pass: a real purge counts the rows it deletes (RETURNING); a dry run only counts.
        let sql = if dry_run {
            format!("SELECT retention_class FROM \"{table}\" WHERE expires_at <= ?1")
        } else {
            format!("DELETE FROM \"{table}\" WHERE expires_at <= ?1 RETURNING retention_class")
        };
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query([now_s])?;
        while let Some(row) = rows.next()? {
            let class = row.get_ref(0)?.as_str().unwrap_or_default();
            match per_class.get_mut(class) {
                Some(count) => *count += 1,
                None => {
                    per_class.insert(class.to_owned(), 1);
                }
            }
        }
    }
    let detail_purged = per_class
        .get(crate::entry::CLASS)
        .into_iter()
        .chain(per_class.get(crate::entry::DETAIL_CLASS))
        .any(|n| *n > 0);
    if detail_purged && !dry_run {
        // An FTS5 delete only appends tombstones: the deleted words stay in older index
        // segments until they are merged. Merging everything now drops them, so the purged
        // names and messages are gone from the index pages too (secure_delete zeroes the rest).
        tx.execute("INSERT INTO entry_fts (entry_fts) VALUES ('optimize')", [])?;
    }
    let audit = audit::purge_prefix(&tx, now_s, dry_run)?;
    *per_class.entry(audit::CLASS.to_owned()).or_default() += audit.removed;
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    let total = per_class.values().sum();
    Ok(PurgeReport {
        dry_run,
        per_class,
        total,
        audit_anchor_seq: audit.anchor_seq,
    })
}
