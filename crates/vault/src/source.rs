//! Sources stored in the vault: the platform accounts entries belong to.
//!
//! The one decision to know: a source is user data (its label and platform say where the user
//! earns), so it carries expiry columns like every user-data table, under its own retention
//! class `source` whose default is the longest allowed (100 years): in practice "until the user
//! deletes it". Entries reference their source with `ON DELETE CASCADE`, so shortening the
//! `source` class and purging removes a source together with its entries and their balances,
//! never leaving entries that point nowhere.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, named_params};
use tipvault_ledger::{PayoutRule, Platform, Source, SourceId};
use tipvault_money::{Currency, Money};

use crate::error::LedgerError;
use crate::retention;

/// The retention class of sources.
pub const CLASS: &str = "source";

const COLUMNS: &str =
    "id, label, platform, currency, payout_threshold_minor, payout_schedule FROM source";

pub(crate) fn insert(
    conn: &Connection,
    source: &Source,
    now: DateTime<Utc>,
) -> Result<(), LedgerError> {
    let sql_err = |e| LedgerError::Store(crate::StoreError::Sql(e));
    if get(conn, &source.id, now).map_err(sql_err)?.is_some()
        || exists_expired(conn, &source.id).map_err(sql_err)?
    {
        return Err(LedgerError::SourceExists(source.id.to_string()));
    }
    let (threshold, schedule) = match &source.payout {
        Some(rule) => {
            if rule.threshold.currency() != source.currency {
                return Err(LedgerError::ThresholdCurrency {
                    threshold: rule.threshold.currency().code().to_owned(),
                    source_currency: source.currency.code().to_owned(),
                });
            }
            let minor = rule
                .threshold
                .to_minor()
                .map_err(|e| LedgerError::AmountTooLarge(e.to_string()))?;
            (Some(minor), Some(rule.schedule.as_str()))
        }
        None => (None, None),
    };
    // Serialised with the ledger's own serde shape (`{"kind":"kofi"}`, generic names kept).
    let platform =
        serde_json::to_string(&source.platform).map_err(|e| crate::StoreError::Damaged {
            reason: format!("the platform could not be encoded: {e}"),
        })?;
    let expires_at = retention::expires_at(conn, CLASS, now)
        .map_err(sql_err)?
        .unwrap_or(i64::MAX);
    conn.execute(
        "INSERT INTO source (id, label, platform, currency, payout_threshold_minor,
                             payout_schedule, created_at, expires_at, retention_class)
         VALUES (:id, :label, :platform, :currency, :threshold, :schedule, :now, :exp, :class)",
        named_params! {
            ":id": source.id.as_str(),
            ":label": source.label,
            ":platform": platform,
            ":currency": source.currency.code(),
            ":threshold": threshold,
            ":schedule": schedule,
            ":now": now.timestamp(),
            ":exp": expires_at,
            ":class": CLASS,
        },
    )
    .map_err(sql_err)?;
    Ok(())
}

/// An expired source still holds its id until the purge; re-adding it before then would make
/// the purge delete the new one's entries.
/// Every stored source id, expired ones not purged yet included: the ids a new source may not
/// take (see [`insert`]).
pub(crate) fn taken_ids(conn: &Connection) -> rusqlite::Result<Vec<SourceId>> {
    let mut stmt = conn.prepare("SELECT id FROM source ORDER BY id")?;
    let ids = stmt.query_map([], |row| row.get::<_, String>(0))?;
    ids.map(|id| id.map(SourceId::new)).collect()
}

fn exists_expired(conn: &Connection, id: &SourceId) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM source WHERE id = :id)",
        named_params! {":id": id.as_str()},
        |row| row.get(0),
    )
}

fn conversion(index: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Source> {
    let platform: String = row.get(2)?;
    let platform: Platform = serde_json::from_str(&platform).map_err(|e| conversion(2, e))?;
    let code: String = row.get(3)?;
    let currency = Currency::from_code(&code).map_err(|e| conversion(3, e))?;
    let threshold: Option<i64> = row.get(4)?;
    let schedule: Option<String> = row.get(5)?;
    Ok(Source {
        id: SourceId::new(row.get::<_, String>(0)?),
        label: row.get(1)?,
        platform,
        currency,
        payout: threshold.map(|minor| PayoutRule {
            threshold: Money::from_minor(minor, currency),
            schedule: schedule.unwrap_or_default(),
        }),
    })
}

pub(crate) fn list(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Source>> {
    let sql = format!("SELECT {COLUMNS} WHERE {} ORDER BY id", retention::LIVE);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(named_params! {":now": now.timestamp()}, from_row)?;
    rows.collect()
}

pub(crate) fn get(
    conn: &Connection,
    id: &SourceId,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Source>> {
    let sql = format!("SELECT {COLUMNS} WHERE id = :id AND {}", retention::LIVE);
    conn.query_row(
        &sql,
        named_params! {":id": id.as_str(), ":now": now.timestamp()},
        from_row,
    )
    .optional()
}

/// Replaces a live source's payout rule (`None` removes it). Returns whether the source exists.
pub(crate) fn set_payout(
    conn: &Connection,
    id: &SourceId,
    payout: Option<&PayoutRule>,
    now: DateTime<Utc>,
) -> Result<bool, LedgerError> {
    let sql_err = |e| LedgerError::Store(crate::StoreError::Sql(e));
    let Some(source) = get(conn, id, now).map_err(sql_err)? else {
        return Ok(false);
    };
    let (threshold, schedule) = match payout {
        Some(rule) => {
            if rule.threshold.currency() != source.currency {
                return Err(LedgerError::ThresholdCurrency {
                    threshold: rule.threshold.currency().code().to_owned(),
                    source_currency: source.currency.code().to_owned(),
                });
            }
            let minor = rule
                .threshold
                .to_minor()
                .map_err(|e| LedgerError::AmountTooLarge(e.to_string()))?;
            (Some(minor), Some(rule.schedule.as_str()))
        }
        None => (None, None),
    };
    conn.execute(
        "UPDATE source SET payout_threshold_minor = :threshold, payout_schedule = :schedule
         WHERE id = :id",
        named_params! {":id": id.as_str(), ":threshold": threshold, ":schedule": schedule},
    )
    .map_err(sql_err)?;
    Ok(true)
}
