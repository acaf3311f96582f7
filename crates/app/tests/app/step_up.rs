//! Step-up for a stored redemption: the plan the dialog shows is the plan the key signs (and the
//! plan the risk check judged), a plan that changed after it was shown is refused before any
//! key is asked, and an approval is recorded by the risk gate, which then queues the legs.

use std::collections::BTreeMap;
use tipvault_app::LegState;

use chrono::Utc;
use tipvault_app::auth::SoftAuthenticator;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{
    ErrorCode, Network, PreviewQuery, RedeemRequest, Session, approve_redemption, audit_entries,
    explain_redemption, redemption_plan, register_security_key, step_up_plan_view,
    verify_redemption_as_shown,
};
use tipvault_sandbox_provider::{Config, Sandbox};

use super::support::new_vault;

struct World {
    tmp: tempfile::TempDir,
    session: Session,
    _net: Network,
    _sandbox: Sandbox,
}

fn world() -> World {
    let (tmp, _location, mut session) = new_vault();
    let net = Network::new().unwrap();
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let now = Utc::now();
    // A sandbox (labelled so in the dialog) is paired only in a demo vault.
    tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
    super::support::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        tipvault_app::providers::ProviderKind::Sandbox,
        super::support::PASSPHRASE,
        now,
    )
    .unwrap();
    tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now).unwrap();
    World {
        tmp,
        session,
        _net: net,
        _sandbox: sandbox,
    }
}

fn planned(w: &mut World) -> String {
    let request = RedeemRequest {
        query: PreviewQuery {
            amount: "4000".into(),
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
    };
    tipvault_app::plan_redemption(&mut w.session, &request, Utc::now())
        .unwrap()
        .id
}

fn events(session: &mut Session, prefixes: &[&str]) -> Vec<String> {
    audit_entries(session, Utc::now(), 0, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| prefixes.iter().any(|p| k.starts_with(p)))
        .collect()
}

fn step_up_events(session: &mut Session) -> Vec<String> {
    events(session, &["auth.step_up"])
}

#[test]
fn the_dialog_shows_every_leg_totals_and_the_digest_of_the_plan_the_key_signs() {
    let mut w = world();
    let id = planned(&mut w);
    let now = Utc::now();
    let view = step_up_plan_view(&mut w.session, &id, now).unwrap();
    assert!(view.sandbox, "the sandbox is labelled as one");
    assert_eq!(view.redemption_id, id);
    let amounts: Vec<&str> = view.legs.iter().map(|l| l.net.amount.as_str()).collect();
    assert_eq!(amounts, ["3000", "1000"], "₩4,000 as ₩3,000 + ₩1,000");
    for leg in &view.legs {
        assert_eq!(leg.destination.len(), 1);
        assert_eq!(leg.destination[0].name, "phone_number");
        assert_eq!(leg.destination[0].value, "01012345678");
        assert!(
            leg.destination[0].personal_data,
            "a phone number identifies a person"
        );
    }
    assert_eq!(view.totals.len(), 1, "one currency, one total");
    let total = &view.totals[0];
    let fees: i64 = view.legs.iter().map(|l| l.fee.minor).sum();
    assert_eq!(total.net.minor, 4000);
    assert_eq!(total.fee.minor, fees);
    assert_eq!(total.gross.minor, 4000 + fees);
    assert_eq!(total.debit.minor, total.gross.minor);

    let plan = redemption_plan(&mut w.session, &id, now).unwrap();
    assert_eq!(plan.digest().unwrap().to_hex(), view.plan_digest);
    assert_eq!(plan.legs.len(), 2);
    assert_eq!(plan.legs[0].net.minor_units, 3000);
}

#[test]
fn a_key_approves_the_shown_plan_the_gate_records_it_and_a_changed_one_is_refused_first() {
    let mut w = world();
    let id = planned(&mut w);
    let now = Utc::now();
    let mut device = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let pass = super::support::secret(super::support::PASSPHRASE);
    let proof = super::support::pass_proof(&pass);
    register_security_key(&mut w.session, proof, &mut device, "test key", now).unwrap();
    // A new vault is in the `new` tier: the risk check holds every redemption for a key.
    let held = approve_redemption(&mut w.session, &id, now).unwrap_err();
    assert_eq!(held.code, ErrorCode::StepUpRequired, "{}", held.message);
    let view = step_up_plan_view(&mut w.session, &id, now).unwrap();
    let judged = explain_redemption(&mut w.session, &id, now).unwrap();
    assert!(judged.paused);
    assert_eq!(
        view.plan_digest, judged.plan_digest,
        "the dialog shows exactly the plan the risk check judged"
    );

    let mut other = view.plan_digest.clone();
    other.replace_range(0..1, if other.starts_with('0') { "1" } else { "0" });
    let err =
        verify_redemption_as_shown(&mut w.session, &mut device, &id, &other, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::PlanChanged, "{}", err.message);
    assert!(
        step_up_events(&mut w.session).is_empty(),
        "no key was asked for a plan the user did not see"
    );

    let approved =
        verify_redemption_as_shown(&mut w.session, &mut device, &id, &view.plan_digest, now)
            .unwrap();
    assert!(
        approved.legs.iter().all(|l| l.state == LegState::Approved),
        "the approval is recorded and the legs are queued: {:?}",
        approved.legs.iter().map(|l| &l.state).collect::<Vec<_>>()
    );
    let risk = approved.risk.expect("the decision stays on the redemption");
    assert!(risk.verified_at.is_some() && !risk.paused);
    assert_eq!(step_up_events(&mut w.session), ["auth.step_up_approved"]);
    assert!(events(&mut w.session, &["risk.verified"]).len() == 1);

    let again =
        verify_redemption_as_shown(&mut w.session, &mut device, &id, &view.plan_digest, now)
            .unwrap_err();
    assert_eq!(
        again.code,
        ErrorCode::InvalidInput,
        "an approved redemption is not verified twice: {}",
        again.message
    );
}

#[test]
fn an_unknown_redemption_is_invalid_input() {
    let mut w = world();
    let err = step_up_plan_view(&mut w.session, "rx_nope", Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn verify_and_send_sends_only_the_plan_shown_and_answers_the_redemption_as_it_stands() {
    let mut w = world();
    let id = planned(&mut w);
    let now = Utc::now();
    let mut device = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let pass = super::support::secret(super::support::PASSPHRASE);
    let proof = super::support::pass_proof(&pass);
    register_security_key(&mut w.session, proof, &mut device, "test key", now).unwrap();
    assert_eq!(
        approve_redemption(&mut w.session, &id, now)
            .unwrap_err()
            .code,
        ErrorCode::StepUpRequired
    );
    let shown = step_up_plan_view(&mut w.session, &id, now)
        .unwrap()
        .plan_digest;
    let mut other = shown.clone();
    other.replace_range(0..1, if other.starts_with('0') { "1" } else { "0" });
    let mut progress = Vec::new();
    let err = tipvault_app::verify_and_send(
        &mut w.session,
        &w._net,
        &mut device,
        &id,
        Some(&other),
        &mut |p| progress.push(p.clone()),
        now,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::PlanChanged);
    assert!(progress.is_empty(), "nothing was sent for a plan not shown");

    let sent = tipvault_app::verify_and_send(
        &mut w.session,
        &w._net,
        &mut device,
        &id,
        Some(&shown),
        &mut |p| progress.push(p.clone()),
        now,
    )
    .unwrap();
    assert!(
        sent.legs.iter().all(|l| l.state == LegState::Confirmed),
        "{:?}",
        sent.legs.iter().map(|l| &l.state).collect::<Vec<_>>()
    );
    assert!(!progress.is_empty(), "each leg's progress was reported");
}

#[test]
fn unattended_auto_cash_outs_without_rules_read_once_and_never_set_up_the_network() {
    let mut w = world();
    let ran = tipvault_app::run_auto_cashouts_unattended(
        &mut w.session,
        || panic!("the network is not needed when no rule may fire"),
        &mut |_| {},
        Utc::now(),
    )
    .unwrap();
    assert!(ran.is_none());
}
