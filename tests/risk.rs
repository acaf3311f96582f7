//! The risk gate as a process: the real `tipvault` binary against the real sandbox over
//! loopback. A new vault's redemption is paused with its reasons, survives the process, and
//! goes out only after `tipvault verify` with the software authenticator; a limit raise is
//! confirmed with the passphrase and audited; a refusal over the limit queues nothing; a
//! cancelled redemption is never sent. The software authenticator is a test device, which only
//! the demo vault accepts: these worlds are demo vaults (`--demo`), except where a test is about
//! the real vault's refusals.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;

use tipvault_sandbox_provider::{Config, Sandbox};
use tipvault_tests::{Run, tipvault};

const PASSPHRASE: &str = "harbour violet quantum tangerine";

struct World {
    _tmp: tempfile::TempDir,
    vault: std::path::PathBuf,
    /// Commands go to the demo vault beside `vault`.
    demo: bool,
    soft: std::path::PathBuf,
    sandbox: Sandbox,
    _rt: tokio::runtime::Runtime,
}

fn run(w: &World, args: &[&str]) -> Run {
    let mut cmd = tipvault();
    if w.demo && !args.contains(&"--demo") {
        cmd.arg("--demo");
    }
    cmd.arg("--vault")
        .arg(&w.vault)
        .arg("--soft-authenticator")
        .arg(&w.soft)
        .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
        .env("TIPVAULT_TEST_NETWORK", "home")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("tipvault runs")
        .into()
}

fn ok(w: &World, args: &[&str]) -> Run {
    let out = run(w, args);
    assert!(out.status.success(), "{args:?} failed: {}", out.stderr);
    out
}

fn json(w: &World, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(w, &all).stdout).expect("one JSON document")
}

/// A demo vault with a provider, paired, and the test device registered.
fn world() -> World {
    world_in(true)
}

/// A real vault with a provider, paired; no test device (it would be refused).
fn real_world() -> World {
    world_in(false)
}

fn world_in(demo: bool) -> World {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let soft = tmp.path().join("soft.json");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1234-5678".into());
    let sandbox = rt.block_on(Sandbox::start(config)).unwrap();
    let w = World {
        _tmp: tmp,
        vault,
        demo,
        soft,
        sandbox,
        _rt: rt,
    };
    ok(&w, &["init", "--kdf-minimum"]);
    let fingerprint = w.sandbox.key_fingerprint();
    let url = w.sandbox.base_url();
    // The demo vault pairs only a sandbox; in a real vault it is a provider like any other.
    let mut add = vec!["provider", "add", &url, "--fingerprint", &fingerprint];
    if demo {
        add.push("--sandbox");
    }
    ok(&w, &add);
    ok(&w, &["provider", "pair", "1234-5678"]);
    if demo {
        ok(&w, &["auth", "register", "--label", "test key"]);
    }
    w
}

fn redemption_id(text: &str) -> String {
    let start = text.find("rx_").expect("the message names the redemption");
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

fn audit_kinds(w: &World) -> Vec<(String, serde_json::Value)> {
    json(w, &["audit", "show", "--limit", "10000"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["detail"].clone()))
        .collect()
}

fn redeem(w: &World, amount: &str) -> Run {
    run(
        w,
        &[
            "redeem",
            "--amount",
            amount,
            "--currency",
            "KRW",
            "--prefer",
            "topup",
            "--dest",
            "krw-mobile-top-up.phone_number=01012345678",
            "--yes",
        ],
    )
}

fn sent(w: &World) -> i64 {
    w.sandbox.store().redemption_count().unwrap()
}

/// Demo money never enters a real vault: a sandbox cannot be paired there and the step-up
/// waiver cannot be turned on; both work in the demo vault beside it.
#[test]
fn a_real_vault_refuses_a_sandbox_and_the_waiver_and_the_demo_vault_allows_both() {
    let w = real_world();
    let fingerprint = w.sandbox.key_fingerprint();
    let url = w.sandbox.base_url();
    let out = run(
        &w,
        &[
            "provider",
            "add",
            "--sandbox",
            &url,
            "--fingerprint",
            &fingerprint,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("demo vault only"), "{}", out.stderr);
    let out = run(&w, &["risk", "sandbox-waiver", "on"]);
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("demo vault only"), "{}", out.stderr);
    let providers = json(&w, &["provider", "list"]);
    assert_eq!(providers[0]["sandbox"], false, "{providers}");

    let demo = json(&w, &["--demo", "init"]);
    assert_eq!(demo["created"], true, "{demo}");
    let out = run(&w, &["--demo", "provider", "add", "--sandbox", &url]);
    assert_eq!(
        out.status.code(),
        Some(10),
        "the key is shown, not trusted: {}",
        out.stderr
    );
    assert!(out.stderr.contains(&fingerprint), "{}", out.stderr);
    let added = json(
        &w,
        &[
            "--demo",
            "provider",
            "add",
            "--sandbox",
            &url,
            "--fingerprint",
            &fingerprint,
        ],
    );
    assert_eq!(added["sandbox"], true, "{added}");
    ok(&w, &["--demo", "risk", "sandbox-waiver", "on"]);
    // The real vault still has no waiver.
    let status = json(&w, &["risk", "status"]);
    assert_eq!(status["sandbox_step_up_waived"], false, "{status}");
}

#[test]
fn redeem_pauses_with_its_reasons_then_verify_with_the_key_sends_it() {
    let w = world();
    let out = redeem(&w, "4000");
    assert_eq!(out.status.code(), Some(7), "paused: {}", out.stderr);
    assert!(out.stderr.contains("tipvault verify rx_"), "{}", out.stderr);
    assert!(out.stderr.contains("Your account is new"), "{}", out.stderr);
    let id = redemption_id(&out.stderr);
    assert_eq!(sent(&w), 0);

    // A new process: still paused, with the same reasons.
    let explained = json(&w, &["risk", "explain", &id]);
    assert_eq!(explained["outcome"], "step_up");
    assert_eq!(explained["paused"], true);
    let text = ok(&w, &["risk", "explain", &id]).stdout;
    assert!(
        text.contains("[new_tier]") && text.contains("tipvault verify"),
        "{text}"
    );

    let verified = json(&w, &["verify", &id]);
    assert_eq!(verified["state"], "confirmed", "{verified}");
    assert_eq!(sent(&w), 2);
    let kinds = audit_kinds(&w);
    for kind in [
        "risk.decided",
        "auth.step_up_approved",
        "risk.verified",
        "redemption.approved",
    ] {
        assert!(kinds.iter().any(|(k, _)| k == kind), "{kind} audited");
    }
    // It cannot be verified or cancelled twice.
    assert_eq!(run(&w, &["verify", &id]).status.code(), Some(2));
    assert_eq!(run(&w, &["cancel", &id]).status.code(), Some(2));
    let status = json(&w, &["risk", "status"]);
    assert_eq!(status["tier"], "new");
    assert_eq!(status["confirmed"], 1);
}

#[test]
fn a_limit_raise_is_confirmed_and_audited_and_a_test_device_cannot_confirm_it_in_a_real_vault() {
    let w = world();
    // Lowering is free: the test device is at hand but not asked.
    let set = |amount: &str| {
        vec![
            "risk".to_owned(),
            "limits".into(),
            "set".into(),
            "--currency".into(),
            "KRW".into(),
            "--kind".into(),
            "per-claim".into(),
            amount.into(),
        ]
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let lowered = json(&w, &args(&set("20000")));
    assert_eq!(lowered["stepped_up"], false);
    // Raising: the test device (named with --soft-authenticator) approves exactly this change.
    let raised = json(&w, &args(&set("25000")));
    assert_eq!(raised["stepped_up"], true);
    let approved: Vec<_> = audit_kinds(&w)
        .into_iter()
        .filter(|(k, _)| k == "auth.step_up_approved")
        .collect();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].1["provider"], "tipvault.local/limits");

    // In a real vault the passphrase this run was given confirms it; the test device cannot.
    let real = real_world();
    json(&real, &args(&set("20000")));
    let out: Run = tipvault()
        .arg("--vault")
        .arg(&real.vault)
        .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
        .args(args(&set("25000")))
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into();
    assert!(out.status.success(), "{}", out.stderr);
    let kinds = audit_kinds(&real);
    let reauth: Vec<_> = kinds
        .iter()
        .filter(|(k, _)| k == "auth.reauthenticated")
        .collect();
    assert_eq!(
        reauth.len(),
        2,
        "the provider added, and the raise: {kinds:?}"
    );
    assert!(
        reauth[1].1["change"]
            .as_str()
            .unwrap()
            .starts_with("raise-limit")
    );
    let out = run(&real, &["--security-key", "unlock"]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "no test device opens a real vault: {}",
        out.stderr
    );
    let out = run(&real, &["auth", "register", "--label", "test key"]);
    assert_eq!(out.status.code(), Some(6), "{}", out.stderr);
    assert!(out.stderr.contains("test device"), "{}", out.stderr);
}

#[test]
fn a_refused_redemption_queues_nothing_and_a_cancelled_one_is_never_sent() {
    let w = world();
    // ₩35,000 asked of a new account: planned within its ₩30,000 limit, held for the key.
    let out = redeem(&w, "35000");
    assert_eq!(
        out.status.code(),
        Some(7),
        "held for the key: {}",
        out.stderr
    );
    let id = redemption_id(&out.stderr);
    let listed = json(&w, &["redemptions"]);
    let debit: i64 = listed[0]["legs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"]["minor"].as_i64().unwrap() + l["fee"]["minor"].as_i64().unwrap())
        .sum();
    assert_eq!(debit, 30_000, "never planned above the limit: {listed}");
    // A limit lowered since: the gate refuses it, and the key cannot override that.
    ok(
        &w,
        &[
            "risk",
            "limits",
            "set",
            "--currency",
            "KRW",
            "--kind",
            "per-claim",
            "20000",
        ],
    );
    let refused = run(&w, &["verify", &id]);
    assert_eq!(refused.status.code(), Some(8), "{}", refused.stderr);
    assert!(refused.stderr.contains("Refused"), "{}", refused.stderr);
    let explained = json(&w, &["risk", "explain", &id]);
    assert_eq!(explained["outcome"], "deny");
    ok(&w, &["cancel", &id]);

    let paused = redeem(&w, "1000");
    assert_eq!(paused.status.code(), Some(7), "{}", paused.stderr);
    let id = redemption_id(&paused.stderr);
    let cancelled = json(&w, &["cancel", &id]);
    assert_eq!(cancelled["state"], "failed");
    ok(&w, &["reconcile"]);
    assert_eq!(sent(&w), 0, "nothing was sent");
    assert_eq!(run(&w, &["verify", &id]).status.code(), Some(2));
}
