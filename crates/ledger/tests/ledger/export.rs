//! `export`: CSV injection is neutralised, JSON round-trips exactly, and the real `bean-check`
//! and `hledger` accept the journals (and reject a broken one, so the check can fail).

use super::common::{KEEP_ALL, import_ok, korean_profile, korean_source, source};
use chrono::TimeZone;
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;
use tipvault_ledger::entry::{Fingerprint, NewEntry};
use tipvault_ledger::export::{read_json, write_beancount, write_csv, write_hledger, write_json};
use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source, SourceId, Zone};
use tipvault_money::{Currency, Money};

/// Entries from every fixture format, with names and messages kept (the worst case for
/// escaping), and their sources.
fn everything() -> (Vec<Entry>, Vec<Source>) {
    let sources = vec![
        source("kofi-main", Platform::KoFi, Currency::USD),
        source("paypal-main", Platform::PayPal, Currency::USD),
        source("stripe-main", Platform::Stripe, Currency::USD),
        source("gh", Platform::GitHubSponsors, Currency::USD),
        korean_source(),
    ];
    let mut entries = Vec::new();
    for (file, s) in [
        ("kofi.csv", &sources[0]),
        ("kofi_utf16le_bom.csv", &sources[0]),
        ("paypal_extra_reordered.csv", &sources[1]),
        ("stripe.csv", &sources[2]),
        ("github_sponsors.csv", &sources[3]),
    ] {
        entries.extend(import_ok(file, s, None, KEEP_ALL).entries);
    }
    let p = korean_profile();
    entries.extend(import_ok("korean_cp949.csv", &sources[4], Some(&p), KEEP_ALL).entries);
    // A 3-decimal currency and a quote-laden name, to exercise amounts and escaping.
    let bhd = |s: &str| Money::parse(s, Currency::BHD).unwrap();
    entries.push(
        Entry::new(NewEntry {
            source: SourceId::new("kofi-main"),
            kind: EntryKind::Tip,
            occurred_at: chrono::Utc.with_ymd_and_hms(2024, 3, 20, 8, 0, 0).unwrap(),
            gross: bhd("1.234"),
            fee: bhd("0.001"),
            net: bhd("1.233"),
            key: EntryKey::TransactionId {
                platform: "kofi".into(),
                source: SourceId::new("kofi-main"),
                id: "X;1".into(),
            },
            payer: Some("O\"Brien \\ ; co".into()),
            message: Some("line one\nline two  ; not a comment".into()),
        })
        .unwrap(),
    );
    (entries, sources)
}

#[test]
fn csv_injection_from_an_imported_file_does_not_survive_as_a_formula() {
    let (entries, sources) = everything();
    assert!(
        entries
            .iter()
            .any(|e| e.message() == Some("=cmd|' /C calc'!A0")),
        "the payload must really come through the import"
    );
    let mut out = Vec::new();
    write_csv(&mut out, &entries, &sources).unwrap();
    let mut reader = csv::Reader::from_reader(&out[..]);
    let headers = reader.headers().unwrap().clone();
    let message_col = headers.iter().position(|h| h == "message").unwrap();
    let mut saw_payload = 0;
    for record in reader.records() {
        let record = record.unwrap();
        for (i, cell) in record.iter().enumerate() {
            if ["gross", "fee", "net"].contains(&&headers[i]) {
                continue; // numbers we wrote ourselves
            }
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "cell {:?} in column {} would run as a formula",
                cell,
                &headers[i]
            );
        }
        let message = &record[message_col];
        if message.contains("cmd|") || message.contains("HYPERLINK") {
            assert!(
                message.starts_with("'="),
                "payload neutralised with a quote: {message}"
            );
            saw_payload += 1;
        }
    }
    assert_eq!(
        saw_payload, 2,
        "both the Ko-fi and the Korean payloads were exported"
    );
}

#[test]
fn json_uses_money_machine_form_and_reads_back_exactly() {
    let (entries, sources) = everything();
    let mut out = Vec::new();
    write_json(&mut out, &entries, &sources).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["format_version"], 1);
    assert_eq!(
        value["entries"][0]["gross"],
        serde_json::json!({"amount": "5.00", "currency": "USD"})
    );
    let back = read_json(&out[..]).unwrap();
    assert_eq!(back.entries, entries);
    assert_eq!(back.sources, sources);
    let newer = String::from_utf8(out).unwrap().replacen(
        "\"format_version\": 1",
        "\"format_version\": 2",
        1,
    );
    assert!(
        read_json(newer.as_bytes()).is_err(),
        "a newer format is refused, not misread"
    );
}

#[test]
fn an_entry_of_an_unknown_source_is_an_error() {
    let (entries, sources) = everything();
    let r = write_csv(Vec::new(), &entries, &sources[..1]);
    assert!(matches!(
        r,
        Err(tipvault_ledger::export::ExportError::UnknownSource { .. })
    ));
}

fn run_tool(program: &str, args: &[&str], install: &str) -> std::process::Output {
    Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("`{program}` is needed by this test and could not be run ({e}); install it with: {install}")
    })
}

fn bean_check(path: &Path) -> std::process::Output {
    run_tool(
        "bean-check",
        &[path.to_str().unwrap()],
        "pip install beancount",
    )
}

fn hledger_check(path: &Path) -> std::process::Output {
    run_tool(
        "hledger",
        &["-f", path.to_str().unwrap(), "check", "--strict"],
        "apt-get update && apt-get install -y hledger",
    )
}

fn show(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn bean_check_accepts_the_beancount_export_and_rejects_a_tampered_one() {
    let (entries, sources) = everything();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tipvault.beancount");
    let mut text = Vec::new();
    write_beancount(
        &mut text,
        &entries,
        &sources,
        &Zone::named("Asia/Seoul").unwrap(),
    )
    .unwrap();
    std::fs::write(&path, &text).unwrap();
    let out = bean_check(&path);
    assert!(
        out.status.success(),
        "bean-check rejected the export:\n{}\n{}",
        show(&out),
        String::from_utf8_lossy(&text)
    );
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("Income:Tips:Kofi  -3.00 USD"),
        "income is the negated gross"
    );
    assert!(text.contains("1.233 BHD"), "exact 3-decimal amounts");
    // Tamper with one amount: the check must fail, proving this test can fail.
    let bad = dir.path().join("bad.beancount");
    std::fs::write(&bad, text.replacen("-3.00 USD", "-3.01 USD", 1)).unwrap();
    assert!(
        !bean_check(&bad).status.success(),
        "an unbalanced transaction must be rejected"
    );
}

#[test]
fn hledger_accepts_the_journal_export_strictly_and_rejects_a_tampered_one() {
    let (entries, sources) = everything();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tipvault.journal");
    let mut text = Vec::new();
    write_hledger(
        &mut text,
        &entries,
        &sources,
        &Zone::named("Asia/Seoul").unwrap(),
    )
    .unwrap();
    std::fs::write(&path, &text).unwrap();
    let out = hledger_check(&path);
    assert!(
        out.status.success(),
        "hledger rejected the export:\n{}\n{}",
        show(&out),
        String::from_utf8_lossy(&text)
    );
    // The balance of the assets must be exactly the sum of nets, per currency.
    let bal = run_tool(
        "hledger",
        &[
            "-f",
            path.to_str().unwrap(),
            "bal",
            "assets:kofi",
            "--flat",
            "-N",
            "--no-elide",
        ],
        "apt-get update && apt-get install -y hledger",
    );
    let bal = String::from_utf8_lossy(&bal.stdout).to_string();
    assert!(bal.contains("1.233 BHD"), "{bal}");
    let text = String::from_utf8(text).unwrap();
    let bad = dir.path().join("bad.journal");
    std::fs::write(&bad, text.replacen("-3.00 USD", "-3.01 USD", 1)).unwrap();
    assert!(
        !hledger_check(&bad).status.success(),
        "an unbalanced transaction must be rejected"
    );
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    let currencies = prop::sample::select(vec![
        Currency::USD,
        Currency::KRW,
        Currency::BHD,
        Currency::EUR,
    ]);
    (
        currencies,
        0i64..10_000_000,
        0i64..1_000_000,
        prop::sample::select(EntryKind::ALL.to_vec()),
        0i64..4_000_000_000,
        0u32..1_000_000_000,
        prop::option::of("[a-zA-Z0-9 =+@\"\\\\;가-힣\n-]{0,20}"),
        prop::option::of("\\PC{0,30}"),
        prop::option::of("[A-Z0-9:-]{1,12}"),
    )
        .prop_map(
            |(currency, gross, fee, kind, secs, nanos, payer, message, id)| {
                let (gross, fee) = if kind.is_income() {
                    (gross, fee)
                } else {
                    (-gross, fee)
                };
                let source = SourceId::new("s");
                let key = match id {
                    Some(id) => EntryKey::TransactionId {
                        platform: "kofi".into(),
                        source: source.clone(),
                        id,
                    },
                    None => EntryKey::Fingerprint {
                        fingerprint: Fingerprint::compute(
                            &tipvault_ledger::entry::FingerprintInput {
                                source: &source,
                                occurred_at: chrono::Utc.timestamp_opt(secs, 0).unwrap(),
                                gross: Money::from_minor(gross, currency),
                                fee: Money::from_minor(fee, currency),
                                net: Money::from_minor(gross - fee, currency),
                                kind,
                                payer: None,
                                message: None,
                                ordinal: 0,
                            },
                        ),
                    },
                };
                Entry::new(NewEntry {
                    source,
                    kind,
                    occurred_at: chrono::Utc.timestamp_opt(secs, nanos).unwrap(),
                    gross: Money::from_minor(gross, currency),
                    fee: Money::from_minor(fee, currency),
                    net: Money::from_minor(gross - fee, currency),
                    key,
                    payer,
                    message,
                })
                .unwrap()
            },
        )
}

proptest! {
    #[test]
    fn json_export_then_reimport_round_trips_entries_exactly(entries in prop::collection::vec(arb_entry(), 0..30)) {
        let sources = vec![source("s", Platform::KoFi, Currency::USD)];
        let mut out = Vec::new();
        write_json(&mut out, &entries, &sources).unwrap();
        let back = read_json(&out[..]).unwrap();
        prop_assert_eq!(back.entries, entries);
    }
}
