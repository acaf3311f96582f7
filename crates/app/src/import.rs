//! Importing a platform export file into the vault.
//!
//! The one decision to know: the file streams through the ledger's importer straight into one
//! vault transaction, and the decision to commit is taken at the end, when the whole per-row
//! report is known. A file with bad rows is refused as a whole unless the caller accepts a
//! partial import (`accept_partial`, the CLI's `--skip-bad-rows`): either every good row lands
//! or none does, and the user sees each bad row's line and reason either way. A dry run reads
//! the file and checks which rows the vault already holds, without writing anything.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tipvault_ledger::{
    DroppedSummary, Entry, Format, FormatChoice, ImportError, ImportOptions, ImportReport,
    ImportRequest, MappingProfile, Stream, import_streaming_parallel,
};
use tipvault_vault::{AuditEvent, LedgerError};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::session::Session;

/// Entries handed to the vault per batch (all inside the one transaction).
const BATCH: usize = 4096;
/// Skipped rows listed in a summary (the rest are counted).
const MAX_SKIPPED_LISTED: usize = 200;

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub path: PathBuf,
    /// The source's id.
    pub source: String,
    /// Detect the layout, or force one.
    pub format: FormatChoice,
    /// A mapping profile (JSON) for files of no known layout.
    pub profile: Option<PathBuf>,
    pub keep_payer_names: bool,
    pub keep_messages: bool,
    /// Read and report; write nothing.
    pub dry_run: bool,
    /// Import the good rows of a file that has bad rows (otherwise nothing is imported).
    pub accept_partial: bool,
}

/// How to import a file the user has chosen (the desktop's form; the file itself is chosen
/// in a native dialog on the Rust side, so the web view never names a path).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct ImportSettings {
    pub source: String,
    /// `auto` or a format name (see [`parse_format`]).
    pub format: String,
    pub keep_payer_names: bool,
    pub keep_messages: bool,
    pub dry_run: bool,
    pub accept_partial: bool,
}

impl ImportFile {
    /// The request for `path` (and an optional mapping profile) with the desktop's settings.
    pub fn from_settings(
        path: PathBuf,
        profile: Option<PathBuf>,
        settings: &ImportSettings,
    ) -> Result<ImportFile, AppError> {
        Ok(ImportFile {
            path,
            source: settings.source.clone(),
            format: parse_format(&settings.format)?,
            profile,
            keep_payer_names: settings.keep_payer_names,
            keep_messages: settings.keep_messages,
            dry_run: settings.dry_run,
            accept_partial: settings.accept_partial,
        })
    }
}

/// A file the user chose in the desktop's dialog: its name and size only (the path stays on
/// the Rust side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ChosenFile {
    pub name: String,
    pub bytes: u64,
}

/// Parses `--format`: `auto` or one of the ledger's formats.
pub fn parse_format(text: &str) -> Result<FormatChoice, AppError> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(FormatChoice::Auto);
    }
    Format::parse(text).map(FormatChoice::Force).ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "Unknown format {text:?}. Use auto, kofi, paypal, stripe, github-sponsors or \
                 generic."
            ),
        )
    })
}

/// Progress while a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportProgress {
    pub bytes_read: u64,
    pub total_bytes: Option<u64>,
    pub rows_read: u64,
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RowErrorView {
    /// 1-based line in the file.
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// A row deliberately not imported (a pending payment, a hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SkippedRowView {
    pub line: u64,
    pub reason: String,
}

/// Personal data the import did not keep, per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DroppedView {
    pub emails: u64,
    pub names: u64,
    pub messages: u64,
    pub other_personal: u64,
}

impl From<DroppedSummary> for DroppedView {
    fn from(d: DroppedSummary) -> Self {
        Self {
            emails: d.emails,
            names: d.names,
            messages: d.messages,
            other_personal: d.other_personal,
        }
    }
}

impl DroppedView {
    /// "dropped 120 e-mail addresses", one line per non-zero kind.
    pub fn sentences(&self) -> Vec<String> {
        let plural = |n: u64, one: &str, many: &str| {
            format!("dropped {n} {}", if n == 1 { one } else { many })
        };
        let mut out = Vec::new();
        if self.emails > 0 {
            out.push(plural(self.emails, "e-mail address", "e-mail addresses"));
        }
        if self.names > 0 {
            out.push(plural(self.names, "payer name", "payer names"));
        }
        if self.messages > 0 {
            out.push(plural(self.messages, "message", "messages"));
        }
        if self.other_personal > 0 {
            out.push(plural(
                self.other_personal,
                "other personal detail (address, phone, location)",
                "other personal details (addresses, phones, locations)",
            ));
        }
        out
    }
}

/// What an import did (or, for a dry run or a refused file, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ImportSummary {
    pub source: String,
    pub format: String,
    pub format_reason: String,
    /// The encoding's slug (`utf8`, `euc_kr`, …).
    pub encoding: String,
    /// The encoding as people name it (`UTF-8`, `EUC-KR/CP949`).
    pub encoding_name: String,
    pub dry_run: bool,
    /// True when the entries are now in the vault.
    pub committed: bool,
    /// True when the file had bad rows and a partial import was not accepted.
    pub refused_for_errors: bool,
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows that became entries.
    pub good_rows: u64,
    /// New entries written (for a dry run: that would be written).
    pub inserted: u64,
    /// Entries already in the vault (or repeated in the file).
    pub duplicates: u64,
    pub row_errors: Vec<RowErrorView>,
    /// Bad rows beyond those listed.
    pub row_errors_not_listed: u64,
    /// Rows deliberately not imported.
    pub skipped: u64,
    pub skipped_rows: Vec<SkippedRowView>,
    pub dropped: DroppedView,
    /// "dropped 120 e-mail addresses", …
    pub dropped_notes: Vec<String>,
}

fn read_profile(path: &Path) -> Result<MappingProfile, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot read the profile {}: {e}.", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "The profile {} is not a valid mapping profile: {e}.",
                path.display()
            ),
        )
    })
}

/// Imports a file into a source. `progress` is called as rows are read; `cancel` is polled and
/// stops the import with nothing written.
pub fn import_file(
    session: &mut Session,
    request: &ImportFile,
    now: DateTime<Utc>,
    mut progress: impl FnMut(ImportProgress),
    cancel: &dyn Fn() -> bool,
) -> Result<ImportSummary, AppError> {
    let source = crate::sources::find(session, &request.source, now)?;
    let profile = request.profile.as_deref().map(read_profile).transpose()?;
    let file = File::open(&request.path).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot open {}: {e}.", request.path.display()),
        )
    })?;
    let total_bytes = file.metadata().ok().map(|m| m.len());
    let ledger_request = ImportRequest {
        source: &source,
        format: request.format,
        profile: profile.as_ref(),
        options: ImportOptions {
            keep_payer_names: request.keep_payer_names,
            keep_messages: request.keep_messages,
        },
    };
    let mut on_progress = |p: tipvault_ledger::Progress| {
        progress(ImportProgress {
            bytes_read: p.bytes_read,
            total_bytes: p.total_bytes,
            rows_read: p.rows_read,
        });
    };
    let vault = session.vault_at(now);

    if request.dry_run {
        let mut seen: HashSet<String> = HashSet::new();
        let mut counts = (0u64, 0u64); // (new, duplicates)
        let mut failure: Option<AppError> = None;
        let report = {
            let vault = &*vault;
            let mut on_batch = |batch: Vec<Entry>| {
                let mut fresh = Vec::with_capacity(batch.len());
                for entry in &batch {
                    let key = entry.key().dedup_string();
                    if seen.insert(key.clone()) {
                        fresh.push(key);
                    } else {
                        counts.1 += 1;
                    }
                }
                let known = vault.count_known_keys(&fresh).map_err(|e| {
                    let err = AppError::from(e);
                    let boxed: Box<dyn std::error::Error + Send + Sync> =
                        err.message.clone().into();
                    failure = Some(err);
                    boxed
                })?;
                counts.0 += fresh.len() as u64 - known;
                counts.1 += known;
                Ok(())
            };
            let mut stream = Stream {
                total_bytes,
                batch_size: BATCH,
                on_batch: &mut on_batch,
                on_progress: &mut on_progress,
                is_cancelled: cancel,
            };
            import_streaming_parallel(file, &ledger_request, &mut stream)
        };
        let report = report.map_err(|e| failure.take().unwrap_or_else(|| e.into()))?;
        check_platform(&source, report.format)?;
        let refused = !report.is_clean() && !request.accept_partial;
        return Ok(summary(
            &source.id.to_string(),
            &report,
            true,
            false,
            refused,
            counts,
        ));
    }

    // The file's name only: its folder says nothing about the entries and stays out.
    let file_name = request
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let mut import = vault.begin_import(&source.id, file_name.as_deref(), now)?;
    let mut failure: Option<LedgerError> = None;
    let report = {
        let mut on_batch = |batch: Vec<Entry>| {
            import.insert(&batch).map(|_| ()).map_err(|e| {
                let boxed: Box<dyn std::error::Error + Send + Sync> = e.to_string().into();
                failure = Some(e);
                boxed
            })
        };
        let mut stream = Stream {
            total_bytes,
            batch_size: BATCH,
            on_batch: &mut on_batch,
            on_progress: &mut on_progress,
            is_cancelled: cancel,
        };
        import_streaming_parallel(file, &ledger_request, &mut stream)
    };
    // On any error `import` is dropped here: the transaction rolls back, nothing was written.
    let report = match report {
        Ok(report) => report,
        Err(ImportError::Sink(_)) if failure.is_some() => {
            return Err(failure.map(AppError::from).unwrap_or_else(|| {
                AppError::new(ErrorCode::Internal, "Saving the entries failed.")
            }));
        }
        Err(e) => return Err(e.into()),
    };
    // Rolled back (dropped) on a mismatch: a PayPal file in a Ko-fi source would mix histories.
    check_platform(&source, report.format)?;
    let source_id = source.id.to_string();
    if !report.is_clean() && !request.accept_partial {
        let would = import.outcome();
        import.rollback()?;
        return Ok(summary(
            &source_id,
            &report,
            false,
            false,
            true,
            (would.inserted, would.duplicates),
        ));
    }
    let outcome = import.commit()?;
    let done = summary(
        &source_id,
        &report,
        false,
        true,
        false,
        (outcome.inserted, outcome.duplicates),
    );
    // Counts only: never a payer's name, message or amount.
    let event = AuditEvent::new(
        "ledger.imported",
        json!({
            "source": source_id,
            "format": format_slug(report.format),
            "rows_read": done.rows_read,
            "inserted": done.inserted,
            "duplicates": done.duplicates,
            "row_errors": report.errors.len() as u64 + report.errors_not_listed,
            "skipped": done.skipped,
        }),
    )?;
    vault.audit_append(&event, now)?;
    Ok(done)
}

/// A platform's own export belongs to a source of that platform; a mapped (generic) file fits
/// any source, since the user described its columns.
fn check_platform(source: &tipvault_ledger::Source, format: Format) -> Result<(), AppError> {
    use tipvault_ledger::Platform;
    let fits = match format {
        Format::KoFi => source.platform == Platform::KoFi,
        Format::PayPal => source.platform == Platform::PayPal,
        Format::Stripe => source.platform == Platform::Stripe,
        Format::GitHubSponsors => source.platform == Platform::GitHubSponsors,
        Format::Generic => true,
    };
    if fits {
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::InvalidInput,
        format!(
            "This file is a {format}, but the source {} is on {}: nothing was imported. Import it \
             into a source of that platform.",
            source.id,
            source.platform.display_name()
        ),
    )
    .with_hint(crate::error::Hint::ListSources))
}

fn format_slug(format: Format) -> &'static str {
    match format {
        Format::KoFi => "kofi",
        Format::PayPal => "paypal",
        Format::Stripe => "stripe",
        Format::GitHubSponsors => "github-sponsors",
        Format::Generic => "generic",
    }
}

fn summary(
    source: &str,
    report: &ImportReport,
    dry_run: bool,
    committed: bool,
    refused_for_errors: bool,
    (inserted, duplicates): (u64, u64),
) -> ImportSummary {
    let dropped = DroppedView::from(report.dropped);
    ImportSummary {
        source: source.to_owned(),
        format: format_slug(report.format).to_owned(),
        format_reason: report.format_reason.clone(),
        encoding: serde_json::to_value(report.encoding)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        encoding_name: report.encoding.to_string(),
        dry_run,
        committed,
        refused_for_errors,
        rows_read: report.rows_read,
        good_rows: report.entries_total,
        inserted,
        duplicates,
        row_errors: report
            .errors
            .iter()
            .map(|e| RowErrorView {
                line: e.row,
                column: e.column.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        row_errors_not_listed: report.errors_not_listed,
        skipped: report.skipped.len() as u64 + report.skipped_not_listed,
        skipped_rows: report
            .skipped
            .iter()
            .take(MAX_SKIPPED_LISTED)
            .map(|(line, reason)| SkippedRowView {
                line: *line,
                reason: reason.clone(),
            })
            .collect(),
        dropped_notes: dropped.sentences(),
        dropped,
    }
}
