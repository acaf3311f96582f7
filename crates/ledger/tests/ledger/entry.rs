//! `entry`: keys are stable across re-imports, overlapping exports and row order.

use super::common::{KEEP_ALL, import_ok, korean_profile, korean_source};
use proptest::prelude::*;
use std::collections::BTreeSet;
use tipvault_ledger::import::{ImportRequest, import};
use tipvault_ledger::{EntryKey, FormatChoice, ImportOptions, MappingProfile};

fn keys(report: &tipvault_ledger::ImportReport) -> Vec<String> {
    report
        .entries
        .iter()
        .map(|e| e.key().dedup_string())
        .collect()
}

#[test]
fn reimporting_the_same_file_gives_identical_keys() {
    let s = super::common::source(
        "kofi-main",
        tipvault_ledger::Platform::KoFi,
        tipvault_money::Currency::USD,
    );
    let a = import_ok("kofi.csv", &s, None, ImportOptions::default());
    let b = import_ok("kofi.csv", &s, None, KEEP_ALL);
    assert_eq!(
        keys(&a),
        keys(&b),
        "keys must not depend on privacy options"
    );
    assert!(
        matches!(a.entries[0].key(), EntryKey::TransactionId { id, .. } if id == "TX-KOFI-0001"),
        "Ko-fi rows carry their transaction id"
    );
    assert!(
        keys(&a)[0].starts_with("tx1:4:kofi:9:kofi-main:"),
        "{}",
        keys(&a)[0]
    );
}

#[test]
fn rows_without_ids_get_fingerprints_stable_across_imports_and_options() {
    let s = korean_source();
    let p = korean_profile();
    let a = import_ok("korean_cp949.csv", &s, Some(&p), ImportOptions::default());
    let b = import_ok("korean_cp949.csv", &s, Some(&p), KEEP_ALL);
    assert_eq!(a.entries.len(), 3);
    assert!(
        a.entries
            .iter()
            .all(|e| matches!(e.key(), EntryKey::Fingerprint { .. }))
    );
    assert_eq!(keys(&a), keys(&b));
}

fn generic_profile() -> MappingProfile {
    serde_json::from_str(
        r#"{"name":"sheet","has_header":true,"date":"date","date_format":"%Y-%m-%d %H:%M",
            "time_zone":"UTC","decimal_separator":".","amounts":{"layout":"single","amount":"amount"},
            "currency":{"fixed":"USD"},"kind":{"column":null,"default":"tip"},"payer":"who","message":"msg"}"#,
    )
    .unwrap()
}

fn import_rows(rows: &[String]) -> Vec<String> {
    let s = super::common::source(
        "sheet",
        tipvault_ledger::Platform::Generic("sheet".into()),
        tipvault_money::Currency::USD,
    );
    let p = generic_profile();
    let mut text = String::from("date,amount,who,msg\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    let request = ImportRequest {
        source: &s,
        format: FormatChoice::Auto,
        profile: Some(&p),
        options: ImportOptions::default(),
    };
    let report = import(text.as_bytes(), &request).unwrap();
    assert!(report.is_clean(), "{:?}", report.errors);
    keys(&report)
}

#[test]
fn an_overlapping_export_shares_the_keys_of_the_overlap() {
    let rows: Vec<String> = (0..6)
        .map(|i| format!("2024-01-0{} 10:00,{}.00,P{i},hi", i + 1, i + 1))
        .collect();
    let first = import_rows(&rows[..4]);
    let second = import_rows(&rows[2..]);
    assert_eq!(first[2..], second[..2], "rows 3–4 appear in both exports");
}

#[test]
fn identical_rows_in_one_file_stay_two_entries() {
    let row = "2024-01-01 10:00,5.00,Same,same".to_owned();
    let k = import_rows(&[row.clone(), row]);
    assert_eq!(k.len(), 2);
    assert_ne!(
        k[0], k[1],
        "two real identical tips must not be de-duplicated into one"
    );
}

proptest! {
    #[test]
    fn fingerprints_are_stable_across_reorderings(
        rows in prop::collection::vec((1u32..28, 0u32..24, 1u32..500, 0usize..3), 1..20),
        seed in any::<u64>(),
    ) {
        let text: Vec<String> = rows
            .iter()
            .map(|(d, h, cents, who)| format!("2024-02-{d:02} {h:02}:00,{}.{:02},P{who},m", cents / 100, cents % 100))
            .collect();
        let mut shuffled = text.clone();
        // Deterministic Fisher–Yates from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let a: BTreeSet<String> = import_rows(&text).into_iter().collect();
        let b: BTreeSet<String> = import_rows(&shuffled).into_iter().collect();
        prop_assert_eq!(a.len(), text.len(), "every row keeps its own key, duplicates included");
        prop_assert_eq!(a, b);
    }
}
