//! Write faults at every write point. Each operation that writes the vault (import, purge,
//! rekey, passphrase change, security-key registration and removal, sending redemptions) runs
//! as the real `tipvault` process with a shim preloaded (`faults/write_faults.c`) that makes the
//! Nth write point under the vault's directory fail: a write, a truncate, an fsync or a rename,
//! with `EIO` once (a transient error) or `ENOSPC` from then on (a disk that stays full). N
//! runs from 1 to the last write point the operation makes when nothing fails.
//!
//! After every fault, with no fault any more, the vault must be whole:
//! - it opens with the passphrase it had before, or with the new one after a passphrase
//!   change, never neither;
//! - `tipvault check` finds every page, the structure, the search index, the balances (equal
//!   to the sums of live entries) and the audit chain intact;
//! - the operation happened entirely or not at all (no half import, no half-registered key,
//!   no leg sent twice or lost), and when the command said it succeeded, it happened.
//!
//! Each test prints how many fault points it tried. Linux only (the shim reads /proc).

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(write_faults)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tipvault_tests::{Run, tipvault};

const PASSPHRASE: &str = "harbour violet quantum tangerine";
const NEW_PASSPHRASE: &str = "ocean marble lantern quiver syntax";
const SHIM: &str = env!("TIPVAULT_WRITE_FAULTS_SO");

/// How a fault point fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `EIO` at the Nth point only.
    TransientEio,
    /// `ENOSPC` at the Nth point and every one after it.
    DiskFull,
}

/// How a faulted run ended, for the checks after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The command said it succeeded (the fault was absorbed, or came after the point of no
    /// return and was retried).
    Succeeded,
    /// The command reported an error.
    Failed(Fault),
}

/// One run of an operation: its outcome, and what the shim saw.
struct Faulted {
    run: Run,
    /// Write points the process reached.
    seen: u64,
    /// Write points that failed.
    failed: u64,
}

/// The command line for the vault at `dir` (`<x>.demo`: the demo vault beside `<x>`).
fn at(dir: &Path) -> std::process::Command {
    let mut c = tipvault();
    if dir.extension().is_some_and(|e| e == "demo") {
        c.arg("--vault").arg(dir.with_extension("")).arg("--demo");
    } else {
        c.arg("--vault").arg(dir);
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn with_stdin(mut cmd: std::process::Command, stdin: &str) -> Run {
    use std::io::Write;
    let mut child = cmd
        .arg("--passphrase-stdin")
        .stdin(Stdio::piped())
        .spawn()
        .expect("tipvault starts");
    // A process that failed early may have closed its stdin already.
    let _ = child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("tipvault finishes").into()
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let out = with_stdin(
        {
            let mut c = at(dir);
            c.args(args);
            c
        },
        &format!("{PASSPHRASE}\n"),
    );
    assert!(out.status.success(), "{args:?}: {}", out.stderr);
    out
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all).stdout).expect("one JSON document")
}

/// Runs `args` on the vault at `dir` with write point `n` failing as `fault` (0: none fails,
/// only count).
fn faulted(dir: &Path, n: u64, fault: Fault, op: &Operation) -> Faulted {
    let report = dir.with_extension("fault-report");
    let mut cmd = at(dir);
    cmd.args(op.args)
        .envs(op.env.iter().map(|(k, v)| (k, v)))
        // Beside anything already preloaded (the suite's second pass preloads libfaketime).
        .env(
            "LD_PRELOAD",
            match std::env::var("LD_PRELOAD") {
                Ok(other) if !other.is_empty() => format!("{SHIM}:{other}"),
                _ => SHIM.to_owned(),
            },
        )
        .env(
            "TIPVAULT_FAULT_DIR",
            std::fs::canonicalize(dir).expect("the vault exists"),
        )
        .env("TIPVAULT_FAULT_AT", n.to_string())
        .env("TIPVAULT_FAULT_REPORT", &report);
    match fault {
        Fault::TransientEio => cmd.env("TIPVAULT_FAULT_ERRNO", "EIO"),
        Fault::DiskFull => cmd
            .env("TIPVAULT_FAULT_ERRNO", "ENOSPC")
            .env("TIPVAULT_FAULT_STICKY", "1"),
    };
    let run = with_stdin(cmd, &op.stdin);
    let text = std::fs::read_to_string(&report).expect("the shim wrote its report at exit");
    let _ = std::fs::remove_file(&report);
    let mut numbers = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
    Faulted {
        run,
        seen: numbers.next().unwrap(),
        failed: numbers.next().unwrap(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Whether `passphrase` opens the vault: `Some(check report)` if it does, `None` if it is the
/// wrong passphrase. Anything else (a vault that does not open at all) fails the test.
fn open_and_check(dir: &Path, passphrase: &str, context: &str) -> Option<serde_json::Value> {
    let out = with_stdin(
        {
            let mut c = at(dir);
            c.args(["--json", "check"]);
            c
        },
        &format!("{passphrase}\n"),
    );
    match out.status.code() {
        Some(0) => Some(serde_json::from_str(&out.stdout).expect("one JSON document")),
        // The wrong passphrase.
        Some(3) => None,
        _ => panic!(
            "{context}: the vault does not open or is not consistent: {}{}",
            out.stdout, out.stderr
        ),
    }
}

/// The vault opens with the passphrase and checks out whole; returns the live entries.
fn assert_whole(dir: &Path, context: &str) -> u64 {
    let report = open_and_check(dir, PASSPHRASE, context)
        .unwrap_or_else(|| panic!("{context}: the passphrase no longer opens the vault"));
    assert_eq!(report["consistent"], true, "{context}: {report}");
    report["entries"].as_u64().unwrap()
}

/// An operation to sweep: its arguments, what it reads on stdin, and extra environment.
struct Operation<'a> {
    args: &'a [&'a str],
    stdin: String,
    env: Vec<(&'static str, String)>,
    /// Every how many write points a fault is injected when `TIPVAULT_FAULT_STRIDE` does not
    /// say (1: every one).
    stride: usize,
}

/// The sweep's stride: `TIPVAULT_FAULT_STRIDE` if set (the full sweeps recorded in
/// docs/RELIABILITY.md set 1; the suite's second pass under the moved clock samples), else the
/// operation's own.
fn stride(default: usize) -> usize {
    std::env::var("TIPVAULT_FAULT_STRIDE")
        .ok()
        .map(|s| s.parse().expect("TIPVAULT_FAULT_STRIDE is a number"))
        .unwrap_or(default)
        .max(1)
}

impl<'a> Operation<'a> {
    /// `args` with the passphrase on stdin.
    fn new(args: &'a [&'a str]) -> Self {
        Operation {
            args,
            stdin: format!("{PASSPHRASE}\n"),
            env: Vec::new(),
            stride: 1,
        }
    }
}

/// Sweeps write point 1..=last of `op` on copies of `template`, for both kinds of fault,
/// calling `after(copy, succeeded, context)` once the fault is gone. Returns the points tried.
fn sweep(name: &str, template: &Path, op: &Operation, after: &dyn Fn(&Path, Outcome, &str)) -> u64 {
    let scratch = tempfile::tempdir().unwrap();
    let name_of = |i: u64| {
        let mut file = format!("run-{i}");
        if template.extension().is_some_and(|e| e == "demo") {
            file.push_str(".demo");
        }
        scratch.path().join(file)
    };
    // The clean run: how many write points the operation makes.
    let clean = name_of(0);
    copy_dir(template, &clean);
    let counted = faulted(&clean, 0, Fault::TransientEio, op);
    assert!(
        counted.run.status.success(),
        "{name} without faults: {}",
        counted.run.stderr
    );
    assert!(counted.seen > 0, "{name}: the shim saw no write point");
    after(&clean, Outcome::Succeeded, &format!("{name}, no fault"));
    let last = counted.seen;
    let stride = stride(op.stride);
    let mut tried = 0;
    let mut succeeded = 0;
    for fault in [Fault::TransientEio, Fault::DiskFull] {
        // 1, 1 + stride, … and always the last point.
        let points = (1..=last)
            .step_by(stride)
            .chain((!(last - 1).is_multiple_of(stride as u64)).then_some(last));
        for n in points {
            let copy = name_of(n);
            copy_dir(template, &copy);
            let run = faulted(&copy, n, fault, op);
            let context = format!("{name}, {fault:?} at write point {n} of {last}");
            assert!(
                run.failed > 0 || run.seen < n,
                "{context}: the fault was not injected"
            );
            tried += 1;
            let outcome = if run.run.status.success() {
                succeeded += 1;
                Outcome::Succeeded
            } else {
                Outcome::Failed(fault)
            };
            after(&copy, outcome, &context);
            std::fs::remove_dir_all(&copy).unwrap();
            if copy.with_extension("").exists() && copy.extension().is_some_and(|e| e == "demo") {
                let _ = std::fs::remove_dir_all(copy.with_extension(""));
            }
        }
    }
    eprintln!(
        "{name}: {last} write points, every {stride}: {tried} faults injected (EIO once, and a full disk): \
         {} reported an error, {succeeded} still succeeded; the vault was whole after each",
        tried - succeeded
    );
    tried
}

fn fixture(name: &str) -> PathBuf {
    tipvault_tests::workspace_root()
        .join("crates/ledger/tests/fixtures")
        .join(name)
}

/// A new vault at `dir` (minimum Argon2id cost: quick).
fn init(dir: &Path) {
    let out = with_stdin(
        {
            let mut c = at(dir);
            c.args(["init", "--kdf-minimum"]);
            c
        },
        &format!("{PASSPHRASE}\n"),
    );
    assert!(out.status.success(), "init: {}", out.stderr);
}

/// A vault with the Ko-fi source `kofi-main`.
fn vault_with_source(dir: &Path) {
    init(dir);
    ok(
        dir,
        &[
            "source",
            "add",
            "kofi-main",
            "--platform",
            "kofi",
            "--currency",
            "USD",
        ],
    );
}

fn import_args(file: &Path) -> Vec<String> {
    ["import", file.to_str().unwrap(), "--source", "kofi-main"]
        .map(str::to_owned)
        .to_vec()
}

#[test]
fn an_import_hit_by_a_write_fault_is_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("vault");
    vault_with_source(&template);
    let file = fixture("kofi.csv");
    let args = import_args(&file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let full = {
        let probe = tmp.path().join("probe");
        copy_dir(&template, &probe);
        ok(&probe, &args);
        assert_whole(&probe, "probe")
    };
    assert!(full > 0);
    sweep(
        "import",
        &template,
        &Operation::new(&args),
        &|dir, outcome, context| {
            let entries = assert_whole(dir, context);
            assert!(
                entries == 0 || entries == full,
                "{context}: {entries} of {full} entries: a half import"
            );
            if outcome == Outcome::Succeeded {
                assert_eq!(entries, full, "{context}: reported done but not there");
            }
        },
    );
}

#[test]
fn a_purge_hit_by_a_write_fault_deletes_whole_records_or_none() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("vault");
    vault_with_source(&template);
    // Payer names and messages are kept (they are dropped by default) in a class shortened to a
    // day, so two days on the purge has records to delete. The class is shortened first: a new
    // length applies to rows written after.
    ok(&template, &["retention", "set", "payer_detail", "1d"]);
    let mut args = import_args(&fixture("kofi.csv"));
    args.extend(["--keep-names", "--keep-messages"].map(str::to_owned));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&template, &args);
    let before = assert_whole(&template, "template");
    let details = with_details(&template);
    assert!(details > 0, "the template keeps payer details to purge");
    let later = ("TIPVAULT_TEST_CLOCK_OFFSET_SECS", (2 * 86_400).to_string());
    // Two days later the details have expired: the unlock's purge and the command's delete them
    // (without a fault, all of them).
    let mut op = Operation::new(&["purge"]);
    op.env.push(later);
    sweep("purge", &template, &op, &|dir, outcome, context| {
        let entries = assert_whole(dir, context);
        assert_eq!(
            entries, before,
            "{context}: the purge removed entries, not details"
        );
        let left = with_details(dir);
        assert!(
            left == 0 || left == details,
            "{context}: {left} of {details} payer details left: a half purge"
        );
        if outcome == Outcome::Succeeded {
            assert_eq!(left, 0, "{context}: reported purged but details are left");
        }
    });
}

/// Entries that still carry a payer name or a message (read at the real clock, when none has
/// expired, so the read itself deletes nothing).
fn with_details(dir: &Path) -> usize {
    json(dir, &["history", "--limit", "1000"])["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["payer"].is_null() || !e["message"].is_null())
        .count()
}

#[test]
fn a_rekey_hit_by_a_write_fault_leaves_a_vault_that_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("vault");
    vault_with_source(&template);
    let args = import_args(&fixture("kofi.csv"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&template, &args);
    let before = assert_whole(&template, "template");
    // A rotation rewrites every page (about 300 write points): the suite tries every 5th;
    // docs/RELIABILITY.md records the full sweep (TIPVAULT_FAULT_STRIDE=1).
    let mut op = Operation::new(&["rekey"]);
    op.stride = 5;
    sweep("rekey", &template, &op, &|dir, _outcome, context| {
        assert_eq!(assert_whole(dir, context), before, "{context}");
    });
}

#[test]
fn a_passphrase_change_hit_by_a_write_fault_leaves_exactly_one_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("vault");
    vault_with_source(&template);
    let mut op = Operation::new(&["passphrase", "change", "--kdf-minimum"]);
    op.stdin = format!("{PASSPHRASE}\n{NEW_PASSPHRASE}\n");
    sweep(
        "passphrase change",
        &template,
        &op,
        &|dir, outcome, context| {
            let old = open_and_check(dir, PASSPHRASE, context);
            let new = open_and_check(dir, NEW_PASSPHRASE, context);
            match (&old, &new) {
                (Some(report), None) => {
                    assert!(
                        outcome != Outcome::Succeeded,
                        "{context}: reported changed but the old one opens"
                    );
                    assert_eq!(report["consistent"], true, "{context}: {report}");
                }
                (None, Some(report)) => assert_eq!(report["consistent"], true, "{context}"),
                (Some(_), Some(_)) => panic!("{context}: both passphrases open the vault"),
                (None, None) => panic!("{context}: neither passphrase opens the vault"),
            }
        },
    );
}

/// A demo vault (test devices are refused in real ones) with a software security key
/// registered; returns the key file (outside the vault: its writes are not fault points).
fn demo_vault_with_key(tmp: &Path) -> (PathBuf, PathBuf, String) {
    let dir = tmp.join("vault.demo");
    init(&dir);
    let soft = tmp.join("soft-key.json");
    let key = json(
        &dir,
        &[
            "--soft-authenticator",
            soft.to_str().unwrap(),
            "auth",
            "register",
            "--label",
            "blue key",
        ],
    );
    (dir, soft, key["id"].as_str().unwrap().to_owned())
}

/// The registered keys: (id, can unlock).
fn listed_keys(dir: &Path) -> Vec<(String, bool)> {
    json(dir, &["auth", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["id"].as_str().unwrap().to_owned(),
                k["can_unlock"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// What `auth list` says is what the key can do: it unlocks exactly when listed as able to.
fn assert_listing_is_true(dir: &Path, soft: &Path, listed: &[(String, bool)], context: &str) {
    let listed_unlock = listed.iter().any(|(_, can_unlock)| *can_unlock);
    assert_eq!(
        key_opens(dir, soft),
        listed_unlock,
        "{context}: the key list says {listed:?}"
    );
}

fn key_opens(dir: &Path, soft: &Path) -> bool {
    let out: Run = at(dir)
        .arg("--soft-authenticator")
        .arg(soft)
        .args(["--security-key", "unlock"])
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into();
    out.status.success()
}

#[test]
fn registering_a_security_key_hit_by_a_write_fault_registers_it_whole_or_not() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault.demo");
    init(&dir);
    // One authenticator file (outside the vault: not a fault point) collects the credentials
    // every run creates; each copy of the vault knows at most its own.
    let soft = tmp.path().join("soft-key.json");
    let args = [
        "--soft-authenticator",
        soft.to_str().unwrap(),
        "auth",
        "register",
        "--label",
        "blue key",
    ];
    // Every 3rd point in the suite; docs/RELIABILITY.md records the full sweep.
    let mut op = Operation::new(&args);
    op.stride = 3;
    sweep(
        "security key registration",
        &dir,
        &op,
        &|copy, fault, context| {
            assert_whole(copy, context);
            let listed = listed_keys(copy);
            assert_listing_is_true(copy, &soft, &listed, context);
            match fault {
                Outcome::Succeeded => {
                    assert!(
                        listed.iter().any(|(_, can_unlock)| *can_unlock),
                        "{context}: reported registered but not listed as able to unlock"
                    );
                }
                // A failed registration takes back what it wrote, when the disk lets it.
                Outcome::Failed(Fault::TransientEio) => {
                    assert!(
                        listed.is_empty(),
                        "{context}: a failed registration left {listed:?}"
                    );
                }
                Outcome::Failed(Fault::DiskFull) => {}
            }
        },
    );
}

#[test]
fn removing_a_security_key_hit_by_a_write_fault_keeps_the_vault_open_to_the_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, soft, id) = demo_vault_with_key(tmp.path());
    let args = [
        "--soft-authenticator",
        soft.to_str().unwrap(),
        "auth",
        "remove",
        &id,
    ];
    // A removal replaces the vault key and rotates the data key (every page rewritten): about
    // 350 write points at 0.9 s each, so the suite tries every 10th; docs/RELIABILITY.md records
    // the full sweep (TIPVAULT_FAULT_STRIDE=1).
    let mut op = Operation::new(&args);
    op.stride = 10;
    sweep(
        "security key removal",
        &dir,
        &op,
        &|copy, fault, context| {
            assert_whole(copy, context);
            let listed = listed_keys(copy);
            assert_listing_is_true(copy, &soft, &listed, context);
            if fault == Outcome::Succeeded {
                assert!(
                    listed.is_empty(),
                    "{context}: reported removed but still listed"
                );
            }
        },
    );
}

/// The provider's redemption ids.
fn provider_ids(
    sandbox: &tipvault_sandbox_provider::Sandbox,
) -> std::collections::BTreeSet<String> {
    let conn = sandbox.store().lock();
    let mut stmt = conn.prepare("SELECT id FROM redemptions").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The vault's legs: (state, provider redemption id).
fn legs(dir: &Path) -> Vec<(String, Option<String>)> {
    let out: Run = {
        let mut c = at(dir);
        c.args(["--json", "redemptions"])
            .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
            .stdin(Stdio::null());
        c.output().unwrap().into()
    };
    assert!(out.status.success(), "redemptions: {}", out.stderr);
    let list: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["legs"].as_array().unwrap().clone())
        .map(|l| {
            (
                l["state"].as_str().unwrap().to_owned(),
                l["provider_redemption_id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn sending_redemptions_hit_by_a_write_fault_pays_each_leg_once_after_reconciling() {
    use tipvault_sandbox_provider::{Config, Sandbox};

    let tmp = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.catalog_validity = std::time::Duration::from_secs(10 * 365 * 86_400);
    config.enrollment_code = Some("1234-5678".into());
    config.demo_balances = vec![("KRW".into(), 1_000_000_000)];
    let sandbox = rt.block_on(Sandbox::start(config)).unwrap();

    // The demo vault (sandbox providers and the step-up waiver exist only there), paired.
    let template = tmp.path().join("vault.demo");
    init(&template);
    for class in ["receipt", "audit", "catalog"] {
        ok(&template, &["retention", "set", class, "20y"]);
    }
    ok(
        &template,
        &[
            "provider",
            "add",
            "--sandbox",
            &sandbox.base_url(),
            "--fingerprint",
            &sandbox.key_fingerprint(),
        ],
    );
    ok(&template, &["provider", "pair", "1234-5678"]);
    ok(&template, &["risk", "sandbox-waiver", "on"]);

    // A ₩5,500 redemption: a ₩5,000 top-up and a ₩500 donation, two legs.
    let args = [
        "redeem",
        "--amount",
        "5500",
        "--currency",
        "KRW",
        "--prefer",
        "topup,donation",
        "--dest",
        "krw-mobile-top-up.phone_number=01012345678",
        "--yes",
    ];
    // A redemption makes about 230 write points, each checked by reconciling: the suite tries
    // every 6th; docs/RELIABILITY.md records the full sweep (TIPVAULT_FAULT_STRIDE=1).
    let mut op = Operation::new(&args);
    op.stride = 6;
    sweep(
        "redemption send",
        &template,
        &op,
        &|copy, outcome, context| {
            // Recovery, as the next start does: reconcile until nothing is pending.
            let mut pending = true;
            for _ in 0..5 {
                let _ = at(copy)
                    .args(["reconcile"])
                    .env("TIPVAULT_PASSPHRASE", PASSPHRASE)
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                pending = legs(copy)
                    .iter()
                    .any(|(s, _)| matches!(s.as_str(), "approved" | "sent" | "outcome_unknown"));
                if !pending {
                    break;
                }
            }
            assert!(!pending, "{context}: legs still pending after reconciling");
            // What the provider applied in this run (it forgets each run's redemptions below).
            let new_at_provider = provider_ids(&sandbox);
            let mut confirmed = std::collections::BTreeSet::new();
            for (state, id) in legs(copy) {
                match state.as_str() {
                    "confirmed" => {
                        let id = id.expect("a confirmed leg has the provider's id");
                        assert!(
                            confirmed.insert(id.clone()),
                            "{context}: {id} confirmed twice"
                        );
                    }
                    // Never sent (the fault came before the approval was committed), or refused.
                    "planned" | "failed" | "cancelled" => {}
                    other => panic!("{context}: a leg left {other}"),
                }
            }
            assert_eq!(
                confirmed, new_at_provider,
                "{context}: the vault's confirmed legs are exactly what the provider applied"
            );
            if outcome == Outcome::Succeeded {
                assert_eq!(
                    confirmed.len(),
                    2,
                    "{context}: reported sent but not confirmed"
                );
            }
            assert_whole(copy, context);
            // Every copy of the vault is the same paired device: the provider forgets this run's
            // redemptions (checked above), so its per-day limits never refuse the next run's top-up.
            sandbox
                .store()
                .lock()
                .execute_batch("DELETE FROM redemptions; DELETE FROM idempotency;")
                .unwrap();
        },
    );
    rt.block_on(sandbox.stop());
}
