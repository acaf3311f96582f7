//! Step-up for a stored redemption: the plan the dialog shows is the plan the key signs, and
//! a plan that changed after it was shown is refused before any key is asked.

use std::collections::BTreeMap;

use chrono::Utc;
use tipvault_app::auth::SoftAuthenticator;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{
    ErrorCode, Network, PreviewQuery, RedeemRequest, Session, audit_entries, redemption_plan,
    register_security_key, step_up_for_redemption, step_up_plan_view,
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
    tipvault_app::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        tipvault_app::providers::ProviderKind::Sandbox,
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

fn step_up_events(session: &mut Session) -> Vec<String> {
    audit_entries(session, Utc::now(), 0, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| k.starts_with("auth.step_up"))
        .collect()
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
fn a_key_approves_the_shown_plan_and_a_changed_one_is_refused_before_asking_it() {
    let mut w = world();
    let id = planned(&mut w);
    let now = Utc::now();
    let mut device = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    register_security_key(&mut w.session, &mut device, "test key", now).unwrap();
    let view = step_up_plan_view(&mut w.session, &id, now).unwrap();

    let mut other = view.plan_digest.clone();
    other.replace_range(0..1, if other.starts_with('0') { "1" } else { "0" });
    let err = step_up_for_redemption(&mut w.session, &mut device, &id, &other, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::PlanChanged, "{}", err.message);
    assert!(
        step_up_events(&mut w.session).is_empty(),
        "no key was asked for a plan the user did not see"
    );

    let approved =
        step_up_for_redemption(&mut w.session, &mut device, &id, &view.plan_digest, now).unwrap();
    assert_eq!(approved.plan_digest, view.plan_digest);
    assert_eq!(step_up_events(&mut w.session), ["auth.step_up_approved"]);
}

#[test]
fn an_unknown_redemption_is_invalid_input() {
    let mut w = world();
    let err = step_up_plan_view(&mut w.session, "rx_nope", Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}
