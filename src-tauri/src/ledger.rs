//! The ledger's commands: sources and thresholds, importing a file, history, the inflow chart
//! and exports.
//!
//! The one decision to know: files are chosen in a native dialog opened from Rust (see
//! `dialogs.rs`), and the chosen path stays here: the web view only ever sees a file name.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime};
use tipvault_app as app;
use tipvault_app::clock;
use tipvault_app::{AppError, ErrorCode};

use crate::session::{Desktop, blocking};

/// Progress events are sent at most this often (the ledger reports far more often).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The files chosen for the next import, and the cancel flag of the one running.
#[derive(Default)]
pub struct Imports {
    data: Mutex<Option<PathBuf>>,
    profile: Mutex<Option<PathBuf>>,
    cancel: AtomicBool,
}

fn io_error(message: String) -> AppError {
    AppError::new(ErrorCode::Io, message)
}

fn describe(path: &std::path::Path) -> Result<app::ChosenFile, AppError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| io_error(format!("Cannot read {}: {e}.", path.display())))?;
    Ok(app::ChosenFile {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes: meta.len(),
    })
}

pub async fn platforms<R: Runtime>(
    _handle: AppHandle<R>,
) -> Result<Vec<app::PlatformView>, AppError> {
    Ok(app::platforms())
}

pub async fn sources<R: Runtime>(handle: AppHandle<R>) -> Result<Vec<app::SourceView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_sources(s, clock::now()))
    })
    .await
}

pub async fn add_source<R: Runtime>(
    handle: AppHandle<R>,
    source: app::NewSource,
) -> Result<app::SourceView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::add_source(s, &source, clock::now()))
    })
    .await
}

pub async fn set_payout_threshold<R: Runtime>(
    handle: AppHandle<R>,
    source: String,
    threshold: String,
) -> Result<app::SourceView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::set_payout_threshold(s, &source, &threshold, None, clock::now()))
    })
    .await
}

/// Which file an import is choosing: the platform's export, or a mapping profile for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportFile {
    /// The export to import (CSV, TSV or text).
    Data,
    /// A mapping profile (JSON) for an export no built-in format reads.
    Profile,
}

/// Asks the user for the file to import (`data`) or its mapping profile (`profile`); `None`
/// when they closed the dialog.
pub async fn choose_import_file<R: Runtime>(
    handle: AppHandle<R>,
    what: ImportFile,
) -> Result<Option<app::ChosenFile>, AppError> {
    let filter: (&'static str, &'static [&'static str]) = match what {
        ImportFile::Profile => ("Mapping profile", &["json"]),
        ImportFile::Data => ("CSV export", &["csv", "txt", "tsv"]),
    };
    blocking(handle.clone(), Desktop::require_unlocked).await?;
    let Some(path) = crate::dialogs::open(&handle, filter, what == ImportFile::Data).await? else {
        return Ok(None);
    };
    let chosen = describe(&path)?;
    let imports = handle.state::<Imports>();
    let slot = match what {
        ImportFile::Data => &imports.data,
        ImportFile::Profile => &imports.profile,
    };
    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(path);
    Ok(Some(chosen))
}

/// Forgets the chosen mapping profile.
pub async fn clear_import_profile<R: Runtime>(handle: AppHandle<R>) -> Result<(), AppError> {
    let imports = handle.state::<Imports>();
    *imports.profile.lock().unwrap_or_else(|p| p.into_inner()) = None;
    Ok(())
}

/// Imports (or, with `dry_run`, checks) the chosen file, sending progress events; the summary
/// carries the detected format, the per-row report and what was dropped.
pub async fn import_chosen<R: Runtime>(
    handle: AppHandle<R>,
    settings: app::ImportSettings,
) -> Result<app::ImportSummary, AppError> {
    let imports = handle.state::<Imports>();
    let path = imports
        .data
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "Choose a file to import first."))?;
    let profile = imports
        .profile
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let request = app::ImportFile::from_settings(path, profile, &settings)?;
    imports.cancel.store(false, Ordering::SeqCst);
    let emitter = handle.clone();
    let dry_run = settings.dry_run;
    let summary = blocking(handle.clone(), move |d| {
        let mut last = Instant::now() - PROGRESS_EVERY;
        let progress = |p: app::ImportProgress| {
            let at_end = p.total_bytes == Some(p.bytes_read);
            if at_end || last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                crate::boundary::IMPORT_PROGRESS.emit(&emitter, &p);
            }
        };
        let imports = emitter.state::<Imports>();
        let cancelled = || imports.cancel.load(Ordering::SeqCst);
        d.with_session(|s| {
            let summary = app::import_file(s, &request, clock::now(), progress, &cancelled);
            // The import kept the user waiting, not away: restart the idle clock.
            s.touch(clock::now());
            summary
        })
    })
    .await?;
    if !dry_run {
        // New money in a source may have reached an automatic cash-out's threshold.
        crate::risk::run_auto_cashouts_soon(&handle);
    }
    Ok(summary)
}

/// Asks the running import to stop; it ends with a `cancelled` error and writes nothing.
/// It takes no lock: it must not wait for the vault the import is holding.
pub async fn cancel_import<R: Runtime>(handle: AppHandle<R>) -> Result<(), AppError> {
    handle
        .state::<Imports>()
        .cancel
        .store(true, Ordering::SeqCst);
    Ok(())
}

pub async fn history<R: Runtime>(
    handle: AppHandle<R>,
    query: app::HistoryQuery,
    tz: String,
) -> Result<app::HistoryPageView, AppError> {
    let tz = app::parse_tz(&tz)?;
    blocking(handle, move |d| {
        d.with_session(|s| app::history(s, &query, &tz, clock::now()))
    })
    .await
}

pub async fn matching_totals<R: Runtime>(
    handle: AppHandle<R>,
    query: app::HistoryQuery,
    tz: String,
) -> Result<Vec<app::MatchingTotalView>, AppError> {
    let tz = app::parse_tz(&tz)?;
    blocking(handle, move |d| {
        d.with_session(|s| app::matching_totals(s, &query, &tz, clock::now()))
    })
    .await
}

pub async fn inflow<R: Runtime>(
    handle: AppHandle<R>,
    query: app::HistoryQuery,
    period: app::Period,
    tz: String,
) -> Result<Vec<app::InflowSeries>, AppError> {
    let tz = app::parse_tz(&tz)?;
    blocking(handle, move |d| {
        d.with_session(|s| app::inflow(s, &query, period, &tz, clock::now()))
    })
    .await
}

fn export_name(format: app::ExportFormat) -> String {
    let ext = match format {
        app::ExportFormat::Csv => "csv",
        app::ExportFormat::Json => "json",
        app::ExportFormat::Beancount => "beancount",
        app::ExportFormat::Ledger => "journal",
    };
    format!("tipvault-{}.{ext}", clock::now().format("%Y-%m-%d"))
}

/// Asks where to save, then writes every live entry there (owner-only permissions, replaced
/// atomically); `None` when the user closed the dialog.
pub async fn export_ledger<R: Runtime>(
    handle: AppHandle<R>,
    format: app::ExportFormat,
    tz: String,
) -> Result<Option<app::SavedExport>, AppError> {
    let tz = app::parse_tz(&tz)?;
    blocking(handle.clone(), Desktop::require_unlocked).await?;
    let name = export_name(format);
    let target = crate::dialogs::save(&handle, name).await?;
    let Some(target) = target else {
        return Ok(None);
    };
    blocking(handle, move |d| {
        d.with_session(|s| app::export_to_file(s, format, &tz, &target, clock::now()))
            .map(|exported| app::SavedExport {
                file: target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                folder: target
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                exported,
            })
    })
    .await
    .map(Some)
}
