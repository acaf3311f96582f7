//! The risk gate against the real sandbox provider over loopback, with the software
//! authenticator: pauses that survive a restart, verification bound to the exact plan, a plan
//! changed by one unit refused, refusals, a clock set backwards, limits, provider verification
//! tokens, the sandbox waiver and automatic cash-outs.

use std::collections::BTreeMap;
use tipvault_app::{
    Attention, FiredOutcome, LegState, LimitDirection, LimitKind, RiskOutcome, RuleId, Tier,
};

use chrono::{DateTime, Duration, Utc};
use tipvault_app::auth::SoftAuthenticator;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{
    ErrorCode, LockReason, Network, NetworkIdentity, PreviewQuery, RedeemRequest, Session,
    VaultLocation,
};
use tipvault_sandbox_provider::{Config, Sandbox};

use super::support::{PASSPHRASE, new_vault, secret};

struct World {
    tmp: tempfile::TempDir,
    location: VaultLocation,
    session: Option<Session>,
    net: Network,
    sandbox: Sandbox,
}

impl World {
    fn s(&mut self) -> &mut Session {
        self.session.as_mut().unwrap()
    }

    /// Locks and unlocks again: what a restart does.
    fn restart(&mut self) {
        let now = Utc::now();
        self.session
            .take()
            .unwrap()
            .lock(now, LockReason::Exit)
            .unwrap();
        let (session, _) =
            tipvault_app::unlock_vault(&self.location, &secret(PASSPHRASE), now).unwrap();
        self.session = Some(session);
    }

    /// Edits the locked vault's database with its raw key, as someone holding the key (or a
    /// crash mid-way) could leave it, then unlocks again.
    fn raw_db(&mut self, edit: impl FnOnce(&rusqlite::Connection)) {
        self.session
            .take()
            .unwrap()
            .lock(Utc::now(), LockReason::Exit)
            .unwrap();
        let (session, key) =
            tipvault_app::export_data_key(&self.location, &secret(PASSPHRASE), Utc::now()).unwrap();
        session.lock(Utc::now(), LockReason::Exit).unwrap();
        {
            let conn = rusqlite::Connection::open(self.location.dir().join("vault.db")).unwrap();
            conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.as_str()))
                .unwrap();
            edit(&conn);
        }
        let (session, _) =
            tipvault_app::unlock_vault(&self.location, &secret(PASSPHRASE), Utc::now()).unwrap();
        self.session = Some(session);
    }

    /// Takes the demo-fixture mark off the vault: a real vault, as one an older version
    /// registered a test device on.
    fn restart_as_real(&mut self) {
        self.raw_db(|conn| {
            conn.execute("DELETE FROM setting WHERE key = 'vault.demo'", [])
                .unwrap();
        });
        assert!(!self.s().is_demo());
    }

    fn approve(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), tipvault_app::AppError> {
        let network = self.net.identity();
        tipvault_app::approve_redemption_from(self.s(), id, &network, now).map(|_| ())
    }

    fn events(&mut self, kind: &str) -> Vec<serde_json::Value> {
        tipvault_app::audit_entries(self.s(), Utc::now() + Duration::days(400), 0, 10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.detail)
            .collect()
    }

    fn outbox(&mut self) -> tipvault_app::OutboxRun {
        tipvault_app::run_outbox(self.session.as_mut().unwrap(), &self.net).unwrap()
    }

    fn auto(&mut self, now: DateTime<Utc>) -> tipvault_app::AutoCashOutRunView {
        tipvault_app::run_auto_cashouts(self.session.as_mut().unwrap(), &self.net, now).unwrap()
    }

    fn sent(&self) -> i64 {
        self.sandbox.store().redemption_count().unwrap()
    }
}

/// Where a test world's vault is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vault {
    /// The demo vault beside a real one, as demo mode opens it.
    Demo,
    /// A vault marked as a demo fixture: the gate's rules with the software test device (which
    /// only a demo vault accepts), a real provider.
    Fixture,
    /// A real vault: no test device registered (it would be refused).
    Real,
}

fn world() -> World {
    world_holding(100_000_000, Vault::Fixture)
}

/// Demo mode: the demo vault (beside a real one), its sandbox holding exactly the demo tips.
fn demo_world() -> World {
    world_holding(tipvault_app::demo_balance::DEMO_BALANCE_KRW, Vault::Demo)
}

/// A world whose sandbox holds `krw` (minor units) for the user, in `vault`.
fn world_holding(krw: i64, vault: Vault) -> World {
    let (tmp, location, session) = new_vault();
    let demo = vault == Vault::Demo;
    let mut session = if demo {
        session
            .lock(Utc::now(), tipvault_app::LockReason::User)
            .unwrap();
        tipvault_app::open_demo_vault(&location, Utc::now())
            .unwrap()
            .0
    } else if vault == Vault::Fixture {
        let mut session = session;
        tipvault_app::demo::mark_fixture_as_demo(&mut session, Utc::now()).unwrap();
        session
    } else {
        session
    };
    let net = Network::new()
        .unwrap()
        .with_identity(NetworkIdentity::new("test-home"));
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    config.demo_balances = vec![("KRW".into(), krw)];
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let now = Utc::now();
    super::support::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        // Only the demo vault (and a demo fixture) pairs a sandbox, and only a sandbox; in a
        // real vault it is a provider like any other.
        if vault == Vault::Real {
            tipvault_app::providers::ProviderKind::Real
        } else {
            tipvault_app::providers::ProviderKind::Sandbox
        },
        pass_of(vault),
        now,
    )
    .unwrap();
    tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now).unwrap();
    if vault != Vault::Real {
        let mut key = SoftAuthenticator::open_or_create(tmp.path().join("soft.json")).unwrap();
        let pass = secret(pass_of(vault));
        tipvault_app::register_security_key(
            &mut session,
            super::support::pass_proof(&pass),
            &mut key,
            "test key",
            now,
        )
        .unwrap();
    }
    World {
        tmp,
        location,
        session: Some(session),
        net,
        sandbox,
    }
}

/// The passphrase a world's vault opens with (the demo vault's is public).
fn pass_of(vault: Vault) -> &'static str {
    if vault == Vault::Demo {
        tipvault_app::DEMO_PASSPHRASE
    } else {
        PASSPHRASE
    }
}

fn topup(amount: &str, phone: &str) -> RedeemRequest {
    RedeemRequest {
        query: PreviewQuery {
            amount: amount.into(),
            currency: "KRW".into(),
            prefer: vec!["topup".into()],
            objective: PreviewObjective::FirstPreference,
            keep: None,
            exclude: vec![],
            provider: None,
        },
        destinations: BTreeMap::from([(
            "krw-mobile-top-up".to_owned(),
            BTreeMap::from([("phone_number".to_owned(), phone.to_owned())]),
        )]),
    }
}

fn donation(amount: &str) -> RedeemRequest {
    RedeemRequest {
        query: PreviewQuery {
            amount: amount.into(),
            currency: "KRW".into(),
            prefer: vec!["donation".into()],
            objective: PreviewObjective::FirstPreference,
            keep: None,
            exclude: vec![],
            provider: None,
        },
        destinations: BTreeMap::new(),
    }
}

fn rules(view: &tipvault_app::RiskDecisionView) -> Vec<RuleId> {
    view.reasons.iter().map(|r| r.rule).collect()
}

#[test]
fn a_new_vault_pauses_a_redemption_durably_until_the_key_confirms_that_exact_plan() {
    let mut w = world();
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption(w.s(), &topup("4000", "01012345678"), now).unwrap();
    let err = w.approve(&planned.id, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::StepUpRequired, "{}", err.message);
    assert_eq!(
        err.hint.as_deref().cloned(),
        Some(tipvault_app::Hint::VerifyOrCancel {
            redemption: planned.id.clone()
        }),
        "the error says how to continue: {err:?}"
    );
    assert!(
        !err.message.contains("tipvault "),
        "no command line in an app message: {}",
        err.message
    );
    assert!(err.message.contains("new"), "{}", err.message);

    // Durable: after a restart it still waits, and approving again gives the same answer.
    w.restart();
    let again = w.approve(&planned.id, Utc::now()).unwrap_err();
    assert_eq!(again.code, ErrorCode::StepUpRequired);
    let view = tipvault_app::redemption(w.s(), &planned.id, Utc::now()).unwrap();
    assert_eq!(view.state, LegState::Planned, "nothing was queued");
    assert_eq!(view.attention, Some(Attention::WaitsForKey));
    let risk = view.risk.expect("the decision is on the redemption");
    assert!(
        risk.paused && risk.outcome == RiskOutcome::StepUp,
        "{risk:?}"
    );
    for rule in [
        RuleId::NewTier,
        RuleId::NewDestination,
        RuleId::NewProvider,
        RuleId::NewNetwork,
    ] {
        assert!(
            rules(&risk).contains(&rule),
            "{rule:?} in {:?}",
            rules(&risk)
        );
    }
    assert!(
        risk.reasons
            .iter()
            .all(|r| !r.text.en.is_empty() && !r.text.ko.is_empty())
    );
    assert_eq!(w.sent(), 0);
    let decided = w.events("risk.decided");
    assert_eq!(decided.len(), 1, "one decision, recorded once: {decided:?}");
    assert_eq!(decided[0]["outcome"], "step_up");
    assert_eq!(decided[0]["plan_digest"], risk.plan_digest.as_str());

    let explained = tipvault_app::explain_redemption(w.s(), &planned.id, Utc::now()).unwrap();
    assert_eq!(explained, risk);

    let mut key = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let verified =
        tipvault_app::verify_redemption(w.s(), &planned.id, &mut key, Utc::now()).unwrap();
    assert!(verified.legs.iter().all(|l| l.state == LegState::Approved));
    assert_eq!(verified.attention, None, "verified: nothing more to do");
    let run = w.outbox();
    assert_eq!(run.confirmed, 2);
    assert_eq!(w.sent(), 2);
    let approved = w.events("auth.step_up_approved");
    assert_eq!(
        approved.last().unwrap()["plan_digest"],
        risk.plan_digest.as_str(),
        "the assertion approved the digest of the judged plan"
    );
    assert_eq!(w.events("risk.verified").len(), 1);
    let after = tipvault_app::explain_redemption(w.s(), &planned.id, Utc::now()).unwrap();
    assert!(after.verified_at.is_some() && !after.paused);
    // Verifying again is refused: it is no longer waiting.
    let err =
        tipvault_app::verify_redemption(w.s(), &planned.id, &mut key, Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
}

#[test]
fn a_plan_changed_by_one_unit_after_pausing_is_refused_and_audited() {
    let mut w = world();
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption(w.s(), &topup("3000", "01012345678"), now).unwrap();
    assert_eq!(planned.legs.len(), 1);
    w.approve(&planned.id, now).unwrap_err();

    // Someone with the vault's key edits the stored leg: one won more, in the column and in
    // the request body alike.
    w.session
        .take()
        .unwrap()
        .lock(Utc::now(), LockReason::Exit)
        .unwrap();
    let (session, key) =
        tipvault_app::export_data_key(&w.location, &secret(PASSPHRASE), Utc::now()).unwrap();
    session.lock(Utc::now(), LockReason::Exit).unwrap();
    {
        let conn = rusqlite::Connection::open(w.location.dir().join("vault.db")).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.as_str()))
            .unwrap();
        let body: Vec<u8> = conn
            .query_row(
                "SELECT body FROM redemption_leg WHERE redemption_id = ?1 AND seq = 0",
                [&planned.id],
                |r| r.get(0),
            )
            .unwrap();
        let text = String::from_utf8(body).unwrap();
        let changed = text.replacen("\"3000\"", "\"3001\"", 1);
        assert_ne!(changed, text, "the body carries the amount: {text}");
        conn.execute(
            "UPDATE redemption_leg SET amount_minor = amount_minor + 1, body = ?2
             WHERE redemption_id = ?1 AND seq = 0",
            rusqlite::params![planned.id, changed.into_bytes()],
        )
        .unwrap();
    }
    let (session, _) =
        tipvault_app::unlock_vault(&w.location, &secret(PASSPHRASE), Utc::now()).unwrap();
    w.session = Some(session);
    let mut key = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let err =
        tipvault_app::verify_redemption(w.s(), &planned.id, &mut key, Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::PlanChanged, "{}", err.message);
    let refused = w.events("risk.verify_refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["reason"], "plan_changed");
    assert!(
        w.events("auth.step_up_approved").is_empty(),
        "the key was never asked to approve the changed plan"
    );
    let err = w.approve(&planned.id, Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::PlanChanged, "{}", err.message);
    w.outbox();
    assert_eq!(w.sent(), 0, "nothing left the machine");
    // It can still be cancelled.
    let cancelled = tipvault_app::cancel_redemption(w.s(), &planned.id, Utc::now()).unwrap();
    assert_eq!(cancelled.state, LegState::Failed);
    assert_eq!(cancelled.attention, None, "cancelled: nothing more to do");
    assert!(cancelled.risk.unwrap().cancelled_at.is_some());
    assert_eq!(w.events("redemption.cancelled").len(), 1);
}

#[test]
fn a_claim_over_the_limit_is_refused_and_nothing_is_queued() {
    let mut w = world();
    let now = Utc::now();
    // Asked for ₩35,000, a new account plans what it may cash out now: ₩30,000.
    let planned =
        tipvault_app::plan_redemption(w.s(), &topup("35000", "01012345678"), now).unwrap();
    assert_eq!(debit(&planned), 30_000, "planned within the limit");
    // The gate still judges at approval: a limit lowered since the plan refuses it.
    tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("20000"),
        None,
        now,
    )
    .unwrap();
    let err = w.approve(&planned.id, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::RiskRefused, "{}", err.message);
    let view = tipvault_app::redemption(w.s(), &planned.id, now).unwrap();
    assert_eq!(view.state, LegState::Planned);
    assert_eq!(view.attention, Some(Attention::Refused));
    let risk = view.risk.unwrap();
    assert_eq!(risk.outcome, RiskOutcome::Deny);
    assert!(
        rules(&risk).contains(&RuleId::OverClaimLimit),
        "{:?}",
        rules(&risk)
    );
    assert_eq!(w.events("risk.decided")[0]["outcome"], "deny");
    // A step-up cannot override a refusal.
    let mut key = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let err = tipvault_app::verify_redemption(w.s(), &planned.id, &mut key, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::RiskRefused);
    w.outbox();
    assert_eq!(w.sent(), 0);
}

#[test]
fn a_clock_set_backwards_pauses_the_redemption() {
    let mut w = world();
    let later = Utc::now() + Duration::hours(2);
    let first = tipvault_app::plan_redemption(w.s(), &donation("1000"), later).unwrap();
    w.approve(&first.id, later).unwrap_err();
    let mut key = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    tipvault_app::verify_redemption(w.s(), &first.id, &mut key, later).unwrap();
    w.outbox();

    let earlier = later - Duration::hours(1);
    let second = tipvault_app::plan_redemption(w.s(), &donation("1000"), earlier).unwrap();
    let err = w.approve(&second.id, earlier).unwrap_err();
    assert_eq!(err.code, ErrorCode::Paused, "{}", err.message);
    let risk = tipvault_app::explain_redemption(w.s(), &second.id, earlier).unwrap();
    assert_eq!(risk.outcome, RiskOutcome::Pause);
    assert!(
        rules(&risk).contains(&RuleId::ClockBackwards),
        "{:?}",
        rules(&risk)
    );
    assert_eq!(w.events("risk.decided").last().unwrap()["outcome"], "pause");
}

#[test]
fn a_typed_limit_is_read_as_printed_and_compared_without_changing_anything() {
    let mut w = world();
    let now = Utc::now();
    let draft = |w: &mut World, kind: tipvault_app::LimitKind, typed: &str| {
        tipvault_app::draft_limit(w.s(), "KRW", kind, typed, now)
    };
    // A new account's per-claim limit is ₩30,000, its per-day ₩100,000.
    for (typed, direction) in [
        ("20000", LimitDirection::Lower),
        ("₩20,000", LimitDirection::Lower),
        ("30,000원", LimitDirection::Same),
        ("30001", LimitDirection::Raise),
    ] {
        let d = draft(&mut w, tipvault_app::LimitKind::PerClaim, typed).unwrap();
        assert_eq!(d.direction, direction, "{typed}");
        assert_eq!(d.kind, LimitKind::PerClaim);
    }
    let d = draft(&mut w, tipvault_app::LimitKind::PerDay, "₩150,000").unwrap();
    assert_eq!(
        (d.direction, d.amount.minor, d.amount.en.as_str()),
        (LimitDirection::Raise, 150_000, "₩150,000")
    );
    for (typed, says) in [
        ("0", "more than zero"),
        ("1.5", "KRW amounts have no decimal places."),
        ("abc", "write it like"),
        ("-5", "cannot be negative"),
    ] {
        let err = draft(&mut w, tipvault_app::LimitKind::PerClaim, typed).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{typed}");
        assert!(err.message.contains(says), "{typed}: {}", err.message);
    }
    let limits = tipvault_app::risk_limits(w.s(), now).unwrap();
    assert_eq!(
        (limits[0].per_claim.minor, limits[0].per_day.minor),
        (30_000, 100_000),
        "a draft changes nothing"
    );
    assert!(w.events("risk.limit_changed").is_empty() && w.events("risk.limit_refused").is_empty());
}

#[test]
fn lowering_a_limit_is_free_raising_it_needs_the_key_and_every_refusal_is_audited() {
    let mut w = world();
    let now = Utc::now();
    let lowered = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("20000"),
        None,
        now,
    )
    .unwrap();
    assert!(!lowered.stepped_up);
    assert_eq!(lowered.after.minor, 20_000);

    let err = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("25000"),
        None,
        now,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ReauthRequired, "{}", err.message);
    let refused = w.events("risk.limit_refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["reason"], "needs_reauth");
    assert_eq!(
        tipvault_app::risk_limits(w.s(), now).unwrap()[0]
            .per_claim
            .minor,
        20_000,
        "nothing changed"
    );

    let mut key = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let raised = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("25000"),
        Some(tipvault_app::Proof::SecurityKey(&mut key)),
        now,
    )
    .unwrap();
    assert!(raised.stepped_up);
    let limits = tipvault_app::risk_limits(w.s(), now).unwrap();
    let krw = limits.iter().find(|l| l.currency == "KRW").unwrap();
    assert_eq!(krw.per_claim.minor, 25_000);
    assert!(krw.per_claim_set_by_user);
    assert_eq!(w.events("risk.limit_changed").len(), 2);

    // The user's own limit binds the planner, and the gate.
    let planned = tipvault_app::plan_redemption(w.s(), &donation("26000"), now).unwrap();
    assert_eq!(debit(&planned), 25_000, "planned within the user's limit");
    tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("24000"),
        None,
        now,
    )
    .unwrap();
    let err = w.approve(&planned.id, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::RiskRefused, "{}", err.message);
    tipvault_app::cancel_redemption(w.s(), &planned.id, now).unwrap();

    // A key that is not registered cannot approve a raise.
    let mut stranger = SoftAuthenticator::open_or_create(w.tmp.path().join("x.json")).unwrap();
    let err = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("29000"),
        Some(tipvault_app::Proof::SecurityKey(&mut stranger)),
        now,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{}", err.message);
    assert_eq!(w.events("risk.limit_refused").len(), 2);

    // The passphrase confirms a raise too (for exactly that change); a wrong one does not.
    let wrong = secret("not the passphrase");
    let err = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("29000"),
        super::support::pass_proof(&wrong),
        now,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongPassphrase, "{}", err.message);
    let pass = secret(PASSPHRASE);
    let raised = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("29000"),
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap();
    assert!(raised.stepped_up);
    assert_eq!(raised.after.minor, 29_000);
}

#[test]
fn the_status_shows_tier_progress_limits_and_every_rule_in_both_languages() {
    let mut w = world();
    let status = tipvault_app::risk_status(w.s(), Utc::now()).unwrap();
    assert_eq!(status.tier, Tier::New);
    assert_eq!(status.next_tier, Some(Tier::Established));
    assert_eq!((status.claims_progress_bp, status.days_progress_bp), (0, 0));
    assert_eq!((status.claims_needed, status.days_needed), (5, 7));
    let krw = status
        .currencies
        .iter()
        .find(|c| c.currency == "KRW")
        .unwrap();
    let limits = krw.limits.as_ref().unwrap();
    assert_eq!(
        (limits.per_claim.minor, limits.per_day.minor),
        (30_000, 100_000)
    );
    for rule in [
        RuleId::OverClaimLimit,
        RuleId::NewTier,
        RuleId::NewNetwork,
        RuleId::Burst,
        RuleId::ClockBackwards,
    ] {
        let r = krw.rules.iter().find(|r| r.rule == rule).expect("listed");
        assert!(!r.text.en.is_empty() && !r.text.ko.is_empty(), "{rule:?}");
    }
    assert!(!status.sandbox_step_up_waived);
}

#[test]
fn a_provider_verification_keeps_only_the_signed_token_and_makes_the_provider_familiar() {
    let mut w = world();
    let now = Utc::now();
    let token = tipvault_app::verify_tier(
        w.session.as_mut().unwrap(),
        &w.net,
        Some("demo-provider"),
        now,
    )
    .unwrap();
    assert!(token.valid && token.tier == tipvault_wire::protocol::Tier::Verified);
    assert!(token.expires_at > now);
    let status = tipvault_app::risk_status(w.s(), Utc::now() + Duration::seconds(2)).unwrap();
    assert_eq!(status.verifications.len(), 1);
    assert!(status.verifications[0].valid);
    assert_eq!(
        status.tier,
        Tier::New,
        "a provider's verification never changes the tier"
    );
    // The token is dated by the provider's clock (whole seconds): judge after it.
    let now = Utc::now() + Duration::seconds(2);
    let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    w.approve(&planned.id, now).unwrap_err();
    let risk = tipvault_app::explain_redemption(w.s(), &planned.id, now).unwrap();
    assert!(
        !rules(&risk).contains(&RuleId::NewProvider) && rules(&risk).contains(&RuleId::NewTier),
        "{:?}",
        rules(&risk)
    );
    assert_eq!(w.events("risk.provider_verified").len(), 1);
}

#[test]
fn the_sandbox_waiver_and_sandbox_providers_are_refused_in_a_real_vault() {
    let mut w = world_holding(100_000_000, Vault::Real);
    let now = Utc::now();
    let pass = secret(PASSPHRASE);
    let proof = super::support::pass_proof(&pass);
    let e = tipvault_app::set_sandbox_step_up_waiver(w.s(), true, proof, now).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("demo vault only"), "{}", e.message);
    let url = w.sandbox.base_url();
    let kind = tipvault_app::providers::ProviderKind::Sandbox;
    let session = w.session.as_mut().unwrap();
    let e = super::support::add_provider(session, &w.net, &url, kind, PASSPHRASE, now).unwrap_err();
    assert!(e.message.contains("demo vault only"), "{}", e.message);
    // Nothing changed: the provider is still a real one, and nothing is waived.
    let providers = tipvault_app::list_providers(w.s(), now).unwrap();
    assert!(providers.iter().all(|p| !p.sandbox), "{providers:?}");
    let status = tipvault_app::risk_status(w.s(), now).unwrap();
    assert!(!status.sandbox_step_up_waived);
    // Turning it off is always allowed (it is already off).
    assert!(!tipvault_app::set_sandbox_step_up_waiver(w.s(), false, None, now).unwrap());
}

#[test]
fn the_sandbox_waiver_lets_only_step_ups_through_for_a_sandbox_and_records_it() {
    let mut w = demo_world();
    let now = Utc::now();
    // Off until the user turns it on, which is a confirmed change.
    assert!(
        !tipvault_app::risk_status(w.s(), now)
            .unwrap()
            .sandbox_step_up_waived
    );
    let e = tipvault_app::set_sandbox_step_up_waiver(w.s(), true, None, now).unwrap_err();
    assert_eq!(e.code, ErrorCode::ReauthRequired);
    let demo_pass = secret(tipvault_app::DEMO_PASSPHRASE);
    let proof = super::support::pass_proof(&demo_pass);
    tipvault_app::set_sandbox_step_up_waiver(w.s(), true, proof, now).unwrap();
    // With a security key registered, the key is asked, waiver or not, and the status says so.
    let status = tipvault_app::risk_status(w.s(), now).unwrap();
    assert!(status.security_key_registered && !status.sandbox_step_up_waived);
    let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    assert_eq!(
        w.approve(&planned.id, now).unwrap_err().code,
        ErrorCode::StepUpRequired
    );
    tipvault_app::cancel_redemption(w.s(), &planned.id, now).unwrap();
    let keys = tipvault_app::list_security_keys(w.s(), now).unwrap();
    for k in keys {
        tipvault_app::remove_security_key(w.s(), Some(&demo_pass), &k.id, &mut [], now).unwrap();
    }
    // Without one (a newcomer in demo mode), the sandbox's step-up is waived.
    let status = tipvault_app::risk_status(w.s(), now).unwrap();
    assert!(!status.security_key_registered && status.sandbox_step_up_waived);
    let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    w.approve(&planned.id, now).unwrap();
    let risk = tipvault_app::explain_redemption(w.s(), &planned.id, now).unwrap();
    assert!(
        risk.waived && !risk.paused && risk.outcome == RiskOutcome::StepUp,
        "{risk:?}"
    );
    assert_eq!(w.events("risk.step_up_waived").len(), 1);
    assert_eq!(w.outbox().confirmed, 1);
    // A refusal is not waived (the limit lowered after planning).
    let big = tipvault_app::plan_redemption(w.s(), &donation("30000"), now).unwrap();
    tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("20000"),
        None,
        now,
    )
    .unwrap();
    assert_eq!(
        w.approve(&big.id, now).unwrap_err().code,
        ErrorCode::RiskRefused
    );
}

/// Twenty ₩1,000 donations over forty days, each confirmed with the key while the gate asks for
/// it, make the user trusted.
fn make_trusted(w: &mut World, now: DateTime<Utc>) {
    for i in 0..20 {
        let at = now - Duration::days(40) + Duration::days(2 * i);
        let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), at).unwrap();
        if let Err(e) = w.approve(&planned.id, at) {
            assert_eq!(e.code, ErrorCode::StepUpRequired, "{}", e.message);
            let mut key = SoftAuthenticator::open(w.tmp.path().join("soft.json")).unwrap();
            tipvault_app::verify_redemption(w.s(), &planned.id, &mut key, at).unwrap();
        }
    }
    assert_eq!(w.outbox().confirmed, 20);
    assert_eq!(
        tipvault_app::risk_status(w.s(), now).unwrap().tier,
        Tier::Trusted
    );
}

fn donation_rule(id: &str, threshold: &str) -> tipvault_app::NewAutoCashOut {
    tipvault_app::NewAutoCashOut {
        id: id.into(),
        source: "sandbox-demo-tips".into(),
        threshold: threshold.into(),
        template: tipvault_app::AutoCashOutTemplate {
            amount: Some("1000".into()),
            prefer: vec!["donation".into()],
            exclude: vec![],
            provider: None,
            destinations: BTreeMap::new(),
            least_fees: false,
        },
    }
}

#[test]
fn an_automatic_cash_out_never_fires_on_money_already_cashed_out() {
    // The sandbox holds exactly the demo tips, as in demo mode.
    let mut w = demo_world();
    let now = Utc::now();
    tipvault_app::import_demo_balance(w.s(), now).unwrap(); // ₩87,300 of demo tips
    make_trusted(&mut w, now); // ₩20,000 of it cashed out
    let added =
        tipvault_app::add_auto_cashout(w.s(), &donation_rule("sixty", "60000"), now).unwrap();
    assert_eq!(added.last_fired, None, "a new rule has never fired");
    let run = w.auto(now);
    assert_eq!(run.fired.len(), 1, "{run:?}");
    assert_eq!(run.fired[0].outcome, FiredOutcome::Approved, "{run:?}");
    assert_eq!(w.outbox().confirmed, 1);

    // ₩66,300 is left in the account the demo tips arrived at (every redemption is booked
    // there, so its balance fell): a rule at ₩70,000 must not fire.
    tipvault_app::add_auto_cashout(w.s(), &donation_rule("seventy", "70000"), now).unwrap();
    let again = w.auto(now + Duration::hours(1));
    let fired: Vec<&str> = again.fired.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(fired, ["sixty"], "{again:?}");
    assert_eq!(again.fired[0].outcome, FiredOutcome::Waiting);
}

fn rule(
    id: &str,
    threshold: &str,
    amount: &str,
    phone: Option<&str>,
) -> tipvault_app::NewAutoCashOut {
    let mut r = donation_rule(id, threshold);
    r.template.amount = Some(amount.into());
    if let Some(phone) = phone {
        r.template.prefer = vec!["topup".into()];
        r.template.destinations = BTreeMap::from([(
            "krw-mobile-top-up".to_owned(),
            BTreeMap::from([("phone_number".to_owned(), phone.to_owned())]),
        )]);
    }
    r
}

#[test]
fn two_rules_on_one_source_do_not_both_spend_the_same_money_in_one_run() {
    // The sandbox holds exactly the demo tips, as in demo mode.
    let mut w = demo_world();
    let now = Utc::now();
    tipvault_app::import_demo_balance(w.s(), now).unwrap();
    make_trusted(&mut w, now); // ₩67,300 left of ₩87,300
    tipvault_app::add_auto_cashout(w.s(), &rule("first", "67000", "1000", None), now).unwrap();
    tipvault_app::add_auto_cashout(w.s(), &rule("second", "67000", "1000", None), now).unwrap();
    let run = w.auto(now);
    // Whichever runs first takes ₩1,000; ₩66,300 is then below the other's ₩67,000.
    let fired: Vec<FiredOutcome> = run.fired.iter().map(|f| f.outcome).collect();
    assert_eq!(fired, [FiredOutcome::Approved], "{run:?}");
}

#[test]
fn a_paused_firing_holds_its_money_until_it_is_cancelled() {
    // The sandbox holds exactly the demo tips, as in demo mode.
    let mut w = demo_world();
    let now = Utc::now();
    tipvault_app::import_demo_balance(w.s(), now).unwrap();
    make_trusted(&mut w, now); // ₩67,300 left
    let phone = rule("phone", "60000", "10000", Some("01099998888"));
    tipvault_app::add_auto_cashout(w.s(), &phone, now).unwrap();
    let run = w.auto(now);
    assert_eq!(
        run.fired[0].outcome,
        FiredOutcome::Paused,
        "a new destination waits: {run:?}"
    );
    let held = run.fired[0].redemption_id.clone().unwrap();

    // A day later the held ₩10,000 (and its fee) still counts: ₩57,300 is below ₩60,000.
    let later = now + Duration::hours(25);
    let again = w.auto(later);
    assert!(again.fired.is_empty(), "{again:?}");

    // Cancelled, it takes nothing: the rule fires again (and waits for the key again).
    tipvault_app::cancel_redemption(w.s(), &held, later).unwrap();
    let after = w.auto(later);
    assert_eq!(after.fired.len(), 1, "{after:?}");
    assert_eq!(after.fired[0].outcome, FiredOutcome::Paused);
}

#[test]
fn auto_cash_outs_need_the_trusted_tier_and_run_unattended_through_the_gate() {
    let mut w = world_holding(100_000_000, Vault::Demo);
    let now = Utc::now();
    tipvault_app::import_demo_balance(w.s(), now).unwrap();
    let rule = |id: &str, prefer: &str, dest: Option<&str>| tipvault_app::NewAutoCashOut {
        id: id.into(),
        source: "sandbox-demo-tips".into(),
        threshold: "50000".into(),
        template: tipvault_app::AutoCashOutTemplate {
            amount: Some("1000".into()),
            prefer: vec![prefer.into()],
            exclude: vec![],
            provider: None,
            destinations: dest
                .map(|phone| {
                    BTreeMap::from([(
                        "krw-mobile-top-up".to_owned(),
                        BTreeMap::from([("phone_number".to_owned(), phone.to_owned())]),
                    )])
                })
                .unwrap_or_default(),
            least_fees: false,
        },
    };
    let err =
        tipvault_app::add_auto_cashout(w.s(), &rule("daily", "donation", None), now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{}", err.message);
    assert_eq!(w.events("autocashout.refused").len(), 1);

    make_trusted(&mut w, now);

    tipvault_app::add_auto_cashout(w.s(), &rule("daily", "donation", None), now).unwrap();
    tipvault_app::add_auto_cashout(w.s(), &rule("phone", "topup", Some("01099998888")), now)
        .unwrap();
    assert_eq!(
        tipvault_app::list_auto_cashouts(w.s(), now).unwrap().len(),
        2
    );
    let run = w.auto(now);
    let outcome = |id: &str| {
        run.fired
            .iter()
            .find(|f| f.rule == id)
            .map(|f| f.outcome)
            .unwrap()
    };
    assert_eq!(outcome("daily"), FiredOutcome::Approved, "{run:?}");
    assert_eq!(
        outcome("phone"),
        FiredOutcome::Paused,
        "a new destination would need a step-up; nobody is there, so it waits: {run:?}"
    );
    let paused_id = run
        .fired
        .iter()
        .find(|f| f.rule == "phone")
        .unwrap()
        .redemption_id
        .clone();
    let risk = tipvault_app::explain_redemption(w.s(), &paused_id.unwrap(), now).unwrap();
    assert!(risk.unattended && risk.paused && rules(&risk).contains(&RuleId::Unattended));
    assert_eq!(w.events("autocashout.fired").len(), 2);
    assert_eq!(w.outbox().confirmed, 1);
    // Each rule shows when it last fired and what came of it, read back from the audit chain.
    let listed = tipvault_app::list_auto_cashouts(w.s(), now).unwrap();
    let last = |id: &str| {
        listed
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.last_fired.clone())
            .unwrap()
    };
    assert_eq!(last("daily").outcome, Some(FiredOutcome::Approved));
    assert_eq!(last("phone").outcome, Some(FiredOutcome::Paused));
    let fired_phone = run.fired.iter().find(|f| f.rule == "phone").unwrap();
    assert_eq!(last("phone").redemption_id, fired_phone.redemption_id);
    assert_eq!(
        last("daily").at.timestamp(),
        now.timestamp(),
        "audit times are whole seconds"
    );

    let again = w.auto(now + Duration::hours(1));
    assert!(
        again
            .fired
            .iter()
            .all(|f| f.outcome == FiredOutcome::Waiting),
        "{again:?}"
    );
    tipvault_app::remove_auto_cashout(w.s(), "phone", now).unwrap();
    assert_eq!(
        tipvault_app::list_auto_cashouts(w.s(), now).unwrap().len(),
        1
    );
}

/// What a planned redemption debits (amount + fee of every leg), in minor units.
fn debit(view: &tipvault_app::RedemptionView) -> i64 {
    view.legs.iter().map(|l| l.amount.minor + l.fee.minor).sum()
}

#[test]
fn an_automatic_cash_out_draws_only_on_the_account_that_holds_its_source() {
    let mut w = demo_world();
    let now = Utc::now();
    tipvault_app::import_demo_balance(w.s(), now).unwrap();
    make_trusted(&mut w, now);
    // The rule watches the demo tips, which the sandbox holds, but its plan names another
    // provider: it must not plan there against money checked here.
    let mut elsewhere = donation_rule("elsewhere", "60000");
    elsewhere.template.provider = Some("edupoints".into());
    tipvault_app::add_auto_cashout(w.s(), &elsewhere, now).unwrap();
    let run = w.auto(now);
    assert_eq!(run.fired.len(), 1, "{run:?}");
    assert_eq!(run.fired[0].outcome, FiredOutcome::Failed);
    assert!(run.fired[0].redemption_id.is_none());
    let message = run.fired[0].message.as_deref().unwrap_or_default();
    assert!(message.contains("demo-provider"), "{message}");
}

#[test]
fn a_test_device_never_approves_real_money_raises_a_limit_or_joins_a_real_vault() {
    let mut w = world_holding(100_000_000, Vault::Real);
    let now = Utc::now();
    let pass = secret(PASSPHRASE);
    let mut device = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    let err = tipvault_app::register_security_key(
        w.s(),
        super::support::pass_proof(&pass),
        &mut device,
        "test key",
        now,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused);
    assert!(err.message.contains("test device"), "{}", err.message);
    assert!(
        tipvault_app::list_security_keys(w.s(), now)
            .unwrap()
            .is_empty()
    );

    // Registered while the vault was a demo fixture (as an older version could have done),
    // then the vault is a real one again: the device still approves nothing.
    tipvault_app::demo::mark_fixture_as_demo(w.s(), now).unwrap();
    tipvault_app::register_security_key(
        w.s(),
        super::support::pass_proof(&pass),
        &mut device,
        "test key",
        now,
    )
    .unwrap();
    w.restart_as_real();
    let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    assert_eq!(
        w.approve(&planned.id, now).unwrap_err().code,
        ErrorCode::StepUpRequired
    );
    let err = tipvault_app::verify_redemption(w.s(), &planned.id, &mut device, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{}", err.message);
    let err = tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("90000"),
        Some(tipvault_app::Proof::SecurityKey(&mut device)),
        now,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{}", err.message);
    let refusals = w.events("auth.step_up_refused");
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(refusals.iter().all(|r| r["reason"] == "test_device"));
    w.outbox();
    assert_eq!(w.sent(), 0, "nothing left the machine");
}

#[test]
fn an_approval_expires_after_its_window_and_the_key_is_asked_again() {
    let mut w = world();
    let now = Utc::now();
    let a = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    let b = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    for id in [&a.id, &b.id] {
        assert_eq!(
            w.approve(id, now).unwrap_err().code,
            ErrorCode::StepUpRequired
        );
    }
    // Both verified at `now`, and the process died before their legs were queued: what a
    // crash between recording a verification and queueing leaves behind.
    w.raw_db(|conn| {
        conn.execute(
            "UPDATE redemption_risk SET verified_at = ?1, credential_id = 'crashed'",
            [now.timestamp()],
        )
        .unwrap();
    });
    let window = tipvault_app::risk::gate::APPROVAL_WINDOW;
    // Within the window the approval stands …
    w.approve(&a.id, now + window - Duration::minutes(1))
        .unwrap();
    // … after it, the key is asked again, for that very plan.
    let late = now + window + Duration::minutes(1);
    let err = w.approve(&b.id, late).unwrap_err();
    assert_eq!(err.code, ErrorCode::StepUpRequired, "{}", err.message);
    let asked = w.events("auth.step_up_approved").len();
    let mut key = SoftAuthenticator::open(w.tmp.path().join("soft.json")).unwrap();
    tipvault_app::verify_redemption(w.s(), &b.id, &mut key, late).unwrap();
    assert_eq!(
        w.events("auth.step_up_approved").len(),
        asked + 1,
        "the key was asked again"
    );
    assert_eq!(w.outbox().confirmed, 2);
}

#[test]
fn a_request_that_differs_from_the_approved_plan_is_never_sent() {
    let mut w = world();
    let now = Utc::now();
    let planned = tipvault_app::plan_redemption(w.s(), &topup("3000", "01012345678"), now).unwrap();
    assert_eq!(
        w.approve(&planned.id, now).unwrap_err().code,
        ErrorCode::StepUpRequired
    );
    let mut key = SoftAuthenticator::open(w.tmp.path().join("soft.json")).unwrap();
    // Verified and queued: the legs wait in the outbox for the next run.
    tipvault_app::verify_redemption(w.s(), &planned.id, &mut key, now).unwrap();
    // Meanwhile someone with the vault's key rewrites the queued request's phone number
    // (in the column and the body alike, so only the approved digest can tell).
    w.raw_db(|conn| {
        let body: Vec<u8> = conn
            .query_row(
                "SELECT body FROM redemption_leg WHERE redemption_id = ?1 AND seq = 0",
                [&planned.id],
                |r| r.get(0),
            )
            .unwrap();
        let text = String::from_utf8(body).unwrap();
        let changed = text.replacen("01012345678", "01099999999", 1);
        assert_ne!(changed, text);
        conn.execute(
            "UPDATE redemption_leg SET body = ?2 WHERE redemption_id = ?1 AND seq = 0",
            rusqlite::params![planned.id, changed.into_bytes()],
        )
        .unwrap();
    });
    let run = w.outbox();
    assert_eq!(run.confirmed, 0, "{run:?}");
    assert_eq!(w.sent(), 0, "nothing left the machine");
    let mismatch = w.events("redemption.plan_mismatch");
    assert_eq!(mismatch.len(), 1, "{mismatch:?}");
    let view = tipvault_app::redemption(w.s(), &planned.id, now).unwrap();
    assert_eq!(view.state, LegState::Failed, "{view:?}");
}

#[test]
fn shortening_retention_cannot_loosen_the_risk_engine() {
    let mut w = demo_world();
    let now = Utc::now();
    let demo_pass = secret(tipvault_app::DEMO_PASSPHRASE);
    // A lowered limit …
    tipvault_app::set_limit(
        w.s(),
        "KRW",
        tipvault_app::LimitKind::PerClaim,
        Some("5000"),
        None,
        now,
    )
    .unwrap();
    let classes = tipvault_app::retention_classes(w.s(), now).unwrap();
    // … then every class that can be shortened is set to its floor, and time moves past it.
    for class in classes.iter().filter(|c| c.name != "risk_state") {
        let floor = tipvault_vault::retention::floor(&class.name).unwrap();
        if floor.as_secs() < class.seconds {
            tipvault_app::set_retention(
                w.s(),
                &class.name,
                floor,
                super::support::pass_proof(&demo_pass),
                now,
            )
            .unwrap();
        }
    }
    let later = now + Duration::days(800);
    tipvault_app::purge_expired(w.s(), later, false).unwrap();
    let limits = tipvault_app::risk_limits(w.s(), later).unwrap();
    let krw = limits.iter().find(|l| l.currency == "KRW").unwrap();
    assert_eq!(
        krw.per_claim.minor, 5_000,
        "the lowered limit did not revert to the ceiling"
    );
    assert!(krw.per_claim_set_by_user);
}

#[test]
fn a_waiver_left_in_a_real_vault_by_an_older_version_is_ignored() {
    let mut w = world_holding(100_000_000, Vault::Real);
    let now = Utc::now();
    // What an older version's demo mode could leave in a real vault: the waiver on, and its
    // provider marked a sandbox (no key registered, so the waiver would apply).
    w.raw_db(|conn| {
        conn.execute(
            "INSERT INTO setting (key, value, updated_at) VALUES ('risk.sandbox_step_up', 'waived', 0)",
            [],
        )
        .unwrap();
        conn.execute("UPDATE provider SET sandbox = 1", []).unwrap();
    });
    let status = tipvault_app::risk_status(w.s(), now).unwrap();
    assert!(!status.sandbox_step_up_waived, "{status:?}");
    let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    assert_eq!(
        w.approve(&planned.id, now).unwrap_err().code,
        ErrorCode::StepUpRequired,
        "the real vault asks for a key whatever the old setting says"
    );
    assert!(w.events("risk.step_up_waived").is_empty());
}

#[test]
fn even_in_a_demo_vault_a_test_device_approves_nothing_for_a_real_provider() {
    // A real provider paired before the vault carried the demo mark (the demo vault refuses to
    // pair one now): its redemptions are real money, which the test device never approves.
    let mut w = world_holding(100_000_000, Vault::Real);
    let now = Utc::now();
    tipvault_app::demo::mark_fixture_as_demo(w.s(), now).unwrap();
    let pass = secret(PASSPHRASE);
    let mut device = SoftAuthenticator::open_or_create(w.tmp.path().join("soft.json")).unwrap();
    tipvault_app::register_security_key(
        w.s(),
        super::support::pass_proof(&pass),
        &mut device,
        "test key",
        now,
    )
    .unwrap();
    let planned = tipvault_app::plan_redemption(w.s(), &donation("1000"), now).unwrap();
    assert_eq!(
        w.approve(&planned.id, now).unwrap_err().code,
        ErrorCode::StepUpRequired
    );
    let err = tipvault_app::verify_redemption(w.s(), &planned.id, &mut device, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{}", err.message);
    assert!(err.message.contains("only demo money"), "{}", err.message);
    assert_eq!(w.events("auth.step_up_refused")[0]["reason"], "test_device");
    w.outbox();
    assert_eq!(w.sent(), 0);
}
