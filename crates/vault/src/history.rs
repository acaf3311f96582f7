//! History queries over stored entries: filters, full-text search over kept payer names and
//! messages, and keyset pagination, newest first.
//!
//! The one decision to know: pages are keyed by `(occurred_at, id)` — the last row of a page is
//! the [`HistoryCursor`] of the next — never by `OFFSET`, so page 5,000 costs what page 1 costs
//! and rows imported meanwhile do not shift the pages. Amount filters are exact: a decimal bound
//! is turned into each stored currency's minor units (rounded inwards), never compared as a
//! float. Search runs on the FTS5 index inside the encrypted database; it can only find what
//! the user chose to keep, and only while that detail is live.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::types::Value;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tipvault_ledger::{EntryKind, SourceId};
use tipvault_money::Currency;

use crate::entry::{self, ROW_COLUMNS, StoredEntry};

/// Which entries to show. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this source.
    pub source: Option<SourceId>,
    /// Only these kinds (any of them).
    pub kinds: Vec<EntryKind>,
    /// Occurred at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Occurred before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Gross at least this much (in each entry's own currency).
    pub min_gross: Option<Decimal>,
    /// Gross at most this much (in each entry's own currency).
    pub max_gross: Option<Decimal>,
    /// Words that must all appear (as word prefixes) in the kept payer name or message.
    pub search: Option<String>,
}

/// Where a page starts: just after (older than) this row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCursor {
    /// The row's `occurred_at`, unix seconds.
    pub occurred_at: i64,
    /// The row's id.
    pub id: i64,
}

impl fmt::Display for HistoryCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.occurred_at, self.id)
    }
}

/// A cursor string that is not `<seconds>.<id>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the cursor {0:?} is not one a history page returned")]
pub struct BadCursor(pub String);

impl FromStr for HistoryCursor {
    type Err = BadCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadCursor(s.chars().take(40).collect());
        let (at, id) = s.split_once('.').ok_or_else(bad)?;
        Ok(HistoryCursor {
            occurred_at: at.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// Newest first.
    pub entries: Vec<StoredEntry>,
    /// The cursor of the next (older) page, when there may be one.
    pub next: Option<HistoryCursor>,
}

/// The largest page served.
pub const MAX_PAGE: u32 = 1000;

/// Turns what the user typed into an FTS5 query: every word quoted (so `AND`, `*`, `"` and
/// column filters are plain text) and matched as a prefix, all words required.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// How a query reaches the rows: [`FROM`] (every entry, its live detail if any) or, for a
/// page of search results, [`SEARCH_FROM`] (live details newest first, each with its entry).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drive {
    Entries,
    KeptDetails,
}

/// Below this many full-text matches a search page looks the matches up and sorts them (each
/// costs a row lookup, ~10 µs when not cached); from this many on it walks the kept details by
/// time and stops at the page's end. Either way a page costs a few milliseconds at 200,000
/// kept messages (`bench_ledger`, docs/BENCHMARKS.md).
const FEW_MATCHES: usize = 500;

/// How the search term reaches SQL: as the full-text query itself (a subquery, for totals and
/// exports), or as the ids of its matches, read once by the page (`rarray`, one parameter).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Matches {
    Query,
    Ids,
}

/// `WHERE` clause and parameters for `filter` (entries aliased `e`); `:now` is parameter 1.
/// With [`Matches::Ids`] the returned index is the parameter slot (a placeholder `NULL`) that
/// the caller fills with the `rarray` of the match ids.
fn conditions(
    conn: &Connection,
    filter: &HistoryFilter,
    now: DateTime<Utc>,
    drive: Drive,
    matches: Matches,
) -> rusqlite::Result<(String, Vec<Value>, Option<usize>)> {
    let mut sql = vec!["e.expires_at > ?1".to_owned()];
    let mut values = vec![Value::Integer(now.timestamp())];
    if let Some(source) = &filter.source {
        let i = push(&mut values, Value::Text(source.to_string()));
        sql.push(format!("e.source_id = ?{i}"));
    }
    if !filter.kinds.is_empty() {
        let list: Vec<String> = filter
            .kinds
            .iter()
            .map(|k| format!("?{}", push(&mut values, Value::Text(k.as_str().to_owned()))))
            .collect();
        sql.push(format!("e.kind IN ({})", list.join(", ")));
    }
    if let Some(from) = filter.from {
        let i = push(&mut values, Value::Integer(from.timestamp()));
        let j = push(
            &mut values,
            Value::Integer(i64::from(from.timestamp_subsec_nanos())),
        );
        sql.push(format!(
            "(e.occurred_at > ?{i} OR (e.occurred_at = ?{i} AND e.occurred_nanos >= ?{j}))"
        ));
    }
    if let Some(to) = filter.to {
        let i = push(&mut values, Value::Integer(to.timestamp()));
        let j = push(
            &mut values,
            Value::Integer(i64::from(to.timestamp_subsec_nanos())),
        );
        sql.push(format!(
            "(e.occurred_at < ?{i} OR (e.occurred_at = ?{i} AND e.occurred_nanos < ?{j}))"
        ));
    }
    if filter.min_gross.is_some() || filter.max_gross.is_some() {
        let mut per_currency = Vec::new();
        for currency in stored_currencies(conn)? {
            let scale = Decimal::from(10i64.pow(currency.minor_units()));
            let mut parts = vec![format!(
                "e.currency = ?{}",
                push(&mut values, Value::Text(currency.code().to_owned()))
            )];
            let mut empty = false;
            if let Some(min) = filter.min_gross {
                // Inwards: gross ≥ 1.005 USD means ≥ 101 cents.
                match min.checked_mul(scale).and_then(|v| v.ceil().to_i64()) {
                    Some(m) => parts.push(format!(
                        "e.gross_minor >= ?{}",
                        push(&mut values, Value::Integer(m))
                    )),
                    None => empty |= min.is_sign_positive(),
                }
            }
            if let Some(max) = filter.max_gross {
                match max.checked_mul(scale).and_then(|v| v.floor().to_i64()) {
                    Some(m) => parts.push(format!(
                        "e.gross_minor <= ?{}",
                        push(&mut values, Value::Integer(m))
                    )),
                    None => empty |= max.is_sign_negative(),
                }
            }
            if !empty {
                per_currency.push(format!("({})", parts.join(" AND ")));
            }
        }
        if per_currency.is_empty() {
            sql.push("0".to_owned());
        } else {
            sql.push(format!("({})", per_currency.join(" OR ")));
        }
    }
    let mut slot = None;
    if let Some(query) = filter.search.as_deref().and_then(fts_query) {
        let set = match matches {
            Matches::Query => {
                let q = push(&mut values, Value::Text(query));
                format!("(SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?{q})")
            }
            Matches::Ids => {
                let q = push(&mut values, Value::Null);
                slot = Some(q - 1);
                format!("rarray(?{q})")
            }
        };
        // `d` is the live detail: an expired, unpurged detail still in the index must not
        // match. Driven by the details, the match is tested on the detail's own id, so it is
        // decided from the time index alone before any row is read.
        sql.push(match drive {
            Drive::Entries => format!("e.id IN {set} AND d.entry_id IS NOT NULL"),
            Drive::KeptDetails => format!("d.entry_id IN {set} AND d.expires_at > ?1"),
        });
    }
    Ok((sql.join(" AND "), values, slot))
}

/// Appends a parameter; returns its 1-based number for `?N`.
fn push(values: &mut Vec<Value>, v: Value) -> usize {
    values.push(v);
    values.len()
}

/// Currencies that have stored entries (from the balance table: a handful of rows).
fn stored_currencies(conn: &Connection) -> rusqlite::Result<Vec<Currency>> {
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT currency FROM balance ORDER BY currency")?;
    let codes = stmt.query_map([], |row| row.get::<_, String>(0))?;
    let mut out = Vec::new();
    for code in codes {
        if let Ok(c) = Currency::from_code(&code?) {
            out.push(c);
        }
    }
    Ok(out)
}

const FROM: &str = "FROM entry AS e
    LEFT JOIN entry_detail AS d ON d.entry_id = e.id AND d.expires_at > ?1";

/// A search can only match an entry with a kept detail, so a page of results walks the kept
/// details by time, newest first (`entry_detail_occurred`, migration v10), tests each against
/// the full-text matches and stops at the page's end: no sort of every match, which cost
/// ~90 ms at 200,000 kept messages. `CROSS JOIN` keeps SQLite from reordering the join.
const SEARCH_FROM: &str = "FROM entry_detail AS d INDEXED BY entry_detail_occurred
    CROSS JOIN entry AS e ON e.id = d.entry_id";

pub(crate) fn page(
    conn: &Connection,
    filter: &HistoryFilter,
    after: Option<HistoryCursor>,
    limit: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<HistoryPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let search = filter.search.as_deref().and_then(fts_query);
    // The full-text query runs once: its matches' ids decide the drive and go into the query.
    let ids = match &search {
        Some(query) => Some(match_ids(conn, query)?),
        None => None,
    };
    let drive = match &ids {
        Some(ids) if ids.len() >= FEW_MATCHES => Drive::KeptDetails,
        _ => Drive::Entries,
    };
    // The same order either way (a detail's time and id are its entry's). With a search and
    // few matches, `+` keeps the time index out of the ORDER BY, so the query is driven from
    // the matches and sorts them rather than walking every entry from the newest.
    let (from, time, id) = match (drive, &search) {
        (Drive::KeptDetails, _) => (SEARCH_FROM, "d.occurred_at", "d.entry_id"),
        (Drive::Entries, Some(_)) => (FROM, "+e.occurred_at", "e.id"),
        (Drive::Entries, None) => (FROM, "e.occurred_at", "e.id"),
    };
    let (mut cond, mut values, slot) = conditions(conn, filter, now, drive, Matches::Ids)?;
    if let Some(c) = after {
        values.push(Value::Integer(c.occurred_at));
        let i = values.len();
        values.push(Value::Integer(c.id));
        let j = values.len();
        cond.push_str(&format!(" AND ({time}, {id}) < (?{i}, ?{j})"));
    }
    values.push(Value::Integer(i64::from(limit)));
    let sql = format!(
        "SELECT {ROW_COLUMNS} {from} WHERE {cond} ORDER BY {time} DESC, {id} DESC LIMIT ?{}",
        values.len()
    );
    let array = ids.unwrap_or_default();
    let mut params: Vec<&dyn rusqlite::ToSql> =
        values.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
    if let Some(slot) = slot {
        params[slot] = &array;
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(&params[..], entry::from_row)?;
    let entries: Vec<StoredEntry> = rows.collect::<Result<_, _>>()?;
    let next = if entries.len() == limit as usize {
        entries.last().map(|last| HistoryCursor {
            occurred_at: last.entry.occurred_at().timestamp(),
            id: last.id,
        })
    } else {
        None
    };
    Ok(HistoryPage { entries, next })
}

/// The ids of every entry whose detail matches `query` in the full-text index.
fn match_ids(conn: &Connection, query: &str) -> rusqlite::Result<rusqlite::vtab::array::Array> {
    let mut stmt = conn.prepare_cached("SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?1")?;
    let ids = stmt
        .query_map([query], |r| r.get::<_, i64>(0).map(Value::Integer))?
        .collect::<rusqlite::Result<Vec<Value>>>()?;
    Ok(std::rc::Rc::new(ids))
}

/// Every live entry matching `filter`, oldest first (for totals and exports).
pub(crate) fn all(
    conn: &Connection,
    filter: &HistoryFilter,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<StoredEntry>> {
    let (cond, values, _) = conditions(conn, filter, now, Drive::Entries, Matches::Query)?;
    let sql = format!(
        "SELECT {ROW_COLUMNS} {FROM} WHERE {cond}
         ORDER BY e.occurred_at, e.occurred_nanos, e.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), entry::from_row)?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_quoted_prefixes() {
        assert_eq!(
            fts_query(r#"thanks AND "coffee"#).as_deref(),
            Some(r#""thanks"* "AND"* "coffee"*"#)
        );
        assert_eq!(fts_query("   "), None);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = HistoryCursor {
            occurred_at: 1_700_000_000,
            id: 42,
        };
        assert_eq!(c.to_string().parse::<HistoryCursor>(), Ok(c));
        assert!("abc".parse::<HistoryCursor>().is_err());
    }
}
