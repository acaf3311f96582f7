//! Ledger storage benchmark (issue 4): a generated Ko-fi CSV imported into a real vault through
//! the ledger's streaming importer and one vault transaction, then history pages, search and
//! balances timed at that size. Prints a Markdown table.
//!
//! ```sh
//! TIPVAULT_BENCH_ROWS=1000000 cargo run --profile bench -p tipvault-vault --example bench_ledger
//! ```
//!
//! Rows without kept details use the default privacy options (names and messages dropped); a
//! second, smaller import keeps messages so that search has something to find.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use secrecy::SecretString;
use tipvault_ledger::{
    Entry, EntryKind, FormatChoice, ImportOptions, ImportRequest, Platform, Source, SourceId,
    Stream, import_streaming,
};
use tipvault_money::Currency;
use tipvault_vault::{HistoryFilter, KdfParams, Vault};

const WORDS: [&str; 16] = [
    "thanks", "stream", "coffee", "love", "great", "music", "art", "keep", "going", "best",
    "drawing", "song", "cheers", "support", "friend", "amazing",
];

fn generate(rows: usize, prefix: &str, with_messages: bool) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 140);
    out.push_str("DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId,Reference,SalesTax,SalesTaxPercentage,SalesTaxIncludesShipping,BuyerCountry,BuyerStateOrProvince,BuyerEmail,PaymentProvider\n");
    for i in 0..rows {
        let message = if with_messages {
            format!(
                "{} {} {} {i}",
                WORDS[i % 16],
                WORDS[(i / 16) % 16],
                WORDS[(i / 256) % 16]
            )
        } else {
            "Thanks for the stream!".to_owned()
        };
        // In time order, as platforms export, spread over about three years (one row every
        // 90 s at 1M rows) so date filters and pages are realistic.
        let at = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::seconds((i as i64) * 90);
        out.push_str(&format!(
            "{},Fan {i},{message},,{}.{:02},,USD,{},{prefix}-{i:08},,,,,KR,,fan{i}@example.com,PayPal\n",
            at.format("%Y-%m-%d %H:%M:%S"),
            i % 50 + 1,
            i % 100,
            ["Tip", "Donation", "Subscription", "Shop Order"][i % 4],
        ));
    }
    out.into_bytes()
}

fn import(
    vault: &mut Vault,
    source: &Source,
    data: &[u8],
    options: ImportOptions,
) -> (u64, Duration) {
    let now = Utc::now();
    let start = Instant::now();
    let mut import = vault.begin_import(&source.id, now).unwrap();
    let mut on_batch = |batch: Vec<Entry>| {
        import
            .insert(&batch)
            .map(|_| ())
            .map_err(|e| e.to_string().into())
    };
    let request = ImportRequest {
        source,
        format: FormatChoice::Auto,
        profile: None,
        options,
    };
    let mut stream = Stream {
        total_bytes: Some(data.len() as u64),
        batch_size: 4096,
        on_batch: &mut on_batch,
        on_progress: &mut |_| {},
        is_cancelled: &|| false,
    };
    let report = import_streaming(data, &request, &mut stream).unwrap();
    assert!(report.is_clean());
    let outcome = import.commit().unwrap();
    (outcome.inserted, start.elapsed())
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 95 / 100).min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let rows: usize = std::env::var("TIPVAULT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let detail_rows = rows / 5;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let now = Utc::now();
    let mut vault = Vault::create(
        &dir,
        &SecretString::from("benchmark passphrase"),
        KdfParams::POLICY_MIN,
        now,
    )
    .unwrap();
    let source = |id: &str| Source {
        id: SourceId::new(id),
        label: id.into(),
        platform: Platform::KoFi,
        currency: Currency::from_code("USD").unwrap(),
        payout: None,
    };
    let (plain, kept) = (source("kofi-main"), source("kofi-notes"));
    vault.add_source(&plain, now).unwrap();
    vault.add_source(&kept, now).unwrap();

    println!("| measure | value | goal |");
    println!("| --- | ---: | ---: |");
    let data = generate(rows, "TX", false);
    let (inserted, took) = import(&mut vault, &plain, &data, ImportOptions::default());
    drop(data);
    assert_eq!(inserted as usize, rows);
    println!(
        "| import {rows} rows (parse + insert + commit, details dropped) | {:.0} rows/s ({:.2} s) | ≥ 150,000 rows/s |",
        rows as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    let data = generate(detail_rows, "TN", true);
    let keep = ImportOptions {
        keep_payer_names: true,
        keep_messages: true,
    };
    let (inserted, took) = import(&mut vault, &kept, &data, keep);
    drop(data);
    assert_eq!(inserted as usize, detail_rows);
    println!(
        "| import {detail_rows} rows with names + messages kept (FTS indexed) | {:.0} rows/s ({:.2} s) | — |",
        detail_rows as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    let total = rows + detail_rows;
    let now = Utc::now();

    // History pages: a mix of filters, first pages and deep pages (cursor from an earlier page).
    let filters = [
        HistoryFilter::default(),
        HistoryFilter {
            source: Some(SourceId::new("kofi-main")),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            kinds: vec![EntryKind::Donation],
            ..HistoryFilter::default()
        },
        HistoryFilter {
            source: Some(SourceId::new("kofi-main")),
            kinds: vec![EntryKind::Tip],
            min_gross: Some(Decimal::from(10)),
            max_gross: Some(Decimal::from(40)),
            from: Some(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()),
            to: Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()),
            ..HistoryFilter::default()
        },
    ];
    let mut samples = Vec::new();
    for round in 0..50 {
        for filter in &filters {
            let mut after = None;
            // Walk a few pages deep so later pages are measured too.
            for _ in 0..(round % 5 + 1) {
                let start = Instant::now();
                let page = vault.history(filter, after, 100, now).unwrap();
                samples.push(start.elapsed());
                assert!(!page.entries.is_empty());
                after = page.next;
            }
        }
    }
    println!(
        "| history page (100 rows, filters) at {total} entries, p95 of {} | {} | ≤ 5 ms |",
        samples.len(),
        ms(p95(samples))
    );

    let mut samples = Vec::new();
    for i in 0..200 {
        let text = format!("{} {}", WORDS[i % 16], &WORDS[(i * 7) % 16][..3]);
        let filter = HistoryFilter {
            search: Some(text),
            ..HistoryFilter::default()
        };
        let start = Instant::now();
        let page = vault.history(&filter, None, 100, now).unwrap();
        samples.push(start.elapsed());
        assert!(!page.entries.is_empty());
    }
    println!(
        "| search (two words, 100 rows) over {detail_rows} kept messages, p95 of 200 | {} | ≤ 50 ms |",
        ms(p95(samples))
    );

    let mut samples = Vec::new();
    for _ in 0..500 {
        let start = Instant::now();
        let b = vault.balances(now).unwrap();
        samples.push(start.elapsed());
        assert_eq!(b.len(), 2);
    }
    println!("| balances, p95 of 500 | {} | ≤ 1 ms |", ms(p95(samples)));
    vault.lock().unwrap();
}
