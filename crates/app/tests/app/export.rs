use tipvault_app::{ExportFormat, export, parse_tz};

use super::ledger_support::kofi_with_tips;
use super::support::{new_vault, t0};

#[test]
fn exports_write_every_live_entry() {
    let (_dir, _loc, mut session) = new_vault();
    kofi_with_tips(&mut session);
    let utc = &parse_tz("UTC").unwrap();

    let mut json = Vec::new();
    let done = export(&mut session, ExportFormat::Json, utc, &mut json, t0()).unwrap();
    assert_eq!((done.entries, done.sources), (4, 1));
    let back = tipvault_ledger::export::read_json(json.as_slice()).unwrap();
    assert_eq!(back.entries.len(), 4, "the JSON export reads back");

    let mut csv = Vec::new();
    export(&mut session, ExportFormat::Csv, utc, &mut csv, t0()).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), 5, "header and four rows:\n{csv}");
    assert!(
        !csv.contains("Mina"),
        "names were not kept, so not exported"
    );

    let mut journal = Vec::new();
    export(&mut session, ExportFormat::Ledger, utc, &mut journal, t0()).unwrap();
    assert!(String::from_utf8(journal).unwrap().contains("2024-03-09"));
    assert!(ExportFormat::parse("xlsx").is_err());
}
