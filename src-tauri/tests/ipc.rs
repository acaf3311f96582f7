//! The desktop boundary through Tauri's own IPC: the real commands and the real capability file
//! (compiled in by `generate_context!`), on Tauri's mock runtime instead of a window. What the
//! main window may call, what nothing may call, what a locked vault answers, and that no answer
//! carries a secret.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};
use tempfile::TempDir;
use tipvault_app::VaultLocation;
use tipvault_desktop::Desktop;

/// A strong passphrase, searched for in every answer.
const PASSPHRASE: &str = "orchard quiver nebula saffron";

/// Where a request comes from: the app's own pages (as Tauri serves them) or anywhere else.
const APP_ORIGIN: &str = "tauri://localhost";

struct Shell {
    dir: TempDir,
    app: tauri::App<MockRuntime>,
}

impl Shell {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let desktop = Desktop::new(VaultLocation::at(dir.path().join("vault")));
        let app = tipvault_desktop::builder(mock_builder(), desktop)
            .build(tauri::generate_context!())
            .expect("the app builds on the mock runtime");
        Self { dir, app }
    }

    /// The window the configuration declares (label `main`), which the capability names.
    fn main(&self) -> WebviewWindow<MockRuntime> {
        self.app
            .get_webview_window("main")
            .unwrap_or_else(|| self.window("main"))
    }

    fn window(&self, label: &str) -> WebviewWindow<MockRuntime> {
        WebviewWindowBuilder::new(&self.app, label, Default::default())
            .build()
            .unwrap()
    }
}

/// Calls `cmd` as the page at `origin` in `window` would; the answer as JSON.
fn call_from(
    window: &WebviewWindow<MockRuntime>,
    origin: &str,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
}

fn call(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    call_from(window, APP_ORIGIN, cmd, args)
}

/// The app's commands the capability grants (`allow-…`), as command names.
fn granted() -> Vec<String> {
    let capability: Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

/// A refusal by Tauri's access control (not by the command: it never ran).
fn refused_by_acl(answer: &Result<Value, Value>) -> bool {
    matches!(answer, Err(Value::String(message)) if message.contains("not allowed"))
}

/// Every command that works on the open vault, with arguments it accepts: locked, each must
/// answer `vault_locked` and nothing else. (Commands whose argument is a whole form, such as a
/// preview query or an import's settings, pass through the same session check.)
fn session_commands() -> Vec<(&'static str, Value)> {
    let reauth = json!({ "passphrase": PASSPHRASE, "device": null, "pin": null });
    vec![
        ("note_activity", json!({})),
        ("retention_classes", json!({})),
        (
            "set_retention",
            json!({ "className": "entry", "seconds": 86_400, "reauth": reauth }),
        ),
        ("purge_expired", json!({ "dryRun": true })),
        ("audit_entries", json!({ "after": 0, "limit": 10 })),
        ("verify_audit_log", json!({})),
        ("settings", json!({})),
        ("set_auto_lock", json!({ "seconds": 300, "reauth": null })),
        ("catalogs", json!({})),
        ("dashboard", json!({})),
        ("sources", json!({})),
        (
            "set_payout_threshold",
            json!({ "source": "kofi", "threshold": "10" }),
        ),
        ("providers", json!({})),
        ("refresh_catalogs", json!({ "provider": null })),
        ("reconcile_account", json!({ "account": "provider-x" })),
        (
            "link_account",
            json!({ "source": "kofi", "provider": null }),
        ),
        ("send_redemption", json!({ "id": "rx_1" })),
        ("redemptions", json!({})),
        ("redemption_detail", json!({ "id": "rx_1" })),
        ("reconcile", json!({})),
        (
            "dispute_redemption",
            json!({ "id": "rd_1", "reason": "other" }),
        ),
        ("privacy_ledger", json!({})),
        ("choose_import_file", json!({ "what": "data" })),
        ("history", json!({ "query": {}, "tz": "UTC" })),
        ("matching_totals", json!({ "query": {}, "tz": "UTC" })),
        (
            "inflow",
            json!({ "query": {}, "period": "iso_week", "tz": "UTC" }),
        ),
        ("export_ledger", json!({ "format": "csv", "tz": "UTC" })),
        ("security_keys", json!({})),
        ("rename_security_key", json!({ "id": "k", "label": "Key" })),
        (
            "remove_security_key",
            json!({ "id": "k", "reauth": reauth }),
        ),
        ("step_up_plan", json!({ "id": "rx_1" })),
        ("risk_status", json!({})),
        (
            "draft_limit",
            json!({ "currency": "KRW", "kind": "per_claim", "typed": "20000" }),
        ),
        (
            "set_limit",
            json!({ "currency": "KRW", "kind": "per_claim", "amount": null, "reauth": null }),
        ),
        ("cancel_redemption", json!({ "id": "rx_1" })),
        (
            "cancel_provider_legs",
            json!({ "id": "rx_1", "provider": "telco-points" }),
        ),
        (
            "set_sandbox_step_up_waiver",
            json!({ "waived": false, "reauth": null }),
        ),
        ("verify_tier", json!({ "provider": "p" })),
        ("auto_cashouts", json!({})),
        ("remove_auto_cashout", json!({ "id": "a" })),
        ("run_auto_cashouts", json!({})),
    ]
}

/// The commands that answer without an open vault, and why.
const NEED_NO_VAULT: &[(&str, &str)] = &[
    ("app_info", "the app's name and version"),
    (
        "rate_passphrase",
        "rates a new passphrase against the rule; reads no vault",
    ),
    ("vault_status", "says whether a vault exists and is open"),
    ("create_vault", "makes one"),
    ("unlock_vault", "opens one"),
    ("unlock_with_security_key", "opens one"),
    ("lock_vault", "answers false when none is open"),
    ("start_demo", "opens the demo vault"),
    (
        "leave_demo",
        "answers false when the demo vault is not open",
    ),
    ("platforms", "the built-in import formats"),
    (
        "security_key_devices",
        "the kinds of key this build can use",
    ),
    ("clear_import_profile", "forgets a chosen file, if any"),
    ("cancel_import", "stops an import, if one runs"),
    (
        "cancel_key_wait",
        "ends a wait for a security key, if one runs; the waiting command holds the session",
    ),
];

/// Commands whose argument is a whole form (a preview query, an import's settings, a new
/// source, a rule or a redemption's request) or that reach a security key first: they pass
/// through the same session check, reached with real input by the tests of each feature.
const FORMS: &[&str] = &[
    "add_provider",
    "pair_provider",
    "preview_balance",
    "preview_my_balances",
    "preview_across_providers",
    "add_source",
    "import_chosen",
    "plan_redemption",
    "plan_redemption_across",
    "add_auto_cashout",
    "register_security_key",
    "enable_security_key_unlock",
    "verify_redemption",
];

#[test]
fn every_command_is_granted_once_and_classified() {
    use std::collections::BTreeSet;
    let listed: BTreeSet<String> = tipvault_desktop::COMMANDS
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        listed.len(),
        tipvault_desktop::COMMANDS.len(),
        "a command listed twice"
    );
    let granted: BTreeSet<String> = granted().into_iter().collect();
    assert_eq!(
        granted, listed,
        "the capability grants exactly the listed commands"
    );
    let mut classified: BTreeSet<String> = session_commands()
        .into_iter()
        .map(|(c, _)| c.to_owned())
        .collect();
    classified.extend(NEED_NO_VAULT.iter().map(|(c, _)| c.to_string()));
    classified.extend(FORMS.iter().map(|c| c.to_string()));
    assert_eq!(
        classified, listed,
        "every command is checked against a locked vault, or says why it needs none"
    );
}

#[test]
fn the_main_window_gets_no_core_permission_beyond_events() {
    let capability: Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    let core: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("core:"))
        .collect();
    assert_eq!(
        core,
        ["core:event:default"],
        "the UI needs only to listen for events"
    );
}

#[test]
fn a_locked_vault_refuses_every_command_that_needs_it() {
    let shell = Shell::new();
    let main = shell.main();
    // No vault yet, then a vault that was created and locked: both are "locked".
    for phase in ["no vault", "locked"] {
        if phase == "locked" {
            call(&main, "create_vault", json!({ "passphrase": PASSPHRASE })).unwrap();
            assert_eq!(call(&main, "lock_vault", json!({})).unwrap(), json!(true));
        }
        for (cmd, args) in session_commands() {
            let answer = call(&main, cmd, args);
            let code = answer
                .as_ref()
                .err()
                .and_then(|e| e.get("code"))
                .and_then(Value::as_str);
            assert_eq!(
                code,
                Some("vault_locked"),
                "{cmd} ({phase}) answered {answer:?}"
            );
        }
    }
}

#[test]
fn the_main_window_may_call_the_apps_commands_and_nothing_else() {
    let shell = Shell::new();
    let main = shell.main();
    // Granted: they run (the answer is the command's own, not the access control's).
    for cmd in [
        "app_info",
        "vault_status",
        "platforms",
        "settings",
        "cancel_key_wait",
    ] {
        let answer = call(&main, cmd, json!({}));
        assert!(!refused_by_acl(&answer), "{cmd}: {answer:?}");
    }
    assert!(
        granted().len() > 50,
        "the capability lists the app's commands"
    );
    // Not granted: Tauri's own window, webview, app, path, menu and tray commands, the dialog
    // plugin's (the app opens dialogs from Rust; the page never names a path), and a command
    // the app does not have (the CLI's `export-key` has no desktop twin).
    for (cmd, args) in [
        ("plugin:window|close", json!({ "label": "main" })),
        (
            "plugin:window|set_title",
            json!({ "label": "main", "value": "x" }),
        ),
        (
            "plugin:webview|create_webview_window",
            json!({ "options": { "label": "evil" } }),
        ),
        ("plugin:app|app_hide", json!({})),
        ("plugin:path|resolve_directory", json!({ "directory": 1 })),
        ("plugin:dialog|open", json!({ "options": {} })),
        ("plugin:dialog|save", json!({ "options": {} })),
        ("plugin:dialog|message", json!({ "message": "x" })),
        ("plugin:menu|new", json!({ "kind": "Menu" })),
        ("plugin:tray|new", json!({ "options": {} })),
        ("export_key", json!({})),
    ] {
        let answer = call(&main, cmd, args);
        assert!(refused_by_acl(&answer), "{cmd}: {answer:?}");
    }
}

#[test]
fn a_new_passphrase_is_rated_by_the_app_not_the_window() {
    let shell = Shell::new();
    let main = shell.main();
    let rate = |text: &str| call(&main, "rate_passphrase", json!({ "passphrase": text })).unwrap();
    let short = rate("short");
    assert_eq!(short["verdict"], "too_short");
    assert_eq!(
        (short["min_length"].as_u64(), short["min_score"].as_u64()),
        (Some(10), Some(3))
    );
    assert_eq!(rate("password1234")["verdict"], "too_weak");
    let good = rate(PASSPHRASE);
    assert_eq!(good["verdict"], "ok", "{good}");
    assert!(good["score"].as_u64().unwrap() >= 3);
    assert!(
        !good.to_string().contains("orchard"),
        "the rating never echoes the text"
    );
}

#[test]
fn another_window_or_a_remote_page_may_call_nothing() {
    let shell = Shell::new();
    let other = shell.window("other");
    let main = shell.main();
    for cmd in granted() {
        let answer = call(&other, &cmd, json!({}));
        assert!(
            refused_by_acl(&answer),
            "{cmd} from another window: {answer:?}"
        );
        let answer = call_from(&main, "https://example.com", &cmd, json!({}));
        assert!(
            refused_by_acl(&answer),
            "{cmd} from a remote page: {answer:?}"
        );
    }
}

#[test]
fn no_answer_carries_the_passphrase_or_a_key() {
    let shell = Shell::new();
    let main = shell.main();
    let mut answers = Vec::new();
    answers.push(call(
        &main,
        "create_vault",
        json!({ "passphrase": PASSPHRASE }),
    ));
    let reads = [
        "app_info",
        "vault_status",
        "retention_classes",
        "audit_entries",
        "verify_audit_log",
        "settings",
        "catalogs",
        "dashboard",
        "platforms",
        "sources",
        "providers",
        "redemptions",
        "privacy_ledger",
        "security_keys",
        "risk_status",
        "auto_cashouts",
    ];
    for cmd in reads {
        let args = if cmd == "audit_entries" {
            json!({ "after": 0, "limit": 1000 })
        } else {
            json!({})
        };
        answers.push(call(&main, cmd, args));
    }
    answers.push(call(&main, "lock_vault", json!({})));
    answers.push(call(
        &main,
        "unlock_vault",
        json!({ "passphrase": PASSPHRASE }),
    ));
    for cmd in reads {
        answers.push(call(&main, cmd, json!({ "after": 0, "limit": 1000 })));
    }
    answers.push(call(&main, "lock_vault", json!({})));
    let text = serde_json::to_string(&answers).unwrap();
    assert!(
        text.contains("vault.unlocked"),
        "the audit entries were read"
    );

    // The keys, read from the vault itself once the app has let go of it.
    let (vault, _) = tipvault_vault::Vault::unlock(
        &shell.dir.path().join("vault"),
        &PASSPHRASE.to_owned().into(),
        chrono::Utc::now(),
    )
    .unwrap();
    let keys = vault.key_material(chrono::Utc::now()).unwrap();
    let mut secrets = vec![("passphrase", PASSPHRASE.to_owned())];
    for (name, bytes) in [
        ("vault key", keys.vault_key.to_vec()),
        ("data key", keys.data_key.to_vec()),
    ] {
        secrets.push((name, hex::encode(&bytes)));
        secrets.push((name, hex::encode_upper(&bytes)));
        secrets.push((name, format!("{bytes:?}").replace(' ', "")));
    }
    for (name, form) in secrets {
        assert!(!text.contains(&form), "an answer carries the {name}");
    }
}
