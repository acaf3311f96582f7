//! Exporting the ledger: CSV for spreadsheets, JSON for machines (re-importable), Beancount and
//! hledger journals for plain-text accounting.
//!
//! The one decision to know: an export writes what the vault holds right now — live entries
//! only, with payer names and messages only where the user kept them and they have not expired.
//! The writers are the ledger crate's; this module only fetches and chooses.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tipvault_ledger::Zone;
use tipvault_ledger::export::{self, ExportError};
use tipvault_vault::HistoryFilter;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::session::Session;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
    Beancount,
    /// hledger (and Ledger) journal.
    Ledger,
}

impl ExportFormat {
    /// Parses `--format`.
    pub fn parse(text: &str) -> Result<ExportFormat, AppError> {
        // (`hledger` is accepted as a synonym of `ledger`.)
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            "beancount" => Ok(ExportFormat::Beancount),
            "ledger" | "hledger" => Ok(ExportFormat::Ledger),
            _ => Err(AppError::new(
                ErrorCode::InvalidInput,
                format!("Unknown export format {text:?}; use csv, json, beancount or ledger."),
            )),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Exported {
    pub format: ExportFormat,
    pub entries: u64,
    pub sources: u64,
}

/// Writes every live entry (oldest first) in `format` to `out`; journals are dated in `tz`.
pub fn export(
    session: &mut Session,
    format: ExportFormat,
    tz: &Zone,
    out: &mut dyn Write,
    now: DateTime<Utc>,
) -> Result<Exported, AppError> {
    let vault = session.vault_at(now);
    let sources = vault.sources(now)?;
    let entries: Vec<_> = vault
        .entries(&HistoryFilter::default(), now)?
        .into_iter()
        .map(|s| s.entry)
        .collect();
    let written = match format {
        ExportFormat::Csv => export::write_csv(&mut *out, &entries, &sources),
        ExportFormat::Json => export::write_json(&mut *out, &entries, &sources),
        ExportFormat::Beancount => export::write_beancount(&mut *out, &entries, &sources, tz),
        ExportFormat::Ledger => export::write_hledger(&mut *out, &entries, &sources, tz),
    };
    written.map_err(|e| match e {
        ExportError::Io(e) => {
            AppError::new(ErrorCode::Io, format!("Writing the export failed: {e}."))
        }
        other => AppError::new(ErrorCode::Internal, format!("The export failed: {other}.")),
    })?;
    out.flush()
        .map_err(|e| AppError::new(ErrorCode::Io, format!("Writing the export failed: {e}.")))?;
    Ok(Exported {
        format,
        entries: entries.len() as u64,
        sources: sources.len() as u64,
    })
}

/// Exports to the file `target` through a private temporary file beside it, renamed over it
/// only once the export succeeded: a failure leaves an earlier export untouched, and the
/// result is owner-only (0600 on Unix) even if the target existed with wider permissions.
pub fn export_to_file(
    session: &mut Session,
    format: ExportFormat,
    tz: &Zone,
    target: &Path,
    now: DateTime<Utc>,
) -> Result<Exported, AppError> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot write in {}: {e}.", dir.display()),
        )
    })?;
    let exported = export(session, format, tz, file.as_file_mut(), now)?;
    file.persist(target).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot write {}: {}.", target.display(), e.error),
        )
    })?;
    Ok(exported)
}

/// Where a desktop export went: the file name and its folder, for the user to find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SavedExport {
    pub file: String,
    pub folder: String,
    pub exported: Exported,
}
