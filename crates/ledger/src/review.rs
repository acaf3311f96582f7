//! Review helpers: totals per period and a payout-threshold forecast. Pure.
//!
//! Decisions: buckets are calendar periods in the time zone the caller passes (a tip at 23:30
//! in Seoul belongs to that Seoul day), keyed by source and currency — amounts of different
//! currencies are never added. Totals are exact sums, so the buckets always add up to the
//! entries to the unit. The forecast assumes the recent inflow continues linearly: the time to
//! the threshold is `remaining × window ÷ inflow`, computed exactly in integer minor units and
//! seconds and rounded *up* to the next second (never promise a payout early).

use crate::entry::Entry;
use crate::source::SourceId;
use crate::zone::Zone;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tipvault_money::{Currency, Money, MoneyError};

/// The length of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A calendar day.
    Day,
    /// An ISO 8601 week (Monday to Sunday; week-numbering year).
    IsoWeek,
    /// A calendar month.
    Month,
}

impl Period {
    /// The last day of the period that starts on `start` (a first day, as [`Bucket::start`]):
    /// what a history filtered to one bar ends on.
    #[must_use]
    pub fn last_day(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => start,
            Period::IsoWeek => start + Duration::days(6),
            Period::Month => {
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                };
                next.and_then(|n| n.pred_opt()).unwrap_or(start)
            }
        }
    }
}

/// The totals of one source, currency and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// The source.
    pub source: SourceId,
    /// The currency.
    pub currency: Currency,
    /// First day of the period (a Monday for ISO weeks).
    pub start: NaiveDate,
    /// `2024-01-31`, `2024-W05` or `2024-01`.
    pub label: String,
    /// Number of entries.
    pub count: u64,
    /// Sum of gross.
    pub gross: Money,
    /// Sum of fees.
    pub fee: Money,
    /// Sum of net.
    pub net: Money,
}

/// Why a review could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReviewError {
    /// Amounts in different currencies were compared.
    #[error("the threshold is in {threshold} but the balance is in {balance}: convert first")]
    CurrencyMismatch {
        /// Threshold currency.
        threshold: Currency,
        /// Balance currency.
        balance: Currency,
    },
    /// The trailing window is empty or negative.
    #[error("the inflow window must be at least one second long")]
    InvalidWindow,
    /// Sums or the forecast overflowed.
    #[error("the amounts are too large to total: {0}")]
    Money(#[from] MoneyError),
}

fn period_start(date: NaiveDate, period: Period) -> (NaiveDate, String) {
    match period {
        Period::Day => (date, date.format("%Y-%m-%d").to_string()),
        Period::IsoWeek => {
            let week = date.iso_week();
            let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            (monday, format!("{}-W{:02}", week.year(), week.week()))
        }
        Period::Month => (
            date.with_day(1).unwrap_or(date),
            date.format("%Y-%m").to_string(),
        ),
    }
}

/// Totals of `entries` per source, currency and period in `tz`, ordered by source, currency,
/// then period.
pub fn totals(entries: &[Entry], tz: &Zone, period: Period) -> Result<Vec<Bucket>, ReviewError> {
    let mut map: BTreeMap<(SourceId, Currency, NaiveDate), Bucket> = BTreeMap::new();
    for e in entries {
        let local = tz.local(e.occurred_at()).date_naive();
        let (start, label) = period_start(local, period);
        let currency = e.currency();
        let bucket = map
            .entry((e.source().clone(), currency, start))
            .or_insert_with(|| Bucket {
                source: e.source().clone(),
                currency,
                start,
                label,
                count: 0,
                gross: Money::zero(currency),
                fee: Money::zero(currency),
                net: Money::zero(currency),
            });
        bucket.count += 1;
        bucket.gross = bucket.gross.checked_add(e.gross())?;
        bucket.fee = bucket.fee.checked_add(e.fee())?;
        bucket.net = bucket.net.checked_add(e.net())?;
    }
    Ok(map.into_values().collect())
}

/// When a payout threshold is expected to be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Forecast {
    /// The balance is already at or above the threshold.
    AlreadyReached,
    /// At the recent rate, the threshold is reached at `at`.
    ExpectedAt {
        /// The expected instant (rounded up to the second).
        at: DateTime<Utc>,
        /// What is still missing.
        remaining: Money,
        /// Net inflow in the window the rate is based on.
        inflow: Money,
    },
    /// No net inflow in the window: not at the current rate.
    NotAtCurrentRate {
        /// What is still missing.
        remaining: Money,
    },
}

/// Forecasts when `balance` reaches `threshold`, from the net income of `source` in the
/// trailing `window` ending at `now` (entries after `now` are ignored; only income kinds count,
/// so a payout in the window does not read as negative inflow).
pub fn forecast_threshold(
    threshold: Money,
    balance: Money,
    entries: &[Entry],
    source: &SourceId,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<Forecast, ReviewError> {
    let currency = threshold.currency();
    if balance.currency() != currency {
        return Err(ReviewError::CurrencyMismatch {
            threshold: currency,
            balance: balance.currency(),
        });
    }
    let window_secs = window.num_seconds();
    if window_secs < 1 {
        return Err(ReviewError::InvalidWindow);
    }
    let remaining = threshold.checked_sub(balance)?;
    if !remaining.is_positive() {
        return Ok(Forecast::AlreadyReached);
    }
    let since = now - window;
    let inflow = Money::checked_sum(
        currency,
        entries
            .iter()
            .filter(|e| {
                e.source() == source
                    && e.currency() == currency
                    && e.kind().is_income()
                    && e.occurred_at() > since
                    && e.occurred_at() <= now
            })
            .map(Entry::net),
    )?;
    if !inflow.is_positive() {
        return Ok(Forecast::NotAtCurrentRate { remaining });
    }
    let overflow = MoneyError::Overflow {
        operation: "forecasting a payout date",
    };
    let numerator = remaining
        .to_minor_i128()
        .checked_mul(i128::from(window_secs))
        .ok_or(overflow.clone())?;
    let denominator = inflow.to_minor_i128();
    let seconds = numerator / denominator + i128::from(numerator % denominator != 0);
    let at = i64::try_from(seconds)
        .ok()
        .and_then(Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d));
    Ok(match at {
        Some(at) => Forecast::ExpectedAt {
            at,
            remaining,
            inflow,
        },
        // Further away than chrono can represent: for a person, that is "not at this rate".
        None => Forecast::NotAtCurrentRate { remaining },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_week_labels_use_the_week_numbering_year() {
        let d = NaiveDate::from_ymd_opt(2021, 1, 3).unwrap(); // a Sunday in 2020-W53
        let (start, label) = period_start(d, Period::IsoWeek);
        assert_eq!(label, "2020-W53");
        assert_eq!(start, NaiveDate::from_ymd_opt(2020, 12, 28).unwrap());
    }
}
