//! The SQLCipher connection: keying, pragmas, the probe that detects a wrong key, integrity
//! checks, checkpoints and `rekey`.
//!
//! The one decision to know: the key is handed to SQLCipher with `sqlite3_key` on our own
//! zeroizing buffer instead of a `PRAGMA key = "x'…'"` statement, so no copy of the key ends up
//! in SQL text that nobody wipes. Everything else is plain pragmas, set in the order SQLCipher
//! requires (log level before the key, the rest after the probe).

use std::ffi::c_int;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, ffi};

use crate::key::DataKey;

/// File name of the database inside a vault directory.
pub const DB_FILE: &str = "vault.db";
/// Page cache size (negative = KiB): 64 MiB, see `configure`.
pub(crate) const CACHE_KIB: i64 = -65_536;
/// SQLCipher 4's default page size, which every vault uses.
pub(crate) const PAGE_SIZE: u64 = 4096;

/// Why a keyed connection could not be established or used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    /// First read failed with SQLITE_NOTADB: wrong key, or page 1 is damaged.
    #[error("the key does not open the database (or its first page is damaged)")]
    NotADatabase,
    /// A later page failed its HMAC or the b-tree is inconsistent.
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    /// A page read through the write-ahead log failed its check.
    #[error("the write-ahead log is damaged: {0}")]
    WalCorrupt(String),
    /// The file system refused (read-only, missing permission, disk full, …).
    #[error("{0}")]
    Io(rusqlite::Error),
    /// Any other SQLite failure.
    #[error("{0}")]
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        classify(e)
    }
}

/// Sorts a SQLite error into what the caller can act on.
pub(crate) fn classify(e: rusqlite::Error) -> OpenError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => OpenError::NotADatabase,
        Some(ErrorCode::DatabaseCorrupt) => OpenError::Corrupt("SQLite reported corruption".into()),
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::ReadOnly
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::PermissionDenied
            | ErrorCode::FileLockingProtocolFailed,
        ) => OpenError::Io(e),
        _ => OpenError::Sql(e),
    }
}

/// Makes SQLCipher wipe every block of memory it frees, in this whole process, from now on
/// (`PRAGMA cipher_memory_security = ON`; it cannot be turned off again). Decrypted pages pass
/// through SQLite's page cache, which it allocates itself (not through Rust's allocator): after
/// a lock, without this, freed pages still held the device's signing key (the secret-leak
/// scan, tests/e2e/specs/secrets.e2e.mjs). The binaries call it before opening any vault; see
/// lib.rs DECISIONS for the cost.
pub fn wipe_freed_memory() -> Result<(), rusqlite::Error> {
    let conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "cipher_memory_security", "ON")?;
    let on: String = conn.pragma_query_value(None, "cipher_memory_security", |r| r.get(0))?;
    if on == "1" {
        Ok(())
    } else {
        Err(rusqlite::Error::InvalidQuery)
    }
}

pub(crate) fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

pub(crate) fn wal_path(dir: &Path) -> PathBuf {
    dir.join(format!("{DB_FILE}-wal"))
}

/// Opens `vault.db` in `dir` keyed with `key`, probes it and applies the vault pragmas.
pub(crate) fn open(dir: &Path, key: &DataKey, create: bool) -> Result<Connection, OpenError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(db_path(dir), flags).map_err(classify)?;
    // Before keying: otherwise SQLCipher logs every decryption failure to stderr.
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    apply_key(&conn, key)?;
    // A wrong key is only noticed at the first read (SQLITE_NOTADB): probe right away.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })?;
    configure(&conn)?;
    Ok(conn)
}

/// Hands the raw key to SQLCipher without building SQL text around it.
#[allow(unsafe_code)] // The FFI key call: the one way to key without putting the key in SQL text.
fn apply_key(conn: &Connection, key: &DataKey) -> Result<(), OpenError> {
    let literal = key.sqlcipher_key_literal();
    let len = c_int::try_from(literal.len()).map_err(|_| OpenError::NotADatabase)?;
    // SAFETY: `conn.handle()` is a valid open sqlite3 handle for the lifetime of `conn`, and
    // `literal` outlives the call; SQLCipher copies the key material before returning.
    let rc = unsafe { ffi::sqlite3_key(conn.handle(), literal.as_ptr().cast(), len) };
    check_rc(conn, rc)
}

/// Re-encrypts every page under `new_key` in one transaction (SQLCipher's `sqlite3_rekey`).
#[allow(unsafe_code)] // As in `apply_key`.
pub(crate) fn rekey(conn: &Connection, new_key: &DataKey) -> Result<(), OpenError> {
    let literal = new_key.sqlcipher_key_literal();
    let len = c_int::try_from(literal.len()).map_err(|_| OpenError::NotADatabase)?;
    // SAFETY: as in `apply_key`.
    let rc = unsafe { ffi::sqlite3_rekey(conn.handle(), literal.as_ptr().cast(), len) };
    check_rc(conn, rc)
}

#[allow(unsafe_code)] // Reads SQLite's own error text after a failed FFI call.
fn check_rc(conn: &Connection, rc: c_int) -> Result<(), OpenError> {
    if rc == ffi::SQLITE_OK {
        return Ok(());
    }
    let message = {
        // SAFETY: the handle is valid; sqlite3_errmsg returns a NUL-terminated string owned by
        // SQLite that stays valid until the next call on this handle, and we copy it at once.
        let ptr = unsafe { ffi::sqlite3_errmsg(conn.handle()) };
        if ptr.is_null() {
            None
        } else {
            // SAFETY: non-null, NUL-terminated, see above.
            Some(
                unsafe { std::ffi::CStr::from_ptr(ptr) }
                    .to_string_lossy()
                    .into_owned(),
            )
        }
    };
    Err(classify(rusqlite::Error::SqliteFailure(
        ffi::Error::new(rc),
        message,
    )))
}

/// The vault pragmas, applied after the probe (they read the database).
fn configure(conn: &Connection) -> Result<(), OpenError> {
    // Temp tables and sort spills stay in RAM: an on-disk temp file would be plaintext.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(OpenError::Io(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_CANTOPEN),
            Some(format!("could not switch to WAL mode (still {mode})")),
        )));
    }
    // 64 MiB page cache: SQLCipher decrypts per page read, so a small cache makes writes 5–7×
    // slower than plain SQLite (TOOLCHAIN.md); with it they are within ~1.2×.
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    // Forced on for keyed databases anyway; set explicitly so it is visible and tested.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // Receipts and the "never pay twice" record must survive a power cut after commit.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // `rarray(?)`: a search page hands SQLite the ids of its full-text matches (`history.rs`).
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

/// Checks the HMAC of every page in the database file, that the file holds at least the pages
/// SQLite believes the database has, and — when a WAL is present — every page as read through
/// the WAL.
pub(crate) fn check_integrity(conn: &Connection, dir: &Path) -> Result<(), OpenError> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    if let Some(first) = problems.first() {
        return Err(OpenError::Corrupt(first.clone()));
    }
    let file_pages = std::fs::metadata(db_path(dir))
        .map(|m| m.len() / PAGE_SIZE)
        .unwrap_or(0);
    let wal_bytes = std::fs::metadata(wal_path(dir))
        .map(|m| m.len())
        .unwrap_or(0);
    let page_count = page_count(conn)?;
    if wal_bytes == 0 && page_count > file_pages {
        return Err(OpenError::Corrupt(format!(
            "the file holds {file_pages} pages but the database needs {page_count} (truncated)"
        )));
    }
    if wal_bytes > 0 {
        // A WAL at unlock means a crash, or a lock beside another connection that was still
        // open when the vault was next unlocked (lock and purge otherwise truncate it; the last
        // connection to close folds it in). The HMAC check above read
        // only vault.db, so read every page through the pager, WAL frames included: a forged
        // or damaged frame fails its HMAC here rather than in the middle of later work.
        let verdict = conn.query_row("PRAGMA quick_check(1)", [], |row| row.get::<_, String>(0));
        match verdict {
            Ok(v) if v == "ok" => {}
            Ok(_) => return Err(OpenError::WalCorrupt("its pages are inconsistent".into())),
            Err(e) => {
                return Err(match classify(e) {
                    OpenError::NotADatabase | OpenError::Corrupt(_) => {
                        OpenError::WalCorrupt("a page in it fails its HMAC check".into())
                    }
                    other => other,
                });
            }
        }
    }
    Ok(())
}

/// Number of pages in the database (as seen through the WAL).
pub(crate) fn page_count(conn: &Connection) -> rusqlite::Result<u64> {
    let pages: i64 = conn.pragma_query_value(None, "page_count", |row| row.get(0))?;
    Ok(u64::try_from(pages).unwrap_or(0))
}

/// Moves every WAL frame into the database file and truncates the WAL to zero bytes.
pub(crate) fn checkpoint_truncate(conn: &Connection) -> Result<(), OpenError> {
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    if busy != 0 {
        return Err(OpenError::Sql(rusqlite::Error::SqliteFailure(
            ffi::Error::new(ffi::SQLITE_BUSY),
            Some("another connection prevented a full checkpoint".into()),
        )));
    }
    Ok(())
}

/// The first 16 bytes of `vault.db`: SQLCipher's plaintext per-database salt.
pub(crate) fn read_db_salt(dir: &Path) -> std::io::Result<[u8; 16]> {
    use std::io::Read;
    let mut file = std::fs::File::open(db_path(dir))?;
    let mut salt = [0u8; 16];
    file.read_exact(&mut salt)?;
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(conn: &Connection, name: &str) -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |row| {
            Ok(match row.get_ref(0)? {
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            })
        })
        .unwrap()
    }

    #[test]
    fn a_keyed_connection_has_the_vault_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::generate().unwrap();
        let conn = open(dir.path(), &key, true).unwrap();
        assert_eq!(pragma(&conn, "temp_store"), "2", "MEMORY");
        assert_eq!(pragma(&conn, "journal_mode"), "wal");
        assert_eq!(pragma(&conn, "cache_size"), "-65536");
        assert_eq!(pragma(&conn, "secure_delete"), "1");
        assert_eq!(pragma(&conn, "synchronous"), "2", "FULL");
        assert_eq!(pragma(&conn, "foreign_keys"), "1");
        assert!(
            pragma(&conn, "cipher_version").starts_with('4'),
            "SQLCipher 4"
        );
    }

    #[test]
    fn wiping_freed_memory_is_on_for_every_connection_after_it_is_asked() {
        super::wipe_freed_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::generate().unwrap();
        let conn = open(dir.path(), &key, true).unwrap();
        assert_eq!(pragma(&conn, "cipher_memory_security"), "1");
    }

    #[test]
    fn a_wrong_key_is_caught_by_the_probe() {
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::generate().unwrap();
        let conn = open(dir.path(), &key, true).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        let other = DataKey::generate().unwrap();
        assert!(matches!(
            open(dir.path(), &other, false),
            Err(OpenError::NotADatabase)
        ));
        assert!(
            open(dir.path(), &key, false).is_ok(),
            "the right key still opens it"
        );
    }

    #[test]
    fn the_bundled_build_has_no_dbpage_vtab() {
        // Why the purge test decrypts pages itself: SQLITE_ENABLE_DBPAGE_VTAB is not compiled in.
        let conn = Connection::open_in_memory().unwrap();
        let missing = conn.prepare("SELECT * FROM sqlite_dbpage").is_err();
        assert!(
            missing,
            "if this fails, sqlite_dbpage became available and could replace the decryptor"
        );
    }
}
