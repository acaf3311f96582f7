//! A hostile or broken provider against the redemption engine (issue 6, "bad input"): the real
//! app API, a real vault, and the sandbox provider on loopback told to lie in every redemption
//! answer ([`Hostility`]) after it has applied the redemption — the worst case: money moved,
//! and the answer cannot be trusted.
//!
//! For every lie: the leg records a clear error and stays safe (queued or outcome unknown,
//! never confirmed nor failed), nothing is booked, no receipt is stored — through the first
//! send, the retry and a reconcile. Once the provider is honest again, `reconcile` confirms
//! the leg exactly once: one redemption at the provider, one booking, one verified receipt.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tipvault_app::LegState;

use chrono::Utc;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::providers::ProviderKind;
use tipvault_app::{ErrorCode, Network, PreviewQuery, RedeemRequest, RedemptionLegView, Session};
use tipvault_auth::SoftAuthenticator;
use tipvault_sandbox_provider::{Config, Hostility, Sandbox};

use super::support::new_vault;

const CODE: &str = "4242-4242";

struct World {
    _tmp: tempfile::TempDir,
    session: Session,
    net: Network,
    sandbox: Sandbox,
}

/// A vault with the sandbox added and paired. Retries do not wait (the clock stays real), and
/// one run tries each leg twice: the first send, then the status lookup.
fn world() -> World {
    let (tmp, _location, mut session) = new_vault();
    let mut net = Network::new()
        .unwrap()
        .with_clock(Arc::new(Utc::now), Arc::new(|_| {}));
    net.retry.attempts_per_run = 2;
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some(CODE.into());
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let now = Utc::now();
    // The software authenticator is a test device, which only a demo vault accepts (and there
    // only for a sandbox); these tests are about a hostile provider, so the fixture is marked as
    // a demo vault and the provider added as its sandbox.
    tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
    super::support::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        ProviderKind::Sandbox,
        super::support::PASSPHRASE,
        now,
    )
    .unwrap();
    tipvault_app::pair_provider(&mut session, &net, None, CODE, now).unwrap();
    let mut key = SoftAuthenticator::open_or_create(tmp.path().join("soft.json")).unwrap();
    let pass = super::support::secret(super::support::PASSPHRASE);
    tipvault_app::register_security_key(
        &mut session,
        super::support::pass_proof(&pass),
        &mut key,
        "test key",
        now,
    )
    .unwrap();
    World {
        _tmp: tmp,
        session,
        net,
        sandbox,
    }
}

/// A ₩1,000 top-up: one leg, no fee.
fn top_up() -> RedeemRequest {
    RedeemRequest {
        query: PreviewQuery {
            amount: "1000".into(),
            currency: "KRW".into(),
            prefer: vec!["topup".into()],
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

/// Approves a planned redemption the way a user of a new vault does: the risk gate asks for
/// a step-up (every redemption of a new account is verified), and the security key confirms
/// exactly this plan.
fn approve(w: &mut World, id: &str) {
    let err = tipvault_app::approve_redemption(&mut w.session, id, Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::StepUpRequired, "{}", err.message);
    let mut key = SoftAuthenticator::open(w._tmp.path().join("soft.json")).unwrap();
    tipvault_app::verify_redemption(&mut w.session, id, &mut key, Utc::now()).unwrap();
}

fn leg(w: &mut World, id: &str) -> RedemptionLegView {
    let r = tipvault_app::redemption(&mut w.session, id, Utc::now()).unwrap();
    assert_eq!(r.legs.len(), 1, "a ₩1,000 top-up is one leg");
    r.legs.into_iter().next().unwrap()
}

/// The net sum the ledger holds (the vault starts empty, so only bookings count).
fn booked(w: &mut World) -> i64 {
    super::support::drawn(&mut w.session)
}

/// The leg is safe and says why in words from `expect`; nothing is booked or stored.
fn assert_safe(w: &mut World, id: &str, lie: Hostility, when: &str, expect: &[&str]) {
    let leg = leg(w, id);
    assert!(
        matches!(leg.state.as_str(), "outcome_unknown" | "approved"),
        "{lie:?} ({when}): the provider applied it, so the leg must stay to be reconciled, \
         not be {}",
        tipvault_app::code_of(&leg.state)
    );
    let error = leg.last_error.unwrap_or_default();
    assert!(
        expect.iter().any(|e| error.contains(e)),
        "{lie:?} ({when}): the leg's error should say {expect:?}, says {error:?}"
    );
    assert_eq!(booked(w), 0, "{lie:?} ({when}): nothing is booked on a lie");
    assert!(
        tipvault_app::receipt_verify(&mut w.session, id, Utc::now()).is_err(),
        "{lie:?} ({when}): no receipt is stored on a lie"
    );
}

/// Runs one redemption against a provider telling `lie`, then against the honest provider.
fn survives(lie: Hostility, expect: &[&str]) {
    survives_with(lie, expect, None);
}

/// [`survives`], with the exchange timeout shortened to `timeout` while the provider lies.
fn survives_with(lie: Hostility, expect: &[&str], timeout: Option<Duration>) {
    let mut w = world();
    let planned = tipvault_app::plan_redemption(&mut w.session, &top_up(), Utc::now()).unwrap();
    approve(&mut w, &planned.id);
    w.sandbox.set_hostility(Some(lie));
    let honest_timeout = w.net.timeout;
    if let Some(t) = timeout {
        w.net.timeout = t;
    }

    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed, 0, "{lie:?}: nothing is confirmed on a lie");
    assert!(run.requests_sent >= 1, "{lie:?}: the leg was sent");
    assert_safe(&mut w, &planned.id, lie, "first run", expect);

    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(
        run.confirmed, 0,
        "{lie:?}: a reconcile believes no lie either"
    );
    assert_safe(&mut w, &planned.id, lie, "reconcile", expect);

    w.sandbox.set_hostility(None);
    w.net.timeout = honest_timeout;
    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(
        run.confirmed, 1,
        "{lie:?}: the honest provider's receipt confirms it"
    );
    assert_eq!(leg(&mut w, &planned.id).state, LegState::Confirmed);
    assert_eq!(
        w.sandbox.store().redemption_count().unwrap(),
        1,
        "{lie:?}: applied once at the provider, however often the client asked"
    );
    assert_eq!(booked(&mut w), -1000, "{lie:?}: booked once");
    let receipts = tipvault_app::receipt_verify(&mut w.session, &planned.id, Utc::now()).unwrap();
    assert_eq!(receipts.len(), 1);
    assert!(receipts[0].verified, "{:?}", receipts[0].problem);

    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(
        (run.confirmed, run.requests_sent),
        (0, 0),
        "{lie:?}: a confirmed leg is not asked about again"
    );
    assert_eq!(booked(&mut w), -1000, "{lie:?}: still booked once");
}

#[test]
fn a_receipt_with_a_wrong_signature() {
    survives(Hostility::WrongSignature, &["receipt is not acceptable"]);
}

#[test]
fn a_validly_signed_receipt_for_another_request() {
    // The send checks the receipt against the request; the status lookup, against the id.
    survives(
        Hostility::ReceiptForAnotherRequest,
        &["receipt is not acceptable", "another redemption"],
    );
}

#[test]
fn a_changed_amount() {
    survives(
        Hostility::ChangedAmount,
        &["different amount", "does not match the request"],
    );
}

#[test]
fn malformed_json() {
    survives(Hostility::MalformedJson, &["malformed response"]);
}

#[test]
fn a_huge_body() {
    survives(Hostility::HugeBody, &["response body exceeds"]);
}

#[test]
fn a_slow_drip() {
    // One byte every 50 ms: the answer would take a minute; the client gives up after one
    // second (only while the provider drips, so the honest exchanges are not rushed).
    survives_with(
        Hostility::SlowDrip,
        &["did not answer in time"],
        Some(Duration::from_secs(1)),
    );
}

#[test]
fn a_redirect() {
    survives(Hostility::Redirect, &["redirected (307)"]);
}

#[test]
fn an_html_error_page() {
    survives(Hostility::HtmlError, &["not validly signed"]);
}

#[test]
fn an_html_page_with_200() {
    survives(Hostility::HtmlOk, &["not validly signed"]);
}
