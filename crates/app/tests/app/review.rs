use chrono::Duration;
use tipvault_app::ForecastOutcome;
use tipvault_app::{
    HistoryQuery, forecast, history, import_file, matching_totals, parse_tz, totals,
};
use tipvault_ledger::review::Period;

use super::ledger_support::{add_kofi, request};
use super::support::{new_vault, t0};

fn imported() -> (tempfile::TempDir, tipvault_app::Session) {
    let (dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let mut req = request("kofi.csv", "kofi-main");
    req.keep_messages = true;
    req.keep_payer_names = true;
    import_file(&mut session, &req, t0(), |_| {}, &|| false).unwrap();
    (dir, session)
}

#[test]
fn history_filters_pages_and_searches_kept_messages() {
    let (_dir, mut session) = imported();
    let utc = &parse_tz("UTC").unwrap();
    let all = history(&mut session, &HistoryQuery::default(), utc, t0()).unwrap();
    assert_eq!(all.entries.len(), 4);
    assert!(all.next.is_none());
    // Each entry names the file it came from (not its folder).
    assert!(
        all.entries
            .iter()
            .all(|e| e.file_name.as_deref() == Some("kofi.csv")),
        "{:?}",
        all.entries.iter().map(|e| &e.file_name).collect::<Vec<_>>()
    );
    let first = history(
        &mut session,
        &HistoryQuery {
            limit: 3,
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    )
    .unwrap();
    let rest = history(
        &mut session,
        &HistoryQuery {
            limit: 3,
            after: first.next.clone(),
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    )
    .unwrap();
    assert_eq!(first.entries.len() + rest.entries.len(), 4);
    let found = history(
        &mut session,
        &HistoryQuery {
            search: Some("stream".into()),
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    )
    .unwrap();
    assert_eq!(found.entries.len(), 1);
    assert_eq!(
        found.entries[0].message.as_deref(),
        Some("Love the stream!")
    );
    let dated = history(
        &mut session,
        &HistoryQuery {
            from: Some("2024-03-02".into()),
            to: Some("2024-03-05".into()),
            min: Some("4".into()),
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    )
    .unwrap();
    // 03-02 tip of 3.00 is below the minimum; the 03-05 EUR 10.00 qualifies (to is inclusive).
    assert_eq!(dated.entries.len(), 1);
    assert_eq!(dated.entries[0].gross.amount, "10.00");
    let bad = history(
        &mut session,
        &HistoryQuery {
            after: Some("nonsense".into()),
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    );
    assert!(bad.is_err());
}

#[test]
fn totals_are_exact_and_follow_the_time_zone() {
    let (_dir, mut session) = imported();
    let utc = &parse_tz("UTC").unwrap();
    let months = totals(
        &mut session,
        &HistoryQuery::default(),
        Period::Month,
        utc,
        t0(),
    )
    .unwrap();
    let usd = months.iter().find(|t| t.currency == "USD").unwrap();
    assert_eq!(
        (usd.period.as_str(), usd.count, usd.net.amount.as_str()),
        ("2024-03", 3, "20.50")
    );
    // 2024-03-05 00:05 UTC is still 03-04 in Los Angeles.
    let la = &parse_tz("America/Los_Angeles").unwrap();
    let days = totals(
        &mut session,
        &HistoryQuery::default(),
        Period::Day,
        la,
        t0(),
    )
    .unwrap();
    assert!(
        days.iter()
            .any(|t| t.currency == "EUR" && t.period == "2024-03-04"),
        "{days:?}"
    );
}

#[test]
fn matching_totals_add_up_the_selected_rows_per_currency() {
    let (_dir, mut session) = imported();
    let utc = &parse_tz("UTC").unwrap();
    let all = matching_totals(&mut session, &HistoryQuery::default(), utc, t0()).unwrap();
    let codes: Vec<&str> = all.iter().map(|t| t.currency.as_str()).collect();
    assert_eq!(codes, ["EUR", "USD"], "one total per currency, never mixed");
    let usd = &all[1];
    assert_eq!((usd.count, usd.net.amount.as_str()), (3, "20.50"));
    // The same filter as the table: rows the filter drops are not counted.
    let some = matching_totals(
        &mut session,
        &HistoryQuery {
            min: Some("4".into()),
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    )
    .unwrap();
    let listed = history(
        &mut session,
        &HistoryQuery {
            min: Some("4".into()),
            ..HistoryQuery::default()
        },
        utc,
        t0(),
    )
    .unwrap();
    assert_eq!(
        some.iter().map(|t| t.count).sum::<u64>(),
        listed.entries.len() as u64
    );
    for t in &some {
        let rows = listed
            .entries
            .iter()
            .filter(|e| e.net.currency == t.currency);
        let minor: i64 = rows.map(|e| e.net.minor).sum();
        assert_eq!(t.net.minor, minor, "{}", t.currency);
    }
    // A bad amount is refused, as the table refuses it.
    assert!(
        matching_totals(
            &mut session,
            &HistoryQuery {
                max: Some("abc".into()),
                ..HistoryQuery::default()
            },
            utc,
            t0(),
        )
        .is_err()
    );
}

#[test]
fn forecast_uses_the_threshold_and_recent_income() {
    let (_dir, mut session) = imported();
    // At t0 the imported tips (March 2024) are long past the 30-day window.
    let now = t0();
    let f = forecast(&mut session, 30, now).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].balance.amount, "20.50");
    assert_eq!(f[0].outcome, ForecastOutcome::NotAtCurrentRate);
    assert_eq!(f[0].remaining.as_ref().unwrap().amount, "29.50");
    // Just after the last tip, the window holds 20.50 USD of income over 30 days: 29.50 more
    // takes ceil(29.50 / 20.50 × 30 days).
    let march = chrono::DateTime::parse_from_rfc3339("2024-03-10T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let f = forecast(&mut session, 30, march).unwrap();
    assert_eq!(f[0].outcome, ForecastOutcome::ExpectedAt);
    let secs = (2950i64 * 30 * 86_400 + 2049) / 2050;
    assert_eq!(f[0].expected_at, Some(march + Duration::seconds(secs)));
}

#[test]
fn expired_entries_are_not_listed_and_the_purge_updates_balances() {
    let (_dir, mut session) = imported();
    let utc = &parse_tz("UTC").unwrap();
    tipvault_app::set_retention(
        &mut session,
        "imported_tip",
        std::time::Duration::from_secs(7 * 86_400),
        super::support::pass_proof(&super::support::secret(super::support::PASSPHRASE)),
        t0(),
    )
    .unwrap();
    let later = t0() + Duration::days(8);
    let listed = history(&mut session, &HistoryQuery::default(), utc, later).unwrap();
    assert!(
        listed.entries.is_empty(),
        "expired entries are never listed"
    );
    assert!(
        tipvault_app::balances(&mut session, later)
            .unwrap()
            .is_empty(),
        "nor counted, even before the purge"
    );
    let purged = tipvault_app::purge_expired(&mut session, later, false).unwrap();
    // The four entries, and the record of the file they came from.
    assert_eq!(purged.per_class["imported_tip"], 4 + 1);
    assert!(
        tipvault_app::balances(&mut session, t0())
            .unwrap()
            .is_empty(),
        "the stored sums went with them"
    );
}

#[test]
fn the_inflow_chart_keeps_the_last_periods_and_scales_to_them() {
    let (dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    // 70 days of tips, one a day: an old large one (day 0, $100) and then $1 + $0.01·day.
    let header = "DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId,Reference,SalesTax,SalesTaxPercentage,SalesTaxIncludesShipping,BuyerCountry,BuyerStateOrProvince,BuyerEmail,PaymentProvider";
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut csv = format!("{header}\n");
    for day in 0..70u32 {
        let date = start + Duration::days(i64::from(day));
        let cents = if day == 0 { 10_000 } else { 100 + day };
        csv.push_str(&format!(
            "{date} 12:00:00,,,,{}.{:02},,USD,Tip,TX-{day},,,,,,,,PayPal\n",
            cents / 100,
            cents % 100
        ));
    }
    let path = dir.path().join("tips.csv");
    std::fs::write(&path, csv).unwrap();
    let mut req = request("kofi.csv", "kofi-main");
    req.path = path;
    import_file(&mut session, &req, t0(), |_| {}, &|| false).unwrap();

    let utc = &parse_tz("UTC").unwrap();
    let series = tipvault_app::inflow(
        &mut session,
        &HistoryQuery::default(),
        Period::Day,
        utc,
        t0(),
    )
    .unwrap();
    assert_eq!(series.len(), 1);
    let usd = &series[0];
    assert_eq!(
        usd.points.len(),
        tipvault_app::CHART_PERIODS,
        "the last 60 days only"
    );
    assert_eq!(usd.points[0].start, start + Duration::days(10));
    // Scaled to what is shown: the old $100 day is gone, the largest kept is the last ($1.69).
    assert_eq!(usd.max.minor, 169);
    let last = usd.points.last().unwrap();
    assert_eq!(last.height_bp, 10_000);
    assert_eq!(usd.points[0].height_bp, tipvault_app::share_bp(110, 169));
}
