//! The `tipvault` command line, run as a real process, as a user or a script would.

use tipvault_tests::{run, tipvault};

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
    for needle in ["--vault <PATH>", "--json", "status"] {
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
    let out = run(tipvault()
        .arg("--vault")
        .arg(&vault)
        .args(["status", "--json"]));
    assert!(out.status.success(), "{}", out.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["state"], "absent");
    assert_eq!(doc["path"], vault.display().to_string());
}

#[test]
fn status_follows_the_environment_when_no_flag_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(tipvault()
        .env("TIPVAULT_VAULT", dir.path())
        .args(["--json", "status"]));
    assert!(out.status.success(), "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["path"], dir.path().display().to_string());
}

#[test]
fn status_in_text_tells_the_user_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(tipvault().arg("--vault").arg(dir.path()).arg("status"));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("No vault at"), "{}", out.stdout);
}

#[test]
fn an_unusable_location_fails_with_a_coded_json_error_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("vault.keys")).unwrap();
    let out = run(tipvault()
        .arg("--vault")
        .arg(dir.path())
        .args(["--json", "status"]));
    assert!(
        !out.status.success(),
        "a broken vault location must not exit 0"
    );
    assert!(
        out.stdout.is_empty(),
        "stdout holds only successful results"
    );
    let doc: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(doc["error"]["code"], "vault_location");
}
