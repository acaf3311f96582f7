//! The redemption engine against the real sandbox provider over loopback.

use std::collections::BTreeMap;

use chrono::Utc;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{ErrorCode, Network, PreviewQuery, RedeemRequest, Session};
use tipvault_sandbox_provider::{Config, Sandbox};

use super::support::new_vault;

struct World {
    _tmp: tempfile::TempDir,
    session: Session,
    net: Network,
    sandbox: Option<Sandbox>,
}

fn world() -> World {
    world_on(None)
}

/// Seconds both clocks (this client's and the sandbox's) are moved ahead of the real one.
type Offset = std::sync::Arc<std::sync::atomic::AtomicI64>;

/// The clock moved by `offset`.
fn moved(offset: &Offset) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(offset.load(std::sync::atomic::Ordering::SeqCst))
}

/// A paired sandbox with the step-up waiver on; with `offset`, both sides' clocks move with it.
fn world_on(offset: Option<Offset>) -> World {
    use std::sync::Arc;
    let (tmp, _location, mut session) = new_vault();
    let mut net = Network::new().unwrap();
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    if let Some(offset) = offset.clone() {
        let client = offset.clone();
        net = net.with_clock(
            Arc::new(move || moved(&client)),
            Arc::new(std::thread::sleep),
        );
        let system = tipvault_sandbox_provider::system_clock();
        config.clock =
            Arc::new(move || system() + offset.load(std::sync::atomic::Ordering::SeqCst));
    }
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let now = net.now();
    // These tests are about the outbox, not the risk gate (see `risk.rs`): a new vault would
    // need a step-up for every redemption, which the sandbox waiver lets through. The waiver
    // and sandbox providers exist only in a demo vault, so the fixture is marked as one.
    tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
    let p = super::support::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        tipvault_app::providers::ProviderKind::Sandbox,
        super::support::PASSPHRASE,
        now,
    )
    .unwrap();
    assert!(p.sandbox, "the sandbox is labelled as one");
    tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now).unwrap();
    let pass = super::support::secret(super::support::PASSPHRASE);
    tipvault_app::set_sandbox_step_up_waiver(
        &mut session,
        true,
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap();
    World {
        _tmp: tmp,
        session,
        net,
        sandbox: Some(sandbox),
    }
}

fn request(amount: &str, prefer: &str) -> RedeemRequest {
    RedeemRequest {
        query: PreviewQuery {
            amount: amount.into(),
            currency: "KRW".into(),
            prefer: vec![prefer.into()],
            objective: PreviewObjective::FirstPreference,
            keep: None,
            exclude: vec![],
            provider: None,
        },
        destinations: BTreeMap::from([(
            "krw-mobile-top-up".to_owned(),
            BTreeMap::from([("phone_number".to_owned(), "01012345678".to_owned())]),
        )]),
    }
}

#[test]
fn a_redemption_is_confirmed_booked_once_and_disputable() {
    let mut w = world();
    let now = Utc::now();
    let planned =
        tipvault_app::plan_redemption(&mut w.session, &request("4000", "topup"), now).unwrap();
    assert_eq!(planned.state, "planned");
    let fields: Vec<&str> = planned.legs[0]
        .reveals
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        fields,
        ["product", "amount", "currency", "destination.phone_number"],
        "exactly what the body carries is shown before sending"
    );
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed, 2);
    // A reconcile asks again about nothing and books nothing twice.
    let again = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(again.requests_sent, 0);
    assert_eq!(
        super::support::drawn(&mut w.session),
        -4000,
        "two legs booked once: ₩3,000 + ₩1,000"
    );
    // The run reconciled the account: its books equal what the provider holds.
    assert!(run.unreconciled.is_empty(), "{:?}", run.unreconciled);
    let krw = run
        .reconciliations
        .iter()
        .find(|r| r.currency == "KRW")
        .expect("the KRW account was reconciled");
    assert_eq!(krw.outcome, "credited", "the opening balance: {krw:?}");
    assert_eq!(krw.provider_balance.minor, 1_000_000 - 4000);
    let books: i64 = tipvault_app::balances(&mut w.session, Utc::now())
        .unwrap()
        .iter()
        .filter(|b| b.currency == "KRW")
        .map(|b| b.net.minor)
        .sum();
    assert_eq!(
        books, krw.provider_balance.minor,
        "the books equal the provider"
    );
    assert_eq!(
        w.sandbox
            .as_ref()
            .unwrap()
            .store()
            .redemption_count()
            .unwrap(),
        2
    );
    let privacy = tipvault_app::privacy_ledger(&mut w.session, Utc::now()).unwrap();
    assert_eq!(
        privacy.iter().filter(|p| p.purpose == "redemption").count(),
        2
    );

    let receipts = tipvault_app::receipt_verify(&mut w.session, &planned.id, Utc::now()).unwrap();
    assert!(receipts.iter().all(|r| r.verified));
    let rd = receipts[0].provider_redemption_id.clone();
    let out = w._tmp.path().join("bundle.json");
    let reason = tipvault_app::parse_reason("wrong_amount").unwrap();
    let view =
        tipvault_app::dispute(&mut w.session, &w.net, &rd, reason, &out, Utc::now()).unwrap();
    assert!(view.acknowledged);
    assert!(tipvault_app::verify_bundle_file(&out).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "a bundle is plaintext outside the vault: owner only"
        );
    }
    let text = std::fs::read_to_string(&out).unwrap();
    for (from, to) in [
        ("redemption.leg_sent", "redemption.leg_sEnt"),
        ("01012345678", "01099999999"),
    ] {
        let tampered = text.replacen(from, to, 1);
        assert_ne!(tampered, text);
        std::fs::write(&out, &tampered).unwrap();
        let err = tipvault_app::verify_bundle_file(&out).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotVerified, "{from}: {}", err.message);
    }
}

#[test]
fn many_redemptions_go_out_together_with_live_progress_and_conserve_value() {
    let mut w = world();
    let now = Utc::now();
    let mut ids = Vec::new();
    // 40 redemptions: more legs than requests in flight at once.
    w.net.concurrency = 8;
    for i in 0..40u32 {
        // Donations: the top-up products have a per-day count limit at the provider.
        let mut req = request(&format!("{}", 1000 + 7 * i), "donation");
        req.destinations.clear();
        let p = tipvault_app::plan_redemption(&mut w.session, &req, now).unwrap();
        tipvault_app::approve_redemption(&mut w.session, &p.id, now).unwrap();
        ids.push(p);
    }
    let legs: usize = ids.iter().map(|r| r.legs.len()).sum();
    let planned: i64 = ids
        .iter()
        .flat_map(|r| &r.legs)
        .map(|l| l.amount.minor + l.fee.minor)
        .sum();
    let mut events = Vec::new();
    let run = tipvault_app::run_outbox_with(&mut w.session, &w.net, &mut |p| {
        events.push((p.redemption_id.clone(), p.seq, p.state.clone()));
    })
    .unwrap();
    let failed: Vec<_> = tipvault_app::list_redemptions(&mut w.session, Utc::now())
        .unwrap()
        .into_iter()
        .flat_map(|r| r.legs)
        .filter_map(|l| l.last_error)
        .take(2)
        .collect();
    assert_eq!(run.confirmed as usize, legs, "{run:?} {failed:?}");
    assert_eq!(run.requests_sent as usize, legs);
    // Every leg is reported leaving, then confirmed, in that order.
    for r in &ids {
        for l in &r.legs {
            let states: Vec<&str> = events
                .iter()
                .filter(|(id, seq, _)| *id == r.id && *seq == l.seq)
                .map(|(_, _, s)| s.as_str())
                .collect();
            assert_eq!(states, ["sent", "confirmed"], "{} leg {}", r.id, l.seq);
        }
    }
    // Booked once each: the ledger moved by exactly what was planned (amounts plus fees).
    assert_eq!(super::support::drawn(&mut w.session), -planned);
    assert_eq!(
        w.sandbox
            .as_ref()
            .unwrap()
            .store()
            .redemption_count()
            .unwrap() as usize,
        legs
    );
    let listed = tipvault_app::list_redemptions(&mut w.session, Utc::now()).unwrap();
    assert_eq!(listed.len(), 40);
    assert!(listed.iter().all(|r| r.state == "confirmed"));
    let audit = tipvault_app::verify_audit_log(&mut w.session, Utc::now()).unwrap();
    assert!(audit.intact);
}

#[test]
fn a_fee_changed_at_the_provider_after_approval_stops_the_send() {
    let mut w = world();
    let now = Utc::now();
    let planned =
        tipvault_app::plan_redemption(&mut w.session, &request("1000", "topup"), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    // Between approval and sending, the provider publishes a newer catalog with a fee on
    // top-ups (same key, same state, same address).
    let sandbox = w.sandbox.take().unwrap();
    let addr = sandbox.addr();
    let db = w._tmp.path().join("sandbox.sqlite");
    w.net.runtime().block_on(sandbox.stop());
    let mut config = Config::new(db);
    config.listen = addr;
    let stored = tipvault_app::choose_catalog(&mut w.session, Some("demo-provider"), now).unwrap();
    let mut raw = stored.to_raw();
    raw.version += 1;
    let text = serde_json::to_string(&raw).unwrap();
    config.catalog_json = Some(text.replacen(r#""fixed":"0""#, r#""fixed":"100""#, 1));
    let sandbox = w.net.runtime().block_on(Sandbox::start(config)).unwrap();
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.requests_sent, 0, "{run:?}");
    assert_eq!(run.failed, 1);
    let r = tipvault_app::redemption(&mut w.session, &planned.id, Utc::now()).unwrap();
    let why = r.legs[0].last_error.as_deref().unwrap_or_default();
    assert!(why.contains("fee"), "{why}");
    assert_eq!(sandbox.store().redemption_count().unwrap(), 0);
    // The newer catalog is now the cached one.
    let cached = tipvault_app::choose_catalog(&mut w.session, Some("demo-provider"), now).unwrap();
    assert_eq!(cached.version(), raw.version);
    w.sandbox = Some(sandbox);
}

#[test]
fn offline_legs_stay_queued_and_go_out_when_the_provider_returns() {
    let mut w = world();
    let now = Utc::now();
    let planned =
        tipvault_app::plan_redemption(&mut w.session, &request("1000", "topup"), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    let sandbox = w.sandbox.take().unwrap();
    let addr = sandbox.addr();
    let mut config = Config::new(w._tmp.path().join("sandbox.sqlite"));
    config.listen = addr;
    config.enrollment_code = Some("1111-2222".into());
    w.net.runtime().block_on(sandbox.stop());
    w.net.retry.attempts_per_run = 1;
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(
        (run.queued, run.confirmed),
        (1, 0),
        "offline: queued, not failed"
    );
    let r = tipvault_app::redemption(&mut w.session, &planned.id, Utc::now()).unwrap();
    assert_eq!(r.legs[0].state, "approved");
    let sandbox = w.net.runtime().block_on(Sandbox::start(config)).unwrap();
    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed, 1);
    assert_eq!(sandbox.store().redemption_count().unwrap(), 1);
}

#[test]
fn a_changed_fee_stops_the_redemption_before_anything_is_sent() {
    let mut w = world();
    let now = Utc::now();
    let planned =
        tipvault_app::plan_redemption(&mut w.session, &request("1000", "topup"), now).unwrap();
    // The provider publishes a newer catalog with a fee on top-ups; the vault caches it.
    let stored = tipvault_app::choose_catalog(&mut w.session, Some("demo-provider"), now).unwrap();
    let mut raw = stored.to_raw();
    raw.version += 1;
    let text = serde_json::to_string(&raw).unwrap();
    let text = text.replacen(r#""fixed":"0""#, r#""fixed":"100""#, 1);
    let file = w._tmp.path().join("catalog.json");
    std::fs::write(&file, text).unwrap();
    tipvault_app::import_catalog(&mut w.session, &file, now).unwrap();
    let err = tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::PlanChanged, "{}", err.message);
    assert!(err.message.contains("fee"), "{}", err.message);
    assert_eq!(
        w.sandbox
            .as_ref()
            .unwrap()
            .store()
            .redemption_count()
            .unwrap(),
        0
    );
}

/// Daily use for 400 days, with the client's and the sandbox's clocks moved together: the
/// sandbox re-issues its catalog (version 1, valid 30 days) whenever it goes stale, the outbox
/// hands every fetched catalog to the vault, and the vault renews the cached copy. No manual
/// catalog step, and every day's redemption confirms.
#[test]
fn a_sandbox_used_daily_for_400_days_keeps_confirming_with_no_catalog_step() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    let offset: Offset = Arc::new(AtomicI64::new(0));
    // The sandbox's catalogs are valid 30 days (`Config::new`): 400 days need renewals.
    let World {
        _tmp: _dir,
        mut session,
        net,
        sandbox,
    } = world_on(Some(offset.clone()));
    let sandbox = sandbox.unwrap();
    let clock = || moved(&offset);
    let mut renewals = std::collections::BTreeSet::new();
    for day in 0..400_i64 {
        offset.store(day * 86_400, Ordering::SeqCst);
        let now = clock();
        // What every unlock does first.
        tipvault_app::purge_expired(&mut session, now, false).unwrap();
        let planned = tipvault_app::plan_redemption(&mut session, &request("1000", "topup"), now)
            .unwrap_or_else(|e| panic!("day {day}: {e}"));
        tipvault_app::approve_redemption(&mut session, &planned.id, now)
            .unwrap_or_else(|e| panic!("day {day}: {e}"));
        let run = tipvault_app::run_outbox(&mut session, &net).unwrap();
        assert_eq!(run.confirmed, 1, "day {day}: {run:?}");
        let cached = tipvault_app::list_catalogs(&mut session, now).unwrap();
        assert_eq!(cached[0].freshness, "fresh", "day {day}");
        renewals.insert(cached[0].issued_at);
    }
    assert_eq!(
        sandbox.store().redemption_count().unwrap(),
        400,
        "one confirmed top-up a day"
    );
    assert!(
        renewals.len() >= 400 / 15,
        "the cached catalog was renewed every time the provider re-issued it: {}",
        renewals.len()
    );
    let cached = tipvault_app::list_catalogs(&mut session, clock()).unwrap();
    assert_eq!(cached[0].version, 1, "never a new version, only new dates");
}
