//! The native file dialogs, opened from Rust so that the web view never sends or receives a
//! path: a compromised page cannot make the app read or write a file the user did not pick.
//!
//! Builds with the `test-hooks` feature (the test suite's) take the dialogs' answers from
//! `TIPVAULT_TEST_PICK_FILE` (the file to open) and `TIPVAULT_TEST_SAVE_DIR` (where to save),
//! because WebDriver cannot drive a native dialog; every other build ignores both.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};
use tipvault_app::{AppError, ErrorCode};

const PICK_ENV: &str = "TIPVAULT_TEST_PICK_FILE";
const SAVE_DIR_ENV: &str = "TIPVAULT_TEST_SAVE_DIR";

fn test_override(var: &str) -> Option<PathBuf> {
    if cfg!(feature = "test-hooks") {
        std::env::var_os(var).map(PathBuf::from)
    } else {
        None
    }
}

/// Runs a blocking dialog off the main thread (it runs its own loop) and turns its answer
/// into a path; `None` when the user closed it.
async fn run<R: Runtime>(
    handle: &AppHandle<R>,
    show: impl FnOnce(FileDialogBuilder<R>) -> Option<FilePath> + Send + 'static,
) -> Result<Option<PathBuf>, AppError> {
    let handle = handle.clone();
    let picked = tauri::async_runtime::spawn_blocking(move || show(handle.dialog().file()))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("The file dialog failed: {e}")))?;
    picked
        .map(|p| {
            p.into_path().map_err(|e| {
                AppError::new(ErrorCode::Io, format!("That file cannot be used: {e}."))
            })
        })
        .transpose()
}

/// Asks for a file to open, offering `filter` (a name and extensions). `test_hook`: whether
/// the debug-build test path may answer (it names the data file to import, nothing else).
pub async fn open<R: Runtime>(
    handle: &AppHandle<R>,
    filter: (&'static str, &'static [&'static str]),
    test_hook: bool,
) -> Result<Option<PathBuf>, AppError> {
    if let Some(path) = test_override(PICK_ENV) {
        return Ok(test_hook.then_some(path));
    }
    run(handle, move |d| {
        d.add_filter(filter.0, filter.1).blocking_pick_file()
    })
    .await
}

/// Asks where to save a file, proposing `name`.
pub async fn save<R: Runtime>(
    handle: &AppHandle<R>,
    name: String,
) -> Result<Option<PathBuf>, AppError> {
    if let Some(dir) = test_override(SAVE_DIR_ENV) {
        return Ok(Some(dir.join(name)));
    }
    run(handle, move |d| d.set_file_name(&name).blocking_save_file()).await
}
