//! History queries over stored entries: filters, full-text search over kept payer names and
//! messages, and keyset pagination, newest first.
//!
//! The one decision to know: pages are keyed by `(occurred_at, id)` — the last row of a page is
//! the [`HistoryCursor`] of the next — never by `OFFSET`, so page 5,000 costs what page 1 costs
//! and rows imported meanwhile do not shift the pages. Amount filters are exact: a decimal bound
//! is turned into each stored currency's minor units (rounded inwards), never compared as a
//! float. Search runs on the FTS5 index inside the encrypted database; it can only find what
//! the user chose to keep, and only while that detail is live.

use std::collections::HashSet;
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

/// Below this many full-text matches a search page looks the matches up and sorts them (each
/// costs a row lookup, ~10 µs when not cached); from this many on it walks the kept details by
/// time ([`walk_kept_details`]) and stops at the page's end. Either way a page costs a few
/// milliseconds at 200,000 kept messages (`bench_ledger`, docs/BENCHMARKS.md).
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
        // `d` is the live detail (LEFT JOIN in `FROM`): an expired, unpurged detail still in
        // the index must not match.
        sql.push(format!("e.id IN {set} AND d.entry_id IS NOT NULL"));
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
    LEFT JOIN entry_detail AS d ON d.entry_id = e.id AND d.expires_at > ?1
    LEFT JOIN import_file AS f ON f.id = e.import_id AND f.expires_at > ?1";

pub(crate) fn page(
    conn: &Connection,
    filter: &HistoryFilter,
    after: Option<HistoryCursor>,
    limit: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<HistoryPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let search = filter.search.as_deref().and_then(fts_query);
    // The full-text query runs once; its matches' ids decide how the page is found.
    let ids = match &search {
        Some(query) => Some(match_ids(conn, query)?),
        None => None,
    };
    if let Some(ids) = &ids
        && ids.len() >= FEW_MATCHES
    {
        return walk_kept_details(conn, filter, ids, after, limit, now);
    }
    // With a search (few matches), `+` keeps the time index out of the ORDER BY, so the query
    // is driven from the matches and sorts them rather than walking every entry from the
    // newest.
    let time = if search.is_some() {
        "+e.occurred_at"
    } else {
        "e.occurred_at"
    };
    let (mut cond, mut values, slot) = conditions(conn, filter, now, Matches::Ids)?;
    if let Some(c) = after {
        values.push(Value::Integer(c.occurred_at));
        let i = values.len();
        values.push(Value::Integer(c.id));
        let j = values.len();
        cond.push_str(&format!(" AND ({time}, e.id) < (?{i}, ?{j})"));
    }
    values.push(Value::Integer(i64::from(limit)));
    let sql = format!(
        "SELECT {ROW_COLUMNS} {FROM} WHERE {cond} ORDER BY {time} DESC, e.id DESC LIMIT ?{}",
        values.len()
    );
    let array = rarray(ids.as_deref().unwrap_or_default());
    let entries = fetch(conn, &sql, &values, slot, &array)?;
    Ok(finish(entries, limit))
}

/// Runs `sql` with `values`, the match ids in parameter `slot`.
fn fetch(
    conn: &Connection,
    sql: &str,
    values: &[Value],
    slot: Option<usize>,
    ids: &rusqlite::vtab::array::Array,
) -> rusqlite::Result<Vec<StoredEntry>> {
    let mut params: Vec<&dyn rusqlite::ToSql> =
        values.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
    if let Some(slot) = slot {
        params[slot] = ids;
    }
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(&params[..], entry::from_row)?;
    rows.collect()
}

/// The page and the cursor of the next one (a full page may have a next one).
fn finish(entries: Vec<StoredEntry>, limit: u32) -> HistoryPage {
    let next = if entries.len() == limit as usize {
        entries.last().map(|last| HistoryCursor {
            occurred_at: last.entry.occurred_at().timestamp(),
            id: last.id,
        })
    } else {
        None
    };
    HistoryPage { entries, next }
}

/// A search with many matches: only an entry with a kept detail can match, so walk the kept
/// details newest first on their time index (`entry_detail_occurred`, migration v10; the walk
/// reads the index alone), keep the ids among the matches (a hash set: no temporary index of
/// every match is built), and read the rows of each run of candidates with the filter's other
/// conditions, in the page's order, until the page is full. Before, every match was read and
/// sorted (~90 ms at 200,000 kept messages).
fn walk_kept_details(
    conn: &Connection,
    filter: &HistoryFilter,
    ids: &[i64],
    after: Option<HistoryCursor>,
    limit: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<HistoryPage> {
    let matches: HashSet<i64> = ids.iter().copied().collect();
    let (cond, values, slot) = conditions(conn, filter, now, Matches::Ids)?;
    let sql =
        format!("SELECT {ROW_COLUMNS} {FROM} WHERE {cond} ORDER BY +e.occurred_at DESC, e.id DESC");
    let mut walk = conn.prepare_cached(
        "SELECT entry_id FROM entry_detail INDEXED BY entry_detail_occurred
         WHERE (occurred_at, entry_id) < (?1, ?2) AND occurred_at >= ?3
         ORDER BY occurred_at DESC, entry_id DESC",
    )?;
    // The walk covers only the dates asked for (to the second; the fetch applies them
    // exactly), starting at the cursor or the end of the range, whichever is earlier.
    let (mut t, mut id) = after.map_or((i64::MAX, i64::MAX), |c| (c.occurred_at, c.id));
    if let Some(to) = filter.to
        && (to.timestamp(), i64::MAX) < (t, id)
    {
        (t, id) = (to.timestamp(), i64::MAX);
    }
    let from = filter.from.map_or(i64::MIN, |f| f.timestamp());
    let mut details = walk.query([t, id, from])?;
    let limit_len = limit as usize;
    let mut entries = Vec::with_capacity(limit_len);
    let mut candidates = Vec::new();
    loop {
        let detail = details.next()?;
        let walked_all = detail.is_none();
        if let Some(row) = detail {
            let id: i64 = row.get(0)?;
            if matches.contains(&id) {
                candidates.push(id);
            }
        }
        // Some candidates may fail the other conditions (or have expired): read a few more
        // than the page still needs at a time.
        let wanted = (limit_len - entries.len()).max(64);
        if candidates.len() >= wanted || (walked_all && !candidates.is_empty()) {
            let found = fetch(conn, &sql, &values, slot, &rarray(&candidates))?;
            entries.extend(found);
            candidates.clear();
            if entries.len() >= limit_len {
                entries.truncate(limit_len);
                break;
            }
        }
        if walked_all {
            break;
        }
    }
    Ok(finish(entries, limit))
}

/// The ids of every entry whose detail matches `query` in the full-text index.
fn match_ids(conn: &Connection, query: &str) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?1")?;
    let ids = stmt.query_map([query], |r| r.get::<_, i64>(0))?;
    ids.collect()
}

/// Ids as an `rarray(?)` parameter.
fn rarray(ids: &[i64]) -> rusqlite::vtab::array::Array {
    std::rc::Rc::new(ids.iter().map(|&id| Value::Integer(id)).collect())
}

/// Every live entry matching `filter`, oldest first (for totals and exports).
pub(crate) fn all(
    conn: &Connection,
    filter: &HistoryFilter,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<StoredEntry>> {
    let (cond, values, _) = conditions(conn, filter, now, Matches::Query)?;
    let sql = format!(
        "SELECT {ROW_COLUMNS} {FROM} WHERE {cond}
         ORDER BY e.occurred_at, e.occurred_nanos, e.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), entry::from_row)?;
    rows.collect()
}

/// What the live entries matching a filter add up to in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrencySums {
    /// The currency.
    pub currency: Currency,
    /// How many entries.
    pub count: u64,
    /// Sum of gross, in minor units.
    pub gross_minor: i64,
    /// Sum of fees, in minor units.
    pub fee_minor: i64,
    /// Sum of net, in minor units.
    pub net_minor: i64,
}

/// The sums of every live entry matching `filter`, per currency in code order: added up by
/// SQLite over the same conditions as the history pages (no row is read into memory; a sum
/// too large for 64 bits is SQLite's "integer overflow" error, never a wrong total).
pub(crate) fn sums(
    conn: &Connection,
    filter: &HistoryFilter,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<CurrencySums>> {
    let (cond, values, _) = conditions(conn, filter, now, Matches::Query)?;
    let sql = format!(
        "SELECT e.currency, COUNT(*), SUM(e.gross_minor), SUM(e.fee_minor), SUM(e.net_minor)
         {FROM} WHERE {cond} GROUP BY e.currency ORDER BY e.currency"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), |row| {
        let code: String = row.get(0)?;
        let currency = Currency::from_code(&code).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?;
        Ok(CurrencySums {
            currency,
            count: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
            gross_minor: row.get(2)?,
            fee_minor: row.get(3)?,
            net_minor: row.get(4)?,
        })
    })?;
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
