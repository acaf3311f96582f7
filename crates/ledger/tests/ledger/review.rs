//! `review`: totals per period conserve value; the payout forecast is exact.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use tipvault_ledger::entry::{Fingerprint, FingerprintInput, NewEntry};
use tipvault_ledger::review::{Forecast, Period, forecast_threshold, totals};
use tipvault_ledger::{Entry, EntryKey, EntryKind, SourceId, Zone};
use tipvault_money::{Currency, Money};

fn entry(
    source: &str,
    when: chrono::DateTime<Utc>,
    gross: i64,
    fee: i64,
    currency: Currency,
    kind: EntryKind,
) -> Entry {
    let source = SourceId::new(source);
    let input = FingerprintInput {
        source: &source,
        occurred_at: when,
        gross: Money::from_minor(gross, currency),
        fee: Money::from_minor(fee, currency),
        net: Money::from_minor(gross - fee, currency),
        kind,
        payer: None,
        message: None,
        ordinal: 0,
    };
    Entry::new(NewEntry {
        source: source.clone(),
        kind,
        occurred_at: when,
        gross: input.gross,
        fee: input.fee,
        net: input.net,
        key: EntryKey::Fingerprint {
            fingerprint: Fingerprint::compute(&input),
        },
        payer: None,
        message: None,
    })
    .unwrap()
}

#[test]
fn days_are_cut_in_the_callers_time_zone() {
    // 2024-03-01 15:30 UTC is already 2 March in Seoul.
    let e = vec![
        entry(
            "a",
            Utc.with_ymd_and_hms(2024, 3, 1, 14, 0, 0).unwrap(),
            1000,
            0,
            Currency::KRW,
            EntryKind::Tip,
        ),
        entry(
            "a",
            Utc.with_ymd_and_hms(2024, 3, 1, 15, 30, 0).unwrap(),
            2000,
            0,
            Currency::KRW,
            EntryKind::Tip,
        ),
    ];
    let utc = totals(&e, &Zone::utc(), Period::Day).unwrap();
    assert_eq!(utc.len(), 1);
    let seoul = totals(&e, &Zone::named("Asia/Seoul").unwrap(), Period::Day).unwrap();
    let labels: Vec<_> = seoul
        .iter()
        .map(|b| (b.label.as_str(), b.net.to_string()))
        .collect();
    assert_eq!(
        labels,
        [
            ("2024-03-01", "1000 KRW".to_owned()),
            ("2024-03-02", "2000 KRW".to_owned())
        ]
    );
}

#[test]
fn weeks_months_sources_and_currencies_are_separate_buckets() {
    let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 12, 0, 0).unwrap();
    let e = vec![
        entry("a", t(1), 500, 50, Currency::USD, EntryKind::Tip), // Mon, W01
        entry("a", t(7), 500, 50, Currency::USD, EntryKind::Tip), // Sun, W01
        entry("a", t(8), 500, 50, Currency::USD, EntryKind::Tip), // Mon, W02
        entry("a", t(8), 1000, 0, Currency::KRW, EntryKind::Tip),
        entry("b", t(8), 100, 0, Currency::USD, EntryKind::Tip),
    ];
    let weeks = totals(&e, &Zone::utc(), Period::IsoWeek).unwrap();
    let got: Vec<_> = weeks
        .iter()
        .map(|b| {
            (
                b.source.as_str(),
                b.currency.code(),
                b.label.as_str(),
                b.count,
                b.fee.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", "KRW", "2024-W02", 1, "0 KRW".to_owned()),
            ("a", "USD", "2024-W01", 2, "1.00 USD".to_owned()),
            ("a", "USD", "2024-W02", 1, "0.50 USD".to_owned()),
            ("b", "USD", "2024-W02", 1, "0.00 USD".to_owned()),
        ]
    );
    let months = totals(&e, &Zone::utc(), Period::Month).unwrap();
    assert_eq!(months.len(), 3);
    assert_eq!(months[1].gross.to_string(), "15.00 USD");
}

#[test]
fn forecast_is_exact_and_rounds_up() {
    let now = Utc.with_ymd_and_hms(2024, 3, 31, 0, 0, 0).unwrap();
    let krw = |m| Money::from_minor(m, Currency::KRW);
    let src = SourceId::new("a");
    let e = vec![
        entry(
            "a",
            now - Duration::days(10),
            20_000,
            0,
            Currency::KRW,
            EntryKind::Donation,
        ),
        entry(
            "a",
            now - Duration::days(5),
            10_000,
            0,
            Currency::KRW,
            EntryKind::Donation,
        ),
        entry(
            "a",
            now - Duration::days(40),
            999_000,
            0,
            Currency::KRW,
            EntryKind::Donation,
        ), // outside window
        entry(
            "a",
            now - Duration::days(2),
            -50_000,
            0,
            Currency::KRW,
            EntryKind::Payout,
        ), // not inflow
        entry(
            "b",
            now - Duration::days(1),
            999_000,
            0,
            Currency::KRW,
            EntryKind::Donation,
        ), // other source
    ];
    // ₩30,000 in 30 days; ₩30,000 missing → exactly 30 days.
    let f =
        forecast_threshold(krw(40_000), krw(10_000), &e, &src, now, Duration::days(30)).unwrap();
    assert_eq!(
        f,
        Forecast::ExpectedAt {
            at: now + Duration::days(30),
            remaining: krw(30_000),
            inflow: krw(30_000)
        }
    );
    // ₩7 per day, ₩10 missing: 10/7 days = 123428.57… s → 123429 s (never early).
    let seven = vec![entry(
        "a",
        now - Duration::hours(1),
        7,
        0,
        Currency::KRW,
        EntryKind::Tip,
    )];
    match forecast_threshold(krw(10), krw(0), &seven, &src, now, Duration::days(1)).unwrap() {
        Forecast::ExpectedAt { at, .. } => assert_eq!(at, now + Duration::seconds(123_429)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        forecast_threshold(krw(40_000), krw(40_000), &e, &src, now, Duration::days(30)).unwrap(),
        Forecast::AlreadyReached
    );
    assert_eq!(
        forecast_threshold(krw(40_000), krw(0), &[], &src, now, Duration::days(30)).unwrap(),
        Forecast::NotAtCurrentRate {
            remaining: krw(40_000)
        }
    );
    assert!(
        forecast_threshold(
            krw(1),
            Money::zero(Currency::USD),
            &[],
            &src,
            now,
            Duration::days(1)
        )
        .is_err()
    );
    assert!(forecast_threshold(krw(1), krw(0), &[], &src, now, Duration::zero()).is_err());
}

proptest! {
    #[test]
    fn totals_conserve_value_to_the_unit(
        rows in prop::collection::vec((0usize..3, 0usize..3, -1_000_000i64..1_000_000, 0i64..1_000, 0i64..100_000_000), 0..200),
        period in prop::sample::select(vec![Period::Day, Period::IsoWeek, Period::Month]),
        tz in prop::sample::select(vec!["UTC", "Asia/Seoul", "America/Los_Angeles"]),
    ) {
        let currencies = [Currency::USD, Currency::KRW, Currency::BHD];
        let base = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
        let entries: Vec<Entry> = rows.iter().map(|(s, c, gross, fee, secs)| {
            let kind = if *gross < 0 { EntryKind::Refund } else { EntryKind::Tip };
            entry(["a", "b", "c"][*s], base + Duration::seconds(*secs), *gross, *fee, currencies[*c], kind)
        }).collect();
        let buckets = totals(&entries, &Zone::named(tz).unwrap(), period).unwrap();
        for source in ["a", "b", "c"] {
            for currency in currencies {
                let of = |e: &&Entry| e.source().as_str() == source && e.currency() == currency;
                let want: Vec<i128> = [Entry::gross, Entry::fee, Entry::net].iter()
                    .map(|f| entries.iter().filter(of).map(|e| f(e).to_minor_i128()).sum())
                    .collect();
                let bs: Vec<_> = buckets.iter().filter(|b| b.source.as_str() == source && b.currency == currency).collect();
                let got: Vec<i128> = vec![
                    bs.iter().map(|b| b.gross.to_minor_i128()).sum(),
                    bs.iter().map(|b| b.fee.to_minor_i128()).sum(),
                    bs.iter().map(|b| b.net.to_minor_i128()).sum(),
                ];
                prop_assert_eq!(&got, &want);
                let count: u64 = bs.iter().map(|b| b.count).sum();
                prop_assert_eq!(count as usize, entries.iter().filter(of).count());
            }
        }
    }
}

#[test]
fn a_period_ends_on_its_last_day() {
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
    assert_eq!(Period::Day.last_day(d(2026, 11, 18)), d(2026, 11, 18));
    // An ISO week ends on its Sunday, across months and years.
    assert_eq!(Period::IsoWeek.last_day(d(2026, 9, 14)), d(2026, 9, 20));
    assert_eq!(Period::IsoWeek.last_day(d(2026, 12, 28)), d(2027, 1, 3));
    // A month ends on its last day, leap years and December included.
    assert_eq!(Period::Month.last_day(d(2026, 11, 1)), d(2026, 11, 30));
    assert_eq!(Period::Month.last_day(d(2028, 2, 1)), d(2028, 2, 29));
    assert_eq!(Period::Month.last_day(d(2026, 2, 1)), d(2026, 2, 28));
    assert_eq!(Period::Month.last_day(d(2026, 12, 1)), d(2026, 12, 31));
}
