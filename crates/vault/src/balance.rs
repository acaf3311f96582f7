//! Balances per source and currency: the sums of live entries, kept up to date as entries are
//! written and deleted rather than recomputed on every read.
//!
//! The one decision to know: the `balance` table is maintained on write, in the same
//! transaction: an import adds its sums per currency before it commits ([`crate::EntryImport`],
//! the only way entries are inserted), and a trigger on `entry` subtracts every deleted row, so
//! purges and cascades adjust it whatever path deletes. Entries that have expired but not been purged yet
//! are still inside the stored sums, so a read subtracts them (an index range on
//! `entry.expires_at`, normally empty because purges run at unlock and periodically); the
//! result always equals the sum of live entries.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, named_params};
use tipvault_ledger::SourceId;
use tipvault_money::{Currency, Money};

// `INDEXED BY`: without statistics the planner prefers scanning `entry_source_occurred` for
// the GROUP BY (the whole table, ~0.2 s at a million entries) over the `expires_at` range,
// which is normally empty.

/// The balance of one source in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    /// The source.
    pub source: SourceId,
    /// The currency.
    pub currency: Currency,
    /// Number of live entries summed.
    pub entries: u64,
    /// Sum of gross.
    pub gross: Money,
    /// Sum of fees.
    pub fee: Money,
    /// Sum of net: what the platform holds for the user (or has paid out, when negative).
    pub net: Money,
}

const SQL: &str = "SELECT b.source_id, b.currency,
        b.entry_count - coalesce(x.n, 0),
        b.gross_minor - coalesce(x.gross, 0),
        b.fee_minor - coalesce(x.fee, 0),
        b.net_minor - coalesce(x.net, 0)
    FROM balance AS b
    LEFT JOIN (SELECT source_id, currency, count(*) AS n, sum(gross_minor) AS gross,
                      sum(fee_minor) AS fee, sum(net_minor) AS net
               FROM entry INDEXED BY entry_expires_at WHERE expires_at <= :now
               GROUP BY source_id, currency) AS x
        ON x.source_id = b.source_id AND x.currency = b.currency
    ORDER BY b.source_id, b.currency";

pub(crate) fn list(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Balance>> {
    let mut stmt = conn.prepare_cached(SQL)?;
    let rows = stmt.query_map(named_params! {":now": now.timestamp()}, |row| {
        let code: String = row.get(1)?;
        let currency = Currency::from_code(&code).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
        let count: i64 = row.get(2)?;
        Ok(Balance {
            source: SourceId::new(row.get::<_, String>(0)?),
            currency,
            entries: u64::try_from(count).unwrap_or(0),
            gross: Money::from_minor(row.get(3)?, currency),
            fee: Money::from_minor(row.get(4)?, currency),
            net: Money::from_minor(row.get(5)?, currency),
        })
    })?;
    let mut out = Vec::new();
    for balance in rows {
        let balance = balance?;
        if balance.entries > 0 {
            out.push(balance);
        }
    }
    Ok(out)
}

/// Recomputes every balance from the live entries, for tests and diagnostics.
#[doc(hidden)]
pub(crate) fn recompute(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Balance>> {
    let mut stmt = conn.prepare(
        "SELECT source_id, currency, count(*), sum(gross_minor), sum(fee_minor), sum(net_minor)
         FROM entry WHERE expires_at > :now GROUP BY source_id, currency
         ORDER BY source_id, currency",
    )?;
    let rows = stmt.query_map(named_params! {":now": now.timestamp()}, |row| {
        let code: String = row.get(1)?;
        let currency = Currency::from_code(&code).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok(Balance {
            source: SourceId::new(row.get::<_, String>(0)?),
            currency,
            entries: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            gross: Money::from_minor(row.get(3)?, currency),
            fee: Money::from_minor(row.get(4)?, currency),
            net: Money::from_minor(row.get(5)?, currency),
        })
    })?;
    rows.collect()
}
