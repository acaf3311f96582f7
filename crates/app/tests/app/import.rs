use tipvault_app::{ErrorCode, audit_entries, balances, import_file};

use super::ledger_support::{add_kofi, request};
use super::support::{new_vault, t0};

fn no_cancel() -> bool {
    false
}

#[test]
fn a_file_imports_once_and_balances_match_its_sums() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let mut progress_calls = 0;
    let summary = import_file(
        &mut session,
        &request("kofi.csv", "kofi-main"),
        t0(),
        |_| progress_calls += 1,
        &no_cancel,
    )
    .unwrap();
    assert!(summary.committed && !summary.refused_for_errors);
    assert_eq!((summary.inserted, summary.duplicates), (4, 0));
    assert_eq!(summary.format, "kofi");
    assert!(progress_calls > 0, "progress is reported");
    assert_eq!(summary.dropped.emails, 4);
    assert!(
        summary
            .dropped_notes
            .contains(&"dropped 4 e-mail addresses".to_owned()),
        "{:?}",
        summary.dropped_notes
    );
    let b = balances(&mut session, t0()).unwrap();
    let amounts: Vec<(String, String)> = b
        .iter()
        .map(|b| (b.currency.clone(), b.net.amount.clone()))
        .collect();
    // kofi.csv: USD 5.00 + 3.00 + 12.50, EUR 10.00; Ko-fi exports carry no fee.
    assert_eq!(
        amounts,
        [
            ("EUR".to_owned(), "10.00".to_owned()),
            ("USD".to_owned(), "20.50".to_owned())
        ]
    );

    let again = import_file(
        &mut session,
        &request("kofi.csv", "kofi-main"),
        t0(),
        |_| {},
        &no_cancel,
    )
    .unwrap();
    assert_eq!((again.inserted, again.duplicates), (0, 4));
    assert_eq!(
        balances(&mut session, t0()).unwrap(),
        b,
        "re-import changes nothing"
    );

    // The audit log has counts, never payer data.
    let audit = audit_entries(&mut session, t0(), 0, 100).unwrap();
    let imported: Vec<_> = audit
        .iter()
        .filter(|e| e.kind == "ledger.imported")
        .collect();
    assert_eq!(imported.len(), 2);
    assert_eq!(imported[0].detail["inserted"], 4);
    let text = imported[0].detail.to_string();
    for private in ["Mina", "example.com", "stream", "5.00"] {
        assert!(
            !text.contains(private),
            "audit detail leaks {private:?}: {text}"
        );
    }
}

#[test]
fn a_file_with_bad_rows_imports_nothing_unless_partial_is_accepted() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let refused = import_file(
        &mut session,
        &request("kofi_bad.csv", "kofi-main"),
        t0(),
        |_| {},
        &no_cancel,
    )
    .unwrap();
    assert!(refused.refused_for_errors && !refused.committed);
    assert!(!refused.row_errors.is_empty(), "every bad row is reported");
    assert!(refused.good_rows > 0, "the file also has good rows");
    assert!(
        balances(&mut session, t0()).unwrap().is_empty(),
        "nothing may be committed from a refused file"
    );

    let mut partial = request("kofi_bad.csv", "kofi-main");
    partial.accept_partial = true;
    let accepted = import_file(&mut session, &partial, t0(), |_| {}, &no_cancel).unwrap();
    assert!(accepted.committed);
    assert_eq!(accepted.inserted, refused.good_rows);
    let entries: u64 = balances(&mut session, t0())
        .unwrap()
        .iter()
        .map(|b| b.entries)
        .sum();
    assert_eq!(entries, refused.good_rows);
}

#[test]
fn a_dry_run_reports_without_writing() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let mut dry = request("kofi.csv", "kofi-main");
    dry.dry_run = true;
    let summary = import_file(&mut session, &dry, t0(), |_| {}, &no_cancel).unwrap();
    assert!(summary.dry_run && !summary.committed);
    assert_eq!((summary.inserted, summary.duplicates), (4, 0));
    assert!(balances(&mut session, t0()).unwrap().is_empty());
    import_file(
        &mut session,
        &request("kofi.csv", "kofi-main"),
        t0(),
        |_| {},
        &no_cancel,
    )
    .unwrap();
    let after = import_file(&mut session, &dry, t0(), |_| {}, &no_cancel).unwrap();
    assert_eq!(
        (after.inserted, after.duplicates),
        (0, 4),
        "dry runs see stored rows"
    );
}

#[test]
fn a_cancelled_import_writes_nothing() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let err = import_file(
        &mut session,
        &request("kofi.csv", "kofi-main"),
        t0(),
        |_| {},
        &|| true,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert!(err.message.contains("cancelled"), "{}", err.message);
    assert!(balances(&mut session, t0()).unwrap().is_empty());
}

/// A 2 GiB file: good Ko-fi rows, then (as a damaged download or a disk image renamed .csv
/// would have) 2 GiB of NUL bytes. The file is sparse, so the test costs no disk. It is
/// refused as a whole with a reason (the importer streams, so it decides at the first binary
/// block rather than after reading 2 GiB), and nothing of its good rows is written.
#[test]
fn a_2_gib_file_that_turns_binary_is_refused_whole() {
    let (dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let path = dir.path().join("huge.csv");
    let good = std::fs::read_to_string(super::ledger_support::fixture("kofi.csv")).unwrap();
    std::fs::write(&path, &good).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(2 * 1024 * 1024 * 1024).unwrap();
    drop(file);
    let mut request = request("kofi.csv", "kofi-main");
    request.path = path;
    let err = import_file(&mut session, &request, t0(), |_| {}, &no_cancel).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("NUL"), "{}", err.message);
    assert!(balances(&mut session, t0()).unwrap().is_empty());
}

#[test]
fn importing_into_an_unknown_source_or_a_missing_file_fails_clearly() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let err = import_file(
        &mut session,
        &request("kofi.csv", "nope"),
        t0(),
        |_| {},
        &no_cancel,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = import_file(
        &mut session,
        &request("missing.csv", "kofi-main"),
        t0(),
        |_| {},
        &no_cancel,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Io);
    let err = import_file(
        &mut session,
        &request("binary.bin", "kofi-main"),
        t0(),
        |_| {},
        &no_cancel,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
}

#[test]
fn another_platforms_file_is_refused_and_nothing_is_written() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    for dry_run in [true, false] {
        let mut req = request("stripe.csv", "kofi-main");
        req.dry_run = dry_run;
        let err = import_file(&mut session, &req, t0(), |_| {}, &no_cancel).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains("Stripe"), "{}", err.message);
    }
    assert!(balances(&mut session, t0()).unwrap().is_empty());
}
