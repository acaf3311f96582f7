//! The desktop shell: a Tauri window over `tipvault-app`.
//!
//! Every `#[tauri::command]` here is a one-line adapter: it takes input from the UI, calls one
//! `tipvault_app` function and returns its result or its `{code, message}` error. Secrets only
//! ever travel from the UI to Rust (a passphrase being typed), never back. A command must also
//! be listed in `build.rs` and granted in `capabilities/` or the UI cannot call it.

mod commands;
mod dialogs;
mod ipc_record;
mod keys;
mod ledger;
mod reauth;
mod redeem;
mod risk;
mod session;

use std::time::Duration;

use tauri::Runtime;
use tipvault_app::VaultLocation;

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
    base.manage(desktop)
        .manage(ledger::Imports::default())
        .manage(redeem::Redeemer::default())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            session::watch_idle(app.handle().clone(), WATCH_EVERY);
            #[cfg(unix)]
            session::lock_on_signals(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::vault_status,
            commands::create_vault,
            commands::unlock_vault,
            commands::lock_vault,
            commands::note_activity,
            commands::retention_classes,
            commands::set_retention,
            commands::purge_expired,
            commands::audit_entries,
            commands::verify_audit_log,
            commands::settings,
            commands::set_auto_lock,
            commands::preview_balance,
            commands::preview_my_balances,
            commands::catalogs,
            commands::dashboard,
            ledger::platforms,
            ledger::sources,
            ledger::add_source,
            ledger::set_payout_threshold,
            ledger::choose_import_file,
            ledger::clear_import_profile,
            ledger::import_chosen,
            ledger::cancel_import,
            ledger::history,
            ledger::inflow,
            ledger::export_ledger,
            redeem::providers,
            redeem::start_demo,
            redeem::leave_demo,
            redeem::refresh_catalogs,
            redeem::reconcile_account,
            redeem::link_account,
            redeem::plan_redemption,
            redeem::send_redemption,
            redeem::redemptions,
            redeem::reconcile,
            redeem::dispute_redemption,
            redeem::privacy_ledger,
            keys::security_key_devices,
            keys::security_keys,
            keys::register_security_key,
            keys::rename_security_key,
            keys::remove_security_key,
            keys::enable_security_key_unlock,
            keys::unlock_with_security_key,
            keys::step_up_plan,
            risk::risk_status,
            risk::set_limit,
            risk::verify_redemption,
            risk::cancel_redemption,
            risk::set_sandbox_step_up_waiver,
            risk::verify_tier,
            risk::auto_cashouts,
            risk::add_auto_cashout,
            risk::remove_auto_cashout,
            risk::run_auto_cashouts,
        ])
}

/// Starts the desktop app.
pub fn run() {
    // Before any vault opens: SQLCipher wipes what it frees (decrypted pages), process-wide.
    if let Err(err) = tipvault_app::wipe_freed_memory() {
        eprintln!("tipvault: the desktop app could not start: {err}");
        std::process::exit(1);
    }
    let location = match VaultLocation::resolve(None) {
        Ok(location) => location,
        Err(err) => {
            eprintln!("tipvault: {}", err.message);
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
