//! `import`: every format, encoding, privacy rule and kind of bad input, plus streaming.

use super::common::{
    KEEP_ALL, fixture, import_ok, korean_profile, korean_source, source, try_import,
};
use std::cell::Cell;
use std::io::Read;
use tipvault_ledger::import::{
    ImportRequest, MAX_LISTED, Progress, Stream, TextEncoding, import, import_streaming,
    import_streaming_parallel,
};
use tipvault_ledger::{
    DroppedSummary, EntryKind, Format, FormatChoice, ImportError, ImportOptions, MappingProfile,
    Platform,
};
use tipvault_money::Currency;

fn kofi() -> tipvault_ledger::Source {
    source("kofi-main", Platform::KoFi, Currency::USD)
}

fn lines_and_columns(report: &tipvault_ledger::ImportReport) -> Vec<(u64, String)> {
    report
        .errors
        .iter()
        .map(|e| (e.row, e.column.clone()))
        .collect()
}

#[test]
fn kofi_is_detected_and_imported_with_everything_personal_dropped_by_default() {
    let r = import_ok("kofi.csv", &kofi(), None, ImportOptions::default());
    assert_eq!(r.format, Format::KoFi);
    assert!(
        r.format_reason.contains("DateTime (UTC)"),
        "{}",
        r.format_reason
    );
    assert_eq!(r.encoding, TextEncoding::Utf8);
    assert_eq!((r.rows_read, r.entries.len()), (4, 4));
    assert!(r.is_clean(), "{:?}", r.errors);
    let kinds: Vec<_> = r.entries.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::Donation,
            EntryKind::Tip,
            EntryKind::Subscription,
            EntryKind::ShopOrder
        ]
    );
    let first = &r.entries[0];
    assert_eq!(first.gross().to_string(), "5.00 USD");
    assert_eq!(first.net(), first.gross(), "Ko-fi shows no fee");
    assert_eq!(
        first.occurred_at().to_rfc3339(),
        "2024-03-01T09:15:00+00:00",
        "Ko-fi times are UTC"
    );
    assert_eq!(r.entries[2].currency(), Currency::EUR);
    assert!(
        r.entries
            .iter()
            .all(|e| e.payer().is_none() && e.message().is_none())
    );
    assert_eq!(
        r.dropped,
        DroppedSummary {
            emails: 4,
            names: 4,
            messages: 3,
            other_personal: 6
        },
        "4 BuyerEmail, 4 From, 3 messages, 4 BuyerCountry + 2 BuyerStateOrProvince"
    );
}

#[test]
fn kept_names_and_messages_still_lose_their_email_addresses() {
    let r = import_ok("kofi.csv", &kofi(), None, KEEP_ALL);
    assert_eq!(r.entries[0].payer(), Some("Mina Example"));
    assert_eq!(r.entries[0].message(), Some("Love the stream!"));
    assert_eq!(r.entries[2].message(), Some("contact me: [e-mail removed]"));
    assert_eq!(
        r.dropped.emails, 5,
        "4 BuyerEmail cells + 1 address inside a message"
    );
    assert_eq!((r.dropped.names, r.dropped.messages), (0, 0));
    for e in &r.entries {
        let json = serde_json::to_string(e).unwrap();
        assert!(
            !json.contains("@example."),
            "no e-mail address may reach an entry: {json}"
        );
    }
}

#[test]
fn bad_rows_are_reported_by_line_and_column_and_good_rows_survive() {
    let r = import_ok("kofi_bad.csv", &kofi(), None, ImportOptions::default());
    assert_eq!(r.rows_read, 9);
    let ok: Vec<String> = r.entries.iter().map(|e| e.gross().to_string()).collect();
    assert_eq!(ok, ["2.50 USD", "1000 KRW"], "only lines 7 and 9 are valid");
    let expected: Vec<(u64, String)> = [
        (2, "Currency"),
        (3, "Received"),
        (4, "Received"),
        (5, "DateTime (UTC)"),
        (6, ""),
        (8, "Received"),
        (10, "Received"),
    ]
    .iter()
    .map(|(l, c)| (*l, (*c).to_owned()))
    .collect();
    assert_eq!(lines_and_columns(&r), expected, "{:#?}", r.errors);
    let reasons: Vec<&str> = r.errors.iter().map(|e| e.reason.as_str()).collect();
    assert!(
        reasons[0].contains("unknown currency 'XYZ'"),
        "{}",
        reasons[0]
    );
    assert!(reasons[1].contains("decimal place"), "{}", reasons[1]);
    assert!(
        reasons[2].contains("negative") && reasons[2].contains("refund"),
        "{}",
        reasons[2]
    );
    assert!(reasons[3].contains("not a valid date"), "{}", reasons[3]);
    assert!(reasons[4].contains("malformed row"), "{}", reasons[4]);
    assert!(
        reasons[6].contains("KRW amounts have no decimal places"),
        "{}",
        reasons[6]
    );
}

#[test]
fn empty_header_only_binary_and_missing_column_files() {
    let s = kofi();
    let o = ImportOptions::default();
    assert!(matches!(
        try_import("empty.csv", &s, FormatChoice::Auto, None, o),
        Err(ImportError::Empty)
    ));
    assert!(matches!(
        try_import("binary.bin", &s, FormatChoice::Auto, None, o),
        Err(ImportError::NotText { .. })
    ));
    let header_only = import_ok("kofi_header_only.csv", &s, None, o);
    assert_eq!(
        (
            header_only.format,
            header_only.rows_read,
            header_only.entries.len(),
            header_only.errors.len()
        ),
        (Format::KoFi, 0, 0, 0),
        "a header-only export is a valid, empty import"
    );
    match try_import(
        "kofi_missing_received.csv",
        &s,
        FormatChoice::Force(Format::KoFi),
        None,
        o,
    ) {
        Err(ImportError::MissingColumn {
            format: Format::KoFi,
            column,
        }) => assert_eq!(column, "Received"),
        other => panic!("a missing required column is a per-file error, got {other:?}"),
    }
    assert!(
        matches!(
            try_import("kofi_missing_received.csv", &s, FormatChoice::Auto, None, o),
            Err(ImportError::UnknownFormat { .. })
        ),
        "without Received the header is not recognisably Ko-fi"
    );
}

#[test]
fn a_forced_format_overrides_detection() {
    let s = kofi();
    let r = try_import(
        "stripe.csv",
        &s,
        FormatChoice::Force(Format::KoFi),
        None,
        ImportOptions::default(),
    );
    assert!(
        matches!(
            r,
            Err(ImportError::MissingColumn {
                format: Format::KoFi,
                ..
            })
        ),
        "forcing Ko-fi on a Stripe file must not silently detect Stripe: {r:?}"
    );
    let ok = try_import(
        "stripe.csv",
        &s,
        FormatChoice::Force(Format::Stripe),
        None,
        ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(ok.format_reason, "chosen explicitly");
    assert_eq!(
        Format::parse("github-sponsors"),
        Some(Format::GitHubSponsors)
    );
}

#[test]
fn utf16_and_utf8_boms_are_detected_and_decoded() {
    for (name, enc) in [
        ("kofi_utf16le_bom.csv", TextEncoding::Utf16Le),
        ("kofi_utf16be_bom.csv", TextEncoding::Utf16Be),
        ("kofi_utf8_bom.csv", TextEncoding::Utf8Bom),
    ] {
        let r = import_ok(name, &kofi(), None, KEEP_ALL);
        assert_eq!(r.encoding, enc, "{name}");
        assert_eq!(
            r.format,
            Format::KoFi,
            "{name}: the BOM must not hide the first header"
        );
        assert_eq!(r.entries.len(), 1, "{name}: {:?}", r.errors);
        assert_eq!(r.entries[0].payer(), Some("유나"));
        assert_eq!(r.entries[0].message(), Some("응원해요 💜"));
    }
}

#[test]
fn paypal_with_extra_and_reordered_columns_imports_only_completed_payments() {
    let s = source("paypal-main", Platform::PayPal, Currency::USD);
    let r = import_ok(
        "paypal_extra_reordered.csv",
        &s,
        None,
        ImportOptions::default(),
    );
    assert_eq!(r.format, Format::PayPal);
    assert_eq!(r.rows_read, 7);
    let entries: Vec<(EntryKind, String, String, String)> = r
        .entries
        .iter()
        .map(|e| {
            (
                e.kind(),
                e.gross().to_string(),
                e.fee().to_string(),
                e.net().to_string(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                EntryKind::Donation,
                "25.00 USD".into(),
                "1.17 USD".into(),
                "23.83 USD".into()
            ),
            (
                EntryKind::Subscription,
                "1200.00 USD".into(),
                "42.10 USD".into(),
                "1157.90 USD".into()
            ),
            (
                EntryKind::Payout,
                "-100.00 USD".into(),
                "0.00 USD".into(),
                "-100.00 USD".into()
            ),
        ],
        "PayPal's negative fee becomes the fee kept; grouping commas are read"
    );
    assert_eq!(
        r.entries[0].occurred_at().to_rfc3339(),
        "2024-03-10T15:30:00+00:00",
        "08:30 PDT is 15:30 UTC"
    );
    assert_eq!(
        r.entries[1].occurred_at().to_rfc3339(),
        "2024-03-13T07:59:59+00:00",
        "PST is UTC−8"
    );
    assert_eq!(
        r.entries[2].occurred_at().to_rfc3339(),
        "2024-03-13T11:00:00+00:00",
        "CET is UTC+1"
    );
    let skipped: Vec<u64> = r.skipped.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        skipped,
        [3, 7],
        "Pending and Denied are skipped: {:?}",
        r.skipped
    );
    assert!(r.skipped[0].1.contains("Pending"));
    assert_eq!(
        lines_and_columns(&r),
        [(6, "Net".to_owned()), (8, "TimeZone".to_owned())]
    );
    assert!(
        r.errors[0].reason.contains("is not gross"),
        "{}",
        r.errors[0].reason
    );
    assert_eq!(r.dropped.emails, 8, "From/To Email Address cells");
    assert_eq!(r.dropped.other_personal, 2, "shipping address and phone");
}

#[test]
fn stripe_balance_transactions_keep_their_signs_and_categories() {
    let s = source("stripe-main", Platform::Stripe, Currency::USD);
    let r = import_ok("stripe.csv", &s, None, ImportOptions::default());
    assert_eq!(r.format, Format::Stripe);
    assert!(r.is_clean(), "{:?}", r.errors);
    let got: Vec<(EntryKind, String)> = r
        .entries
        .iter()
        .map(|e| (e.kind(), e.net().to_string()))
        .collect();
    assert_eq!(
        got,
        [
            (EntryKind::Credit, "19.12 USD".into()),
            (EntryKind::Refund, "-5.00 USD".into()),
            (EntryKind::Payout, "-14.12 USD".into()),
            (EntryKind::Credit, "38840 KRW".into()),
        ]
    );
    assert_eq!(
        r.dropped.messages, 4,
        "descriptions are messages, dropped by default"
    );
}

#[test]
fn github_sponsors_skips_unsettled_rows_and_drops_public_emails() {
    let s = source("gh", Platform::GitHubSponsors, Currency::USD);
    let r = import_ok("github_sponsors.csv", &s, None, KEEP_ALL);
    assert_eq!(r.format, Format::GitHubSponsors);
    assert_eq!(r.entries.len(), 2);
    assert_eq!(
        r.entries[1].gross().to_string(),
        "2.50 USD",
        "prorated amount, '$' stripped"
    );
    assert_eq!(r.entries[0].payer(), Some("Octo Fan"));
    assert_eq!(
        r.entries[1].payer(),
        Some("quiet-one"),
        "falls back to the handle"
    );
    assert_eq!(r.skipped.len(), 1);
    assert!(r.skipped[0].1.contains("refunded"));
    assert_eq!(r.dropped.emails, 1);
    assert_eq!(r.dropped.other_personal, 4, "3 Country + 1 Region");
}

#[test]
fn cp949_korean_sheet_through_a_saved_profile() {
    let p = korean_profile();
    let r = import_ok("korean_cp949.csv", &korean_source(), Some(&p), KEEP_ALL);
    assert_eq!(r.encoding, TextEncoding::EucKr);
    assert_eq!(r.format, Format::Generic);
    assert!(r.format_reason.contains("투네이션 시트"));
    let got: Vec<(EntryKind, String, String)> = r
        .entries
        .iter()
        .map(|e| {
            (
                e.kind(),
                e.gross().to_string(),
                e.occurred_at().to_rfc3339(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                EntryKind::Donation,
                "5000 KRW".into(),
                "2024-03-01T12:30:00+00:00".into()
            ),
            (
                EntryKind::Donation,
                "10000 KRW".into(),
                "2024-03-01T14:59:00+00:00".into()
            ),
            (
                EntryKind::Subscription,
                "1500 KRW".into(),
                "2024-03-01T15:10:00+00:00".into()
            ),
        ],
        "21:30 in Seoul is 12:30 UTC; '5,000원' is ₩5,000"
    );
    assert_eq!(r.entries[0].payer(), Some("별빛팬"));
    assert_eq!(
        lines_and_columns(&r),
        [(5, "날짜".to_owned()), (6, "금액".to_owned())]
    );
    assert!(r.errors[1].reason.contains("negative"));
    assert_eq!(r.dropped.emails, 2);
    assert_eq!(r.dropped.other_personal, 1, "연락처 (phone)");
}

#[test]
fn patreon_members_list_keeps_nothing_personal() {
    let p: MappingProfile = serde_json::from_str(
        r#"{"name":"Patreon members","has_header":true,"date":"Last Charge Date",
            "date_format":"%Y-%m-%d %H:%M:%S","time_zone":"UTC","decimal_separator":".",
            "amounts":{"layout":"single","amount":"Pledge Amount"},"currency":{"column":"Currency"},
            "id":null,"kind":{"column":null,"default":"subscription"},"payer":"Name"}"#,
    )
    .unwrap();
    let s = source(
        "patreon",
        Platform::Generic("Patreon members".into()),
        Currency::USD,
    );
    let r = import_ok(
        "patreon_members.csv",
        &s,
        Some(&p),
        ImportOptions::default(),
    );
    assert_eq!(r.entries.len(), 2, "{:?}", r.errors);
    assert_eq!(r.dropped.emails, 2);
    assert_eq!(r.dropped.names, 2 + 1, "Name ×2 and Addressee ×1");
    assert_eq!(
        r.dropped.other_personal, 9,
        "row 1: Twitter, Discord, Street, City, State, Zip, Country, Phone; row 2: Country"
    );
    for e in &r.entries {
        assert_eq!((e.payer(), e.message()), (None, None));
    }
}

#[test]
fn profiles_are_validated_before_reading() {
    let mut p = korean_profile();
    p.decimal_separator = ';';
    assert!(matches!(
        p.validate(),
        Err(ImportError::InvalidProfile { .. })
    ));
    let mut p = korean_profile();
    p.date_format = "%Y-%Q".into();
    assert!(matches!(
        p.validate(),
        Err(ImportError::InvalidProfile { .. })
    ));
    let mut p = korean_profile();
    p.has_header = false;
    let r = try_import(
        "korean_cp949.csv",
        &korean_source(),
        FormatChoice::Auto,
        Some(&p),
        KEEP_ALL,
    );
    assert!(
        matches!(r, Err(ImportError::InvalidProfile { .. })),
        "named columns need a header row: {r:?}"
    );
}

/// A Ko-fi CSV generated row by row, never held in memory.
struct GeneratedKoFi {
    rows: u64,
    next: u64,
    pending: Vec<u8>,
    pos: usize,
}

impl GeneratedKoFi {
    fn new(rows: u64) -> Self {
        let header = b"DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId,Reference,SalesTax,SalesTaxPercentage,SalesTaxIncludesShipping,BuyerCountry,BuyerStateOrProvince,BuyerEmail,PaymentProvider\n";
        GeneratedKoFi {
            rows,
            next: 0,
            pending: header.to_vec(),
            pos: 0,
        }
    }
}

impl Read for GeneratedKoFi {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.pending.len() {
            if self.next == self.rows {
                return Ok(0);
            }
            let i = self.next;
            self.next += 1;
            self.pending = format!(
                "2024-{:02}-{:02} {:02}:{:02}:00,Fan {i},thanks,,{}.{:02},,USD,Tip,TX-{i},,,,,KR,,fan{i}@example.com,PayPal\n",
                i % 12 + 1, i % 28 + 1, i % 24, i % 60, i % 100 + 1, i % 100
            )
            .into_bytes();
            self.pos = 0;
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn streaming_200k_rows_hands_bounded_batches_to_the_sink() {
    const ROWS: u64 = 200_000;
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let mut batches = 0u64;
    let mut largest = 0usize;
    let mut total = 0u64;
    let mut progress: Vec<Progress> = Vec::new();
    let mut on_batch = |b: Vec<tipvault_ledger::Entry>| {
        batches += 1;
        largest = largest.max(b.len());
        total += b.len() as u64;
        Ok(())
    };
    let mut on_progress = |p: Progress| progress.push(p);
    let mut stream = Stream {
        total_bytes: None,
        batch_size: 5_000,
        on_batch: &mut on_batch,
        on_progress: &mut on_progress,
        is_cancelled: &|| false,
    };
    let report = import_streaming(GeneratedKoFi::new(ROWS), &request, &mut stream).unwrap();
    assert!(
        report.entries.is_empty(),
        "streamed entries are not also collected"
    );
    assert_eq!(
        (report.rows_read, report.entries_total, total),
        (ROWS, ROWS, ROWS)
    );
    assert_eq!(batches, ROWS / 5_000, "entries arrive in full batches");
    assert_eq!(
        largest, 5_000,
        "no batch exceeds the batch size: memory is bounded by it"
    );
    assert_eq!(report.dropped.emails, ROWS);
    assert!(
        progress.len() as u64 >= ROWS / 4096,
        "progress is reported as rows are read"
    );
    assert!(
        progress
            .windows(2)
            .all(|w| w[0].bytes_read <= w[1].bytes_read),
        "progress never goes backwards"
    );
    assert!(
        progress.last().unwrap().bytes_read > 200_000 * 80,
        "all bytes are counted"
    );
}

#[test]
fn streaming_memory_does_not_grow_with_the_file_but_collecting_does() {
    const ROWS: u64 = 200_000;
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let (streamed, stream_peak) = super::memory::peak_heap(|| {
        let mut count = 0u64;
        let mut on_batch = |b: Vec<tipvault_ledger::Entry>| {
            count += b.len() as u64;
            Ok(())
        };
        let mut stream = Stream {
            total_bytes: None,
            batch_size: 1_000,
            on_batch: &mut on_batch,
            on_progress: &mut |_| {},
            is_cancelled: &|| false,
        };
        import_streaming(GeneratedKoFi::new(ROWS), &request, &mut stream).unwrap();
        count
    });
    assert_eq!(streamed, ROWS);
    let (collected, collect_peak) = super::memory::peak_heap(|| {
        import(GeneratedKoFi::new(ROWS), &request)
            .unwrap()
            .entries
            .len()
    });
    assert_eq!(collected as u64, ROWS);
    assert!(
        stream_peak < 4 << 20,
        "streaming 200k rows (~25 MB of CSV) must stay within a few MiB, used {stream_peak} bytes"
    );
    assert!(
        collect_peak > 10 * stream_peak,
        "the measurement must be able to see growth: collecting peaked at {collect_peak} bytes"
    );
}

#[test]
fn bytes_invalid_in_the_detected_encoding_later_in_the_file_fail_the_whole_file() {
    let mut text = String::from("DateTime (UTC),Received,Currency,TransactionType,TransactionId\n");
    while text.len() < 70 * 1024 {
        text.push_str("2024-01-01 00:00:00,1.00,USD,Tip,T\n");
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"2024-01-01 00:00:00,1.00,USD,\xC6\xC1,T\n"); // CP949 after 70 KiB of UTF-8
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    match import(&bytes[..], &request) {
        Err(ImportError::Decode { detail }) => assert!(detail.contains("UTF-8"), "{detail}"),
        other => panic!("a file that changes encoding must fail as a whole, got {other:?}"),
    }
}

#[test]
fn progress_counts_file_bytes_against_the_total() {
    let bytes = fixture("kofi_utf16le_bom.csv");
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: KEEP_ALL,
    };
    let mut last = None;
    let mut stream = Stream {
        total_bytes: Some(bytes.len() as u64),
        batch_size: 10,
        on_batch: &mut |_| Ok(()),
        on_progress: &mut |p| last = Some(p),
        is_cancelled: &|| false,
    };
    import_streaming(&bytes[..], &request, &mut stream).unwrap();
    let last = last.unwrap();
    assert_eq!(
        Some(last.bytes_read),
        last.total_bytes,
        "the final report covers the whole file, BOM included"
    );
}

#[test]
fn cancellation_stops_the_import_and_returns_no_entries() {
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let polls = Cell::new(0);
    let cancel = || {
        polls.set(polls.get() + 1);
        polls.get() > 3
    };
    let mut stream = Stream {
        total_bytes: None,
        batch_size: 1000,
        on_batch: &mut |_| Ok(()),
        on_progress: &mut |_| {},
        is_cancelled: &cancel,
    };
    match import_streaming(GeneratedKoFi::new(100_000), &request, &mut stream) {
        Err(ImportError::Cancelled { rows_read }) => assert_eq!(rows_read, 4 * 4096),
        other => panic!("expected a cancellation, got {other:?}"),
    }
}

#[test]
fn a_failing_sink_stops_the_import() {
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let mut stream = Stream {
        total_bytes: None,
        batch_size: 100,
        on_batch: &mut |_| Err("disk full".into()),
        on_progress: &mut |_| {},
        is_cancelled: &|| false,
    };
    let r = import_streaming(GeneratedKoFi::new(1_000), &request, &mut stream);
    assert!(matches!(r, Err(ImportError::Sink(e)) if e.to_string() == "disk full"));
}

#[test]
fn the_error_list_is_capped_but_every_error_is_counted() {
    let mut text = String::from("DateTime (UTC),Received,Currency,TransactionType,TransactionId\n");
    let n = MAX_LISTED + 5;
    for i in 0..n {
        text.push_str(&format!("2024-01-01 00:00:00,1.00,ZZZ,Tip,T{i}\n"));
    }
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let r = import(text.as_bytes(), &request).unwrap();
    assert_eq!(r.errors.len(), MAX_LISTED);
    assert_eq!(r.errors_not_listed, 5);
    assert!(!r.is_clean());
}

#[test]
fn a_column_position_past_any_file_is_refused_without_allocating_for_it() {
    // Found by the fuzz target `import_profile` (tests/fuzz/regressions/import_profile/): a
    // headerless profile naming column 6,000,000,000,000 made the import ask for 6 TB.
    let p: MappingProfile = serde_json::from_str(
        r#"{"name":"far","has_header":false,"date":1,"date_format":"%Y-%m-%d",
            "time_zone":"UTC","decimal_separator":".",
            "amounts":{"layout":"single","amount":6000000000000},
            "currency":{"fixed":"USD"},"kind":{"column":null,"default":"tip"}}"#,
    )
    .unwrap();
    let s = source("far", Platform::Generic("far".into()), Currency::USD);
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: Some(&p),
        options: ImportOptions::default(),
    };
    let err = import(&b"2024-01-01,5.00\n"[..], &request).unwrap_err();
    assert!(
        matches!(&err, ImportError::InvalidProfile { reason, .. }
            if reason.contains("past the last column")),
        "{err}"
    );
}

#[test]
fn headerless_semicolon_file_with_decimal_commas_and_gross_fee_net_by_position() {
    let p: MappingProfile = serde_json::from_str(
        r#"{"name":"bank sheet","has_header":false,"delimiter":";","date":1,
            "date_format":"%d.%m.%Y","time_zone":"Europe/Berlin","decimal_separator":",",
            "amounts":{"layout":"gross_fee_net","gross":2,"fee":3,"net":4},
            "currency":{"column":5},"id":6,"kind":{"column":null,"default":"tip"}}"#,
    )
    .unwrap();
    let text = "01.03.2024;1.234,50;34,50;1.200,00;EUR;A1;someone@example.com\n\
                02.03.2024;10,00;1,00;8,00;EUR;A2;\n\
                03.03.2024;10,00;1,00;9,00;EUR;;\n";
    let s = source(
        "bank",
        Platform::Generic("bank sheet".into()),
        Currency::EUR,
    );
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: Some(&p),
        options: ImportOptions::default(),
    };
    let r = import(text.as_bytes(), &request).unwrap();
    assert_eq!(r.rows_read, 3, "without a header row every line is data");
    let got: Vec<(String, String)> = r
        .entries
        .iter()
        .map(|e| (e.gross().to_string(), e.occurred_at().to_rfc3339()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "1234.50 EUR".to_owned(),
                "2024-02-29T23:00:00+00:00".to_owned()
            ),
            (
                "10.00 EUR".to_owned(),
                "2024-03-02T23:00:00+00:00".to_owned()
            ),
        ],
        "decimal commas, dot grouping, and Berlin midnight is 23:00 UTC"
    );
    assert_eq!(
        lines_and_columns(&r),
        [(2, "#4".to_owned())],
        "row 2: 10,00 − 1,00 ≠ 8,00"
    );
    assert!(r.errors[0].reason.contains("is not gross"));
    assert!(
        matches!(
            r.entries[1].key(),
            tipvault_ledger::EntryKey::Fingerprint { .. }
        ),
        "an empty id falls back to a fingerprint"
    );
    assert_eq!(
        r.dropped.emails, 1,
        "an unmapped cell that is an e-mail address is counted even without headers"
    );
}

#[test]
fn a_mapping_profile_survives_saving_and_loading() {
    let p = korean_profile();
    let saved = serde_json::to_string(&p).unwrap();
    assert!(saved.contains(r#""time_zone":"Asia/Seoul""#), "{saved}");
    assert_eq!(serde_json::from_str::<MappingProfile>(&saved).unwrap(), p);
}

#[test]
fn kofi_given_is_ignored_next_to_received_and_slash_dates_are_refused() {
    let text = "DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId\n\
                2026-07-01T13:04:30Z,Jo,,,3.00,2.90,USD,Tip,t1\n\
                2026-07-02 10:00,Me,,,,4.00,USD,Tip,t2\n\
                03/04/2026 10:00:00,X,,,1.00,,USD,Tip,t3\n";
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let r = import(text.as_bytes(), &request).unwrap();
    let got: Vec<(EntryKind, String)> = r
        .entries
        .iter()
        .map(|e| (e.kind(), e.gross().to_string()))
        .collect();
    assert_eq!(
        got,
        [
            (EntryKind::Tip, "3.00 USD".to_owned()),
            (EntryKind::Other, "-4.00 USD".to_owned())
        ],
        "Received is the gross; a Given-only row is value sent out"
    );
    assert_eq!(
        lines_and_columns(&r),
        [(4, "DateTime (UTC)".to_owned())],
        "03/04 could be March or April"
    );
}

/// What a streaming import handed over: every batch (as debug text), every progress report
/// and the report (or error).
fn streamed(
    parallel: bool,
    input: &[u8],
    batch_size: usize,
) -> (Vec<String>, Vec<Progress>, String) {
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: KEEP_ALL,
    };
    let mut batches = Vec::new();
    let mut progress = Vec::new();
    let mut stream = Stream {
        total_bytes: Some(input.len() as u64),
        batch_size,
        on_batch: &mut |b| {
            batches.push(format!("{b:?}"));
            Ok(())
        },
        on_progress: &mut |p| progress.push(p),
        is_cancelled: &|| false,
    };
    let report = if parallel {
        import_streaming_parallel(input, &request, &mut stream)
    } else {
        import_streaming(input, &request, &mut stream)
    };
    (batches, progress, format!("{report:?}"))
}

#[test]
fn the_parallel_import_hands_over_exactly_what_the_sequential_one_does() {
    let mut generated = Vec::new();
    GeneratedKoFi::new(20_000)
        .read_to_end(&mut generated)
        .unwrap();
    // With bad rows among good ones, too.
    let mut damaged = String::from_utf8(generated.clone()).unwrap();
    damaged.push_str("not a date,1.00,USD\n2024-01-01 00:00:00,abc,USD,Tip,X\n");
    for input in [
        generated,
        damaged.into_bytes(),
        fixture("kofi_utf16le_bom.csv"),
    ] {
        for batch in [1, 7, 4096] {
            let sequential = streamed(false, &input, batch);
            let parallel = streamed(true, &input, batch);
            assert!(!sequential.0.is_empty());
            assert_eq!(parallel, sequential, "batch size {batch}");
        }
    }
}

#[test]
fn the_parallel_import_stops_when_cancelled_or_when_the_sink_fails() {
    let s = kofi();
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: None,
        options: ImportOptions::default(),
    };
    let polls = Cell::new(0);
    let cancel = || {
        polls.set(polls.get() + 1);
        polls.get() > 3
    };
    let batches = Cell::new(0);
    let mut on_batch = |_| {
        batches.set(batches.get() + 1);
        Ok(())
    };
    let mut stream = Stream {
        total_bytes: None,
        batch_size: 1000,
        on_batch: &mut on_batch,
        on_progress: &mut |_| {},
        is_cancelled: &cancel,
    };
    match import_streaming_parallel(GeneratedKoFi::new(1_000_000), &request, &mut stream) {
        Err(ImportError::Cancelled { .. }) => {}
        other => panic!("expected a cancellation, got {other:?}"),
    }
    // Polled before each batch or progress report: three batches went through, then the
    // fourth poll cancelled and nothing more was handed over.
    assert_eq!((polls.get(), batches.get()), (4, 3));

    let mut stream = Stream {
        total_bytes: None,
        batch_size: 100,
        on_batch: &mut |_| Err("disk full".into()),
        on_progress: &mut |_| {},
        is_cancelled: &|| false,
    };
    let r = import_streaming_parallel(GeneratedKoFi::new(1_000_000), &request, &mut stream);
    assert!(matches!(r, Err(ImportError::Sink(e)) if e.to_string() == "disk full"));
}
