//! A vault in the `trusted` tier, for the desktop's end-to-end test of automatic cash-outs
//! (`tests/e2e/specs/autocashout.e2e.mjs`), and the sandbox provider its history went to.
//!
//! A new vault cannot become trusted within a test run: that takes 20 confirmed redemptions
//! over 30 days. So this makes the history the way the app would have: real redemptions,
//! judged by the risk gate at dates spread over the past 40 days (the sandbox waiver stands in
//! for a key, as in demo mode) and confirmed by a real sandbox over loopback. Then it keeps
//! serving that sandbox, now on the real clock, until its standard input closes.
//!
//! `TIPVAULT_PASSPHRASE=… cargo run -p tipvault-app --example e2e_trusted_vault -- VAULT_DIR
//! SANDBOX_DIR` prints `ready <sandbox URL>` once the vault is closed and ready to open.
//! Debug builds judge from `TIPVAULT_TEST_NETWORK`: give the desktop the same value.

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use chrono::{Duration, Utc};
use secrecy::SecretString;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{KdfChoice, Network, PreviewQuery, RedeemRequest, VaultLocation};
use tipvault_sandbox_provider::{Config, Sandbox};

/// Confirmed redemptions, one every other day from 40 days ago.
const HISTORY: i64 = 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(vault_dir), Some(sandbox_dir)) = (args.next(), args.next()) else {
        return Err("usage: e2e_trusted_vault VAULT_DIR SANDBOX_DIR".into());
    };
    let passphrase = SecretString::from(
        std::env::var("TIPVAULT_PASSPHRASE").map_err(|_| "set TIPVAULT_PASSPHRASE")?,
    );
    std::fs::create_dir_all(&sandbox_dir)?;
    let location = VaultLocation::at(vault_dir);
    let now = Utc::now();
    let (mut session, _) =
        tipvault_app::create_vault(&location, &passphrase, KdfChoice::Minimum, now)?;
    let net = Network::new()?;
    let mut config = Config::new(sandbox_dir.join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    let sandbox = net.runtime().block_on(Sandbox::start(config))?;
    // Sandbox money only: this fixture is a demo vault (a sandbox, demo tips and the waiver go
    // nowhere else).
    tipvault_app::demo::mark_fixture_as_demo(&mut session, now)?;
    // The fixture started this sandbox, so it confirms the key it knows it has.
    let proof = || Some(tipvault_app::Proof::Passphrase(&passphrase));
    tipvault_app::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        tipvault_app::providers::ProviderKind::Sandbox,
        Some(&tipvault_app::key_fingerprint(&sandbox.provider_key().1)),
        proof(),
        now,
    )?;
    tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now)?;
    tipvault_app::import_demo_balance(&mut session, now)?;
    tipvault_app::set_sandbox_step_up_waiver(&mut session, true, proof(), now)?;

    let donation = RedeemRequest {
        query: PreviewQuery {
            amount: "1000".into(),
            currency: "KRW".into(),
            prefer: vec!["donation".into()],
            objective: PreviewObjective::FirstPreference,
            keep: None,
            exclude: vec![],
            provider: None,
        },
        destinations: BTreeMap::new(),
    };
    for i in 0..HISTORY {
        let at = now - Duration::days(40) + Duration::days(2 * i);
        let planned = tipvault_app::plan_redemption(&mut session, &donation, at)?;
        tipvault_app::approve_redemption(&mut session, &planned.id, at)?;
        let run = tipvault_app::run_outbox(&mut session, &net)?;
        if run.confirmed != 1 {
            return Err(format!("redemption {i} was not confirmed: {run:?}").into());
        }
    }
    let status = tipvault_app::risk_status(&mut session, now)?;
    if status.tier != tipvault_app::Tier::Trusted {
        return Err(format!("the history made the vault {:?}, not trusted", status.tier).into());
    }
    // Closes the vault for the desktop; the sandbox keeps serving.
    drop(session);
    println!("ready {}", sandbox.base_url());

    // Until the test harness closes our standard input (or kills us).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    net.runtime().block_on(sandbox.stop());
    Ok(())
}
