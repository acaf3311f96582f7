//! Listing every command here makes Tauri generate an `allow-`/`deny-` permission per command,
//! so a command is callable from the UI only when `capabilities/` grants it. A command that is
//! registered in `lib.rs` but missing here is denied to every window.

const COMMANDS: &[&str] = &[
    "app_info",
    "vault_status",
    "create_vault",
    "unlock_vault",
    "lock_vault",
    "note_activity",
    "retention_classes",
    "set_retention",
    "purge_expired",
    "audit_entries",
    "verify_audit_log",
    "settings",
    "set_auto_lock",
    "preview_balance",
    "preview_my_balances",
    "catalogs",
    "dashboard",
    "platforms",
    "sources",
    "add_source",
    "set_payout_threshold",
    "choose_import_file",
    "clear_import_profile",
    "import_chosen",
    "cancel_import",
    "history",
    "inflow",
    "export_ledger",
    "providers",
    "start_demo",
    "plan_redemption",
    "send_redemption",
    "redemptions",
    "reconcile",
    "dispute_redemption",
    "privacy_ledger",
    "security_key_devices",
    "security_keys",
    "register_security_key",
    "rename_security_key",
    "remove_security_key",
    "unlock_with_security_key",
    "step_up_plan",
    "step_up_redemption",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step failed: check tauri.conf.json and capabilities/");
}
