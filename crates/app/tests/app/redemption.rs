//! The redemption engine against the real sandbox provider over loopback.

use std::collections::BTreeMap;
use tipvault_app::{Freshness, LegState, ReconciliationOutcome, Step};

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
    tipvault_app::refresh_catalogs(&mut session, &net, None, now).unwrap();
    let cached = tipvault_app::list_catalogs(&mut session, now).unwrap();
    assert!(
        cached.iter().all(|c| !c.real_money),
        "a sandbox's catalog is demo money: {cached:?}"
    );
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
    assert_eq!(planned.state, LegState::Planned);
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
    assert_eq!(
        krw.outcome,
        ReconciliationOutcome::Credited,
        "the opening balance: {krw:?}"
    );
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

    // The redemption's page: its life in order from the audit chain, every receipt verified
    // again, the dispute and its acknowledgement, and everything that left for it.
    let detail = tipvault_app::redemption_detail(&mut w.session, &planned.id, Utc::now()).unwrap();
    let steps: Vec<Step> = detail.timeline.iter().map(|t| t.step).collect();
    let at = |s: Step| {
        steps
            .iter()
            .position(|x| *x == s)
            .unwrap_or_else(|| panic!("{s:?} in {steps:?}"))
    };
    assert_eq!(steps.first(), Some(&Step::Planned), "{steps:?}");
    assert!(at(Step::Planned) < at(Step::LegSent), "{steps:?}");
    assert!(at(Step::LegSent) < at(Step::LegConfirmed), "{steps:?}");
    assert!(at(Step::LegConfirmed) < at(Step::Disputed), "{steps:?}");
    assert!(
        detail
            .timeline
            .iter()
            .filter(|t| t.step == Step::LegConfirmed)
            .all(|t| t.leg.is_some()),
        "a leg's step names its leg"
    );
    assert_eq!(detail.receipts.len(), receipts.len());
    assert!(detail.receipts.iter().all(|r| r.verified));
    assert_eq!(detail.disputes.len(), 1);
    let d = &detail.disputes[0];
    assert_eq!(
        (d.provider_redemption_id.as_str(), d.reason, d.acknowledged),
        (rd.as_str(), reason, true)
    );
    let purposes: Vec<&str> = detail.sent.iter().map(|p| p.purpose.as_str()).collect();
    assert_eq!(
        purposes,
        ["redemption", "redemption", "dispute"],
        "oldest first"
    );
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
        events.push((p.redemption_id.clone(), p.seq, p.state));
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
    assert!(listed.iter().all(|r| r.state == LegState::Confirmed));
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

/// A provider that charges more fee than its own signed catalog states: the receipt is the
/// truth of what left the account, so the leg is confirmed and the fee booked as charged, and
/// the redemption's page says the fee differs from the approved plan's.
#[test]
fn a_fee_other_than_the_plans_is_booked_as_charged_and_shown() {
    let mut w = world();
    let now = Utc::now();
    let planned =
        tipvault_app::plan_redemption(&mut w.session, &request("1000", "topup"), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    w.sandbox.as_mut().unwrap().set_fee_markup(100);
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed, 1, "{run:?}");
    assert_eq!(
        super::support::drawn(&mut w.session),
        -1100,
        "₩1,000 top-up and the ₩100 fee the receipt states"
    );
    let detail = tipvault_app::redemption_detail(&mut w.session, &planned.id, Utc::now()).unwrap();
    let differs: Vec<_> = detail
        .timeline
        .iter()
        .filter(|t| t.step == Step::FeeDiffers)
        .collect();
    assert_eq!(differs.len(), 1, "{:?}", detail.timeline);
    assert_eq!(differs[0].leg, Some(0));

    // An honest provider again: no such line for the next redemption.
    w.sandbox.as_mut().unwrap().set_fee_markup(0);
    let honest =
        tipvault_app::plan_redemption(&mut w.session, &request("1000", "topup"), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &honest.id, now).unwrap();
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed, 1, "{run:?}");
    let detail = tipvault_app::redemption_detail(&mut w.session, &honest.id, Utc::now()).unwrap();
    assert!(detail.timeline.iter().all(|t| t.step != Step::FeeDiffers));
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
    assert_eq!(r.legs[0].state, LegState::Approved);
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
        assert_eq!(cached[0].freshness, Freshness::Fresh, "day {day}");
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

/// Writes the seed corpora of the fuzz targets in `tests/fuzz` from a real exchange with the
/// sandbox: the evidence bundle of a confirmed, disputed redemption, its receipt, request and
/// dispute bodies, and messages signed the way both sides sign them. Documents and messages the
/// targets verify are re-signed with the targets' fixed keys (the constants below must match
/// `tests/fuzz/src/lib.rs`), so each seed starts the fuzzer past the signature check.
///
/// `TIPVAULT_GENERATE_FUZZ_SEEDS=1 cargo test -p tipvault-app --test app -- --ignored fuzz_seeds`
#[test]
#[ignore = "generator: run with TIPVAULT_GENERATE_FUZZ_SEEDS=1"]
fn fuzz_seeds_from_a_real_exchange() {
    use tipvault_wire::httpsig::SigningKey;
    use tipvault_wire::httpsig::profile::{sign_request, sign_response};
    use tipvault_wire::protocol::{
        self, DisputeAck, DocumentKind, ReceiptBody, RedemptionRequest, RedemptionState,
        RedemptionStatus, SignedCatalog, SignedDocument, SignedReceipt,
    };
    use tipvault_wire::{Request, Response};

    if std::env::var_os("TIPVAULT_GENERATE_FUZZ_SEEDS").is_none() {
        return;
    }
    // Must match tests/fuzz/src/lib.rs.
    const NOW: i64 = 1_796_083_200;
    const DEVICE_KEYID: &str = "dev_fuzz";
    const PROVIDER_KEYID: &str = "provider-fuzz";
    const NONCE: &str = "bm9uY2Vub25jZW5vbmNl";
    const URL: &str = "https://provider.example/v1/redemptions";
    const BINDING: &[u8] =
        br#"{"v":1,"product":"p1","amount":"1000","currency":"KRW","destination":{}}"#;
    let device = SigningKey::from_bytes(&[7; 32]);
    let provider = SigningKey::from_bytes(&[9; 32]);

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz/seeds");
    let write = |target: &str, name: &str, selector: Option<u8>, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let mut data = selector.map(|s| vec![s]).unwrap_or_default();
        data.extend_from_slice(bytes);
        std::fs::write(dir.join(name), data).unwrap();
    };
    let header_lines = |headers: &[(String, String)]| {
        headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect::<String>()
    };

    // A real redemption, receipt and dispute.
    let mut w = world();
    let now = Utc::now();
    let planned =
        tipvault_app::plan_redemption(&mut w.session, &request("4000", "topup"), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    let receipts = tipvault_app::receipt_verify(&mut w.session, &planned.id, Utc::now()).unwrap();
    let out = w._tmp.path().join("bundle.json");
    let reason = tipvault_app::parse_reason("wrong_amount").unwrap();
    tipvault_app::dispute(
        &mut w.session,
        &w.net,
        &receipts[0].provider_redemption_id,
        reason,
        &out,
        Utc::now(),
    )
    .unwrap();
    let bundle_bytes = std::fs::read(&out).unwrap();
    write("evidence_bundle", "real-dispute.json", None, &bundle_bytes);
    let bundle: serde_json::Value = serde_json::from_slice(&bundle_bytes).unwrap();
    let evidence = &bundle["evidence"];

    // Protocol bodies as they crossed the wire.
    let request_body = evidence["request_body"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec();
    write(
        "protocol_body",
        "redemption-request.json",
        Some(5),
        &request_body,
    );
    let dispute = serde_json::to_vec(&bundle["dispute"]).unwrap();
    write("protocol_body", "dispute-request.json", Some(7), &dispute);
    let ack = serde_json::to_vec(&bundle["acknowledgement"]).unwrap();
    let ack_parsed: DisputeAck = protocol::parse("ack", &ack).unwrap();
    write("protocol_body", "dispute-ack.json", Some(8), &ack);
    let real_receipt: SignedReceipt = serde_json::from_value(evidence["receipt"].clone()).unwrap();
    let real_key = serde_json::to_vec(&evidence["provider_key"]).unwrap();
    write(
        "signed_document",
        "real-receipt.json",
        Some(0),
        &protocol::to_bytes("body", &real_receipt).unwrap(),
    );
    write(
        "signed_document",
        "real-provider-key.json",
        Some(0),
        &real_key,
    );
    let bundle_key: tipvault_wire::protocol::ProviderKey =
        serde_json::from_slice(&real_key).unwrap();
    let mut body: ReceiptBody = real_receipt
        .verify(&bundle_key.verifying_key().unwrap())
        .unwrap();
    body.provider_key_id = PROVIDER_KEYID.into();
    let receipt = SignedReceipt::sign(&provider, &body).unwrap();
    write(
        "signed_document",
        "receipt.json",
        Some(0),
        &protocol::to_bytes("body", &receipt).unwrap(),
    );
    write(
        "signed_document",
        "receipt-payload.json",
        Some(3),
        &protocol::to_bytes("body", &body).unwrap(),
    );
    let status = RedemptionStatus {
        v: protocol::V1,
        redemption_id: ack_parsed.redemption_id.clone(),
        state: RedemptionState::Confirmed,
        receipt: receipt.clone(),
    };
    write(
        "protocol_body",
        "redemption-status.json",
        Some(6),
        &protocol::to_bytes("body", &status).unwrap(),
    );

    // Catalogs: the demo catalog, signed and as payload.
    let demo = tipvault_preview::Catalog::parse(tipvault_preview::DEMO_CATALOG_JSON).unwrap();
    let signed_catalog = SignedCatalog::sign(&provider, PROVIDER_KEYID, &demo);
    let signed_catalog_bytes = protocol::to_bytes("body", &signed_catalog).unwrap();
    write(
        "signed_document",
        "catalog.json",
        Some(0),
        &signed_catalog_bytes,
    );
    write(
        "signed_document",
        "catalog-payload.json",
        Some(1),
        demo.canonical_json().as_bytes(),
    );
    write(
        "protocol_body",
        "signed-catalog.json",
        Some(11),
        &signed_catalog_bytes,
    );
    write(
        "catalog",
        "demo.json",
        None,
        tipvault_preview::DEMO_CATALOG_JSON.as_bytes(),
    );
    write(
        "catalog",
        "demo-canonical.json",
        None,
        demo.canonical_json().as_bytes(),
    );
    let claims = serde_json::json!({
        "v": 1, "provider_id": "sandbox", "device_id": DEVICE_KEYID, "tier": "verified",
        "issued_at": "2026-11-30T00:00:00Z", "expires_at": "2026-12-30T00:00:00Z"
    })
    .to_string();
    write(
        "signed_document",
        "verification-payload.json",
        Some(5),
        claims.as_bytes(),
    );
    let token = SignedDocument::sign(
        &provider,
        PROVIDER_KEYID,
        DocumentKind::Verification,
        claims,
    );
    write(
        "signed_document",
        "verification.json",
        Some(0),
        &protocol::to_bytes("body", &token).unwrap(),
    );

    // Signed messages: a redemption request as the device signs it, and the provider's answer
    // to the targets' fixed request.
    let real_request: RedemptionRequest = protocol::parse("redemption", &request_body).unwrap();
    let mut req = Request::new("POST", URL)
        .and_then(|r| r.with_header("Idempotency-Key", "idem-seed"))
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .unwrap()
        .with_body(protocol::to_bytes("body", &real_request).unwrap());
    sign_request(&device, DEVICE_KEYID, &mut req, NOW, NONCE).unwrap();
    let mut data = header_lines(req.headers()).into_bytes();
    data.push(0xFF);
    data.extend_from_slice(req.body());
    write("http_message", "request.txt", Some(0), &data);

    let mut fixed = Request::new("POST", URL)
        .and_then(|r| r.with_header("Idempotency-Key", "idem-fuzz"))
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .unwrap()
        .with_body(BINDING.to_vec());
    sign_request(&device, DEVICE_KEYID, &mut fixed, NOW, NONCE).unwrap();
    for (selector, status_code) in [(1u8, 200u16), (3, 201)] {
        let mut resp = Response::new(status_code)
            .and_then(|r| r.with_header("Content-Type", "application/json"))
            .unwrap()
            .with_body(protocol::to_bytes("body", &status).unwrap());
        sign_response(&provider, PROVIDER_KEYID, &mut resp, &fixed, NOW).unwrap();
        let mut data = header_lines(resp.headers()).into_bytes();
        data.push(0xFF);
        data.extend_from_slice(resp.body());
        write(
            "http_message",
            &format!("response-{status_code}.txt"),
            Some(selector),
            &data,
        );
    }

    // The bodies no exchange above carried, written as the protocol defines them.
    for (selector, name, json) in [
        (
            0u8,
            "pairing-request.json",
            serde_json::json!({"v": 1, "enrollment_code": "1111-2222", "public_key": "AAAA"}),
        ),
        (
            1,
            "paired.json",
            serde_json::json!({"v": 1, "device_id": DEVICE_KEYID, "provider_id": "sandbox", "provider_key_id": PROVIDER_KEYID}),
        ),
        (
            2,
            "balance.json",
            serde_json::json!({"v": 1, "device_id": DEVICE_KEYID, "balances": [{"currency": "KRW", "amount": "996000"}, {"currency": "USD", "amount": "12.50"}], "as_of": "2026-12-01T00:00:00Z"}),
        ),
        (
            3,
            "quote-request.json",
            serde_json::json!({"v": 1, "product": "krw-mobile-top-up", "amount": "3000", "currency": "KRW"}),
        ),
        (
            4,
            "quote.json",
            serde_json::json!({"v": 1, "quote_id": "q1", "product": "krw-mobile-top-up", "amount": "3000", "fee": "0", "total": "3000", "currency": "KRW", "expires_at": "2026-12-01T00:05:00Z"}),
        ),
        (
            9,
            "verification-request.json",
            serde_json::json!({"v": 1, "tier": "verified", "evidence_digest": ack_parsed.evidence_digest.as_str()}),
        ),
        (
            10,
            "error.json",
            serde_json::json!({"v": 1, "error": "replay", "message": "this nonce was seen"}),
        ),
    ] {
        write(
            "protocol_body",
            name,
            Some(selector),
            json.to_string().as_bytes(),
        );
    }
}
