//! Signed redemption round trips per second over loopback with the outbox durable: every
//! leg commits its privacy record, its `sent` state, audit entries, the booking and the
//! receipt to the SQLCipher vault (`synchronous = FULL`) around a signed request that the
//! sandbox verifies, applies in a SQLite transaction and answers with a signed receipt. The
//! outbox commits a round's legs together (one commit before they leave, one for their
//! outcomes); the table compares 1, 8 and 32 requests in flight side by side.
//!
//! `cargo run --release -p tipvault-app --example redeem_roundtrip -- 500`

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Utc;
use secrecy::SecretString;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{KdfChoice, Network, PreviewQuery, RedeemRequest, VaultLocation};
use tipvault_sandbox_provider::{Config, Sandbox};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    println!(
        "| legs | requests in flight | seconds | round trips/s (outbox durable) | vs one at a time |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut base = None;
    for concurrency in [1, 8, 32] {
        let (secs, rate) = run(n, concurrency);
        let base = *base.get_or_insert(rate);
        println!(
            "| {n} | {concurrency} | {secs:.3} | {rate:.0} | {:.1}× |",
            rate / base
        );
    }
}

/// One fresh vault and sandbox; `n` approved one-leg redemptions sent in one outbox run.
fn run(n: usize, concurrency: usize) -> (f64, f64) {
    let tmp = tempfile::tempdir().unwrap();
    let location = VaultLocation::at(tmp.path().join("vault"));
    let pass = SecretString::from("benchmark passphrase that is long enough");
    let (mut session, _) =
        tipvault_app::create_vault(&location, &pass, KdfChoice::Minimum, Utc::now()).unwrap();
    let mut net = Network::new().unwrap();
    net.concurrency = concurrency;
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    config.demo_balances = vec![("KRW".into(), 1_000_000_000)];
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    // A sandbox and its waiver exist only in a demo vault: the benchmark's vault is one.
    tipvault_app::demo::mark_fixture_as_demo(&mut session, Utc::now()).unwrap();
    tipvault_app::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        tipvault_app::providers::ProviderKind::Sandbox,
        Some(&tipvault_app::key_fingerprint(&sandbox.provider_key().1)),
        Some(tipvault_app::Proof::Passphrase(&pass)),
        Utc::now(),
    )
    .unwrap();
    tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", Utc::now()).unwrap();
    // A new vault verifies every redemption; the sandbox waiver lets the step-ups through
    // (still judged and recorded) so the benchmark measures the outbox, not a key touch.
    tipvault_app::set_sandbox_step_up_waiver(
        &mut session,
        true,
        Some(tipvault_app::Proof::Passphrase(&pass)),
        Utc::now(),
    )
    .unwrap();
    for i in 0..n {
        let req = RedeemRequest {
            query: PreviewQuery {
                // Varied amounts that stay within a new vault's ₩100,000 per 24 hours.
                amount: format!("{}", 100 + i % 100),
                currency: "KRW".into(),
                prefer: vec!["donation".into()],
                objective: PreviewObjective::FirstPreference,
                keep: None,
                exclude: vec![],
                provider: None,
            },
            destinations: BTreeMap::new(),
        };
        let r = tipvault_app::plan_redemption(&mut session, &req, Utc::now()).unwrap();
        tipvault_app::approve_redemption(&mut session, &r.id, Utc::now()).unwrap();
    }
    let start = Instant::now();
    let run = tipvault_app::run_outbox(&mut session, &net).unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(run.confirmed as usize, n, "{run:?}");
    net.runtime().block_on(sandbox.stop());
    (secs, n as f64 / secs)
}
