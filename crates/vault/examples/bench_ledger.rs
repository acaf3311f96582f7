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

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/workload/mod.rs"]
mod workload;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use secrecy::SecretString;
use tipvault_ledger::{
    Entry, EntryKind, FormatChoice, ImportOptions, ImportRequest, Platform, Source, SourceId,
    Stream, import_streaming_parallel,
};
use tipvault_money::Currency;
use tipvault_vault::{EntryImport, HistoryFilter, KdfParams, Vault};

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

/// Streams `data` through the ledger's importer into the import `begin` opens (timed from
/// the transaction's start to its commit).
fn import<'a>(
    begin: impl FnOnce() -> EntryImport<'a>,
    source: &Source,
    data: &[u8],
    options: ImportOptions,
) -> (u64, Duration) {
    let start = Instant::now();
    let mut import = begin();
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
    let report = import_streaming_parallel(data, &request, &mut stream).unwrap();
    assert!(report.is_clean());
    let outcome = import.commit().unwrap();
    (outcome.inserted, start.elapsed())
}

/// Plain SQLite with the vault's schema and pragmas (the bundled SQLCipher treats an unkeyed
/// file as plain SQLite), holding `source`: the same import's statements run on it.
fn plain_sqlite(dir: &std::path::Path, source: &Source) -> rusqlite::Connection {
    // The same plain database the vault benchmarks compare against (same pragmas, same schema).
    let conn = workload::Plain::create(dir).conn;
    conn.execute(
        "INSERT INTO source (id, label, platform, currency, created_at, expires_at)
         VALUES (?1, ?1, ?2, ?3, 0, ?4)",
        rusqlite::params![
            source.id.as_str(),
            serde_json::to_string(&source.platform).unwrap(),
            source.currency.code(),
            i64::MAX
        ],
    )
    .unwrap();
    conn
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
    // The same rows into plain SQLite first, then into the vault, in this one run.
    let plain_dir = tempfile::tempdir().unwrap();
    let mut plain_conn = plain_sqlite(plain_dir.path(), &plain);
    let (plain_inserted, plain_took) = import(
        || EntryImport::begin_on(&mut plain_conn, plain_dir.path(), &plain.id, now).unwrap(),
        &plain,
        &data,
        ImportOptions::default(),
    );
    assert_eq!(plain_inserted as usize, rows);
    drop(plain_conn);
    drop(plain_dir);
    let (inserted, took) = import(
        || vault.begin_import(&plain.id, None, now).unwrap(),
        &plain,
        &data,
        ImportOptions::default(),
    );
    drop(data);
    assert_eq!(inserted as usize, rows);
    println!(
        "| import {rows} rows into plain SQLite (same schema, statements and pragmas) | {:.0} rows/s ({:.2} s) | — |",
        rows as f64 / plain_took.as_secs_f64(),
        plain_took.as_secs_f64()
    );
    println!(
        "| import {rows} rows into the vault (parse + insert + commit, details dropped) | {:.0} rows/s ({:.2} s) | ≥ 150,000 rows/s |",
        rows as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    println!(
        "| import: vault ÷ plain SQLite | {:.2}× | ≤ 1.5× |",
        took.as_secs_f64() / plain_took.as_secs_f64()
    );
    let data = generate(detail_rows, "TN", true);
    let keep = ImportOptions {
        keep_payer_names: true,
        keep_messages: true,
    };
    let (inserted, took) = import(
        || vault.begin_import(&kept.id, None, now).unwrap(),
        &kept,
        &data,
        keep,
    );
    drop(data);
    assert_eq!(inserted as usize, detail_rows);
    println!(
        "| import {detail_rows} rows with names + messages kept (FTS indexed) | {:.0} rows/s ({:.2} s) | — |",
        detail_rows as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    let total = rows + detail_rows;
    let now = Utc::now();

    // The generated rows' dates: one every 90 s from 2023-01-01 (see `generate`).
    let first = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
    let span = i64::try_from(rows).unwrap() * 90;
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
            // The middle third of the generated rows' dates (a year at 1M rows), so a
            // smaller run filters the same share of its data.
            from: Some(first + chrono::Duration::seconds(span / 3)),
            to: Some(first + chrono::Duration::seconds(2 * span / 3)),
            ..HistoryFilter::default()
        },
    ];
    let mut samples = Vec::new();
    for round in 0..50 {
        for filter in &filters {
            let mut after = None;
            // Walk a few pages deep so later pages are measured too (as deep as there are
            // pages: a small run has fewer).
            for depth in 0..(round % 5 + 1) {
                let start = Instant::now();
                let page = vault.history(filter, after, 100, now).unwrap();
                samples.push(start.elapsed());
                assert!(
                    depth > 0 || !page.entries.is_empty(),
                    "every filter finds something"
                );
                after = page.next;
                if after.is_none() {
                    break;
                }
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
        "| search (a word and a 3-letter prefix, 100 rows) over {detail_rows} kept messages, p95 of 200 | {} | ≤ 10 ms |",
        ms(p95(samples))
    );

    // The walk's worst case: a word only one old row holds (its number; six digits, so the
    // search's prefix match finds no other), so every kept detail newer than it is passed over.
    // Six-digit numbers need at least 200,000 kept messages (the default run has them).
    if detail_rows >= 200_000 {
        let mut samples = Vec::new();
        for i in 0..50 {
            let number = detail_rows / 2 + i * 7 + 3;
            assert!((100_000..detail_rows).contains(&number));
            let filter = HistoryFilter {
                search: Some(format!("{number}")),
                ..HistoryFilter::default()
            };
            let start = Instant::now();
            let page = vault.history(&filter, None, 100, now).unwrap();
            samples.push(start.elapsed());
            assert_eq!(page.entries.len(), 1, "only message {number} holds it");
        }
        println!(
            "| search for a word one old row holds (its number) over {detail_rows} kept messages, p95 of 50 | {} | ≤ 10 ms |",
            ms(p95(samples))
        );
    } else {
        println!(
            "| search for a word one old row holds | skipped: needs 200,000 kept messages ({detail_rows} here) | ≤ 10 ms |"
        );
    }

    let mut samples = Vec::new();
    for _ in 0..500 {
        let start = Instant::now();
        let b = vault.balances(now).unwrap();
        samples.push(start.elapsed());
        assert_eq!(b.len(), 2);
    }
    println!("| balances, p95 of 500 | {} | ≤ 1 ms |", ms(p95(samples)));

    // An account's reconciliation, as `tipvault_app::reconcile_account` uses the vault: read the
    // books (balances, the last reading, the newest receipt booking, earlier reconciliations),
    // then record the reading and its reconciliation in one durable transaction. The account
    // is `kofi-main`'s million entries' neighbour: a provider account of its own.
    let account = Source {
        id: SourceId::new("provider-bench"),
        label: "bench provider".into(),
        platform: Platform::Generic("provider".into()),
        currency: Currency::USD,
        payout: None,
    };
    let usd = |minor: i64| tipvault_money::Money::from_minor(minor, Currency::USD);
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let start = Instant::now();
        let balances = vault.balances(now).unwrap();
        let last = vault.latest_reading("bench", Currency::USD, now).unwrap();
        let newest = vault
            .history(
                &HistoryFilter {
                    source: Some(account.id.clone()),
                    kinds: vec![EntryKind::Redemption, EntryKind::Fee],
                    ..HistoryFilter::default()
                },
                None,
                1,
                now,
            )
            .unwrap();
        let earlier = vault.reconciliations("bench", 50, now).unwrap();
        reads.push(start.elapsed());
        assert!(balances.len() >= 2 && newest.entries.is_empty());
        assert_eq!(last.is_some(), i > 0);
        assert_eq!(earlier.len(), i.min(50));
        let start = Instant::now();
        vault
            .record_reconciliation(
                &tipvault_vault::BalanceReading {
                    provider_id: "bench".into(),
                    amount: usd(0),
                    as_of: now + chrono::Duration::seconds(i as i64),
                    read_at: now,
                    response: "{}".into(),
                },
                &tipvault_vault::NewReconciliation {
                    provider: usd(0),
                    vault: usd(0),
                    outcome: tipvault_vault::ReconciliationOutcome::Matched,
                    detail: "{}".into(),
                },
                &account,
                &[],
                &tipvault_vault::AuditEvent::new("account.reconciled", serde_json::json!({}))
                    .unwrap(),
                now,
            )
            .unwrap();
        writes.push(start.elapsed());
    }
    println!(
        "| account reconciliation: reading the books, p95 of 200 | {} | ≤ 1 ms |",
        ms(p95(reads))
    );
    println!(
        "| account reconciliation: recording it (one durable transaction), p95 of 200 | {} | — |",
        ms(p95(writes))
    );
    vault.lock().unwrap();
}
