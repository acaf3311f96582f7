//! The commands the UI may call (each also listed in `build.rs` and granted in
//! `capabilities/default.json`).

use serde::Serialize;
use tauri::State;
use tipvault_app::{AppError, VaultStatus};

use crate::Desktop;

#[derive(Debug, Serialize)]
pub struct AppInfo {
    version: &'static str,
}

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        version: tipvault_app::VERSION,
    }
}

#[tauri::command]
pub fn vault_status(desktop: State<'_, Desktop>) -> Result<VaultStatus, AppError> {
    tipvault_app::vault_status(&desktop.location)
}
