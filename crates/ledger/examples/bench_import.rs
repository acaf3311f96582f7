//! Import throughput: generates a Ko-fi-style CSV of 1,000,000 rows in memory and parses it,
//! collecting entries and streaming them to a counting sink. Run with
//! `cargo run --release --example bench_import -p tipvault-ledger`.

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A throughput measurement reads the clock: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;
use tipvault_ledger::import::{ImportRequest, Stream, import, import_streaming};
use tipvault_ledger::{FormatChoice, ImportOptions, Platform, Source, SourceId};
use tipvault_money::Currency;

const ROWS: usize = 1_000_000;

fn generate(with_ids: bool) -> Vec<u8> {
    let mut out = String::with_capacity(ROWS * 130);
    out.push_str("DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId,Reference,SalesTax,SalesTaxPercentage,SalesTaxIncludesShipping,BuyerCountry,BuyerStateOrProvince,BuyerEmail,PaymentProvider\n");
    for i in 0..ROWS {
        let id = if with_ids {
            format!("TX-{i:08}")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "2024-{:02}-{:02} {:02}:{:02}:{:02},Fan {i},Thanks for the stream!,,{}.{:02},,USD,{},{id},,,,,KR,,fan{i}@example.com,PayPal\n",
            i % 12 + 1,
            i % 28 + 1,
            i % 24,
            i % 60,
            (i / 60) % 60,
            i % 50 + 1,
            i % 100,
            ["Tip", "Donation", "Subscription", "Shop Order"][i % 4],
        ));
    }
    out.into_bytes()
}

fn main() {
    let source = Source {
        id: SourceId::new("kofi-bench"),
        label: "bench".into(),
        platform: Platform::KoFi,
        currency: Currency::USD,
        payout: None,
    };
    println!("| case | rows | MB | seconds | rows/s |");
    println!("|---|---:|---:|---:|---:|");
    for (label, with_ids, options, collect) in [
        (
            "transaction ids, collect Vec",
            true,
            ImportOptions::default(),
            true,
        ),
        (
            "transaction ids, streaming sink",
            true,
            ImportOptions::default(),
            false,
        ),
        (
            "fingerprints (no ids), streaming",
            false,
            ImportOptions::default(),
            false,
        ),
        (
            "ids, names+messages kept, streaming",
            true,
            ImportOptions {
                keep_payer_names: true,
                keep_messages: true,
            },
            false,
        ),
    ] {
        let data = generate(with_ids);
        let request = ImportRequest {
            source: &source,
            format: FormatChoice::Auto,
            profile: None,
            options,
        };
        let start = Instant::now();
        let (rows, entries) = if collect {
            match import(&data[..], &request) {
                Ok(r) => (r.rows_read, r.entries.len() as u64),
                Err(e) => {
                    eprintln!("import failed: {e}");
                    return;
                }
            }
        } else {
            let mut count = 0u64;
            let mut on_batch = |b: Vec<tipvault_ledger::Entry>| {
                count += b.len() as u64;
                Ok(())
            };
            let mut stream = Stream {
                total_bytes: Some(data.len() as u64),
                batch_size: 10_000,
                on_batch: &mut on_batch,
                on_progress: &mut |_| {},
                is_cancelled: &|| false,
            };
            match import_streaming(&data[..], &request, &mut stream) {
                Ok(r) => (r.rows_read, count),
                Err(e) => {
                    eprintln!("import failed: {e}");
                    return;
                }
            }
        };
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(rows, entries, "every generated row is valid");
        println!(
            "| {label} | {rows} | {:.0} | {secs:.2} | {:.0} |",
            data.len() as f64 / 1e6,
            rows as f64 / secs
        );
    }
}
