//! The append-only, hash-chained audit log and its anchor.
//!
//! The one decision to know: `hash = SHA-256(domain tag ‖ seq ‖ at ‖ kind ‖ detail ‖ prev_hash)`
//! with fixed-width integers and length-prefixed strings, so no two entries encode the same; the
//! first entry's `prev_hash` is 32 zero bytes, or the anchor's hash once old entries have been
//! purged. A purge removes only a prefix of expired entries and records the last removed
//! entry's seq and hash as the anchor, so what remains still verifies.
//!
//! Limits: the chain is not keyed, so it shows accidental or careless edits, removals,
//! insertions and reorderings, but someone holding the data key can rewrite the whole chain; and
//! dropping the newest entries is invisible unless their hash was recorded elsewhere.

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, named_params};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::columns::unix_time;
use crate::error::AuditError;
use crate::retention;

pub(crate) const TABLE: &str = "audit_log";
pub(crate) const CLASS: &str = "audit";
const GENESIS: [u8; 32] = [0; 32];
const MAX_DETAIL_BYTES: usize = 16 * 1024;

/// An event to record. `detail` must not contain secrets (no keys, passphrases, full card or
/// phone numbers): the audit log is meant to be shown and exported.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    kind: String,
    detail: String,
}

impl AuditEvent {
    /// Validates the kind (1–64 chars of `a-z 0-9 . _ -`) and serialises the detail.
    pub fn new(kind: &str, detail: Value) -> Result<Self, AuditError> {
        let valid_kind = !kind.is_empty()
            && kind.len() <= 64
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !valid_kind {
            return Err(AuditError::InvalidKind);
        }
        let detail = serde_json::to_string(&detail).map_err(|_| AuditError::DetailTooLarge)?;
        if detail.len() > MAX_DETAIL_BYTES {
            return Err(AuditError::DetailTooLarge);
        }
        Ok(Self {
            kind: kind.to_owned(),
            detail,
        })
    }
}

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened (`vault.unlocked`, `redemption.sent`, …).
    pub kind: String,
    /// Structured detail.
    pub detail: Value,
    /// This entry's chain hash.
    pub hash: [u8; 32],
}

/// Where the stored chain starts after purges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditAnchor {
    /// Seq of the last purged entry.
    pub seq: u64,
    /// Its hash: the `prev_hash` of the first remaining entry.
    pub hash: [u8; 32],
}

/// The first inconsistency found by [`crate::Vault::audit_verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditProblem {
    /// An entry's content no longer matches its hash (edited).
    HashMismatch {
        /// The entry.
        seq: u64,
    },
    /// An entry does not point at its predecessor's hash (one removed, inserted or moved).
    BrokenLink {
        /// The entry whose `prev_hash` is wrong.
        seq: u64,
    },
    /// Sequence numbers are not consecutive (an entry removed or inserted).
    SequenceGap {
        /// The seq that should have come next.
        expected: u64,
        /// The seq found instead.
        found: u64,
    },
}

/// Result of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries checked (including expired ones not yet purged).
    pub checked: u64,
    /// The anchor the chain starts from, if any entries have been purged.
    pub anchor: Option<AuditAnchor>,
    /// The first problem, or `None` when the chain is intact.
    pub problem: Option<AuditProblem>,
}

impl AuditReport {
    /// True when no problem was found.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// The canonical hash of one entry.
pub fn entry_hash(seq: u64, at: i64, kind: &str, detail: &str, prev_hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"tipvault/audit/v1\0");
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    h.update((kind.len() as u64).to_be_bytes());
    h.update(kind.as_bytes());
    h.update((detail.len() as u64).to_be_bytes());
    h.update(detail.as_bytes());
    h.update(prev_hash);
    h.finalize().into()
}

fn anchor(conn: &Connection) -> rusqlite::Result<Option<AuditAnchor>> {
    conn.query_row(
        "SELECT seq, hash FROM audit_anchor WHERE id = 1",
        [],
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
    )
    .optional()
    .map(|found| {
        found.and_then(|(seq, hash)| {
            Some(AuditAnchor {
                seq: u64::try_from(seq).ok()?,
                hash: hash.try_into().ok()?,
            })
        })
    })
}

/// Appends an event; returns its seq.
pub(crate) fn append(
    conn: &mut Connection,
    event: &AuditEvent,
    now: DateTime<Utc>,
) -> rusqlite::Result<u64> {
    // Immediate: the append reads the chain's head, then writes after it. A deferred
    // transaction would fail at once (SQLITE_BUSY, no waiting) when another process appended
    // in between; this one waits its turn (the connection's busy timeout) and reads the head
    // under the write lock.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let seq = append_in(&tx, event, now)?;
    tx.commit()?;
    Ok(seq)
}

/// Appends an event inside a transaction the caller owns (and commits).
pub(crate) fn append_in(
    tx: &Connection,
    event: &AuditEvent,
    now: DateTime<Utc>,
) -> rusqlite::Result<u64> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_hash) = match last {
        Some((seq, hash)) => (
            u64::try_from(seq).unwrap_or(0),
            <[u8; 32]>::try_from(hash.as_slice()).unwrap_or(GENESIS),
        ),
        None => anchor(tx)?.map_or((0, GENESIS), |a| (a.seq, a.hash)),
    };
    let seq = prev_seq + 1;
    let at = now.timestamp();
    let hash = entry_hash(seq, at, &event.kind, &event.detail, &prev_hash);
    let expires_at = retention::expires_at(tx, CLASS, now)?.unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO audit_log (seq, at, kind, detail, prev_hash, hash, created_at, expires_at, retention_class)
         VALUES (:seq, :at, :kind, :detail, :prev, :hash, :at, :exp, :class)",
        named_params! {
            ":seq": seq as i64, ":at": at, ":kind": event.kind, ":detail": event.detail,
            ":prev": prev_hash.as_slice(), ":hash": hash.as_slice(), ":exp": expires_at,
            ":class": CLASS,
        },
    )?;
    Ok(seq)
}

/// Walks the whole stored chain from the anchor.
pub(crate) fn verify(conn: &Connection) -> rusqlite::Result<AuditReport> {
    let anchor = anchor(conn)?;
    let (mut expected_seq, mut expected_prev) =
        anchor.map_or((1, GENESIS), |a| (a.seq + 1, a.hash));
    let mut stmt =
        conn.prepare("SELECT seq, at, kind, detail, prev_hash, hash FROM audit_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut checked = 0u64;
    let mut problem = None;
    while let Some(row) = rows.next()? {
        checked += 1;
        let seq = u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
        let at: i64 = row.get(1)?;
        let kind: String = row.get(2)?;
        let detail: String = row.get(3)?;
        let prev: Vec<u8> = row.get(4)?;
        let hash: Vec<u8> = row.get(5)?;
        if seq != expected_seq {
            problem = Some(AuditProblem::SequenceGap {
                expected: expected_seq,
                found: seq,
            });
            break;
        }
        if prev.as_slice() != expected_prev.as_slice() {
            problem = Some(AuditProblem::BrokenLink { seq });
            break;
        }
        let computed = entry_hash(seq, at, &kind, &detail, &expected_prev);
        if hash.as_slice() != computed.as_slice() {
            problem = Some(AuditProblem::HashMismatch { seq });
            break;
        }
        expected_seq = seq + 1;
        expected_prev = computed;
    }
    Ok(AuditReport {
        checked,
        anchor,
        problem,
    })
}

/// Live entries after `after_seq`, oldest first, at most `limit`.
pub(crate) fn entries(
    conn: &Connection,
    now: DateTime<Utc>,
    after_seq: u64,
    limit: u32,
) -> rusqlite::Result<Vec<AuditEntry>> {
    let sql = format!(
        "SELECT seq, at, kind, detail, hash FROM audit_log
         WHERE seq > :after AND {} ORDER BY seq LIMIT :limit",
        retention::LIVE
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        // Past i64::MAX no sequence number exists: clamp rather than wrap to "from the start".
        named_params! {":after": i64::try_from(after_seq).unwrap_or(i64::MAX), ":now": now.timestamp(), ":limit": limit},
        |row| {
            // A row this program did not write is an error, never a default that would then
            // be reported as a broken chain somewhere else.
            let bad = |index: usize, kind: Type, what: &str| {
                rusqlite::Error::FromSqlConversionFailure(index, kind, what.to_owned().into())
            };
            let detail: String = row.get(3)?;
            let hash: Vec<u8> = row.get(4)?;
            Ok(AuditEntry {
                seq: u64::try_from(row.get::<_, i64>(0)?)
                    .map_err(|_| bad(0, Type::Integer, "a negative sequence number"))?,
                at: unix_time(1, row.get(1)?)?,
                kind: row.get(2)?,
                detail: serde_json::from_str(&detail)
                    .map_err(|_| bad(3, Type::Text, "a detail that is not JSON"))?,
                hash: hash
                    .try_into()
                    .map_err(|_| bad(4, Type::Blob, "a hash that is not 32 bytes"))?,
            })
        },
    )?;
    rows.collect()
}

/// Outcome of purging the audit log's expired prefix.
pub(crate) struct PrefixPurge {
    pub(crate) removed: u64,
    pub(crate) anchor_seq: Option<u64>,
}

/// Deletes the longest prefix of expired entries and moves the anchor to its last entry.
pub(crate) fn purge_prefix(
    conn: &Connection,
    now: i64,
    dry_run: bool,
) -> rusqlite::Result<PrefixPurge> {
    let first_live: Option<i64> = conn.query_row(
        "SELECT min(seq) FROM audit_log WHERE expires_at > ?1",
        [now],
        |row| row.get(0),
    )?;
    let cutoff: Option<i64> = match first_live {
        Some(first) => Some(first - 1),
        None => conn.query_row("SELECT max(seq) FROM audit_log", [], |row| row.get(0))?,
    };
    let Some(cutoff) = cutoff else {
        return Ok(PrefixPurge {
            removed: 0,
            anchor_seq: None,
        });
    };
    let last_removed: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
            [cutoff],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((anchor_seq, anchor_hash)) = last_removed else {
        return Ok(PrefixPurge {
            removed: 0,
            anchor_seq: None,
        });
    };
    let removed: i64 = conn.query_row(
        "SELECT count(*) FROM audit_log WHERE seq <= ?1",
        [cutoff],
        |row| row.get(0),
    )?;
    if !dry_run {
        conn.execute("DELETE FROM audit_log WHERE seq <= ?1", [cutoff])?;
        conn.execute(
            "INSERT INTO audit_anchor (id, seq, hash, updated_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                                            updated_at = excluded.updated_at",
            rusqlite::params![anchor_seq, anchor_hash, now],
        )?;
    }
    Ok(PrefixPurge {
        removed: u64::try_from(removed).unwrap_or(0),
        anchor_seq: u64::try_from(anchor_seq).ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_changes_with_every_field() {
        let base = entry_hash(1, 10, "k", "{}", &GENESIS);
        assert_ne!(base, entry_hash(2, 10, "k", "{}", &GENESIS));
        assert_ne!(base, entry_hash(1, 11, "k", "{}", &GENESIS));
        assert_ne!(base, entry_hash(1, 10, "j", "{}", &GENESIS));
        assert_ne!(base, entry_hash(1, 10, "k", "[]", &GENESIS));
        assert_ne!(base, entry_hash(1, 10, "k", "{}", &[1; 32]));
        assert_ne!(
            entry_hash(1, 10, "ab", "c", &GENESIS),
            entry_hash(1, 10, "a", "bc", &GENESIS),
            "length prefixes keep field boundaries unambiguous"
        );
    }

    #[test]
    fn event_kinds_are_validated() {
        assert!(AuditEvent::new("vault.unlocked", Value::Null).is_ok());
        for bad in ["", "Vault", "with space", &"x".repeat(65)] {
            assert!(
                matches!(
                    AuditEvent::new(bad, Value::Null),
                    Err(AuditError::InvalidKind)
                ),
                "{bad:?}"
            );
        }
        let big = Value::String("x".repeat(MAX_DETAIL_BYTES));
        assert!(matches!(
            AuditEvent::new("k", big),
            Err(AuditError::DetailTooLarge)
        ));
    }
}

/// A stored audit row exactly as hashed: the detail as its stored text and the stored
/// predecessor hash, so an excerpt verifies on its own wherever it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    /// Position in the chain.
    pub seq: u64,
    /// Unix seconds, as hashed.
    pub at: i64,
    /// The event kind.
    pub kind: String,
    /// The detail JSON text, byte for byte as hashed.
    pub detail: String,
    /// The stored hash of the entry before (or the anchor's, after purges).
    pub prev_hash: [u8; 32],
    /// This entry's hash.
    pub hash: [u8; 32],
}

/// The stored rows from the first to the last whose detail names `value` under `field`
/// (e.g. a redemption id), contiguous so the excerpt is one unbroken piece of the chain.
/// Rows past their expiry but not yet purged are included: they are still chain links.
pub(crate) fn excerpt_naming(
    conn: &Connection,
    field: &str,
    value: &str,
) -> rusqlite::Result<Vec<ChainLink>> {
    let path = format!("$.{field}");
    let range: (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT MIN(seq), MAX(seq) FROM audit_log WHERE json_extract(detail, :path) = :value",
        named_params! {":path": path, ":value": value},
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let (Some(first), Some(last)) = range else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare(
        "SELECT seq, at, kind, detail, prev_hash, hash FROM audit_log
         WHERE seq BETWEEN :first AND :last ORDER BY seq",
    )?;
    let rows = stmt.query_map(named_params! {":first": first, ":last": last}, |row| {
        let prev: Vec<u8> = row.get(4)?;
        let hash: Vec<u8> = row.get(5)?;
        Ok(ChainLink {
            seq: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
            at: row.get(1)?,
            kind: row.get(2)?,
            detail: row.get(3)?,
            prev_hash: prev.try_into().unwrap_or([0; 32]),
            hash: hash.try_into().unwrap_or([0; 32]),
        })
    })?;
    rows.collect()
}
