//! The `tipvault` command line, run as a real process on a real vault, as a user or a script
//! would. Vaults use the minimum Argon2id cost (`--kdf-minimum`) to keep the suite quick.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use tipvault_tests::{Run, run, tipvault};

const PASSPHRASE: &str = "harbour violet quantum tangerine";

/// Runs `tipvault --vault DIR --passphrase-stdin ARGS` with `stdin` as its input.
/// `--vault DIR`, or for a directory named `<x>.demo` the demo vault beside `<x>`
/// (`--vault <x> --demo`): the software authenticator is a test device, which only the demo
/// vault accepts.
fn at(dir: &Path) -> Command {
    let mut c = tipvault();
    if dir.extension().is_some_and(|e| e == "demo") {
        c.arg("--vault").arg(dir.with_extension("")).arg("--demo");
    } else {
        c.arg("--vault").arg(dir);
    }
    c
}

fn with_stdin(dir: &Path, stdin: &str, args: &[&str]) -> Run {
    use std::io::Write;
    let mut child = at(dir)
        .arg("--passphrase-stdin")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tipvault starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts the passphrase");
    child.wait_with_output().expect("tipvault finishes").into()
}

/// `export-key` as a user runs it: typed at a terminal. The passphrase goes through a
/// pseudo-terminal (`script` from util-linux, in every Debian install), which the command
/// insists on; what it printed (prompt, warning and JSON) comes back as `stdout`.
fn export_key_at_a_terminal(dir: &Path) -> Run {
    use std::io::Write;
    let program = tipvault_tests::binary("tipvault-cli", "tipvault");
    let line = format!(
        "{} --vault {} --json export-key",
        program.display(),
        dir.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("TIPVAULT_PASSPHRASE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    // After the prompt has switched echo off.
    std::thread::sleep(std::time::Duration::from_millis(400));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(format!("{PASSPHRASE}\n").as_bytes())
        .expect("the terminal takes the passphrase");
    drop(stdin);
    child.wait_with_output().expect("script finishes").into()
}

/// The 64-hex-digit key in what `export-key` printed.
fn exported_key(out: &Run) -> String {
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let start = out
        .stdout
        .find("\"key\":\"")
        .expect("the JSON names the key")
        + 7;
    out.stdout[start..start + 64].to_owned()
}

fn init(dir: &Path) {
    let out = with_stdin(dir, &format!("{PASSPHRASE}\n"), &["init", "--kdf-minimum"]);
    assert!(out.status.success(), "init failed: {}", out.stderr);
}

fn json(out: &Run) -> serde_json::Value {
    assert!(out.status.success(), "command failed: {}", out.stderr);
    serde_json::from_str(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn version_names_the_program_and_its_version() {
    let out = run(tipvault().arg("--version"));
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        format!("tipvault {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_the_global_options_and_commands() {
    let out = run(tipvault().arg("--help"));
    assert!(out.status.success(), "{}", out.stderr);
    for needle in [
        "--vault <PATH>",
        "--json",
        "--passphrase-stdin",
        "--security-key",
        "--soft-authenticator <FILE>",
        "init",
        "unlock",
        "auth",
        "status",
        "passphrase",
        "rekey",
        "purge",
        "retention",
        "audit",
        "export-key",
        "source",
        "import",
        "balance",
        "history",
        "totals",
        "forecast",
        "export",
    ] {
        assert!(
            out.stdout.contains(needle),
            "help should mention {needle}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn status_reports_an_absent_vault_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let doc = json(&run(tipvault()
        .arg("--vault")
        .arg(&vault)
        .args(["status", "--json"])));
    assert_eq!(doc["state"], "absent");
    assert_eq!(doc["path"], vault.display().to_string());
}

#[test]
fn status_follows_the_environment_when_no_flag_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let doc = json(&run(tipvault()
        .env("TIPVAULT_VAULT", dir.path())
        .args(["--json", "status"])));
    assert_eq!(doc["path"], dir.path().display().to_string());
}

#[test]
fn init_creates_a_locked_vault_with_at_least_the_policy_kdf() {
    let dir = tempfile::tempdir().unwrap();
    let out = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\n"),
        &["--json", "init", "--kdf-minimum"],
    );
    let created = json(&out);
    assert_eq!(created["kdf"]["memory_mib"], 64);
    assert_eq!(created["kdf"]["iterations"], 3);
    assert_eq!(created["kdf"]["parallelism"], 4);
    let status = json(&run(tipvault()
        .arg("--vault")
        .arg(dir.path())
        .args(["--json", "status"])));
    assert_eq!(status["state"], "locked");
    assert_eq!(status["kdf"]["memory_mib"], 64);
}

#[test]
fn init_refuses_a_weak_passphrase_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v");
    let out = with_stdin(
        &vault,
        "password1234\n",
        &["--json", "init", "--kdf-minimum"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a refused input exits 2: {}",
        out.stderr
    );
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "weak_passphrase");
    assert!(
        !vault.join("vault.keys").exists(),
        "nothing may be written for a refused passphrase"
    );
}

#[test]
fn init_refuses_to_overwrite_an_existing_vault() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let before = std::fs::read(dir.path().join("vault.keys")).unwrap();
    let out = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\n"),
        &["--json", "init", "--kdf-minimum"],
    );
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "vault_exists");
    assert_eq!(
        std::fs::read(dir.path().join("vault.keys")).unwrap(),
        before
    );
}

#[test]
fn a_wrong_passphrase_exits_3_and_changes_neither_the_database_nor_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let keys = std::fs::read(dir.path().join("vault.keys")).unwrap();
    let db = std::fs::read(dir.path().join("vault.db")).unwrap();
    let out = with_stdin(dir.path(), "not the passphrase\n", &["--json", "purge"]);
    assert_eq!(out.status.code(), Some(3), "{}", out.stderr);
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "wrong_passphrase");
    assert_eq!(std::fs::read(dir.path().join("vault.keys")).unwrap(), keys);
    assert_eq!(std::fs::read(dir.path().join("vault.db")).unwrap(), db);
}

#[test]
fn the_passphrase_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = run(tipvault()
        .arg("--vault")
        .arg(dir.path())
        .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
        .args(["--json", "audit", "verify"]));
    assert_eq!(json(&out)["intact"], true);
}

#[test]
fn a_passphrase_line_on_stdin_is_read_exactly_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    // A CRLF line end is not part of the passphrase.
    let crlf = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\r\n"),
        &["audit", "verify"],
    );
    assert!(crlf.status.success(), "{}", crlf.stderr);
    // A trailing space is: that is another passphrase, so the vault stays shut.
    let spaced = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE} \n"),
        &["audit", "verify"],
    );
    assert_eq!(spaced.status.code(), Some(3), "{}", spaced.stderr);
    let long = with_stdin(dir.path(), &"x".repeat(5000), &["audit", "verify"]);
    assert_eq!(long.status.code(), Some(2), "{}", long.stderr);
    assert!(
        long.stderr.contains("longer than 4096 bytes"),
        "{}",
        long.stderr
    );
    let empty = with_stdin(dir.path(), "", &["audit", "verify"]);
    assert!(
        empty.stderr.contains("No passphrase given"),
        "{}",
        empty.stderr
    );
}

#[test]
fn without_a_terminal_or_a_source_the_cli_says_how_to_give_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = run(tipvault()
        .arg("--vault")
        .arg(dir.path())
        .arg("purge")
        .stdin(std::process::Stdio::null()));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("--passphrase-stdin"), "{}", out.stderr);
}

#[test]
fn retention_can_be_shortened_and_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let p = format!("{PASSPHRASE}\n");
    let change = json(&with_stdin(
        dir.path(),
        &p,
        &["--json", "retention", "set", "request_log", "30d"],
    ));
    assert_eq!(change["seconds"], 30 * 86_400);
    assert_eq!(change["previous_seconds"], 90 * 86_400);
    let classes = json(&with_stdin(
        dir.path(),
        &p,
        &["--json", "retention", "show"],
    ));
    let request_log = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "request_log")
        .expect("request_log is a class");
    assert_eq!(request_log["seconds"], 30 * 86_400);
    assert_eq!(request_log["default_seconds"], 90 * 86_400);
}

#[test]
fn retention_rejects_an_unknown_class() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\n"),
        &["--json", "retention", "set", "nope", "1d"],
    );
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["error"]["code"], "invalid_input");
}

#[test]
fn purge_reports_counts_per_class() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let report = json(&with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\n"),
        &["--json", "purge", "--dry-run"],
    ));
    assert_eq!(report["dry_run"], true);
    for class in ["receipt", "imported_tip", "request_log", "draft", "audit"] {
        assert!(
            report["per_class"].get(class).is_some(),
            "{class} is reported: {report}"
        );
    }
}

#[test]
fn a_dry_run_purge_never_hides_what_the_unlock_deleted() {
    // Forty years on, everything `init` recorded has expired: the unlock of the dry run
    // deletes it (every unlock purges), and the report says so instead of "0".
    let later = (40 * 366 * 86_400).to_string();
    let dry = |offset: &str, json: bool| {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path());
        let mut args = vec!["--vault", dir.path().to_str().unwrap()];
        if json {
            args.push("--json");
        }
        args.extend(["purge", "--dry-run"]);
        run(tipvault()
            .args(&args)
            .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
            .env("TIPVAULT_TEST_CLOCK_OFFSET_SECS", offset))
    };
    let report = json(&dry(&later, true));
    assert_eq!(report["dry_run"], true);
    let on_unlock = report["deleted_on_unlock"]["total"].as_u64().unwrap();
    assert!(
        on_unlock > 0,
        "the unlock deleted what had expired: {report}"
    );
    assert_eq!(report["total"], 0, "and nothing else is left: {report}");
    let text = dry(&later, false);
    assert!(text.status.success(), "{}", text.stderr);
    assert!(
        text.stdout.starts_with("Opening the vault deleted")
            && text.stdout.contains("Nothing else has expired.")
            && !text.stdout.contains("Would delete 0"),
        "never a bare 0 after deleting: {}",
        text.stdout
    );
    // Today, nothing has expired and nothing was deleted: a plain 0.
    let today = dry("0", false);
    assert!(
        today.stdout.contains("Would delete 0 expired records."),
        "{}",
        today.stdout
    );
}

#[test]
fn the_audit_log_records_each_step_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let p = format!("{PASSPHRASE}\n");
    let verified = json(&with_stdin(dir.path(), &p, &["--json", "audit", "verify"]));
    assert_eq!(verified["intact"], true);
    let entries = json(&with_stdin(dir.path(), &p, &["--json", "audit", "show"]));
    let kinds: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "vault.created");
    assert!(
        kinds.contains(&"vault.unlocked") && kinds.contains(&"vault.locked"),
        "{kinds:?}"
    );
}

#[test]
fn passphrase_change_takes_effect_and_the_old_one_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let new = "ocean marble lantern quiver syntax";
    let out = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\n{new}\n"),
        &["passphrase", "change", "--kdf-minimum"],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let old = with_stdin(dir.path(), &format!("{PASSPHRASE}\n"), &["purge"]);
    assert_eq!(
        old.status.code(),
        Some(3),
        "the old passphrase must no longer open the vault"
    );
    let ok = with_stdin(dir.path(), &format!("{new}\n"), &["purge"]);
    assert!(ok.status.success(), "{}", ok.stderr);
}

#[test]
fn rekey_changes_the_data_key_and_the_vault_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let p = format!("{PASSPHRASE}\n");
    let before = exported_key(&export_key_at_a_terminal(dir.path()));
    let rekeyed = json(&with_stdin(dir.path(), &p, &["--json", "rekey"]));
    assert_eq!(rekeyed["generation"], 2);
    let after = exported_key(&export_key_at_a_terminal(dir.path()));
    assert_ne!(before, after, "a rotation must change the data key");
    assert_eq!(
        json(&with_stdin(dir.path(), &p, &["--json", "audit", "verify"]))["intact"],
        true
    );
}

#[test]
fn export_key_opens_the_vault_in_sqlcipher_and_audit_verify_catches_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let p = format!("{PASSPHRASE}\n");
    // Only typed at a terminal: standard input and the environment are refused.
    let piped = with_stdin(dir.path(), &p, &["--json", "export-key"]);
    assert_eq!(piped.status.code(), Some(2), "{}", piped.stderr);
    assert!(
        piped.stderr.contains("at the terminal only"),
        "{}",
        piped.stderr
    );
    let from_env = run(tipvault()
        .arg("--vault")
        .arg(dir.path())
        .args(["--json", "export-key"])
        .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
        .stdin(std::process::Stdio::null()));
    assert_eq!(from_env.status.code(), Some(2), "{}", from_env.stderr);
    assert!(
        from_env.stderr.contains("TIPVAULT_PASSPHRASE"),
        "{}",
        from_env.stderr
    );
    let exported = export_key_at_a_terminal(dir.path());
    assert!(
        exported.stdout.contains("WARNING"),
        "exporting the key must warn: {}",
        exported.stdout
    );
    let key = exported_key(&exported);
    assert!(
        key.bytes().all(|b| b.is_ascii_hexdigit()),
        "a 256-bit key in hex: {key}"
    );

    // Open the vault as any SQLCipher 4 client would, with only the raw key, and tamper.
    let conn = rusqlite::Connection::open(dir.path().join("vault.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .unwrap();
    let created: String = conn
        .query_row("SELECT kind FROM audit_log WHERE seq = 1", [], |r| r.get(0))
        .expect("the raw key opens the database");
    assert_eq!(created, "vault.created");
    conn.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 1", [])
        .unwrap();
    drop(conn);

    let out = with_stdin(dir.path(), &p, &["audit", "verify"]);
    assert!(
        !out.status.success(),
        "an edited chain must fail verification"
    );
    assert!(
        out.stdout.contains("BROKEN: entry 1 was changed"),
        "{}",
        out.stdout
    );
}

#[test]
fn check_vouches_for_a_whole_vault_and_names_a_drifted_balance() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    assert!(import(dir.path(), "kofi.csv", &[]).status.success());
    let report = json(&with_stdin(dir.path(), &pass(), &["--json", "check"]));
    assert_eq!(report["consistent"], true, "{report}");
    assert!(report["entries"].as_u64().unwrap() > 0, "{report}");
    assert!(report["audit_entries"].as_u64().unwrap() > 0, "{report}");

    // A balance edited behind the vault's back, with only the raw key.
    let key = exported_key(&export_key_at_a_terminal(dir.path()));
    let conn = rusqlite::Connection::open(dir.path().join("vault.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .unwrap();
    conn.execute("UPDATE balance SET net_minor = net_minor + 1", [])
        .unwrap();
    drop(conn);
    let out = with_stdin(dir.path(), &pass(), &["check"]);
    assert_eq!(out.status.code(), Some(5), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("the balances differ from the sums of the live entries"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_auto_lock_setting_is_kept_in_the_vault_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let p = format!("{PASSPHRASE}\n");
    assert_eq!(
        json(&with_stdin(dir.path(), &p, &["--json", "settings", "show"]))["auto_lock_secs"],
        300
    );
    let set = json(&with_stdin(
        dir.path(),
        &p,
        &["--json", "settings", "auto-lock", "10m"],
    ));
    assert_eq!(set["auto_lock_secs"], 600);
    assert_eq!(
        json(&with_stdin(dir.path(), &p, &["--json", "settings", "show"]))["auto_lock_secs"],
        600
    );
    let out = with_stdin(dir.path(), &p, &["--json", "settings", "auto-lock", "30s"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "below one minute is refused: {}",
        out.stderr
    );
}

/// Sums `{"amount": "...", "currency": "KRW"}` values as whole minor units (KRW has none).
fn krw(values: &[&serde_json::Value]) -> i64 {
    values
        .iter()
        .map(|v| {
            assert_eq!(v["currency"], "KRW");
            v["amount"].as_str().unwrap().parse::<i64>().unwrap()
        })
        .sum()
}

#[test]
fn preview_explains_the_split_in_english_and_korean() {
    let args = [
        "preview",
        "--amount",
        "1300",
        "--currency",
        "KRW",
        "--prefer",
        "topup,donation",
    ];
    let en = run(tipvault().args(args));
    assert!(en.status.success(), "{}", en.stderr);
    assert!(
        en.stdout
            .contains("Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit."),
        "{}",
        en.stdout
    );
    // Where every unit goes, on lines of their own (the desktop shows the same lines).
    assert!(
        en.stdout
            .contains("  Leaves the balance: ₩1,300. Stays: ₩0.\n")
            && en.stdout.contains("  ₩1,300: ₩1,300 received + ₩0 fees."),
        "{}",
        en.stdout
    );
    let ko = run(tipvault().args(args).args(["--lang", "ko"]));
    assert!(
        ko.stdout
            .contains("1,300원은 휴대폰 충전 1,000원 + 기부 300원"),
        "{}",
        ko.stdout
    );
}

#[test]
fn every_previewed_plan_conserves_the_balance_to_the_won() {
    for (amount, prefer, objective) in [
        ("1300", "topup,donation", "first-preference"),
        ("6000", "gift-card", "least-fees"),
        ("87300", "transit,bank-payout,donation", "first-preference"),
        ("99", "topup", "least-fees"),
    ] {
        let out = run(tipvault().args([
            "--json",
            "preview",
            "--amount",
            amount,
            "--currency",
            "KRW",
            "--prefer",
            prefer,
            "--objective",
            objective,
        ]));
        let doc = json(&out);
        let balance: i64 = amount.parse().unwrap();
        let alternatives = doc["alternatives"].as_array().unwrap();
        for plan in std::iter::once(&doc["best"]).chain(alternatives) {
            let legs: Vec<&serde_json::Value> = plan["legs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| &l["gross"])
                .collect();
            let rest: Vec<&serde_json::Value> = plan["remainder"]
                .as_array()
                .unwrap()
                .iter()
                .chain(plan["kept"].as_array().unwrap())
                // What the limits hold back stays too (a preview with no vault is held to a
                // new vault's limits).
                .chain(plan["held"].as_array().unwrap())
                .collect();
            assert_eq!(
                krw(&legs) + krw(&rest),
                balance,
                "{amount} {prefer}: {plan}"
            );
        }
    }
}

#[test]
fn preview_refuses_unknown_destinations_and_bad_amounts() {
    let out = run(tipvault().args([
        "--json",
        "preview",
        "--amount",
        "1300",
        "--currency",
        "KRW",
        "--prefer",
        "nonsense",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(tipvault().args([
        "--json",
        "preview",
        "--amount",
        "12.345",
        "--currency",
        "USD",
    ]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "too many decimals for USD: {}",
        out.stderr
    );
    let out = run(tipvault().args(["--json", "preview", "--amount", "100", "--currency", "XYZ"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown currency: {}",
        out.stderr
    );
}

#[test]
fn the_catalog_lists_what_each_product_would_send() {
    // No vault here: the built-in demo catalog, without asking for a passphrase.
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("none");
    let doc = json(&run(tipvault()
        .arg("--vault")
        .arg(&vault)
        .args(["--json", "catalog", "show"])));
    let products = doc.as_array().unwrap();
    let find = |id: &str| products.iter().find(|p| p["id"] == id).unwrap();
    assert_eq!(
        find("krw-mobile-top-up")["destination_fields"],
        serde_json::json!(["phone_number"])
    );
    assert_eq!(
        find("krw-donation-green-earth")["destination_fields"],
        serde_json::json!([])
    );
}
// ----- Ledger: sources, imports, balances, history, totals, forecasts, exports -----

/// A fixture of the ledger crate's import tests.
fn ledger_fixture(name: &str) -> std::path::PathBuf {
    tipvault_tests::workspace_root()
        .join("crates/ledger/tests/fixtures")
        .join(name)
}

fn pass() -> String {
    format!("{PASSPHRASE}\n")
}

/// A vault with the Ko-fi source `kofi-main` (USD, payout at 50.00).
fn vault_with_source(dir: &Path) {
    init(dir);
    let out = with_stdin(
        dir,
        &pass(),
        &[
            "source",
            "add",
            "kofi-main",
            "--platform",
            "kofi",
            "--currency",
            "USD",
            "--threshold",
            "50.00",
            "--schedule",
            "on request",
        ],
    );
    assert!(out.status.success(), "source add failed: {}", out.stderr);
}

fn import(dir: &Path, file: &str, extra: &[&str]) -> Run {
    let path = ledger_fixture(file);
    let mut args = vec![
        "--json",
        "import",
        path.to_str().unwrap(),
        "--source",
        "kofi-main",
    ];
    args.extend_from_slice(extra);
    with_stdin(dir, &pass(), &args)
}

fn balances(dir: &Path) -> Vec<(String, String)> {
    let doc = json(&with_stdin(dir, &pass(), &["--json", "balance"]));
    doc.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["currency"].as_str().unwrap().to_owned(),
                b["net"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_import_matches_the_file_and_a_reimport_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    let first = json(&import(dir.path(), "kofi.csv", &[]));
    assert_eq!(first["inserted"], 4);
    assert_eq!(first["duplicates"], 0);
    assert_eq!(first["committed"], true);
    assert_eq!(
        first["dropped"]["emails"], 4,
        "e-mail addresses are never kept"
    );
    // kofi.csv: USD 5.00 + 3.00 + 12.50 and EUR 10.00, no fees in Ko-fi exports.
    let expected = vec![
        ("EUR".to_owned(), "10.00".to_owned()),
        ("USD".to_owned(), "20.50".to_owned()),
    ];
    assert_eq!(balances(dir.path()), expected);

    let again = json(&import(dir.path(), "kofi.csv", &[]));
    assert_eq!(again["inserted"], 0);
    assert_eq!(again["duplicates"], 4);
    assert_eq!(
        balances(dir.path()),
        expected,
        "a re-import changes no balance"
    );

    let text = with_stdin(dir.path(), &pass(), &["balance"]);
    assert!(text.status.success(), "{}", text.stderr);
    assert!(text.stdout.contains("20.50"), "{}", text.stdout);
}

#[test]
fn a_file_with_a_bad_row_imports_nothing_unless_bad_rows_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    let refused = import(dir.path(), "kofi_bad.csv", &[]);
    assert_eq!(refused.status.code(), Some(2), "{}", refused.stderr);
    let report: serde_json::Value = serde_json::from_str(&refused.stdout).unwrap();
    assert_eq!(report["committed"], false);
    assert_eq!(report["refused_for_errors"], true);
    let bad = report["row_errors"].as_array().unwrap();
    assert!(
        !bad.is_empty() && bad[0]["line"].as_u64().unwrap() > 1,
        "{report}"
    );
    assert!(
        refused.stderr.contains("--skip-bad-rows"),
        "the user is told how to decide: {}",
        refused.stderr
    );
    assert!(balances(dir.path()).is_empty(), "nothing was imported");

    let good = report["good_rows"].as_u64().unwrap();
    let accepted = json(&import(dir.path(), "kofi_bad.csv", &["--skip-bad-rows"]));
    assert_eq!(accepted["inserted"].as_u64().unwrap(), good);

    // People get the per-row report as text.
    let text = with_stdin(
        dir.path(),
        &pass(),
        &[
            "import",
            ledger_fixture("kofi_bad.csv").to_str().unwrap(),
            "--source",
            "kofi-main",
        ],
    );
    assert_eq!(text.status.code(), Some(2));
    assert!(text.stdout.contains("line 2"), "{}", text.stdout);
}

#[test]
fn a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    let dry = json(&import(dir.path(), "kofi.csv", &["--dry-run"]));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["inserted"], 4);
    assert!(balances(dir.path()).is_empty());
}

#[test]
fn search_finds_kept_messages_and_not_dropped_ones() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    let out = with_stdin(
        dir.path(),
        &pass(),
        &[
            "source",
            "add",
            "kofi-quiet",
            "--platform",
            "kofi",
            "--currency",
            "USD",
        ],
    );
    assert!(out.status.success(), "{}", out.stderr);
    json(&import(
        dir.path(),
        "kofi.csv",
        &["--keep-messages", "--keep-names"],
    ));
    let path = ledger_fixture("kofi.csv");
    json(&with_stdin(
        dir.path(),
        &pass(),
        &[
            "--json",
            "import",
            path.to_str().unwrap(),
            "--source",
            "kofi-quiet",
        ],
    ));
    let found = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "history", "--search", "stream"],
    ));
    let entries = found["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        1,
        "only the kept copy is searchable: {found}"
    );
    assert_eq!(entries[0]["source"], "kofi-main");
    assert_eq!(entries[0]["message"], "Love the stream!");
    assert_eq!(entries[0]["payer"], "Mina Example");
    let quiet = json(&with_stdin(
        dir.path(),
        &pass(),
        &[
            "--json",
            "history",
            "--source",
            "kofi-quiet",
            "--kind",
            "donation",
        ],
    ));
    let quiet = quiet["entries"].as_array().unwrap();
    assert_eq!(quiet.len(), 1);
    assert!(quiet[0]["message"].is_null(), "not kept, so not stored");
}

#[test]
fn history_pages_with_a_cursor_and_filters_amounts() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    json(&import(dir.path(), "kofi.csv", &[]));
    let first = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "history", "--limit", "3"],
    ));
    assert_eq!(first["entries"].as_array().unwrap().len(), 3);
    let cursor = first["next"].as_str().unwrap().to_owned();
    let rest = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "history", "--limit", "3", "--after", &cursor],
    ));
    assert_eq!(rest["entries"].as_array().unwrap().len(), 1);
    assert!(rest["next"].is_null());
    let big = json(&with_stdin(
        dir.path(),
        &pass(),
        &[
            "--json",
            "history",
            "--min",
            "10",
            "--max",
            "12.50",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
        ],
    ));
    let amounts: Vec<&str> = big["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["gross"]["amount"].as_str().unwrap())
        .collect();
    assert_eq!(amounts, ["12.50", "10.00"]);
}

#[test]
fn totals_forecast_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    json(&import(dir.path(), "kofi.csv", &[]));
    let totals = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "totals", "--by", "month"],
    ));
    let usd = totals
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["currency"] == "USD")
        .unwrap();
    assert_eq!(usd["period"], "2024-03");
    assert_eq!(usd["net"]["amount"], "20.50");

    let forecast = json(&with_stdin(dir.path(), &pass(), &["--json", "forecast"]));
    assert_eq!(forecast[0]["source"], "kofi-main");
    assert_eq!(forecast[0]["remaining"]["amount"], "29.50");

    let csv = with_stdin(dir.path(), &pass(), &["export", "--format", "csv"]);
    assert!(csv.status.success(), "{}", csv.stderr);
    assert_eq!(
        csv.stdout.lines().count(),
        5,
        "header + 4 entries on stdout:\n{}",
        csv.stdout
    );

    let file = dir.path().join("out.beancount");
    let done = json(&with_stdin(
        dir.path(),
        &pass(),
        &[
            "--json",
            "export",
            "--format",
            "beancount",
            "--out",
            file.to_str().unwrap(),
        ],
    ));
    assert_eq!(done["entries"], 4);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the export is readable by the user only");
    }
    match std::process::Command::new("bean-check").arg(&file).output() {
        Ok(check) => assert!(
            check.status.success(),
            "bean-check rejected the export: {}",
            String::from_utf8_lossy(&check.stderr)
        ),
        Err(_) if std::env::var_os("TIPVAULT_REQUIRE_INTEROP").is_none() => {
            eprintln!("bean-check not found: skipping the Beancount check");
        }
        Err(e) => panic!("bean-check is required (TIPVAULT_REQUIRE_INTEROP): {e}"),
    }
}

#[cfg(unix)]
#[test]
fn an_export_never_clobbers_on_a_wrong_passphrase_and_always_ends_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let target = dir.path().join("earlier-export.csv");
    std::fs::write(&target, "an earlier export").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();

    let out = with_stdin(
        dir.path(),
        "not the passphrase\n",
        &[
            "export",
            "--format",
            "csv",
            "--out",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "an earlier export",
        "a failed export must not truncate"
    );

    let out = with_stdin(
        dir.path(),
        &format!("{PASSPHRASE}\n"),
        &[
            "export",
            "--format",
            "csv",
            "--out",
            target.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", out.stderr);
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "the export holds the user's history: owner-only, even over a 0644 file"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[test]
fn a_new_source_gets_its_platforms_published_threshold_and_it_can_be_edited() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let add = |id: &str, platform: &str, currency: &str| {
        json(&with_stdin(
            dir.path(),
            &pass(),
            &[
                "--json",
                "source",
                "add",
                id,
                "--platform",
                platform,
                "--currency",
                currency,
            ],
        ))
    };
    let toonation = add("toon", "toonation", "KRW");
    assert_eq!(toonation["payout_threshold"]["amount"], "40000");
    let twitch = add("bits", "twitch", "USD");
    assert_eq!(twitch["payout_threshold"]["amount"], "50.00");
    // A default in another currency does not apply: no invented conversion.
    let twitch_eur = add("bits-eur", "twitch", "EUR");
    assert!(twitch_eur["payout_threshold"].is_null());

    let edited = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "source", "set-threshold", "toon", "45000"],
    ));
    assert_eq!(edited["payout_threshold"]["amount"], "45000");
    assert_eq!(
        edited["payout_schedule"], toonation["payout_schedule"],
        "the schedule is kept when only the amount changes"
    );
    let bad = with_stdin(
        dir.path(),
        &pass(),
        &["source", "set-threshold", "toon", "45000.5"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("KRW amounts have no decimal places."),
        "{}",
        bad.stderr
    );
    let removed = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "source", "set-threshold", "toon", "none"],
    ));
    assert!(removed["payout_threshold"].is_null());

    let listed = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "source", "list"],
    ));
    let toon = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "toon")
        .unwrap();
    assert!(toon["payout_threshold"].is_null(), "the removal was stored");

    let platforms = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "source", "platforms"],
    ));
    let twip = platforms
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "twip")
        .unwrap();
    assert_eq!(twip["default_threshold"]["en"], "₩50,000");
}

#[test]
fn an_imported_catalog_previews_the_vaults_balances() {
    let dir = tempfile::tempdir().unwrap();
    vault_with_source(dir.path());
    json(&import(dir.path(), "kofi.csv", &[]));
    // A provider's catalog: the demo's products under another provider id and version.
    // Issued now: the file's own dates are a template (see `DEMO_CATALOG_JSON`).
    let mut doc = serde_json::to_value(
        tipvault_preview::Catalog::demo(chrono::Utc::now()).expect("the demo catalog is valid"),
    )
    .unwrap();
    doc["provider_id"] = serde_json::json!("acme");
    doc["version"] = serde_json::json!(7);
    let file = dir.path().join("acme.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let imported = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "catalog", "import", file.to_str().unwrap()],
    ));
    assert_eq!(imported["outcome"], "new");
    let listed = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "catalog", "list"],
    ));
    let providers: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider_id"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["acme", "demo-provider"]);
    // Importing it again changes nothing; an older version is refused.
    let again = json(&with_stdin(
        dir.path(),
        &pass(),
        &["--json", "catalog", "import", file.to_str().unwrap()],
    ));
    assert_eq!(again["outcome"], "unchanged");
    doc["version"] = serde_json::json!(6);
    std::fs::write(&file, doc.to_string()).unwrap();
    let older = with_stdin(
        dir.path(),
        &pass(),
        &["catalog", "import", file.to_str().unwrap()],
    );
    assert_eq!(older.status.code(), Some(2), "{}", older.stderr);
    assert!(older.stderr.contains("not newer"), "{}", older.stderr);

    // kofi.csv: USD 20.50 and EUR 10.00 that Ko-fi already paid out to PayPal. No provider
    // holds it, so nothing is planned: the refusal says where the money went.
    let refused = with_stdin(
        dir.path(),
        &pass(),
        &["preview", "--from-balance", "--prefer", "gift-card"],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("paid out to PayPal or Stripe"),
        "{}",
        refused.stderr
    );

    // A sandbox holding USD 20.50 and EUR 10.00: with a EUR→USD rate both reach its USD gift
    // card.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = tipvault_sandbox_provider::Config::new(dir.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1234-5678".into());
    config.demo_balances = vec![("USD".into(), 2050), ("EUR".into(), 1000)];
    let sandbox = rt
        .block_on(tipvault_sandbox_provider::Sandbox::start(config))
        .unwrap();
    let url = sandbox.base_url();
    let fingerprint = sandbox.key_fingerprint();
    for args in [
        vec![
            "provider",
            "add",
            url.as_str(),
            "--fingerprint",
            &fingerprint,
        ],
        vec!["provider", "pair", "1234-5678"],
        vec!["account", "reconcile", "demo-provider"],
    ] {
        let out = with_stdin(dir.path(), &pass(), &args);
        assert!(out.status.success(), "{args:?}: {}", out.stderr);
    }
    let preview = json(&with_stdin(
        dir.path(),
        &pass(),
        &[
            "--json",
            "preview",
            "--from-balance",
            "--provider",
            "demo-provider",
            "--prefer",
            "gift-card",
            "--rate",
            "EUR/USD=1.08",
        ],
    ));
    assert_eq!(preview["provider"], "demo-provider");
    let sources = preview["best"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{sources:?}");
    for s in sources {
        let minor = |v: &serde_json::Value| {
            v["amount"]
                .as_str()
                .unwrap()
                .replace('.', "")
                .parse::<i64>()
                .unwrap()
        };
        assert_eq!(
            minor(&s["debited"]) + minor(&s["left"]),
            minor(&s["balance"]),
            "value is conserved per source: {s}"
        );
    }
    // Per balance currency, what leaves and what each destination currency receives; the
    // euros reach dollars through the rate, and the conversion's cost has its own lines.
    let lines = preview["conservation"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "EUR and USD: {lines:?}");
    let eur = lines
        .iter()
        .find(|l| l["balance"]["currency"] == "EUR")
        .unwrap();
    let arrival = &eur["arrivals"][0];
    assert_eq!(arrival["currency"], "USD", "{eur}");
    assert_eq!(arrival["rate"]["rate"], "1.08", "{eur}");
    let dec = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    assert_eq!(
        dec(&arrival["converted"]),
        dec(&arrival["received"]["amount"])
            + dec(&arrival["fees"]["amount"])
            + dec(&arrival["fx_granularity"]["amount"])
            + dec(&arrival["rounding"]),
        "converted = received + fees + FX granularity + rounding, exactly: {arrival}"
    );
    assert_eq!(
        dec(&arrival["converted"]),
        dec(&arrival["debit"]["amount"]) * dec(&arrival["rate"]["rate"]),
        "what left the euros, converted exactly: {arrival}"
    );
    let text = with_stdin(
        dir.path(),
        &pass(),
        &["preview", "--from-balance", "--source", "nope"],
    );
    assert_eq!(text.status.code(), Some(2), "{}", text.stderr);
}

// ----- security keys (the software TEST authenticator, real vault, real relying party) -------

/// Runs `tipvault --vault DIR --soft-authenticator SOFT ARGS` with no passphrase available at
/// all (no stdin, no environment, no terminal): what opens must open with the key alone.
fn with_key(dir: &Path, soft: &Path, args: &[&str]) -> Run {
    run(at(dir)
        .arg("--soft-authenticator")
        .arg(soft)
        .args(args)
        .stdin(std::process::Stdio::null()))
}

fn register_key(dir: &Path, soft: &Path, label: &str) -> serde_json::Value {
    let out = with_stdin(
        dir,
        &format!("{PASSPHRASE}\n"),
        &[
            "--soft-authenticator",
            soft.to_str().unwrap(),
            "--json",
            "auth",
            "register",
            "--label",
            label,
        ],
    );
    json(&out)
}

fn audit_events(dir: &Path) -> Vec<serde_json::Value> {
    let out = with_stdin(
        dir,
        &format!("{PASSPHRASE}\n"),
        &["--json", "audit", "show", "--limit", "1000"],
    );
    json(&out).as_array().cloned().unwrap()
}

#[test]
fn a_security_key_opens_the_vault_alone_and_removing_it_leaves_the_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault.demo");
    let soft = tmp.path().join("soft-key.json");
    init(&dir);
    let key = register_key(&dir, &soft, "blue key");
    assert_eq!(key["label"], "blue key");
    assert_eq!(key["can_unlock"], true);
    assert_eq!(key["is_test_device"], true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&soft).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the test device's secrets are private");
    }
    assert!(
        !soft.starts_with(&dir),
        "the authenticator file lives outside the vault"
    );

    // Key only: no passphrase source at all.
    let out = with_key(&dir, &soft, &["--security-key", "unlock"]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("opens with your security key"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("TEST DEVICE"), "{}", out.stderr);
    let listed = json(&with_key(
        &dir,
        &soft,
        &["--security-key", "--json", "auth", "list"],
    ));
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["can_unlock"], true);

    let renamed = json(&with_key(
        &dir,
        &soft,
        &[
            "--security-key",
            "--json",
            "auth",
            "rename",
            &id,
            "green key",
        ],
    ));
    assert_eq!(renamed["label"], "green key");
    let status = json(&run(at(&dir).args(["--json", "status"])));
    assert_eq!(status["security_keys"], serde_json::json!(["green key"]));

    let removed = json(&with_key(
        &dir,
        &soft,
        &["--security-key", "--json", "auth", "remove", &id],
    ));
    assert_eq!(removed["key"]["id"], id.as_str());
    assert_eq!(
        removed["data_key_generation"], 2,
        "the vault key and data key were replaced"
    );
    let refused = with_key(&dir, &soft, &["--security-key", "unlock"]);
    assert_eq!(refused.status.code(), Some(6), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("No security key is registered"),
        "{}",
        refused.stderr
    );
    let out = with_stdin(&dir, &format!("{PASSPHRASE}\n"), &["unlock"]);
    assert!(
        out.status.success(),
        "the passphrase still opens: {}",
        out.stderr
    );
    let kinds: Vec<String> = audit_events(&dir)
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    for kind in [
        "auth.registered",
        "auth.unlocked",
        "auth.renamed",
        "auth.removed",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing: {kinds:?}");
    }
}

#[test]
fn another_or_missing_authenticator_file_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault.demo");
    let other_vault = tmp.path().join("other-vault.demo");
    init(&dir);
    init(&other_vault);
    let mine = tmp.path().join("mine.json");
    let theirs = tmp.path().join("theirs.json");
    register_key(&dir, &mine, "mine");
    register_key(&other_vault, &theirs, "theirs");

    let out = with_key(&dir, &theirs, &["--security-key", "unlock"]);
    assert_eq!(out.status.code(), Some(6), "{}", out.stderr);
    assert!(
        out.stderr.contains("not registered for this vault"),
        "{}",
        out.stderr
    );
    let missing = tmp.path().join("typo.json");
    let out = with_key(&dir, &missing, &["--security-key", "unlock"]);
    assert_eq!(out.status.code(), Some(6), "{}", out.stderr);
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
    assert!(!missing.exists(), "unlock never creates a device file");

    // Without --soft-authenticator the real USB transport is asked (the `usb` feature is on by
    // default). This machine has no key plugged in: no key answers within the (shortened) time
    // and it says so, or, where the platform's USB monitor cannot run at all, the authenticator
    // failure is named. Either way the vault stays locked.
    let out = run(at(&dir)
        .args(["--security-key", "unlock"])
        .env_remove("TIPVAULT_SOFT_AUTHENTICATOR")
        .env("TIPVAULT_TEST_USB_TIMEOUT_MS", "1500")
        .stdin(std::process::Stdio::null()));
    assert_eq!(out.status.code(), Some(6), "{}", out.stderr);
    assert!(
        out.stderr.contains("No security key answered in time")
            || out.stderr.contains("The authenticator failed"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("compiled in"), "{}", out.stderr);
}

#[test]
fn a_cloned_authenticator_file_is_refused_and_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault.demo");
    let soft = tmp.path().join("soft.json");
    let clone = tmp.path().join("copied.json");
    init(&dir);
    register_key(&dir, &soft, "key");
    std::fs::copy(&soft, &clone).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&clone, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // The real key is used once more; the copy's counter is now behind.
    let out = with_key(&dir, &soft, &["--security-key", "unlock"]);
    assert!(out.status.success(), "{}", out.stderr);
    let out = with_key(&dir, &clone, &["--security-key", "balance"]);
    assert_eq!(out.status.code(), Some(6), "{}", out.stderr);
    assert!(out.stderr.contains("cloned"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "nothing was shown: {}", out.stdout);

    let events = audit_events(&dir);
    let refusal = events
        .iter()
        .find(|e| e["kind"] == "auth.unlock_refused")
        .expect("the refusal is in the audit chain");
    assert_eq!(refusal["detail"]["reason"], "cloned_authenticator");
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "vault.locked" && e["detail"]["reason"] == "security_key_refused")
    );
    let verify = with_stdin(
        &dir,
        &format!("{PASSPHRASE}\n"),
        &["--json", "audit", "verify"],
    );
    assert!(verify.status.success(), "{}", verify.stderr);
}

/// The moved-clock run of `scripts/test.sh` sets `TIPVAULT_EXPECT_CLOCK_AFTER` (UNIX seconds,
/// about three years on): this fails if libfaketime did not really move this process's clock,
/// so that run cannot pass on today's date by accident. Without the variable it checks nothing.
#[test]
fn the_clock_is_as_far_ahead_as_the_run_says() {
    if let Some(after) = std::env::var("TIPVAULT_EXPECT_CLOCK_AFTER")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        let now = chrono::Utc::now().timestamp();
        assert!(
            now >= after,
            "the clock reads {now}, expected at least {after}"
        );
    }
}

/// Every file under `dir` with its bytes, by relative path.
fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for (k, v) in files(&path) {
                out.insert(format!("{name}/{k}"), v);
            }
        } else {
            out.insert(name, std::fs::read(&path).unwrap());
        }
    }
    out
}

#[test]
fn the_demo_runs_in_its_own_vault_and_never_opens_the_real_one() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    vault_with_source(&vault);
    json(&import(&vault, "kofi.csv", &[]));
    let before = files(&vault);

    // No passphrase is given: the demo never asks for the real one.
    let started = json(&run(tipvault()
        .arg("--vault")
        .arg(&vault)
        .args(["--json", "demo", "--no-wait"])
        .stdin(std::process::Stdio::null())));
    let demo_dir = tmp.path().join("vault.demo");
    assert_eq!(started["demo_vault"], demo_dir.display().to_string());
    assert_eq!(started["demo_balance_imported"], true);
    assert_eq!(
        files(&vault),
        before,
        "not one byte of the real vault changed"
    );

    // `--demo` opens the demo vault with its public passphrase: the demo tips sit at the
    // sandbox, labelled as such.
    let accounts = json(&run(tipvault()
        .arg("--vault")
        .arg(&vault)
        .args(["--json", "--demo", "account", "list"])
        .stdin(std::process::Stdio::null())));
    let tips = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "sandbox-demo-tips")
        .expect("demo tips in the demo vault");
    assert_eq!(tips["sandbox"], true);
    assert_eq!(tips["location"], "at_provider");
    // Beside it, the three demo providers of demo/providers, each paired and its balance read
    // into its account: a plan across providers works from the first run.
    let others: Vec<(&str, bool)> = started["others"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["device_id"].is_string()))
        .collect();
    assert_eq!(
        others,
        [
            ("edu-points", true),
            ("telco-points", true),
            ("creator-credit", true)
        ]
    );
    for (id, held) in [
        ("provider-edu-points", "₩20,000"),
        ("provider-telco-points", "₩15,000"),
        ("provider-creator-credit", "$25.00"),
    ] {
        let account = accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {accounts}"));
        assert_eq!(account["sandbox"], true, "{account}");
        assert_eq!(account["redeemable"][0]["en"], held, "{account}");
    }

    // The real vault has none of it.
    let real = json(&with_stdin(&vault, &pass(), &["--json", "account", "list"]));
    let ids: Vec<&str> = real
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["kofi-main"], "{real}");
}

#[test]
fn a_preview_without_a_vault_is_held_to_a_new_vaults_limits() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(tipvault()
        .arg("--vault")
        .arg(dir.path().join("none"))
        .args([
            "--json",
            "preview",
            "--amount",
            "50000",
            "--currency",
            "KRW",
            "--prefer",
            "donation",
        ]));
    let preview = json(&out);
    let held: Vec<&str> = preview["best"]["held"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["amount"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["20000"], "₩50,000 asked, ₩30,000 allowed: {preview}");
    assert_eq!(
        preview["limits"][0]["en"],
        "You can cash out up to ₩30,000 now: the new tier's limit for one redemption."
    );
    assert!(
        !dir.path().join("none").exists(),
        "previewing never creates a vault"
    );
}

/// `tipvault provider check` (the conformance kit, docs/PROTOCOL.md §10) needs no vault and
/// reports each check with its section: the sandbox passes all of them; a sandbox that states
/// ten times the amount in its receipts fails the check that names that lie, and the command
/// exits non-zero.
#[test]
fn provider_check_reports_each_check_with_its_section() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let vault = dir.path().join("no-vault-here");
    let vault = vault.to_str().unwrap();
    for (name, lie) in [
        ("honest", None),
        (
            "lying",
            Some(tipvault_sandbox_provider::Hostility::ChangedAmount),
        ),
    ] {
        let mut config =
            tipvault_sandbox_provider::Config::new(dir.path().join(format!("{name}.sqlite")));
        config.enrollment_code = Some("2468-1357".into());
        let mut sandbox = rt
            .block_on(tipvault_sandbox_provider::Sandbox::start(config))
            .unwrap();
        sandbox.set_hostility(lie);
        let url = sandbox.base_url();
        let check = [
            "--vault",
            vault,
            "provider",
            "check",
            &url,
            "--code",
            "2468-1357",
        ];
        let out = run(tipvault().args(["--json"]).args(check));
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let checks = report["checks"].as_array().unwrap();
        assert_eq!(checks.len(), 22, "{report}");
        assert!(
            checks
                .iter()
                .all(|c| c["section"].as_str().unwrap().starts_with('§'))
        );
        let failed: Vec<&str> = checks
            .iter()
            .filter(|c| c["outcome"] != "pass")
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        if lie.is_none() {
            assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
            assert!(failed.is_empty(), "{failed:?}");
        } else {
            assert!(!out.status.success());
            assert!(failed.contains(&"receipt-binds-request"), "{failed:?}");
            assert!(!failed.contains(&"receipt-signed"), "{failed:?}");
            let bound = checks
                .iter()
                .find(|c| c["id"] == "receipt-binds-request")
                .unwrap();
            assert!(
                bound["detail"].as_str().unwrap().contains("amount"),
                "{bound}"
            );
            assert!(out.stderr.contains("checks did not pass"), "{}", out.stderr);
        }
        assert!(!Path::new(vault).exists(), "the check made no vault");
    }
    // The table names each section and what it checks.
    let mut config = tipvault_sandbox_provider::Config::new(dir.path().join("table.sqlite"));
    config.enrollment_code = Some("1357-2468".into());
    let sandbox = rt
        .block_on(tipvault_sandbox_provider::Sandbox::start(config))
        .unwrap();
    let url = sandbox.base_url();
    let out = run(tipvault().args([
        "--vault",
        vault,
        "provider",
        "check",
        &url,
        "--code",
        "1357-2468",
    ]));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("PASS  §3.5"), "{}", out.stdout);
    assert!(
        out.stdout.contains("22 of 22 checks passed."),
        "{}",
        out.stdout
    );
}

#[test]
fn one_preview_spans_every_paired_providers_accounts() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    // Two of the demo providers (demo/providers), each holding KRW for the user.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut sandboxes = Vec::new();
    for (name, code, balance) in [
        ("edu-points", "1111-0001", 20_000),
        ("telco-points", "1111-0002", 15_000),
    ] {
        let file = format!(
            "{}/../demo/providers/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut config =
            tipvault_sandbox_provider::Config::new(dir.path().join(format!("{name}.sqlite")));
        config.catalog_json = Some(std::fs::read_to_string(&file).unwrap());
        config.enrollment_code = Some(code.into());
        config.demo_balances = vec![("KRW".into(), balance)];
        let sandbox = rt
            .block_on(tipvault_sandbox_provider::Sandbox::start(config))
            .unwrap();
        let url = sandbox.base_url();
        let fingerprint = sandbox.key_fingerprint();
        for args in [
            vec![
                "provider",
                "add",
                url.as_str(),
                "--fingerprint",
                &fingerprint,
            ],
            vec!["provider", "pair", "--provider", name, code],
            vec!["account", "reconcile", name],
        ] {
            let out = with_stdin(dir.path(), &pass(), &args);
            assert!(out.status.success(), "{args:?}: {}", out.stderr);
        }
        sandboxes.push(sandbox);
    }
    let preview = json(&with_stdin(
        dir.path(),
        &pass(),
        &[
            "--json",
            "preview",
            "--from-balance",
            "--all-providers",
            "--prefer",
            "topup,donation",
            "--objective",
            "first-preference",
        ],
    ));
    let parts = preview["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{preview}");
    let mut total = 0;
    for part in parts {
        let provider = part["provider"].as_str().unwrap();
        let account = format!("provider-{provider}");
        for source in part["best"]["sources"].as_array().unwrap() {
            assert_eq!(
                source["source_id"],
                account.as_str(),
                "its own account only"
            );
            let debited = source["debited"]["amount"].as_str().unwrap();
            total += debited.parse::<i64>().unwrap();
        }
        for leg in part["best"]["legs"].as_array().unwrap() {
            let product = leg["product_id"].as_str().unwrap();
            let own = provider.split('-').next().unwrap();
            assert!(product.starts_with(own), "{provider} plans {product}");
        }
    }
    let debited: i64 = preview["debited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["minor"].as_i64().unwrap())
        .sum();
    assert_eq!(debited, total, "the total is the parts' sum");
    // The text says each provider's part and the total.
    let text = with_stdin(
        dir.path(),
        &pass(),
        &[
            "preview",
            "--from-balance",
            "--all-providers",
            "--prefer",
            "topup",
        ],
    );
    assert!(text.status.success(), "{}", text.stderr);
    assert!(
        text.stdout.contains("edu-points") && text.stdout.contains("telco-points"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Leaving your accounts in total"),
        "{}",
        text.stdout
    );
    // The same as one redemption: each request names the provider it goes to, and each
    // product's destination is asked for once.
    let mut args = vec![
        "--json",
        "redeem",
        "--all-providers",
        "--prefer",
        "topup",
        "--objective",
        "first-preference",
        "--dry-run",
    ];
    let missing = with_stdin(dir.path(), &pass(), &args);
    assert!(!missing.status.success());
    assert!(
        missing.stderr.contains("phone_number"),
        "a destination is asked for: {}",
        missing.stderr
    );
    args.extend([
        "--dest",
        "edu-mobile-top-up.phone_number=01012345678",
        "--dest",
        "telco-mobile-top-up.phone_number=01012345678",
    ]);
    let planned = json(&with_stdin(dir.path(), &pass(), &args));
    let legs = planned["legs"].as_array().unwrap();
    let mut providers: Vec<&str> = legs
        .iter()
        .map(|l| l["provider"].as_str().unwrap())
        .collect();
    for leg in legs {
        let provider = leg["provider"].as_str().unwrap();
        let product = leg["product"].as_str().unwrap();
        let own = provider.split('-').next().unwrap();
        assert!(product.starts_with(own), "{provider} is sent {product}");
        assert_eq!(leg["state"], "planned", "--dry-run sends nothing");
    }
    providers.sort_unstable();
    providers.dedup();
    assert_eq!(providers, ["edu-points", "telco-points"], "{planned}");
    args.retain(|a| *a != "--json");
    let text = with_stdin(dir.path(), &pass(), &args);
    assert!(text.status.success(), "{}", text.stderr);
    assert!(
        text.stdout
            .contains("edu-points, telco-points (each only its own requests)")
            && text.stdout.contains("to telco-points")
            && text.stdout.contains("Nothing was sent"),
        "{}",
        text.stdout
    );
    for sandbox in sandboxes {
        rt.block_on(sandbox.stop());
    }
}
