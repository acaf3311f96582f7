//! Use cases for looking back at the ledger: balances, history pages, totals per period and
//! payout forecasts.
//!
//! The one decision to know: every figure is exact. Balances come from the vault's maintained
//! sums; totals and forecasts run the ledger crate's pure review functions over the live
//! entries the vault returns, in the user's time zone (passed in, like `now`), so a tip at
//! 23:30 in Seoul counts for that Seoul day. Nothing here uses floating point.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tipvault_ledger::review::{self, Forecast, Period};
use tipvault_ledger::{EntryKind, SourceId, UnknownZone, Zone};
use tipvault_money::Money;
use tipvault_vault::{HistoryCursor, HistoryFilter};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::session::Session;
use crate::view::{BalanceView, EntryView, MoneyView};

/// Balances per source and currency.
pub fn balances(session: &mut Session, now: DateTime<Utc>) -> Result<Vec<BalanceView>, AppError> {
    let balances = session.vault_at(now).balances(now)?;
    Ok(balances.iter().map(BalanceView::from).collect())
}

/// A history query as typed (raw; validated by [`history`]). Dates are `YYYY-MM-DD` in the
/// user's time zone (`from` inclusive, `to` inclusive of that whole day) or RFC 3339 instants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
#[serde(default)]
pub struct HistoryQuery {
    pub source: Option<String>,
    pub kinds: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Gross at least this decimal amount, in each entry's currency.
    pub min: Option<String>,
    pub max: Option<String>,
    pub search: Option<String>,
    /// The `next` of a previous page.
    pub after: Option<String>,
    pub limit: u32,
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct HistoryPageView {
    pub entries: Vec<EntryView>,
    /// Pass as `after` for the next (older) page; absent on the last page.
    pub next: Option<String>,
}

fn parse_instant(text: &str, tz: &Zone, end_of_day: bool) -> Result<DateTime<Utc>, AppError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(at.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid(format!(
            "{text:?} is not a date (YYYY-MM-DD) or an RFC 3339 time."
        ))
    })?;
    let date = if end_of_day {
        date.succ_opt()
            .ok_or_else(|| AppError::invalid("That date is out of range."))?
    } else {
        date
    };
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // The earliest instant of that local midnight (DST gaps resolve forwards).
    tz.earliest(midnight)
        .or_else(|| tz.earliest(midnight + Duration::hours(1)))
        .ok_or_else(|| AppError::invalid(format!("{text:?} does not exist in {tz}.")))
}

/// A filter's bound ("at least", "at most"): a plain number, compared in any currency.
fn parse_bound(text: &str) -> Result<Decimal, AppError> {
    Decimal::from_str(text.trim())
        .map_err(|_| AppError::invalid(format!("{text:?} is not an amount (e.g. 5 or 12.50).")))
}

/// Parses a time zone name (`Asia/Seoul`, `UTC`).
pub fn parse_tz(text: &str) -> Result<Zone, AppError> {
    Zone::named(text).map_err(|e| zone_error(text, &e))
}

/// An unknown name is the user's to fix; a system without any time zone database is not, and
/// says which package brings one.
fn zone_error(text: &str, e: &UnknownZone) -> AppError {
    if e.no_database {
        AppError::new(
            ErrorCode::Io,
            "This system has no time zone database (on Linux, the tzdata package): \
             install it, or use UTC.",
        )
    } else {
        AppError::invalid(format!(
            "Unknown time zone {text:?}; use an IANA name such as Asia/Seoul or UTC."
        ))
    }
}

fn filter_of(query: &HistoryQuery, tz: &Zone) -> Result<HistoryFilter, AppError> {
    let kinds = query
        .kinds
        .iter()
        .map(|k| {
            EntryKind::parse(k).ok_or_else(|| {
                let names: Vec<&str> = EntryKind::ALL.iter().map(|k| k.as_str()).collect();
                AppError::invalid(format!(
                    "Unknown kind {k:?}; use one of {}.",
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(HistoryFilter {
        source: query.source.as_deref().map(|s| SourceId::new(s.trim())),
        kinds,
        from: query
            .from
            .as_deref()
            .map(|t| parse_instant(t, tz, false))
            .transpose()?,
        to: query
            .to
            .as_deref()
            .map(|t| parse_instant(t, tz, true))
            .transpose()?,
        min_gross: query.min.as_deref().map(parse_bound).transpose()?,
        max_gross: query.max.as_deref().map(parse_bound).transpose()?,
        search: query.search.clone().filter(|s| !s.trim().is_empty()),
    })
}

/// One page of history, newest first.
pub fn history(
    session: &mut Session,
    query: &HistoryQuery,
    tz: &Zone,
    now: DateTime<Utc>,
) -> Result<HistoryPageView, AppError> {
    let filter = filter_of(query, tz)?;
    let after = query
        .after
        .as_deref()
        .map(HistoryCursor::from_str)
        .transpose()
        .map_err(|e| AppError::invalid(format!("{}.", e)))?;
    let limit = if query.limit == 0 { 100 } else { query.limit };
    let page = session.vault_at(now).history(&filter, after, limit, now)?;
    Ok(HistoryPageView {
        entries: page.entries.iter().map(EntryView::from).collect(),
        next: page.next.map(|c| c.to_string()),
    })
}

/// Parses `--by`: `day`, `week` (ISO week) or `month`.
pub fn parse_period(text: &str) -> Result<Period, AppError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "day" => Ok(Period::Day),
        "week" | "iso-week" => Ok(Period::IsoWeek),
        "month" => Ok(Period::Month),
        _ => Err(AppError::invalid(format!(
            "Unknown period {text:?}; use day, week or month."
        ))),
    }
}

/// Totals of one source, currency and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TotalView {
    pub source: String,
    pub currency: String,
    /// `2024-01-31`, `2024-W05` or `2024-01`.
    pub period: String,
    pub start: NaiveDate,
    pub count: u64,
    pub gross: MoneyView,
    pub fee: MoneyView,
    pub net: MoneyView,
}

/// Totals per source, currency and period in `tz`, over the entries `query` selects (its
/// paging fields are ignored).
pub fn totals(
    session: &mut Session,
    query: &HistoryQuery,
    period: Period,
    tz: &Zone,
    now: DateTime<Utc>,
) -> Result<Vec<TotalView>, AppError> {
    let filter = filter_of(query, tz)?;
    let stored = session.vault_at(now).entries(&filter, now)?;
    let entries: Vec<_> = stored.into_iter().map(|s| s.entry).collect();
    let buckets = review::totals(&entries, tz, period)
        .map_err(|e| AppError::invalid(format!("The totals cannot be computed: {e}.")))?;
    Ok(buckets
        .into_iter()
        .map(|b| TotalView {
            source: b.source.to_string(),
            currency: b.currency.code().to_owned(),
            period: b.label,
            start: b.start,
            count: b.count,
            gross: b.gross.into(),
            fee: b.fee.into(),
            net: b.net.into(),
        })
        .collect())
}

/// What the rows a history query selects add up to, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MatchingTotalView {
    pub currency: String,
    pub count: u64,
    pub gross: MoneyView,
    pub fee: MoneyView,
    pub net: MoneyView,
}

/// The totals of every entry `query` selects (its paging fields are ignored), one per currency
/// in code order: amounts in different currencies are never added together.
pub fn matching_totals(
    session: &mut Session,
    query: &HistoryQuery,
    tz: &Zone,
    now: DateTime<Utc>,
) -> Result<Vec<MatchingTotalView>, AppError> {
    let filter = filter_of(query, tz)?;
    let sums = session.vault_at(now).entry_sums(&filter, now)?;
    Ok(sums
        .into_iter()
        .map(|s| {
            let money = |minor: i64| MoneyView::from(Money::from_minor(minor, s.currency));
            MatchingTotalView {
                currency: s.currency.code().to_owned(),
                count: s.count,
                gross: money(s.gross_minor),
                fee: money(s.fee_minor),
                net: money(s.net_minor),
            }
        })
        .collect())
}

/// When a source's payout threshold is expected to be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ForecastView {
    pub source: String,
    pub threshold: MoneyView,
    pub balance: MoneyView,
    pub schedule: String,
    pub outcome: ForecastOutcome,
    /// How far the balance is towards the threshold (basis points, at most 10 000).
    pub reached_bp: u16,
    pub expected_at: Option<DateTime<Utc>>,
    pub remaining: Option<MoneyView>,
    /// Net income in the trailing window the rate is based on.
    pub inflow: Option<MoneyView>,
    pub window_days: u32,
}

/// When a source's balance reaches its payout threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ForecastOutcome {
    /// It is there already.
    AlreadyReached,
    /// At the recent rate, at `expected_at`.
    ExpectedAt,
    /// Not at the recent rate (no net income in the window).
    NotAtCurrentRate,
}

/// Forecasts, for every source with a payout threshold, when its balance (in the source's
/// currency) reaches the threshold at the net income rate of the trailing `window_days`.
pub fn forecast(
    session: &mut Session,
    window_days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<ForecastView>, AppError> {
    if window_days == 0 {
        return Err(AppError::invalid(
            "The forecast window must be at least one day.",
        ));
    }
    let window = Duration::days(i64::from(window_days));
    let vault = session.vault_at(now);
    let sources = vault.sources(now)?;
    let balances = vault.balances(now)?;
    let mut out = Vec::new();
    for source in sources {
        let Some(rule) = &source.payout else { continue };
        let balance = balances
            .iter()
            .find(|b| b.source == source.id && b.currency == source.currency)
            .map_or(Money::zero(source.currency), |b| b.net);
        let filter = HistoryFilter {
            source: Some(source.id.clone()),
            from: Some(now - window),
            ..HistoryFilter::default()
        };
        let entries: Vec<_> = vault
            .entries(&filter, now)?
            .into_iter()
            .map(|s| s.entry)
            .collect();
        let result =
            review::forecast_threshold(rule.threshold, balance, &entries, &source.id, now, window)
                .map_err(|e| AppError::invalid(format!("The forecast cannot be computed: {e}.")))?;
        let (outcome, expected_at, remaining, inflow) = match result {
            Forecast::AlreadyReached => (ForecastOutcome::AlreadyReached, None, None, None),
            Forecast::ExpectedAt {
                at,
                remaining,
                inflow,
            } => (
                ForecastOutcome::ExpectedAt,
                Some(at),
                Some(remaining.into()),
                Some(inflow.into()),
            ),
            Forecast::NotAtCurrentRate { remaining } => (
                ForecastOutcome::NotAtCurrentRate,
                None,
                Some(remaining.into()),
                None,
            ),
        };
        out.push(ForecastView {
            source: source.id.to_string(),
            threshold: rule.threshold.into(),
            balance: balance.into(),
            schedule: rule.schedule.clone(),
            outcome,
            reached_bp: crate::view::share_bp(
                balance.to_minor_i128(),
                rule.threshold.to_minor_i128(),
            ),
            expected_at,
            remaining,
            inflow,
            window_days,
        });
    }
    Ok(out)
}

/// Money in per period, in one currency, summed over sources (for the history chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InflowSeries {
    pub currency: String,
    pub points: Vec<InflowPoint>,
    /// The largest point, for scaling bars without parsing decimals.
    pub max: MoneyView,
}

/// One period's money in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InflowPoint {
    pub period: String,
    pub start: NaiveDate,
    /// The period's last day (the end of the history filtered to this bar).
    pub end: NaiveDate,
    pub count: u64,
    pub net: MoneyView,
    /// Its bar's height: `net` as a share of the series' largest point (basis points).
    pub height_bp: u16,
}

/// The most recent periods a chart shows: a chart of a thousand days would be unreadable.
pub const CHART_PERIODS: usize = 60;

/// Net money in (tips, donations, subscriptions, shop orders, credits) per period and
/// currency over the entries `query` selects, summed over sources; `query.kinds` is replaced
/// by the inflow kinds. One series per currency: amounts in different currencies are never
/// added together. Each series keeps its last [`CHART_PERIODS`] periods, and its largest point
/// and the bars' heights are those of the periods kept.
pub fn inflow(
    session: &mut Session,
    query: &HistoryQuery,
    period: Period,
    tz: &Zone,
    now: DateTime<Utc>,
) -> Result<Vec<InflowSeries>, AppError> {
    let mut query = query.clone();
    query.kinds = [
        EntryKind::Tip,
        EntryKind::Donation,
        EntryKind::Subscription,
        EntryKind::ShopOrder,
        EntryKind::Credit,
    ]
    .iter()
    .map(|k| k.as_str().to_owned())
    .collect();
    let filter = filter_of(&query, tz)?;
    let stored = session.vault_at(now).entries(&filter, now)?;
    let entries: Vec<_> = stored.into_iter().map(|s| s.entry).collect();
    let buckets = review::totals(&entries, tz, period)
        .map_err(|e| AppError::invalid(format!("The totals cannot be computed: {e}.")))?;
    // (currency, start) → (label, count, net), summed over sources.
    let mut sums: std::collections::BTreeMap<(String, NaiveDate), (String, u64, Money)> =
        std::collections::BTreeMap::new();
    for b in buckets {
        let key = (b.currency.code().to_owned(), b.start);
        match sums.get_mut(&key) {
            Some((_, count, net)) => {
                *count += b.count;
                *net = net.checked_add(b.net).map_err(|e| {
                    AppError::invalid(format!("The totals cannot be computed: {e}."))
                })?;
            }
            None => {
                sums.insert(key, (b.label, b.count, b.net));
            }
        }
    }
    let mut series: Vec<InflowSeries> = Vec::new();
    for ((currency, start), (label, count, net)) in sums {
        let point = InflowPoint {
            period: label,
            start,
            end: period.last_day(start),
            count,
            net: net.into(),
            height_bp: 0,
        };
        match series.last_mut() {
            Some(s) if s.currency == currency => {
                if point.net.minor > s.max.minor {
                    s.max = point.net.clone();
                }
                s.points.push(point);
            }
            _ => series.push(InflowSeries {
                currency,
                max: point.net.clone(),
                points: vec![point],
            }),
        }
    }
    for s in &mut series {
        let cut = s.points.len().saturating_sub(CHART_PERIODS);
        s.points.drain(..cut);
        if let Some(largest) = s.points.iter().max_by_key(|p| p.net.minor) {
            s.max = largest.net.clone();
        }
        let max = i128::from(s.max.minor);
        for p in &mut s.points {
            p.height_bp = crate::view::share_bp(i128::from(p.net.minor), max);
        }
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_zone_is_the_users_to_fix_and_a_missing_database_names_its_package() {
        let unknown = parse_tz("Mars/Olympus_Mons").unwrap_err();
        assert_eq!(unknown.code, ErrorCode::InvalidInput);
        assert!(
            unknown.message.contains("Mars/Olympus_Mons"),
            "{}",
            unknown.message
        );
        // A system without tzdata cannot be had here; the error it would give can.
        let missing = UnknownZone {
            name: "Asia/Seoul".into(),
            no_database: true,
        };
        let e = zone_error("Asia/Seoul", &missing);
        assert_eq!(e.code, ErrorCode::Io);
        assert!(e.message.contains("tzdata"), "{}", e.message);
        assert!(parse_tz(" asia/seoul ").is_ok_and(|z| z.name() == "Asia/Seoul"));
    }
}
