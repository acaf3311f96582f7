//! Ledger entries in the vault: importing them in one transaction, and reading them back as
//! the ledger crate's [`Entry`] values.
//!
//! The one decision to know: an import is an [`EntryImport`], an open write transaction that
//! takes batches ([`EntryImport::insert`]) and ends with [`EntryImport::commit`]; dropping it
//! (an error in the sink, a cancelled import, a file the user refused because of bad rows)
//! rolls everything back, so either every accepted row lands or none does. De-duplication is
//! the `UNIQUE` de-duplication key with `ON CONFLICT DO NOTHING`: re-importing a file inserts
//! nothing and counts every row as a duplicate. Amounts are INTEGER minor units; payer names
//! and messages go to `entry_detail` (class `payer_detail`) so they can expire before the
//! amounts (class `imported_tip`). Balances: the import adds its per-currency sums to `balance`
//! just before it commits (one upsert per currency, not a trigger per row: that halved the
//! import rate), and a trigger subtracts every deleted row, so both stay in one transaction.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use tipvault_ledger::{Entry, EntryKey, EntryKind, Fingerprint, SourceId, entry::NewEntry};
use tipvault_money::{Currency, Money};

use crate::columns::unix_time;
use crate::error::{LedgerError, StoreError};
use crate::retention;

/// The retention class of entries (amounts, kinds, dates).
pub const CLASS: &str = "imported_tip";
/// The retention class of payer names and messages kept on opt-in.
pub const DETAIL_CLASS: &str = "payer_detail";

/// What an import (or one batch of it) wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// New entries written.
    pub inserted: u64,
    /// Entries whose de-duplication key was already in the vault (or earlier in this import).
    pub duplicates: u64,
}

/// An import in progress: one open write transaction on the vault. See the module docs.
pub struct EntryImport<'v> {
    tx: Transaction<'v>,
    dir: &'v Path,
    writer: EntryWriter,
}

/// Writes entries of one source inside a transaction someone else owns (an [`EntryImport`],
/// or an outbox batch booking confirmed redemptions), keeping the per-currency sums that
/// [`EntryWriter::finish`] adds to `balance`.
pub(crate) struct EntryWriter {
    source: SourceId,
    /// The `import_file` row of the file being imported, if any.
    import_id: Option<i64>,
    now: i64,
    expires_at: i64,
    detail_expires_at: i64,
    outcome: ImportOutcome,
    /// Per currency code: (count, gross, fee, net) of the rows inserted so far, added to
    /// `balance` at commit.
    sums: std::collections::BTreeMap<&'static str, [i64; 4]>,
}

impl std::fmt::Debug for EntryImport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryImport")
            .field("source", &self.writer.source)
            .field("outcome", &self.writer.outcome)
            .finish_non_exhaustive()
    }
}

const INSERT_ENTRY: &str = "INSERT INTO entry (source_id, kind, occurred_at, occurred_nanos,
        currency, gross_minor, fee_minor, net_minor, dedup_key, created_at, expires_at,
        retention_class, import_id)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'imported_tip', ?12)
     ON CONFLICT (dedup_key) DO NOTHING";

const INSERT_DETAIL: &str = "INSERT INTO entry_detail (entry_id, payer, message, created_at,
        expires_at, retention_class, occurred_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 'payer_detail', ?6)";

impl<'v> EntryImport<'v> {
    pub(crate) fn begin(
        conn: &'v mut Connection,
        dir: &'v Path,
        source: &SourceId,
        file_name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<EntryImport<'v>, LedgerError> {
        let store = |e| StoreError::from_sql(e, dir);
        // IMMEDIATE: take the write lock now rather than fail half-way through a large file.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store)?;
        let mut writer = EntryWriter::begin(&tx, dir, source, now)?;
        if let Some(name) = file_name {
            // Rolled back with the entries when the import is.
            tx.execute(
                "INSERT INTO import_file (file_name, created_at, expires_at, retention_class)
                 VALUES (?1, ?2, ?3, 'imported_tip')",
                params![name, writer.now, writer.expires_at],
            )
            .map_err(store)?;
            writer.import_id = Some(tx.last_insert_rowid());
        }
        Ok(EntryImport { tx, dir, writer })
    }

    /// The same import on any connection holding the vault's schema, such as a plain SQLite
    /// file: for the benchmark that compares the vault with plain SQLite in one run. The app
    /// imports only through [`crate::Vault::begin_import`].
    #[doc(hidden)]
    pub fn begin_on(
        conn: &'v mut Connection,
        dir: &'v Path,
        source: &SourceId,
        now: DateTime<Utc>,
    ) -> Result<EntryImport<'v>, LedgerError> {
        Self::begin(conn, dir, source, None, now)
    }

    /// Writes a batch inside the open transaction (nothing is visible to others, or durable,
    /// before [`EntryImport::commit`]); returns what this batch wrote.
    pub fn insert(&mut self, entries: &[Entry]) -> Result<ImportOutcome, LedgerError> {
        self.writer.insert(&self.tx, self.dir, entries)
    }

    /// What the import has written so far.
    pub fn outcome(&self) -> ImportOutcome {
        self.writer.outcome
    }

    /// Adds the imported sums to the balances and commits every batch at once.
    pub fn commit(self) -> Result<ImportOutcome, StoreError> {
        let dir = self.dir;
        let store = |e| StoreError::from_sql(e, dir);
        let outcome = self.writer.finish(&self.tx).map_err(store)?;
        // A file that brought nothing new (every row a duplicate) leaves no record of itself.
        if let (Some(id), 0) = (self.writer.import_id, outcome.inserted) {
            self.tx
                .execute("DELETE FROM import_file WHERE id = ?1", [id])
                .map_err(store)?;
        }
        self.tx.commit().map_err(store)?;
        Ok(outcome)
    }

    /// Discards every batch (what dropping does, made explicit).
    pub fn rollback(self) -> Result<(), StoreError> {
        let dir = self.dir;
        self.tx.rollback().map_err(|e| StoreError::from_sql(e, dir))
    }
}

impl EntryWriter {
    /// Checks the source exists and reads the retention of what will be written.
    pub(crate) fn begin(
        conn: &Connection,
        dir: &Path,
        source: &SourceId,
        now: DateTime<Utc>,
    ) -> Result<EntryWriter, LedgerError> {
        let store = |e| StoreError::from_sql(e, dir);
        if crate::source::get(conn, source, now)
            .map_err(store)?
            .is_none()
        {
            return Err(LedgerError::UnknownSource(source.to_string()));
        }
        let expires_at = retention::expires_at(conn, CLASS, now)
            .map_err(store)?
            .unwrap_or(i64::MAX);
        let detail_expires_at = retention::expires_at(conn, DETAIL_CLASS, now)
            .map_err(store)?
            .unwrap_or(i64::MAX);
        Ok(EntryWriter {
            source: source.clone(),
            import_id: None,
            now: now.timestamp(),
            expires_at,
            // A payer's name never outlives the amount it belongs to.
            detail_expires_at: detail_expires_at.min(expires_at),
            outcome: ImportOutcome::default(),
            sums: std::collections::BTreeMap::new(),
        })
    }

    /// Writes a batch; returns what this batch wrote.
    pub(crate) fn insert(
        &mut self,
        conn: &Connection,
        dir: &Path,
        entries: &[Entry],
    ) -> Result<ImportOutcome, LedgerError> {
        let store = |e| StoreError::from_sql(e, dir);
        let mut batch = ImportOutcome::default();
        let mut entry_stmt = conn.prepare_cached(INSERT_ENTRY).map_err(store)?;
        let mut detail_stmt = conn.prepare_cached(INSERT_DETAIL).map_err(store)?;
        for entry in entries {
            if entry.source() != &self.source {
                return Err(LedgerError::WrongSource {
                    expected: self.source.to_string(),
                    found: entry.source().to_string(),
                });
            }
            let minor = |m: Money| {
                m.to_minor()
                    .map_err(|e| LedgerError::AmountTooLarge(e.to_string()))
            };
            let at = entry.occurred_at();
            let amounts = [
                minor(entry.gross())?,
                minor(entry.fee())?,
                minor(entry.net())?,
            ];
            let changed = entry_stmt
                .execute(params![
                    self.source.as_str(),
                    entry.kind().as_str(),
                    at.timestamp(),
                    at.timestamp_subsec_nanos(),
                    entry.currency().code(),
                    amounts[0],
                    amounts[1],
                    amounts[2],
                    entry.key().dedup_string(),
                    self.now,
                    self.expires_at,
                    self.import_id,
                ])
                .map_err(store)?;
            if changed == 0 {
                batch.duplicates += 1;
                continue;
            }
            batch.inserted += 1;
            let sum = self.sums.entry(entry.currency().code()).or_default();
            let overflow = || LedgerError::AmountTooLarge("the balance would overflow".into());
            sum[0] += 1;
            for (total, amount) in sum[1..].iter_mut().zip(amounts) {
                *total = total.checked_add(amount).ok_or_else(overflow)?;
            }
            if entry.payer().is_some() || entry.message().is_some() {
                let id = conn.last_insert_rowid();
                detail_stmt
                    .execute(params![
                        id,
                        entry.payer(),
                        entry.message(),
                        self.now,
                        self.detail_expires_at,
                        at.timestamp(),
                    ])
                    .map_err(store)?;
            }
        }
        self.outcome.inserted += batch.inserted;
        self.outcome.duplicates += batch.duplicates;
        Ok(batch)
    }

    /// Adds the sums written so far to `balance` (call once, just before the commit).
    pub(crate) fn finish(&self, conn: &Connection) -> rusqlite::Result<ImportOutcome> {
        for (currency, [count, gross, fee, net]) in &self.sums {
            // SQLite raises "integer overflow" rather than wrapping, so a sum too large for the
            // balance fails the commit instead of storing a wrong balance.
            conn.execute(
                "INSERT INTO balance (source_id, currency, entry_count, gross_minor,
                                          fee_minor, net_minor)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (source_id, currency) DO UPDATE SET
                         entry_count = entry_count + excluded.entry_count,
                         gross_minor = gross_minor + excluded.gross_minor,
                         fee_minor = fee_minor + excluded.fee_minor,
                         net_minor = net_minor + excluded.net_minor",
                params![self.source.as_str(), currency, count, gross, fee, net],
            )?;
        }
        Ok(self.outcome)
    }
}

/// How many of `keys` (de-duplication strings) are already stored: a read-only check for dry
/// runs. Expired rows still hold their key until the purge, as they would for a real import.
pub(crate) fn count_known(conn: &Connection, keys: &[String]) -> rusqlite::Result<u64> {
    let mut stmt =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM entry WHERE dedup_key = ?1)")?;
    let mut known = 0u64;
    for key in keys {
        if stmt.query_row([key], |row| row.get::<_, bool>(0))? {
            known += 1;
        }
    }
    Ok(known)
}

/// Parses a stored de-duplication string back into the key it was made from.
pub(crate) fn parse_key(text: &str) -> Option<EntryKey> {
    if let Some(hex) = text.strip_prefix("fp1:") {
        let bytes = hex::decode(hex).ok()?;
        let digest: [u8; 32] = bytes.try_into().ok()?;
        return Some(EntryKey::Fingerprint {
            fingerprint: Fingerprint::from_digest(&digest),
        });
    }
    // tx1:<len>:<platform>:<len>:<source>:<id>, lengths in bytes.
    let rest = text.strip_prefix("tx1:")?;
    let (platform, rest) = length_prefixed(rest)?;
    let (source, id) = length_prefixed(rest)?;
    Some(EntryKey::TransactionId {
        platform: platform.to_owned(),
        source: SourceId::new(source),
        id: id.to_owned(),
    })
}

fn length_prefixed(text: &str) -> Option<(&str, &str)> {
    let (len, rest) = text.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let value = rest.get(..len)?;
    let rest = rest.get(len..)?.strip_prefix(':')?;
    Some((value, rest))
}

/// The columns [`from_row`] reads, for `SELECT … FROM entry AS e LEFT JOIN entry_detail AS d`.
pub(crate) const ROW_COLUMNS: &str = "e.id, e.source_id, e.kind, e.occurred_at, e.occurred_nanos,
    e.currency, e.gross_minor, e.fee_minor, e.net_minor, e.dedup_key, e.created_at,
    e.expires_at, d.payer, d.message, f.file_name";

/// An entry as stored: the ledger entry plus what the vault knows about the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Row id (stable; part of the history cursor).
    pub id: i64,
    /// The entry.
    pub entry: Entry,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
    /// When it stops being readable and becomes purgeable.
    pub expires_at: DateTime<Utc>,
    /// The name of the file it was imported from (no folder), while that record is kept;
    /// none for what Tipvault wrote itself and for imports older than schema v12.
    pub file_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Unreadable(String);

fn bad(index: usize, what: impl Into<String>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        Box::new(Unreadable(what.into())),
    )
}

pub(crate) fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEntry> {
    let kind: String = row.get(2)?;
    let kind = EntryKind::parse(&kind).ok_or_else(|| bad(2, "unknown entry kind"))?;
    let seconds: i64 = row.get(3)?;
    let nanos: u32 = row.get(4)?;
    let occurred_at =
        DateTime::from_timestamp(seconds, nanos).ok_or_else(|| bad(3, "time out of range"))?;
    let code: String = row.get(5)?;
    let currency = Currency::from_code(&code).map_err(|e| bad(5, e.to_string()))?;
    let money = |i: usize| -> rusqlite::Result<Money> {
        Ok(Money::from_minor(row.get::<_, i64>(i)?, currency))
    };
    let key: String = row.get(9)?;
    let key = parse_key(&key).ok_or_else(|| bad(9, "unreadable de-duplication key"))?;
    let entry = Entry::new(NewEntry {
        source: SourceId::new(row.get::<_, String>(1)?),
        kind,
        occurred_at,
        gross: money(6)?,
        fee: money(7)?,
        net: money(8)?,
        key,
        payer: row.get(12)?,
        message: row.get(13)?,
    })
    .map_err(|e| bad(6, e.to_string()))?;
    Ok(StoredEntry {
        id: row.get(0)?,
        entry,
        imported_at: unix_time(10, row.get(10)?)?,
        expires_at: unix_time(11, row.get(11)?)?,
        file_name: row.get(14)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_keys_round_trip_even_with_colons() {
        let key = EntryKey::TransactionId {
            platform: "kofi".into(),
            source: SourceId::new("ko:fi"),
            id: "a:b:c".into(),
        };
        assert_eq!(parse_key(&key.dedup_string()), Some(key));
    }

    #[test]
    fn fingerprint_keys_round_trip() {
        let key = EntryKey::Fingerprint {
            fingerprint: Fingerprint::from_digest(&[0xab; 32]),
        };
        assert_eq!(parse_key(&key.dedup_string()), Some(key));
        assert_eq!(parse_key("fp1:zz"), None);
        assert_eq!(parse_key("tx1:99:kofi"), None);
    }
}
