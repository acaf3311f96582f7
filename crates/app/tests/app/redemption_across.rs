//! One redemption across several providers, against two real sandboxes over loopback: each
//! provider is sent only its own legs and each account pays only for its own, one approval and
//! one step-up cover them all, and a provider that is down holds back only its own legs.

use std::collections::BTreeMap;

use chrono::Utc;
use tipvault_app::auth::SoftAuthenticator;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{
    BalancePreviewQuery, ErrorCode, LegState, Network, RedeemAcrossRequest, RedemptionView, Session,
};
use tipvault_sandbox_provider::{Config, Sandbox};

use super::support::{PASSPHRASE, catalog_of, new_vault, paired_provider, pass_proof, secret};

const EDU: &str = "edu-points";
const TELCO: &str = "telco-points";

struct World {
    tmp: tempfile::TempDir,
    session: Session,
    net: Network,
    edu: Option<Sandbox>,
    telco: Option<Sandbox>,
}

/// Two providers with the same products: edu-points (3 % fees, ₩20,000) and telco-points
/// (no fees, ₩15,000), both sandboxes in a new vault marked as a demo one. `waiver`: the
/// sandbox step-up waiver is on (the gate lets the new vault through); otherwise every
/// redemption needs a key.
fn world(waiver: bool) -> World {
    let (tmp, _location, mut session) = new_vault();
    let net = Network::new().unwrap();
    let now = Utc::now();
    tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
    let edu = paired_provider(
        &mut session,
        &net,
        tmp.path(),
        catalog_of(EDU, "3"),
        "1111-2222",
        20_000,
        true,
    );
    let telco = paired_provider(
        &mut session,
        &net,
        tmp.path(),
        catalog_of(TELCO, "0"),
        "3333-4444",
        15_000,
        true,
    );
    if waiver {
        let pass = secret(PASSPHRASE);
        tipvault_app::set_sandbox_step_up_waiver(&mut session, true, pass_proof(&pass), now)
            .unwrap();
    }
    World {
        tmp,
        session,
        net,
        edu: Some(edu),
        telco: Some(telco),
    }
}

/// Top-ups first, from whichever account costs least, to one phone number.
fn top_ups() -> RedeemAcrossRequest {
    RedeemAcrossRequest {
        query: BalancePreviewQuery {
            prefer: vec!["topup".into()],
            objective: Some(PreviewObjective::FirstPreference),
            ..Default::default()
        },
        destinations: BTreeMap::from([(
            "krw-mobile-top-up".to_owned(),
            BTreeMap::from([("phone_number".to_owned(), "01012345678".to_owned())]),
        )]),
    }
}

/// What the legs of `r` at `provider` take from its account (amount + fee, minor units).
fn taken_at(r: &RedemptionView, provider: &str) -> i64 {
    r.legs
        .iter()
        .filter(|l| l.provider == provider)
        .map(|l| l.amount.minor + l.fee.minor)
        .sum()
}

fn legs_at(r: &RedemptionView, provider: &str) -> usize {
    r.legs.iter().filter(|l| l.provider == provider).count()
}

#[test]
fn one_approval_sends_each_provider_only_its_own_legs_and_books_each_account() {
    let mut w = world(true);
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption_across(&mut w.session, &top_ups(), now).unwrap();
    assert!(
        legs_at(&planned, TELCO) > 0 && legs_at(&planned, EDU) > 0,
        "{planned:?}"
    );
    assert_eq!(
        planned.provider, TELCO,
        "filed under the cheapest provider's part"
    );
    assert!(planned.sandbox, "every provider it goes to is a sandbox");
    // The new tier's ₩30,000 is shared: the fee-free telco account is emptied first.
    assert_eq!(taken_at(&planned, TELCO), 15_000);
    let total = taken_at(&planned, TELCO) + taken_at(&planned, EDU);
    assert!(
        total > 15_000 && total <= 30_000,
        "the rest through edu-points: {total}"
    );

    let approved = tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    assert!(approved.legs.iter().all(|l| l.state == LegState::Approved));
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed as usize, planned.legs.len(), "{run:?}");
    // Each provider received exactly its own legs, nothing of the other's.
    for (sandbox, provider) in [(&w.edu, EDU), (&w.telco, TELCO)] {
        let count = sandbox
            .as_ref()
            .unwrap()
            .store()
            .redemption_count()
            .unwrap();
        assert_eq!(count as usize, legs_at(&planned, provider), "{provider}");
    }
    // Each account paid for its own legs only, to the unit: its books equal what its provider
    // now holds.
    assert!(run.unreconciled.is_empty(), "{:?}", run.unreconciled);
    for (provider, opening) in [(EDU, 20_000), (TELCO, 15_000)] {
        let seen = run
            .reconciliations
            .iter()
            .find(|r| r.provider == provider)
            .unwrap_or_else(|| panic!("{provider} reconciled: {:?}", run.reconciliations));
        assert_eq!(seen.account, format!("provider-{provider}"));
        assert_eq!(
            seen.provider_balance.minor,
            opening - taken_at(&planned, provider),
            "{provider}"
        );
        assert_eq!(
            seen.vault_balance.minor, seen.provider_balance.minor,
            "{provider}"
        );
    }
}

#[test]
fn a_provider_that_is_down_holds_back_its_own_legs_and_the_others_go_out() {
    let mut w = world(true);
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption_across(&mut w.session, &top_ups(), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    let telco = w.telco.take().unwrap();
    let addr = telco.addr();
    w.net.runtime().block_on(telco.stop());
    w.net.retry.attempts_per_run = 1;
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed as usize, legs_at(&planned, EDU), "{run:?}");
    assert_eq!(run.queued as usize, legs_at(&planned, TELCO), "{run:?}");
    let now = Utc::now();
    let r = tipvault_app::redemption(&mut w.session, &planned.id, now).unwrap();
    for leg in &r.legs {
        let expected = if leg.provider == TELCO {
            LegState::Approved
        } else {
            LegState::Confirmed
        };
        assert_eq!(leg.state, expected, "{leg:?}");
    }
    assert!(
        r.legs
            .iter()
            .filter(|l| l.provider == TELCO)
            .all(|l| l.last_error.is_some()),
        "why each waiting leg waits: {r:?}"
    );

    // The provider comes back: its legs go out, once.
    let mut config = Config::new(w.tmp.path().join(format!("{TELCO}.sqlite")));
    config.listen = addr;
    config.catalog_json = Some(catalog_of(TELCO, "0"));
    config.enrollment_code = Some("3333-4444".into());
    config.demo_balances = vec![("KRW".into(), 15_000)];
    let telco = w.net.runtime().block_on(Sandbox::start(config)).unwrap();
    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed as usize, legs_at(&planned, TELCO), "{run:?}");
    assert_eq!(
        telco.store().redemption_count().unwrap() as usize,
        legs_at(&planned, TELCO)
    );
    assert_eq!(
        w.edu.as_ref().unwrap().store().redemption_count().unwrap() as usize,
        legs_at(&planned, EDU),
        "nothing sent twice"
    );
}

#[test]
fn one_step_up_binds_every_leg_with_the_provider_it_goes_to() {
    let mut w = world(false);
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption_across(&mut w.session, &top_ups(), now).unwrap();
    let mut device = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let pass = secret(PASSPHRASE);
    tipvault_app::register_security_key(&mut w.session, pass_proof(&pass), &mut device, "k", now)
        .unwrap();
    // A new vault: the gate holds the whole plan (one decision) for a key.
    let held = tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap_err();
    assert_eq!(held.code, ErrorCode::StepUpRequired, "{}", held.message);
    let view = tipvault_app::step_up_plan_view(&mut w.session, &planned.id, now).unwrap();
    let shown: Vec<&str> = view.legs.iter().map(|l| l.provider.as_str()).collect();
    let stored: Vec<&str> = planned.legs.iter().map(|l| l.provider.as_str()).collect();
    assert_eq!(shown, stored, "the dialog names where every request goes");
    // The key signs each leg's provider: the plan names every leg sent elsewhere than the
    // redemption's own provider.
    let plan = tipvault_app::redemption_plan(&mut w.session, &planned.id, now).unwrap();
    for (leg, provider) in plan.legs.iter().zip(&stored) {
        let named = leg.provider_id.as_deref().unwrap_or(&plan.provider_id);
        assert_eq!(named, *provider);
    }
    assert!(
        plan.legs
            .iter()
            .any(|l| l.provider_id.as_deref() == Some(EDU))
    );
    assert_eq!(plan.digest().unwrap().to_hex(), view.plan_digest);

    let approved = tipvault_app::verify_redemption_as_shown(
        &mut w.session,
        &mut device,
        &planned.id,
        &view.plan_digest,
        now,
    )
    .unwrap();
    assert!(approved.legs.iter().all(|l| l.state == LegState::Approved));
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed as usize, planned.legs.len(), "{run:?}");
}

#[test]
fn a_destination_for_a_product_no_part_uses_is_refused_and_nothing_is_planned() {
    let mut w = world(true);
    let now = Utc::now();
    let mut request = top_ups();
    request.destinations.insert(
        format!("{EDU}/krw-gift-card-nowhere"),
        BTreeMap::from([("email".to_owned(), "a@b.c".to_owned())]),
    );
    let err = tipvault_app::plan_redemption_across(&mut w.session, &request, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
    assert!(
        err.message.contains("krw-gift-card-nowhere"),
        "{}",
        err.message
    );
    assert!(
        tipvault_app::list_redemptions(&mut w.session, now)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_user_may_cancel_what_waits_for_a_provider_that_is_down_and_nothing_reaches_it() {
    let mut w = world(true);
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption_across(&mut w.session, &top_ups(), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    let telco = w.telco.take().unwrap();
    let addr = telco.addr();
    w.net.runtime().block_on(telco.stop());
    w.net.retry.attempts_per_run = 1;
    tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    let now = Utc::now();
    // What reached edu-points cannot be cancelled: it is confirmed.
    let err =
        tipvault_app::cancel_provider_legs(&mut w.session, &planned.id, EDU, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
    let err =
        tipvault_app::cancel_provider_legs(&mut w.session, &planned.id, "nobody", now).unwrap_err();
    assert!(
        err.message.contains("sends nothing to nobody"),
        "{}",
        err.message
    );
    let r = tipvault_app::cancel_provider_legs(&mut w.session, &planned.id, TELCO, now).unwrap();
    for leg in &r.legs {
        let expected = if leg.provider == TELCO {
            LegState::Failed
        } else {
            LegState::Confirmed
        };
        assert_eq!(leg.state, expected, "{leg:?}");
    }
    // The provider returns: nothing is sent to it.
    let mut config = Config::new(w.tmp.path().join(format!("{TELCO}.sqlite")));
    config.listen = addr;
    config.catalog_json = Some(catalog_of(TELCO, "0"));
    config.enrollment_code = Some("3333-4444".into());
    let telco = w.net.runtime().block_on(Sandbox::start(config)).unwrap();
    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(run.requests_sent, 0, "{run:?}");
    assert_eq!(telco.store().redemption_count().unwrap(), 0);
    // Its account still holds what it held: nothing was booked against it.
    let accounts = tipvault_app::list_accounts(&mut w.session, Utc::now()).unwrap();
    let account = accounts
        .iter()
        .find(|a| a.id == format!("provider-{TELCO}"))
        .unwrap();
    assert_eq!(account.balances[0].minor, 15_000, "{account:?}");
    assert_eq!(account.redeemable[0].minor, 15_000, "{account:?}");
}

#[test]
fn a_provider_answering_for_anothers_legs_is_not_believed_and_nothing_is_lost() {
    let mut w = world(true);
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption_across(&mut w.session, &top_ups(), now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &planned.id, now).unwrap();
    // edu-points' server now answers at telco-points' address (a hijacked or misrouted
    // address): telco's legs reach a provider that is not theirs.
    let telco = w.telco.take().unwrap();
    let telco_addr = telco.addr();
    w.net.runtime().block_on(telco.stop());
    let mut impostor = Config::new(w.tmp.path().join(format!("{EDU}.sqlite")));
    impostor.listen = telco_addr;
    impostor.catalog_json = Some(catalog_of(EDU, "3"));
    impostor.demo_balances = Vec::new();
    let impostor = w.net.runtime().block_on(Sandbox::start(impostor)).unwrap();
    w.net.retry.attempts_per_run = 1;
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    // edu-points' own legs went to edu-points' own address and are confirmed.
    assert_eq!(run.confirmed as usize, legs_at(&planned, EDU), "{run:?}");
    let r = tipvault_app::redemption(&mut w.session, &planned.id, Utc::now()).unwrap();
    for leg in r.legs.iter().filter(|l| l.provider == TELCO) {
        assert_ne!(leg.state, LegState::Confirmed, "{leg:?}");
        let why = leg.last_error.as_deref().unwrap_or_default();
        assert!(!why.is_empty(), "a clear error on {leg:?}");
    }
    // It does not know the key this device signs with at telco-points: it applied none of
    // telco-points' requests (its books hold edu-points' own legs only).
    assert_eq!(
        impostor.store().redemption_count().unwrap() as usize,
        legs_at(&planned, EDU),
        "the other provider applied none of telco-points' requests"
    );
    let receipts = tipvault_app::receipt_verify(&mut w.session, &planned.id, Utc::now()).unwrap();
    assert_eq!(
        receipts.len(),
        legs_at(&planned, EDU),
        "no receipt kept for them"
    );
    w.net.runtime().block_on(impostor.stop());

    // The real provider is back at its address: its legs go out once, nothing was booked twice.
    let mut config = Config::new(w.tmp.path().join(format!("{TELCO}.sqlite")));
    config.listen = telco_addr;
    config.catalog_json = Some(catalog_of(TELCO, "0"));
    let telco = w.net.runtime().block_on(Sandbox::start(config)).unwrap();
    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    let r = tipvault_app::redemption(&mut w.session, &planned.id, Utc::now()).unwrap();
    assert!(
        r.legs.iter().all(|l| l.state == LegState::Confirmed),
        "{run:?} {r:?}"
    );
    assert_eq!(
        telco.store().redemption_count().unwrap() as usize,
        legs_at(&planned, TELCO)
    );
}
