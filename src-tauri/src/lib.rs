//! The desktop shell: a Tauri window over `tipvault-app`.
//!
//! Every command is an adapter: it takes input from the UI, calls one `tipvault_app` function and
//! returns its result or its `{code, message}` error. Secrets only ever travel from the UI to
//! Rust (a passphrase being typed), never back. The commands the window may call are listed
//! once, in `boundary/list.rs`: registration, permissions, the capability file and the UI's
//! typed backend are all generated from that list.

pub mod boundary;
mod commands;
mod dialogs;
mod ipc_record;
mod keys;
mod ledger;
#[cfg(target_os = "linux")]
pub mod painting;
mod reauth;
mod redeem;
mod risk;
mod session;

use std::time::Duration;

use tauri::Runtime;
use tipvault_app::VaultLocation;

pub use boundary::COMMANDS;
pub use session::Desktop;

/// How often the auto-lock watcher looks at the session.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Registers the commands and state on `base`: the real window's builder or, in tests, Tauri's
/// mock runtime's (`tests/ipc.rs` calls the commands through its IPC, capabilities included).
pub fn builder<R: Runtime>(base: tauri::Builder<R>, desktop: Desktop) -> tauri::Builder<R> {
    let base = match ipc_record::plugin() {
        Some(record) => base.plugin(record),
        None => base,
    };
    let base = base
        .manage(ledger::Imports::default())
        .manage(redeem::Redeemer::default())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            session::watch_idle(app.handle().clone(), WATCH_EVERY);
            #[cfg(unix)]
            session::lock_on_signals(app.handle().clone());
            Ok(())
        });
    boundary::register(base.manage(desktop))
}

/// Starts the desktop app.
pub fn run() {
    // First, before anything that a restart would lose: how the web view paints is chosen
    // through the environment WebKit's web process inherits (it may start this program again).
    #[cfg(target_os = "linux")]
    painting::choose();
    // Before any vault opens: SQLCipher wipes what it frees (decrypted pages), process-wide.
    if let Err(err) = tipvault_app::wipe_freed_memory() {
        eprintln!("tipvault: the desktop app could not start: {err}");
        std::process::exit(1);
    }
    let location = match VaultLocation::resolve(None) {
        Ok(location) => location,
        Err(err) => {
            // No window yet to show it in: the only hint this can carry (`NameVault`) is said
            // here, in the desktop's words.
            eprintln!("tipvault: {}", err.message);
            if err.hint.is_some() {
                eprintln!(
                    "tipvault: set TIPVAULT_VAULT to the folder where the vault should live."
                );
            }
            std::process::exit(2);
        }
    };
    let app = builder(tauri::Builder::default(), Desktop::new(location))
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                session::lock_on_exit(handle);
            }
        }),
        Err(err) => {
            eprintln!("tipvault: the desktop app could not start: {err}");
            std::process::exit(1);
        }
    }
}
