//! User settings stored in the vault: small named values that front ends interpret.
//!
//! The one decision to know: the vault stores settings as text under a key and records every
//! change in the audit log; what a key means and which values are valid is decided by the app
//! layer (`tipvault-app`), which validates before writing. Keeping them inside the encrypted
//! vault means a preference (e.g. how soon to auto-lock) cannot be weakened by editing a file.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};

/// Longest key and value accepted: settings are small by nature.
pub const MAX_KEY_LEN: usize = 64;
/// Longest value accepted.
pub const MAX_VALUE_LEN: usize = 4096;

pub(crate) fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM setting WHERE key = :key",
        named_params! { ":key": key },
        |row| row.get(0),
    )
    .optional()
}

/// Writes a setting; returns the previous value.
pub(crate) fn set(
    conn: &Connection,
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<String>> {
    let previous = get(conn, key)?;
    conn.execute(
        "INSERT INTO setting (key, value, updated_at) VALUES (:key, :value, :now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        named_params! { ":key": key, ":value": value, ":now": now.timestamp() },
    )?;
    Ok(previous)
}

/// Deletes a setting (a note the vault leaves for itself; user settings are only ever changed).
pub(crate) fn delete(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM setting WHERE key = :key",
        named_params! { ":key": key },
    )?;
    Ok(())
}
