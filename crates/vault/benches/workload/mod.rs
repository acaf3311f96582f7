//! The benchmark workload, shared by the criterion bench (`benches/vault_vs_plain.rs`) and the
//! table printer (`examples/bench_table.rs`). The plain side runs the vault's own schema and
//! SQL statements on an unkeyed database (the bundled SQLCipher library treats it as plain
//! SQLite) with the same pragmas, so the ratio isolates the cost of encryption.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, named_params};
use secrecy::SecretString;
use tipvault_vault::{KdfParams, Vault, draft, migration};

/// Rows for the insert workload (`TIPVAULT_BENCH_ROWS`, default 1,000,000); the purge deletes
/// half of them; the range query reads pages of 100.
pub fn rows() -> usize {
    std::env::var("TIPVAULT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

pub const RANGE_QUERIES: usize = 2_000;
pub const RANGE_LIMIT: u32 = 100;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

/// A purge time at which rows written at `t0` (one-day drafts) have expired and rows written
/// at `t0 + 2 days` have not.
pub fn purge_time() -> DateTime<Utc> {
    t0() + chrono::Duration::hours(36)
}

/// Realistic ~100-byte row bodies, generated once so neither side pays for formatting.
pub fn bodies(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "tip #{i:08} from supporter {:05} via platform {} — thanks for the stream!",
                i % 50_000,
                i % 7
            )
        })
        .collect()
}

pub fn pass() -> SecretString {
    SecretString::from("benchmark passphrase")
}

/// Plain SQLite with the vault's schema, pragmas and statements.
pub struct Plain {
    pub conn: Connection,
}

impl Plain {
    pub fn create(dir: &Path) -> Plain {
        let conn = Connection::open(dir.join("plain.db")).unwrap();
        conn.execute_batch(
            "PRAGMA temp_store = MEMORY; PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536;
             PRAGMA secure_delete = ON; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .unwrap();
        for (i, sql) in migration::MIGRATIONS.iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as u32 + 1)
                .unwrap();
        }
        Plain { conn }
    }

    /// Same steps as `Vault::save_drafts`.
    pub fn insert(&mut self, bodies: &[String], now: DateTime<Utc>) {
        let tx = self.conn.transaction().unwrap();
        let secs: i64 = tx
            .query_row(
                "SELECT duration_secs FROM retention_class WHERE name = 'draft'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        {
            let mut stmt = tx.prepare(draft::INSERT_SQL).unwrap();
            for body in bodies {
                stmt.execute(named_params! {
                    ":body": body, ":now": now.timestamp(), ":exp": now.timestamp() + secs,
                    ":class": "draft",
                })
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }

    /// Same steps as `Vault::purge`: delete with RETURNING (counted per class), then
    /// checkpoint(TRUNCATE).
    pub fn purge(&mut self, now: DateTime<Utc>) -> u64 {
        let tx = self.conn.transaction().unwrap();
        let mut per_class = std::collections::BTreeMap::<String, u64>::new();
        for table in ["draft", "audit_log"] {
            let mut stmt = tx
                .prepare(&format!(
                    "DELETE FROM {table} WHERE expires_at <= ?1 RETURNING retention_class"
                ))
                .unwrap();
            let mut rows = stmt.query([now.timestamp()]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let class = row.get_ref(0).unwrap().as_str().unwrap();
                match per_class.get_mut(class) {
                    Some(n) => *n += 1,
                    None => {
                        per_class.insert(class.to_owned(), 1);
                    }
                }
            }
        }
        tx.commit().unwrap();
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        per_class.values().sum()
    }

    pub fn range_query(&self, now: DateTime<Utc>, after: i64) -> usize {
        let mut stmt = self.conn.prepare_cached(draft::PAGE_SQL).unwrap();
        let rows = stmt
            .query_map(
                named_params! {":after": after, ":now": now.timestamp(), ":limit": RANGE_LIMIT},
                // Build the same `Draft` values the vault returns: both sides do the same work.
                |r| {
                    Ok(draft::Draft {
                        id: r.get(0)?,
                        body: r.get(1)?,
                        created_at: DateTime::from_timestamp(r.get(2)?, 0).unwrap_or_default(),
                        expires_at: DateTime::from_timestamp(r.get(3)?, 0).unwrap_or_default(),
                    })
                },
            )
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().len()
    }
}

pub fn new_vault(dir: &Path, kdf: KdfParams) -> Vault {
    Vault::create(&dir.join("vault"), &pass(), kdf, t0()).unwrap()
}

pub fn vault_dir(dir: &Path) -> PathBuf {
    dir.join("vault")
}

/// Deterministic pseudo-random start ids for the range queries.
pub fn range_starts(max_id: usize) -> Vec<i64> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..RANGE_QUERIES)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % max_id.max(1) as u64) as i64
        })
        .collect()
}

pub fn time<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}
