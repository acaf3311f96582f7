//! The desktop shell: a Tauri window over `tipvault-app`.
//!
//! Every `#[tauri::command]` here is a one-line adapter: it takes validated input from the UI,
//! calls one `tipvault_app` function and returns its result or its `{code, message}` error.
//! Secrets never cross this boundary towards the web view. A command must also be listed in
//! `build.rs` and granted in `capabilities/` or the UI cannot call it.

mod commands;

use tipvault_app::VaultLocation;

/// State shared by the commands: where the vault lives, resolved once at start-up.
pub struct Desktop {
    pub location: VaultLocation,
}

/// Registers the commands and state on a builder; shared by `run` and the IPC tests.
pub fn builder<R: tauri::Runtime>(desktop: Desktop) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .manage(desktop)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::vault_status
        ])
}

/// Starts the desktop app.
pub fn run() {
    let location = match VaultLocation::resolve(None) {
        Ok(location) => location,
        Err(err) => {
            eprintln!("tipvault: {}", err.message);
            std::process::exit(2);
        }
    };
    let result = builder::<tauri::Wry>(Desktop { location }).run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("tipvault: the desktop app could not start: {err}");
        std::process::exit(1);
    }
}
