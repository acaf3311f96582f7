//! Accounts against the real sandbox over loopback: where each balance is, reconciliation with
//! the provider's signed balance, a double charge found and disputed, and readings refused.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tipvault_app::ReconciliationOutcome;

use chrono::Utc;
use tipvault_app::preview::PreviewObjective;
use tipvault_app::{ErrorCode, Network, PreviewQuery, RedeemRequest, Session};
use tipvault_sandbox_provider::{Config, Hostility, Sandbox};

use super::ledger_support::kofi_with_tips;
use super::support::{drawn, new_vault};

struct World {
    tmp: tempfile::TempDir,
    session: Session,
    net: Network,
    sandbox: Sandbox,
    /// Seconds both clocks (this client's and the sandbox's) are moved from the real one.
    provider_offset: Arc<AtomicI64>,
}

/// A paired sandbox holding `krw` for the user, with the step-up waiver on (these tests are
/// about the books, not the risk gate; the waiver exists only in a demo vault, so the fixture
/// is marked as one).
fn world(krw: i64) -> World {
    world_in(krw, false)
}

/// [`world`] in the demo vault (beside a real one), as demo mode runs.
fn demo_world(krw: i64) -> World {
    world_in(krw, true)
}

fn world_in(krw: i64, demo: bool) -> World {
    let (tmp, location, session) = new_vault();
    let mut session = if demo {
        session
            .lock(Utc::now(), tipvault_app::LockReason::User)
            .unwrap();
        tipvault_app::open_demo_vault(&location, Utc::now())
            .unwrap()
            .0
    } else {
        let mut session = session;
        tipvault_app::demo::mark_fixture_as_demo(&mut session, Utc::now()).unwrap();
        session
    };
    let provider_offset = Arc::new(AtomicI64::new(0));
    let client = provider_offset.clone();
    let mut net = Network::new().unwrap().with_clock(
        Arc::new(move || Utc::now() + chrono::Duration::seconds(client.load(Ordering::SeqCst))),
        Arc::new(std::thread::sleep),
    );
    net.retry.attempts_per_run = 1;
    net.timeout = std::time::Duration::from_secs(5);
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    config.demo_balances = vec![("KRW".into(), krw)];
    let offset = provider_offset.clone();
    let system = tipvault_sandbox_provider::system_clock();
    config.clock = Arc::new(move || system() + offset.load(Ordering::SeqCst));
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let now = Utc::now();
    let kind = tipvault_app::providers::ProviderKind::Sandbox;
    let pass = if demo {
        tipvault_app::DEMO_PASSPHRASE
    } else {
        super::support::PASSPHRASE
    };
    super::support::add_provider(&mut session, &net, &sandbox.base_url(), kind, pass, now).unwrap();
    tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now).unwrap();
    let pass = super::support::secret(pass);
    tipvault_app::set_sandbox_step_up_waiver(
        &mut session,
        true,
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap();
    World {
        tmp,
        session,
        net,
        sandbox,
        provider_offset,
    }
}

impl World {
    fn reconcile(&mut self) -> Vec<tipvault_app::ReconciliationView> {
        tipvault_app::reconcile_account(&mut self.session, &self.net, "demo-provider", Utc::now())
            .unwrap()
    }

    /// Plans, approves and sends `amount` as `prefer` (a top-up goes to a fixed phone).
    fn redeem(&mut self, amount: &str, prefer: &[&str]) -> tipvault_app::OutboxRun {
        let now = Utc::now();
        let request = RedeemRequest {
            query: PreviewQuery {
                amount: amount.into(),
                currency: "KRW".into(),
                prefer: prefer.iter().map(|p| (*p).to_owned()).collect(),
                objective: PreviewObjective::FirstPreference,
                keep: None,
                exclude: vec![],
                provider: None,
            },
            destinations: if prefer.contains(&"topup") {
                BTreeMap::from([(
                    "krw-mobile-top-up".to_owned(),
                    BTreeMap::from([("phone_number".to_owned(), "01012345678".to_owned())]),
                )])
            } else {
                BTreeMap::new()
            },
        };
        let planned = tipvault_app::plan_redemption(&mut self.session, &request, now).unwrap();
        tipvault_app::approve_redemption(&mut self.session, &planned.id, now).unwrap();
        tipvault_app::run_outbox(&mut self.session, &self.net).unwrap()
    }

    fn account(&mut self) -> tipvault_app::AccountView {
        tipvault_app::show_account(&mut self.session, "demo-provider", Utc::now())
            .unwrap()
            .account
    }

    fn books(&mut self) -> i64 {
        self.account().redeemable.iter().map(|m| m.minor).sum()
    }
}

#[test]
fn the_first_reading_opens_the_account_and_a_redemption_is_reconciled_after_it() {
    let mut w = world(10_000);
    assert_eq!(
        w.books(),
        0,
        "nothing is known before the provider is asked"
    );
    let opened = w.reconcile();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].outcome, ReconciliationOutcome::Credited);
    assert_eq!(opened[0].provider_balance.minor, 10_000);
    assert_eq!(opened[0].vault_balance.minor, 0);
    assert_eq!(w.books(), 10_000);
    // Asking again changes nothing.
    assert_eq!(w.reconcile()[0].outcome, ReconciliationOutcome::Matched);

    let run = w.redeem("1300", &["topup", "donation"]);
    assert_eq!(run.confirmed, 2, "₩1,000 top-up + ₩300 donation");
    assert_eq!(run.reconciliations.len(), 1, "{:?}", run.unreconciled);
    assert_eq!(
        run.reconciliations[0].outcome,
        ReconciliationOutcome::Matched
    );
    assert_eq!(run.reconciliations[0].provider_balance.minor, 8_700);
    assert_eq!(w.books(), 8_700);
    // The account's own history accounts for every unit that left it.
    assert_eq!(drawn(&mut w.session), -1_300);
    let account = w.account();
    assert_eq!(account.location, tipvault_app::Location::AtProvider);
    assert_eq!(account.where_en, "at demo-provider, redeemable");
    assert_eq!(
        account.reconciled[0].outcome,
        ReconciliationOutcome::Matched
    );
}

#[test]
fn a_double_charge_is_found_booked_on_its_own_line_and_disputed() {
    let mut w = world(10_000);
    w.reconcile();
    w.redeem("1000", &["topup"]);
    // "Why was I charged ₩300 twice?": the provider applies the donation twice.
    w.sandbox.set_double_charge(true);
    let run = w.redeem("300", &["donation"]);
    assert_eq!(run.confirmed, 1);
    let found = &run.reconciliations[0];
    assert_eq!(
        found.outcome,
        ReconciliationOutcome::DoubleCharge,
        "{found:?}"
    );
    assert_eq!(found.difference.minor, -300);
    assert_eq!(found.provider_balance.minor, 10_000 - 1_000 - 600);
    let suspect = found
        .suspect
        .as_ref()
        .expect("the leg charged twice is named");
    assert!(suspect.product.starts_with("krw-donation"), "{suspect:?}");
    assert_eq!(suspect.cost.minor, 300);
    assert!(
        found.explanation_en.contains("₩300") && found.explanation_en.contains("charged twice"),
        "{}",
        found.explanation_en
    );
    // Booked on a line of its own: the books equal the provider, and the drawings are only
    // what the receipts say.
    assert_eq!(w.books(), 8_400);
    assert_eq!(drawn(&mut w.session), -1_300);
    assert_eq!(
        w.reconcile()[0].outcome,
        ReconciliationOutcome::Matched,
        "found once, not again"
    );

    // One action away: the dispute names the leg, as a duplicate, with verifiable evidence.
    let id = found.dispute.clone().expect("a dispute to open");
    assert_eq!(Some(&id), suspect.provider_redemption_id.as_ref());
    let out = w.tmp.path().join("dispute.json");
    let reason = tipvault_app::parse_reason("duplicate").unwrap();
    let bundle =
        tipvault_app::dispute(&mut w.session, &w.net, &id, reason, &out, Utc::now()).unwrap();
    assert_eq!(bundle.reason, "duplicate");
    assert!(tipvault_app::verify_bundle_file(&out).is_ok());
}

#[test]
fn a_drop_no_leg_explains_is_booked_as_unexplained() {
    let mut w = world(10_000);
    w.reconcile();
    // Both legs charged twice: ₩1,300 missing, which no single leg cost.
    w.sandbox.set_double_charge(true);
    let run = w.redeem("1300", &["topup", "donation"]);
    assert_eq!(run.confirmed, 2, "{run:?}");
    let found = &run.reconciliations[0];
    assert_eq!(
        found.outcome,
        ReconciliationOutcome::Unexplained,
        "{found:?}"
    );
    assert_eq!(found.difference.minor, -1_300);
    assert!(found.suspect.is_none() && found.dispute.is_none());
    assert_eq!(w.books(), 10_000 - 2_600);
}

#[test]
fn legs_in_flight_leave_the_difference_pending_until_they_settle() {
    let mut w = world(10_000);
    w.reconcile();
    // The provider applies the top-up but answers with a lie: the leg's outcome is unknown.
    w.sandbox.set_hostility(Some(Hostility::MalformedJson));
    let run = w.redeem("1000", &["topup"]);
    assert_eq!(run.outcome_unknown, 1);
    let found = w.reconcile();
    assert_eq!(
        found[0].outcome,
        ReconciliationOutcome::Pending,
        "{found:?}"
    );
    assert_eq!(found[0].in_flight.len(), 1);
    assert_eq!(
        w.books(),
        10_000,
        "nothing booked while the leg is in flight"
    );
    // Honest again: the leg confirms, books itself, and the account matches.
    w.sandbox.set_hostility(None);
    let run = tipvault_app::reconcile(&mut w.session, &w.net).unwrap();
    assert_eq!(run.confirmed, 1);
    assert_eq!(
        run.reconciliations[0].outcome,
        ReconciliationOutcome::Matched
    );
    assert_eq!(w.books(), 9_000);
}

#[test]
fn a_reading_older_than_the_last_is_refused_and_the_last_is_kept() {
    let mut w = world(10_000);
    // Read a minute ahead; then the provider's clock (and ours, so every signature is
    // valid) goes back: its balance claims an earlier time than the one kept.
    w.provider_offset.store(60, Ordering::SeqCst);
    w.reconcile();
    w.provider_offset.store(0, Ordering::SeqCst);
    let err = tipvault_app::reconcile_account(&mut w.session, &w.net, "demo-provider", Utc::now())
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Provider);
    assert!(
        err.message.contains("older than the last"),
        "{}",
        err.message
    );
    let detail = tipvault_app::show_account(&mut w.session, "demo-provider", Utc::now()).unwrap();
    assert_eq!(detail.reconciliations.len(), 1, "nothing written");
    assert_eq!(w.books(), 10_000);
}

/// A balance that is unsigned, for another device or in another currency is refused with its
/// own message; the previous reading, the reconciliations and the books are kept as they were.
#[test]
fn a_lying_balance_is_refused_and_the_previous_reading_kept() {
    use tipvault_sandbox_provider::BalanceLie;
    let mut w = world(10_000);
    let first = w.reconcile();
    assert_eq!(
        first[0].outcome,
        ReconciliationOutcome::Credited,
        "{first:?}"
    );
    for (lie, says) in [
        (BalanceLie::Unsigned, "not validly signed"),
        (
            BalanceLie::AnotherDevice,
            "for device dev_someone_else, not this one",
        ),
        (
            BalanceLie::AnotherCurrency,
            "lists JPY but no KRW, where this account holds ₩10,000",
        ),
    ] {
        w.sandbox.set_balance_lie(Some(lie));
        let err =
            tipvault_app::reconcile_account(&mut w.session, &w.net, "demo-provider", Utc::now())
                .unwrap_err();
        assert_eq!(err.code, ErrorCode::Provider, "{lie:?}: {}", err.message);
        assert!(err.message.contains(says), "{lie:?}: {}", err.message);
        let detail =
            tipvault_app::show_account(&mut w.session, "demo-provider", Utc::now()).unwrap();
        assert_eq!(detail.reconciliations.len(), 1, "{lie:?}: nothing written");
        assert_eq!(w.books(), 10_000, "{lie:?}");
    }
    // Honest again: the next reading matches the books.
    w.sandbox.set_balance_lie(None);
    assert_eq!(w.reconcile()[0].outcome, ReconciliationOutcome::Matched);
}

#[test]
fn every_account_says_where_its_money_is() {
    let mut w = demo_world(87_300);
    let now = Utc::now();
    // Demo tips first: they are imported only into a vault without a balance.
    tipvault_app::import_demo_balance(&mut w.session, now).unwrap();
    kofi_with_tips(&mut w.session);
    let toonation = tipvault_app::NewSource {
        id: "toonation".into(),
        label: "Toonation".into(),
        platform: "toonation".into(),
        currency: "KRW".into(),
        payout_threshold: None,
        payout_schedule: None,
    };
    tipvault_app::add_source(&mut w.session, &toonation, now).unwrap();
    let accounts = tipvault_app::list_accounts(&mut w.session, now).unwrap();
    let by_id: BTreeMap<&str, &tipvault_app::AccountView> =
        accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let kofi = by_id["kofi-main"];
    assert_eq!(kofi.location, tipvault_app::Location::PaidOut);
    assert_eq!(kofi.where_en, "paid out to PayPal or Stripe");
    let toon = by_id["toonation"];
    assert_eq!(toon.where_en, "at Toonation until payout");
    assert!(
        toon.payout
            .as_deref()
            .is_some_and(|p| p.contains("₩40,000")),
        "{:?}",
        toon.payout
    );
    // The demo tips arrived at the sandbox: that provider's account holds them.
    let tips = by_id["sandbox-demo-tips"];
    assert_eq!(tips.location, tipvault_app::Location::AtProvider);
    assert!(tips.sandbox);
    assert_eq!(tips.provider.as_deref(), Some("demo-provider"));
    let account = by_id["provider-demo-provider"];
    assert_eq!(account.redeemable[0].minor, 87_300);
    // Grouped: money at a provider first, paid-out history last.
    assert_eq!(accounts[0].location, tipvault_app::Location::AtProvider);
    assert_eq!(
        accounts.last().unwrap().location,
        tipvault_app::Location::PaidOut
    );
    // The sandbox holds exactly the demo tips: the first reading matches to the unit.
    assert_eq!(w.reconcile()[0].outcome, ReconciliationOutcome::Matched);
}

#[test]
fn only_a_platform_account_that_holds_money_can_be_linked_and_only_to_a_known_provider() {
    let mut w = world(0);
    kofi_with_tips(&mut w.session);
    let now = Utc::now();
    let toonation = tipvault_app::NewSource {
        id: "toonation".into(),
        label: "Toonation".into(),
        platform: "toonation".into(),
        currency: "KRW".into(),
        payout_threshold: None,
        payout_schedule: None,
    };
    tipvault_app::add_source(&mut w.session, &toonation, now).unwrap();
    let err =
        tipvault_app::link_account(&mut w.session, "toonation", Some("nobody"), now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Ko-fi paid its income out: no provider can hold it.
    let err = tipvault_app::link_account(&mut w.session, "kofi-main", Some("demo-provider"), now)
        .unwrap_err();
    assert!(err.message.contains("straight out"), "{}", err.message);
    let linked =
        tipvault_app::link_account(&mut w.session, "toonation", Some("demo-provider"), now)
            .unwrap();
    assert_eq!(linked.location, tipvault_app::Location::AtProvider);
    let unlinked = tipvault_app::link_account(&mut w.session, "toonation", None, now).unwrap();
    assert_eq!(unlinked.location, tipvault_app::Location::AtPlatform);
    assert!(
        tipvault_app::link_account(&mut w.session, "provider-demo-provider", None, now).is_err()
    );
}

#[test]
fn an_approval_checks_again_what_other_redemptions_already_take() {
    let mut w = world(1_500);
    w.reconcile();
    let now = Utc::now();
    let request = RedeemRequest {
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
    // Both fit ₩1,500 when planned; once the first is approved only ₩500 is left for the other.
    let first = tipvault_app::plan_redemption(&mut w.session, &request, now).unwrap();
    let second = tipvault_app::plan_redemption(&mut w.session, &request, now).unwrap();
    tipvault_app::approve_redemption(&mut w.session, &first.id, now).unwrap();
    let err = tipvault_app::approve_redemption(&mut w.session, &second.id, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("₩500 left"), "{}", err.message);
    let run = tipvault_app::run_outbox(&mut w.session, &w.net).unwrap();
    assert_eq!(
        (run.confirmed, run.requests_sent),
        (1, 1),
        "only the first went out"
    );
}

#[test]
fn nothing_is_planned_beyond_what_the_account_holds_once_it_was_read() {
    let mut w = world(2_000);
    w.reconcile();
    let now = Utc::now();
    let request = RedeemRequest {
        query: PreviewQuery {
            amount: "5000".into(),
            currency: "KRW".into(),
            prefer: vec!["donation".into()],
            objective: PreviewObjective::FirstPreference,
            keep: None,
            exclude: vec![],
            provider: None,
        },
        destinations: BTreeMap::new(),
    };
    let err = tipvault_app::plan_redemption(&mut w.session, &request, now).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        err.message.contains("₩5,000") && err.message.contains("₩2,000"),
        "{}",
        err.message
    );
    // `redeem --account`: a platform account no provider holds names where its money is.
    kofi_with_tips(&mut w.session);
    let err = tipvault_app::account_provider(&mut w.session, "kofi-main", now).unwrap_err();
    assert!(
        err.message.contains("paid out to PayPal"),
        "{}",
        err.message
    );
    assert_eq!(
        tipvault_app::account_provider(&mut w.session, "provider-demo-provider", now).unwrap(),
        "demo-provider"
    );
}

/// Hashes of every file under `dir`, by relative path.
fn fingerprint(dir: &std::path::Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for (k, v) in fingerprint(&path) {
                out.insert(format!("{name}/{k}"), v);
            }
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.insert(name, digest(&bytes));
        }
    }
    out
}

/// SHA-256 of a file's bytes (the wire crate's helper).
fn digest(bytes: &[u8]) -> String {
    tipvault_wire::protocol::Sha256Digest::of(bytes)
        .as_str()
        .to_owned()
}

#[test]
fn a_whole_demo_session_leaves_the_real_vault_byte_for_byte_unchanged() {
    let (tmp, location, mut real) = new_vault();
    let now = Utc::now();
    kofi_with_tips(&mut real);
    real.lock(now, tipvault_app::LockReason::User).unwrap();
    let before = fingerprint(location.dir());

    // Demo mode, start to finish: its own vault, a sandbox, demo money, a redemption that is
    // reconciled, a dispute, a lock.
    let (mut demo, created) = tipvault_app::open_demo_vault(&location, now).unwrap();
    assert!(created && demo.is_demo());
    let net = Network::new().unwrap();
    let mut config = Config::new(tmp.path().join("sandbox.sqlite"));
    config.enrollment_code = Some("1111-2222".into());
    config.demo_balances = vec![("KRW".into(), tipvault_app::demo_balance::DEMO_BALANCE_KRW)];
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let kind = tipvault_app::providers::ProviderKind::Sandbox;
    let demo_pass = tipvault_app::DEMO_PASSPHRASE;
    super::support::add_provider(&mut demo, &net, &sandbox.base_url(), kind, demo_pass, now)
        .unwrap();
    tipvault_app::pair_provider(&mut demo, &net, None, "1111-2222", now).unwrap();
    assert!(tipvault_app::import_demo_balance(&mut demo, now).unwrap());
    let request = RedeemRequest {
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
    // The demo's waiver is off until the user turns it on (confirmed with the demo vault's
    // public passphrase); a newcomer without a key then sends demo money.
    let demo_pass = super::support::secret(tipvault_app::DEMO_PASSPHRASE);
    let proof = super::support::pass_proof(&demo_pass);
    tipvault_app::set_sandbox_step_up_waiver(&mut demo, true, proof, now).unwrap();
    let planned = tipvault_app::plan_redemption(&mut demo, &request, now).unwrap();
    tipvault_app::approve_redemption(&mut demo, &planned.id, now).unwrap();
    let run = tipvault_app::run_outbox(&mut demo, &net).unwrap();
    assert_eq!(run.confirmed, 1);
    assert_eq!(
        run.reconciliations[0].outcome,
        ReconciliationOutcome::Matched
    );
    demo.lock(Utc::now(), tipvault_app::LockReason::User)
        .unwrap();
    // Opening it again finds the same demo vault.
    let (again, created) = tipvault_app::open_demo_vault(&location, Utc::now()).unwrap();
    assert!(!created && again.is_demo());
    again
        .lock(Utc::now(), tipvault_app::LockReason::User)
        .unwrap();

    assert_eq!(
        fingerprint(location.dir()),
        before,
        "not one byte of the real vault changed"
    );
    assert!(location.demo().dir().exists() && !location.demo().dir().starts_with(location.dir()));

    // And the real vault refuses demo money outright.
    let (mut real, _) = tipvault_app::unlock_vault(
        &location,
        &super::support::secret(super::support::PASSPHRASE),
        Utc::now(),
    )
    .unwrap();
    assert!(!real.is_demo());
    let err = tipvault_app::import_demo_balance(&mut real, Utc::now()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let accounts = tipvault_app::list_accounts(&mut real, Utc::now()).unwrap();
    assert!(accounts.iter().all(|a| !a.sandbox), "{accounts:?}");
}
