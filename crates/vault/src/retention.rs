//! Retention classes: how long each kind of record lives, and the rule that nothing expired is
//! ever read.
//!
//! The one decision to know: expiry is stored per row (`expires_at`, unix seconds, computed when
//! the row is written), and every read adds [`LIVE`] (`expires_at > :now`). Shortening a class
//! also pulls in the `expires_at` of its existing rows; lengthening applies to new rows only,
//! so a user who once chose "delete after 30 days" is never surprised by old data coming back.
//!
//! Pattern for a new user-data table (added by a later migration): give it `created_at`,
//! `expires_at` and `retention_class` columns, set `expires_at` with `retention::expires_at`
//! on insert, and write every SELECT as `… WHERE <conditions> AND {LIVE}` (or [`live`] with a
//! table alias) with `:now` bound. Purge and retention pick the table up automatically.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};

use crate::error::RetentionError;
use crate::migration;

/// The condition every read of a user-data table must include, with `:now` bound.
pub const LIVE: &str = "expires_at > :now";

/// [`LIVE`] for a table alias, for joins: `live("d")` → `d.expires_at > :now`.
pub fn live(alias: &str) -> String {
    format!("{alias}.expires_at > :now")
}

/// Shortest duration a class may be set to.
const MIN_DURATION: Duration = Duration::from_secs(60);
/// Longest duration a class may be set to (keeps unix-second arithmetic far from overflow).
const MAX_DURATION: Duration = Duration::from_secs(100 * 366 * 86_400);

/// The class of what the risk engine and automatic cash-outs depend on (limits, rules, the
/// risk salt, disputes and firings): kept as long as the vault and never shortened, so no purge
/// of another class, and no retention change, can loosen the engine.
pub const RISK_STATE_CLASS: &str = "risk_state";

/// Two years (with a leap day): the floor of the audit log and receipts.
const TWO_YEARS: Duration = Duration::from_secs(731 * 86_400);

/// The shortest `class` may be set to, or `None` when it cannot be changed at all.
///
/// - `receipt` (receipts, redemptions, their risk decisions, readings and reconciliations) and
///   `audit` (what was sent, approved and disputed, and when) keep at least two years: a tax
///   year is declared in the following one, and a card chargeback or provider dispute can come
///   up to 540 days after the payment; the evidence bundle of a dispute is built from both.
/// - `risk_state` is fixed (see [`RISK_STATE_CLASS`]).
/// - Everything else may go down to a minute: shortening it only forgets more, which is the
///   user's choice (a shorter network-fingerprint or verification class makes the risk engine
///   stricter, never looser).
pub fn floor(class: &str) -> Option<Duration> {
    match class {
        RISK_STATE_CLASS => None,
        "receipt" | "audit" => Some(TWO_YEARS),
        _ => Some(MIN_DURATION),
    }
}

/// Refuses a duration the class may not take (below its floor, or a fixed class) before
/// anything is written.
pub(crate) fn check(class: &str, duration: Duration) -> Result<(), RetentionError> {
    if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
        return Err(RetentionError::InvalidDuration);
    }
    match floor(class) {
        None => Err(RetentionError::Fixed(class.to_owned())),
        Some(floor) if duration < floor => Err(RetentionError::BelowFloor {
            class: class.to_owned(),
            floor_days: floor.as_secs().div_ceil(86_400),
        }),
        Some(_) => Ok(()),
    }
}

/// A retention class as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionClass {
    /// Stable name (`receipt`, `draft`, …).
    pub name: String,
    /// How long new records of this class live.
    pub duration: Duration,
    /// The shipped default, for a "reset" button.
    pub default: Duration,
}

/// What [`crate::Vault::set_retention`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionChange {
    /// The class.
    pub class: String,
    /// Duration before the change.
    pub previous: Duration,
    /// Duration after the change.
    pub current: Duration,
    /// Existing rows whose expiry moved earlier (always 0 when lengthening).
    pub rows_shortened: u64,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn to_duration(secs: i64) -> Duration {
    Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<RetentionClass>> {
    let mut stmt = conn
        .prepare("SELECT name, duration_secs, default_secs FROM retention_class ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok(RetentionClass {
            name: row.get(0)?,
            duration: to_duration(row.get(1)?),
            default: to_duration(row.get(2)?),
        })
    })?;
    rows.collect()
}

fn duration_secs(conn: &Connection, class: &str) -> Result<Option<i64>, rusqlite::Error> {
    conn.query_row(
        "SELECT duration_secs FROM retention_class WHERE name = ?1",
        [class],
        |row| row.get(0),
    )
    .optional()
}

/// The `expires_at` for a row of `class` created at `now`.
pub(crate) fn expires_at(
    conn: &Connection,
    class: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, rusqlite::Error> {
    Ok(duration_secs(conn, class)?.map(|d| now.timestamp().saturating_add(d)))
}

pub(crate) fn set(
    conn: &mut Connection,
    class: &str,
    duration: Duration,
    now: DateTime<Utc>,
) -> Result<RetentionChange, RetentionError> {
    let dir_less = |e| RetentionError::Store(crate::error::StoreError::Sql(e));
    // Immediate: the class is read, then rewritten (see `audit::append`).
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(dir_less)?;
    let previous = duration_secs(&tx, class)
        .map_err(dir_less)?
        .ok_or_else(|| RetentionError::UnknownClass(class.to_owned()))?;
    check(class, duration)?;
    let new = secs(duration);
    tx.execute(
        "UPDATE retention_class SET duration_secs = :d, updated_at = :now WHERE name = :c",
        named_params! {":d": new, ":now": now.timestamp(), ":c": class},
    )
    .map_err(dir_less)?;
    let mut rows_shortened = 0u64;
    if new < previous {
        for table in migration::expiring_tables(&tx).map_err(dir_less)? {
            // Table names come from sqlite_master, never from input; quote them anyway.
            let sql = format!(
                "UPDATE \"{table}\" SET expires_at = created_at + :d
                 WHERE retention_class = :c AND expires_at > created_at + :d"
            );
            let changed = tx
                .execute(&sql, named_params! {":d": new, ":c": class})
                .map_err(dir_less)?;
            rows_shortened += changed as u64;
        }
    }
    tx.commit().map_err(dir_less)?;
    Ok(RetentionChange {
        class: class.to_owned(),
        previous: to_duration(previous),
        current: duration,
        rows_shortened,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_condition_names_the_alias() {
        assert_eq!(live("d"), "d.expires_at > :now");
        assert_eq!(LIVE, "expires_at > :now");
    }
}
