//! Helpers for the ledger use cases: fixture files of the ledger crate and a Ko-fi source.

use std::path::PathBuf;

use tipvault_app::{ImportFile, NewSource, Session, add_source};
use tipvault_ledger::FormatChoice;

use super::support::t0;

/// A fixture of the ledger crate's import tests.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../ledger/tests/fixtures")
        .join(name)
}

pub fn add_kofi(session: &mut Session, id: &str) {
    add_source(
        session,
        &NewSource {
            id: id.into(),
            label: "Ko-fi".into(),
            platform: "kofi".into(),
            currency: "USD".into(),
            payout_threshold: Some("50.00".into()),
            payout_schedule: Some("on request".into()),
        },
        t0(),
    )
    .unwrap();
}

pub fn request(file: &str, source: &str) -> ImportFile {
    ImportFile {
        path: fixture(file),
        source: source.into(),
        format: FormatChoice::Auto,
        profile: None,
        keep_payer_names: false,
        keep_messages: false,
        dry_run: false,
        accept_partial: false,
    }
}

/// A Ko-fi source `kofi-main` with `kofi.csv` imported (USD 20.50 and EUR 10.00).
pub fn kofi_with_tips(session: &mut Session) {
    add_kofi(session, "kofi-main");
    tipvault_app::import_file(
        session,
        &request("kofi.csv", "kofi-main"),
        t0(),
        |_| {},
        &|| false,
    )
    .unwrap();
}
