//! The sandbox provider's persistent state: one plain SQLite file.
//!
//! Decision: every effect of a write (balance debit, redemption row, receipt, idempotency
//! record) is committed in one transaction, so a crash or a dropped response can never leave
//! a debit without its receipt, and a repeat finds the stored answer. Nonces are stored here
//! too, so a restart does not reopen the replay window. The provider's signing seed is kept
//! in the same file: this is a sandbox with demo money, not a production key store.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OptionalExtension, params};
use tipvault_wire::httpsig::{NonceCheck, NonceStore};

/// The database, behind a mutex (SQLite serialises writers anyway).
pub struct Store {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS balances (
    account TEXT NOT NULL, currency TEXT NOT NULL, minor INTEGER NOT NULL,
    PRIMARY KEY (account, currency));
CREATE TABLE IF NOT EXISTS enrollment_codes (
    code TEXT PRIMARY KEY, account TEXT NOT NULL, used_at INTEGER);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, account TEXT NOT NULL,
    paired_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (
    keyid TEXT NOT NULL, nonce TEXT NOT NULL, keep_until INTEGER NOT NULL,
    PRIMARY KEY (keyid, nonce));
CREATE INDEX IF NOT EXISTS nonces_by_expiry ON nonces (keep_until);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    body BLOB NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS redemptions (
    id TEXT PRIMARY KEY, device_id TEXT NOT NULL, account TEXT NOT NULL,
    product TEXT NOT NULL, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL,
    fee_minor INTEGER NOT NULL, day TEXT NOT NULL, state TEXT NOT NULL,
    receipt TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS redemptions_by_day ON redemptions (account, product, day);
CREATE TABLE IF NOT EXISTS disputes (
    id TEXT PRIMARY KEY, redemption_id TEXT NOT NULL, reason TEXT NOT NULL,
    evidence_digest TEXT NOT NULL, opened_at INTEGER NOT NULL);
";

/// Creates the state file's folder (0700 when it is new) and the file itself readable by the
/// user only, before SQLite opens it (its WAL and shared-memory files take the file's mode).
fn private_file(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        private_file(path).map_err(|e| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("cannot create {}: {e}", path.display())),
            )
        })?;
        let conn = Connection::open(path)?;
        // WAL + NORMAL: durable across process crashes (the failure the sandbox simulates)
        // and fast enough for the round-trip benchmark.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        upgrade(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    /// Locks the connection.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-transaction rolls the transaction back when it is dropped, so the data
        // behind a poisoned lock is consistent.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A `meta` value.
    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.lock()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    /// Sets a `meta` value if absent; returns the stored value.
    pub fn meta_or_insert(&self, key: &str, value: &str) -> rusqlite::Result<String> {
        let conn = self.lock();
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
    }

    /// Seeds an account's balance once (a restart keeps what was spent).
    pub fn seed_balance(&self, account: &str, currency: &str, minor: i64) -> rusqlite::Result<()> {
        self.lock().execute(
            "INSERT OR IGNORE INTO balances (account, currency, minor) VALUES (?1, ?2, ?3)",
            params![account, currency, minor],
        )?;
        Ok(())
    }

    /// Adds a one-time enrollment code for `account` (ignored if it exists).
    pub fn add_enrollment_code(&self, code: &str, account: &str) -> rusqlite::Result<()> {
        self.lock().execute(
            "INSERT OR IGNORE INTO enrollment_codes (code, account) VALUES (?1, ?2)",
            params![code, account],
        )?;
        Ok(())
    }

    /// The public key of a paired device.
    pub fn device_key(&self, device_id: &str) -> Option<[u8; 32]> {
        let key: Option<Vec<u8>> = self
            .lock()
            .query_row(
                "SELECT public_key FROM devices WHERE device_id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten();
        key.and_then(|k| k.try_into().ok())
    }

    /// The account a device belongs to.
    pub fn device_account(&self, device_id: &str) -> rusqlite::Result<Option<String>> {
        self.lock()
            .query_row(
                "SELECT account FROM devices WHERE device_id = ?1",
                [device_id],
                |r| r.get(0),
            )
            .optional()
    }

    /// Number of redemption rows (tests and the CLI summary).
    pub fn redemption_count(&self) -> rusqlite::Result<i64> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM redemptions", [], |r| r.get(0))
    }
}

/// The schema version [`Store::open`] brings a file to (`PRAGMA user_version`).
const VERSION: i64 = 1;

/// Brings a state file written by an older sandbox up to [`VERSION`]:
/// 1. `idempotency.status` is gone (a repeat is always answered 200, so the first status was
///    written and never read).
fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version < 1 {
        let has_status: bool = conn.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('idempotency') WHERE name = 'status'",
            [],
            |r| r.get(0),
        )?;
        if has_status {
            conn.execute_batch("ALTER TABLE idempotency DROP COLUMN status")?;
        }
    }
    if version < VERSION {
        conn.pragma_update(None, "user_version", VERSION)?;
    }
    Ok(())
}

impl NonceStore for Store {
    fn check_and_record(&self, keyid: &str, nonce: &str, keep_until: i64, now: i64) -> NonceCheck {
        let conn = self.lock();
        // Entries whose window closed can no longer matter: the expiry check refuses them.
        if conn
            .execute("DELETE FROM nonces WHERE keep_until < ?1", [now])
            .is_err()
        {
            return NonceCheck::Full;
        }
        match conn.execute(
            "INSERT OR IGNORE INTO nonces (keyid, nonce, keep_until) VALUES (?1, ?2, ?3)",
            params![keyid, nonce, keep_until],
        ) {
            Ok(1) => NonceCheck::Fresh,
            Ok(_) => NonceCheck::Replayed,
            // Fail closed: if the nonce cannot be recorded, the request is refused.
            Err(_) => NonceCheck::Full,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_state_file_with_the_old_idempotency_table_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE idempotency (
                    scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
                    status INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (scope, key));
                 INSERT INTO idempotency VALUES ('dev', 'k1', 'fp', 201, x'7b7d');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let conn = store.lock();
        conn.execute(
            "INSERT INTO idempotency (scope, key, fingerprint, body) VALUES ('dev', 'k2', 'fp', x'7b7d')",
            [],
        )
        .expect("the new code writes no status, so the old column must be gone");
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM idempotency", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 2, "the old record survives the upgrade");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
    }
}
