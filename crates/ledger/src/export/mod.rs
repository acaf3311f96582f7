//! Writing entries out: CSV for spreadsheets, JSON for machines (and re-import), Beancount and
//! hledger journals for plain-text accounting.
//!
//! Decisions: amounts are always exact (money's machine form, no grouping, every minor digit);
//! CSV cells that a spreadsheet would run as a formula are neutralised (OWASP); journal
//! transactions balance to the unit by construction (`net + fee − gross = 0`) and use
//! sanitised account names and ISO codes as commodities. Journals are dated in a time zone the
//! caller passes (the user's), since they have dates but no times.

mod journal;
mod json;
mod spreadsheet;

pub use journal::{JournalAccounts, write_beancount, write_hledger};
pub use json::{FORMAT_VERSION, LedgerExport, read_json, write_json};
pub use spreadsheet::{CSV_HEADER, neutralize_cell, write_csv};

/// Why an export could not be written (or a JSON export read back).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An entry's source is not among the sources given.
    #[error(
        "entry {key} belongs to source '{source_id}', which was not passed to the export: pass \
         every source the entries use"
    )]
    UnknownSource {
        /// The source id.
        source_id: String,
        /// The entry's de-duplication key.
        key: String,
    },
    /// Writing failed.
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV writer failed.
    #[error("writing the CSV export failed: {0}")]
    Csv(#[from] csv::Error),
    /// The JSON could not be written or read (on read: not a Tipvault export, or damaged).
    #[error("the JSON export could not be processed: {0}")]
    Json(#[from] serde_json::Error),
    /// A JSON export of a newer format version.
    #[error(
        "this export has format version {found}; this Tipvault reads up to {supported}: update Tipvault"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The newest version this code reads.
        supported: u32,
    },
}

use crate::entry::Entry;
use crate::source::Source;

pub(crate) fn source_of<'s>(
    sources: &'s [Source],
    entry: &Entry,
) -> Result<&'s Source, ExportError> {
    sources
        .iter()
        .find(|s| &s.id == entry.source())
        .ok_or_else(|| ExportError::UnknownSource {
            source_id: entry.source().to_string(),
            key: entry.key().dedup_string(),
        })
}
