//! JSON export: the machine form, and the one format that re-imports exactly.
//!
//! Decision: one versioned document `{"format_version":1,"sources":[…],"entries":[…]}` with
//! money as `{"amount":"12.50","currency":"USD"}` (strings, so no reader turns it into a
//! float). Reading it back re-checks every entry's balance (deserialisation goes through
//! [`crate::Entry::new`]).

use super::ExportError;
use crate::entry::Entry;
use crate::source::Source;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// The JSON export document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerExport {
    /// Format version (currently 1).
    pub format_version: u32,
    /// The sources the entries use.
    pub sources: Vec<Source>,
    /// The entries.
    pub entries: Vec<Entry>,
}

/// The format version this code writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// Writes the JSON export (pretty-printed).
pub fn write_json<W: Write>(
    out: W,
    entries: &[Entry],
    sources: &[Source],
) -> Result<(), ExportError> {
    #[derive(Serialize)]
    struct Borrowed<'a> {
        format_version: u32,
        sources: &'a [Source],
        entries: &'a [Entry],
    }
    serde_json::to_writer_pretty(
        out,
        &Borrowed {
            format_version: FORMAT_VERSION,
            sources,
            entries,
        },
    )?;
    Ok(())
}

/// Reads a JSON export back.
pub fn read_json<R: Read>(input: R) -> Result<LedgerExport, ExportError> {
    let export: LedgerExport = serde_json::from_reader(input)?;
    if export.format_version > FORMAT_VERSION {
        return Err(ExportError::UnsupportedVersion {
            found: export.format_version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(export)
}
