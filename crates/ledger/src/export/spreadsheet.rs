//! CSV export, safe to open in a spreadsheet.
//!
//! Decision: every text cell that comes from outside (labels, platform names, ids, payer
//! names, messages) and begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
//! with `'` (OWASP "CSV Injection"), so `=cmd|' /C calc'!A0` is shown as text, never run.
//! Amount cells are written by us in money's machine form and left numeric (a negative amount
//! keeps its `-`).

use super::{ExportError, source_of};
use crate::entry::Entry;
use crate::source::Source;
use chrono::SecondsFormat;
use std::borrow::Cow;
use std::io::Write;

/// The header row of the CSV export.
pub const CSV_HEADER: [&str; 12] = [
    "occurred_at",
    "source_id",
    "source_label",
    "platform",
    "kind",
    "currency",
    "gross",
    "fee",
    "net",
    "key",
    "payer",
    "message",
];

/// Neutralises a cell a spreadsheet would treat as a formula by prefixing `'`.
pub fn neutralize_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// Writes `entries` as CSV with [`CSV_HEADER`].
pub fn write_csv<W: Write>(
    out: W,
    entries: &[Entry],
    sources: &[Source],
) -> Result<(), ExportError> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    w.write_record(CSV_HEADER)?;
    for e in entries {
        let s = source_of(sources, e)?;
        let key = e.key().dedup_string();
        let time = e.occurred_at().to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let gross = e.gross().amount().to_string();
        let fee = e.fee().amount().to_string();
        let net = e.net().amount().to_string();
        let cells = [
            Cow::Borrowed(time.as_str()),
            neutralize_cell(s.id.as_str()),
            neutralize_cell(&s.label),
            neutralize_cell(s.platform.display_name()),
            Cow::Borrowed(e.kind().as_str()),
            Cow::Borrowed(e.currency().code()),
            Cow::Borrowed(gross.as_str()),
            Cow::Borrowed(fee.as_str()),
            Cow::Borrowed(net.as_str()),
            neutralize_cell(&key),
            neutralize_cell(e.payer().unwrap_or("")),
            neutralize_cell(e.message().unwrap_or("")),
        ];
        w.write_record(cells.iter().map(|c| c.as_bytes()))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_plain_text_is_not() {
        for payload in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize_cell(payload).starts_with('\''), "{payload:?}");
        }
        assert_eq!(neutralize_cell("thanks!"), "thanks!");
        assert_eq!(neutralize_cell(""), "");
    }
}
