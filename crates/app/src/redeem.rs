//! Redemptions: from a preview to the provider's signed receipts, exactly once.
//!
//! `plan_redemption` turns a preview's best plan into outbox legs (one provider request each,
//! idempotency key and exact body committed) and shows what every request reveals;
//! `approve_redemption` re-checks the plan against the cached catalog and queues it;
//! `run_outbox` sends due legs with retries, and `reconcile` asks the provider about every
//! leg whose outcome is unknown (`GET /v1/redemptions/{id}` with the same key) and re-sends,
//! byte for byte, those the provider never saw.
//!
//! The one decision to know: the split of [`ClientError::definitely_not_applied`]. Only a
//! signed business refusal fails a leg; a request that never left goes back to the queue
//! (offline); everything else — a timeout, a dropped connection, a 5xx, a bad signature, a
//! receipt that does not match — is *outcome unknown* and is only ever retried with the same
//! idempotency key and body, so the provider answers a repeat with the original receipt.
//! Nothing is booked without a receipt that verifies under the pinned key and matches the
//! request; bookings use the provider's redemption id as de-duplication key, so a reconcile
//! after a crash never books twice.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tipvault_ledger::entry::NewEntry;
use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source, SourceId};
use tipvault_money::{Currency, Money};
use tipvault_preview::{Catalog, Freshness};
use tipvault_vault::{
    AuditEvent, CatalogStored, LegState, LegUpdate, NewLeg, NewRedemption, OutboxBatch,
    PrivacyRecord, StoredLeg, StoredProvider, StoredReceipt,
};
use tipvault_wire::client::{ClientError, ProviderClient, Redeemed};
use tipvault_wire::protocol::{
    self, Amount, ErrorCode as WireCode, ReceiptBody, RedemptionBinding, RedemptionRequest, V1,
};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Hint};
use crate::network::{Network, NetworkIdentity, random_u64};
use crate::preview::PreviewQuery;
use crate::providers::{client_for, stored_provider};
use crate::session::Session;
use crate::view::MoneyView;

/// The ledger platform slug of provider sources.
pub const PROVIDER_PLATFORM: &str = "tipvault-provider";

/// What the user asks to redeem: a preview query plus the destination of each product
/// (`product → field → value`).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RedeemRequest {
    pub query: PreviewQuery,
    #[serde(default)]
    pub destinations: BTreeMap<String, BTreeMap<String, String>>,
}

/// One field that leaves the machine.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RevealedField {
    pub name: String,
    pub value: String,
    /// It identifies a person (the catalog says so).
    pub personal_data: bool,
}

/// One leg (one request) of a redemption.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RedemptionLegView {
    pub seq: u32,
    pub product: String,
    pub amount: MoneyView,
    pub fee: MoneyView,
    /// `planned`, `approved`, `sent`, `confirmed`, `failed`, `outcome_unknown`.
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub provider_redemption_id: Option<String>,
    /// Exactly what the request body carries besides the protocol version: product, amount,
    /// currency and the destination fields.
    pub reveals: Vec<RevealedField>,
}

/// A redemption and its legs.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RedemptionView {
    pub id: String,
    pub provider: String,
    pub sandbox: bool,
    pub catalog_version: u64,
    /// The aggregate: the least advanced leg's state (`confirmed` only when all are).
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub legs: Vec<RedemptionLegView>,
    /// The risk check's decision, once it was judged (why it is paused or was refused).
    pub risk: Option<crate::risk::RiskDecisionView>,
}

/// What one run of the outbox did.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct OutboxRun {
    pub confirmed: u32,
    pub failed: u32,
    pub outcome_unknown: u32,
    /// Not sent (offline, or not due yet): still queued.
    pub queued: u32,
    pub requests_sent: u32,
    /// The accounts drawn on, reconciled with their provider's balance after this run.
    pub reconciliations: Vec<crate::accounts::ReconciliationView>,
    /// Accounts that could not be reconciled now, with why.
    pub unreconciled: Vec<String>,
}

fn state_rank(s: LegState) -> u8 {
    match s {
        LegState::Planned => 0,
        LegState::Approved => 1,
        LegState::Sent => 2,
        LegState::OutcomeUnknown => 3,
        LegState::Failed => 4,
        LegState::Confirmed => 5,
    }
}

fn currency(code: &str) -> Result<Currency, AppError> {
    Currency::from_code(code).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored leg has an unknown currency: {e}."),
        )
    })
}

fn parse_body(leg: &StoredLeg) -> Result<RedemptionRequest, AppError> {
    protocol::parse("redemption", &leg.body).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored request body no longer parses: {e}."),
        )
    })
}

fn reveals(req: &RedemptionRequest, catalog: Option<&Catalog>) -> Vec<RevealedField> {
    let personal = |name: &str| {
        catalog
            .and_then(|c| c.product(&req.product))
            .and_then(|p| p.destination_fields().iter().find(|f| f.name == name))
            .is_none_or(|f| f.personal_data)
    };
    let mut out = vec![
        RevealedField {
            name: "product".into(),
            value: req.product.clone(),
            personal_data: false,
        },
        RevealedField {
            name: "amount".into(),
            value: req.amount.as_str().to_owned(),
            personal_data: false,
        },
        RevealedField {
            name: "currency".into(),
            value: req.currency.code().to_owned(),
            personal_data: false,
        },
    ];
    for (name, value) in &req.destination {
        out.push(RevealedField {
            name: format!("destination.{name}"),
            value: value.clone(),
            personal_data: personal(name),
        });
    }
    out
}

fn leg_view(leg: &StoredLeg, catalog: Option<&Catalog>) -> Result<RedemptionLegView, AppError> {
    let cur = currency(&leg.currency)?;
    let req = parse_body(leg)?;
    Ok(RedemptionLegView {
        seq: leg.seq,
        product: leg.product.clone(),
        amount: Money::from_minor(leg.amount_minor, cur).into(),
        fee: Money::from_minor(leg.fee_minor, cur).into(),
        state: leg.state.as_str().to_owned(),
        attempts: leg.attempts,
        next_attempt_at: leg.next_attempt_at,
        last_error: leg.last_error.clone(),
        provider_redemption_id: leg.provider_redemption_id.clone(),
        reveals: reveals(&req, catalog),
    })
}

fn cached_catalog(
    session: &mut Session,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<Option<Catalog>, AppError> {
    Ok(session
        .vault_at(now)
        .catalog(provider, now)?
        .and_then(|c| Catalog::parse(&c.document).ok()))
}

/// What a view of a provider's redemptions needs to know about the provider: its cached
/// catalog (what each field reveals) and whether it is a sandbox.
struct ProviderFacts {
    catalog: Option<Catalog>,
    sandbox: bool,
}

fn provider_facts(
    session: &mut Session,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<ProviderFacts, AppError> {
    Ok(ProviderFacts {
        catalog: cached_catalog(session, provider_id, now)?,
        sandbox: session
            .vault_at(now)
            .provider(provider_id, now)?
            .is_some_and(|p| p.sandbox),
    })
}

fn view_of(
    r: &tipvault_vault::StoredRedemption,
    facts: &ProviderFacts,
    risk: Option<crate::risk::RiskDecisionView>,
) -> Result<RedemptionView, AppError> {
    let state = r
        .legs
        .iter()
        .map(|l| l.state)
        .min_by_key(|s| state_rank(*s))
        .unwrap_or(LegState::Confirmed);
    Ok(RedemptionView {
        id: r.id.clone(),
        provider: r.provider_id.clone(),
        sandbox: facts.sandbox,
        catalog_version: r.catalog_version,
        state: state.as_str().to_owned(),
        created_at: r.created_at,
        approved_at: r.approved_at,
        legs: r
            .legs
            .iter()
            .map(|l| leg_view(l, facts.catalog.as_ref()))
            .collect::<Result<_, _>>()?,
        risk,
    })
}

/// One redemption.
pub fn redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let r = session
        .vault_at(now)
        .redemption(id, now)?
        .ok_or_else(|| AppError::invalid(format!("There is no redemption {id:?}.")))?;
    let facts = provider_facts(session, &r.provider_id, now)?;
    let risk = crate::risk::redemption_risk(session, &r.id, now)?;
    view_of(&r, &facts, risk)
}

/// Every redemption, newest first.
pub fn list_redemptions(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<RedemptionView>, AppError> {
    let all = session.vault_at(now).redemptions(now)?;
    // One catalog parse and provider read per provider, not per redemption.
    let mut facts: BTreeMap<String, ProviderFacts> = BTreeMap::new();
    let mut out = Vec::with_capacity(all.len());
    for r in &all {
        if !facts.contains_key(&r.provider_id) {
            let f = provider_facts(session, &r.provider_id, now)?;
            facts.insert(r.provider_id.clone(), f);
        }
        let risk = crate::risk::redemption_risk(session, &r.id, now)?;
        if let Some(f) = facts.get(&r.provider_id) {
            out.push(view_of(r, f, risk)?);
        }
    }
    Ok(out)
}

fn new_id(prefix: &str) -> Result<String, AppError> {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("No randomness available: {e}."),
        )
    })?;
    Ok(format!("{prefix}{}", hex::encode(b)))
}

/// Plans a redemption from a preview of `request.query` over the provider's cached catalog:
/// stores the legs (state `planned`, keys and bodies committed) and returns what each request
/// reveals. Nothing is sent.
pub fn plan_redemption(
    session: &mut Session,
    request: &RedeemRequest,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let provider_id = match request.query.provider.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => p.to_owned(),
        None => {
            let all = session.vault_at(now).providers(now)?;
            match all.as_slice() {
                [one] => one.id.clone(),
                [] => {
                    return Err(
                        AppError::invalid("No provider is set up.").with_hint(Hint::AddProvider)
                    );
                }
                _ => {
                    return Err(
                        AppError::invalid("Several providers are set up: choose one.")
                            .with_hint(Hint::ChooseProvider),
                    );
                }
            }
        }
    };
    let provider = stored_provider(session, &provider_id, now)?;
    if provider.device_id.is_none() {
        return Err(AppError::invalid(format!(
            "This device is not paired with {provider_id} yet."
        ))
        .with_hint(Hint::PairProvider {
            provider: provider_id.clone(),
        }));
    }
    let catalog = cached_catalog(session, &provider_id, now)?.ok_or_else(|| {
        AppError::invalid(format!(
            "There is no cached catalog of {provider_id}; add the provider again."
        ))
    })?;
    // Planned within what the risk gate will allow: never a plan that is refused after review.
    let headroom = crate::risk::cash_out_headroom(session, now)?;
    let preview = crate::preview::preview_query_within(&catalog, &request.query, &headroom, now)?;
    let plan = &preview.preview.best;
    if !plan.redeemable {
        return Err(AppError::new(
            ErrorCode::PlanChanged,
            format!("The catalog of {provider_id} has expired: refresh it before redeeming."),
        ));
    }
    crate::accounts::check_covered(
        session,
        &provider_id,
        &crate::accounts::plan_debit(plan),
        None,
        now,
    )?;
    for product in request.destinations.keys() {
        if !plan.legs.iter().any(|l| l.product_id.as_str() == product) {
            return Err(AppError::invalid(format!(
                "A destination was given for {product:?}, which this plan does not use."
            )));
        }
    }
    let mut legs = Vec::new();
    for leg in &plan.legs {
        let product = catalog.product(leg.product_id.as_str()).ok_or_else(|| {
            AppError::invalid(format!("Unknown product {}.", leg.product_id.as_str()))
        })?;
        let given = request
            .destinations
            .get(leg.product_id.as_str())
            .cloned()
            .unwrap_or_default();
        let declared: Vec<&str> = product
            .destination_fields()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        // Minimal data: exactly the declared fields leave, nothing else.
        if let Some(extra) = given.keys().find(|k| !declared.contains(&k.as_str())) {
            return Err(AppError::invalid(format!(
                "{} does not ask for {extra:?}; it needs only: {}.",
                leg.product_id.as_str(),
                if declared.is_empty() {
                    "nothing".to_owned()
                } else {
                    declared.join(", ")
                }
            )));
        }
        if let Some(missing) = declared
            .iter()
            .find(|d| given.get(**d).is_none_or(|v| v.trim().is_empty()))
        {
            return Err(AppError::invalid(format!(
                "{} needs a destination {missing:?}.",
                leg.product_id.as_str(),
            ))
            .with_hint(Hint::GiveDestination {
                product: leg.product_id.as_str().to_owned(),
                field: (*missing).to_owned(),
            }));
        }
        let destination: BTreeMap<String, String> = given
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect();
        for r in &leg.redemptions {
            let body = RedemptionRequest {
                v: V1,
                product: leg.product_id.as_str().to_owned(),
                amount: Amount::from_money(r.net),
                currency: r.net.currency(),
                destination: destination.clone(),
            };
            legs.push(NewLeg {
                product: body.product.clone(),
                currency: r.net.currency().code().to_owned(),
                amount_minor: minor(r.net)?,
                fee_minor: minor(r.fee)?,
                body: protocol::to_bytes(&body),
                idempotency_key: tipvault_wire::client::new_idempotency_key()
                    .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?,
            });
        }
    }
    if legs.is_empty() {
        return Err(AppError::invalid(
            "This preview redeems nothing: there is no request to send.",
        ));
    }
    let new = NewRedemption {
        id: new_id("rx_")?,
        provider_id: provider_id.clone(),
        account_id: provider_source_id(&provider_id).to_string(),
        catalog_version: catalog.version(),
        legs,
    };
    let vault = session.vault_at(now);
    vault.outbox_insert(&new, now)?;
    vault.audit_append(
        &AuditEvent::new(
            "redemption.planned",
            json!({"redemption": new.id, "provider": provider_id, "legs": new.legs.len(),
                   "catalog_version": catalog.version()}),
        )?,
        now,
    )?;
    redemption(session, &new.id, now)
}

fn minor(m: Money) -> Result<i64, AppError> {
    m.to_minor()
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, format!("{e}.")))
}

/// Why a leg may not be sent under the current catalog, if it may not.
fn recheck(leg: &StoredLeg, catalog: Option<&Catalog>, now: DateTime<Utc>) -> Option<String> {
    // A redemption draws on exactly one provider account: only that account's provider may
    // send it (a redemption stored before accounts existed drew on its own provider's).
    let account = provider_source_id(&leg.provider_id);
    if let Some(drawn) = &leg.account_id
        && drawn != account.as_str()
    {
        return Some(format!(
            "it draws on the account {drawn}, which {} does not hold",
            leg.provider_id
        ));
    }
    let Some(catalog) = catalog else {
        return Some("the provider's catalog is no longer in the vault".into());
    };
    if catalog.freshness(now) == Freshness::Expired {
        return Some(format!(
            "the catalog of {} expired on {}",
            catalog.provider_id(),
            catalog.expires_at().format("%Y-%m-%d %H:%M UTC")
        ));
    }
    let Some(product) = catalog.product(&leg.product) else {
        return Some(format!("{} is no longer offered", leg.product));
    };
    let cur = Currency::from_code(&leg.currency).ok()?;
    let amount = Money::from_minor(leg.amount_minor, cur);
    if product.currency() != cur || !product.amount_rule().accepts(amount) {
        return Some(format!(
            "{} no longer accepts {}",
            leg.product,
            amount.amount()
        ));
    }
    match product.fee_rule().fee_for(amount) {
        Ok(fee) if fee == Money::from_minor(leg.fee_minor, cur) => None,
        Ok(fee) => Some(format!(
            "the fee of {} changed from {} to {} {}",
            leg.product,
            Money::from_minor(leg.fee_minor, cur).amount(),
            fee.amount(),
            cur.code()
        )),
        Err(e) => Some(e.to_string()),
    }
}

/// Approves a planned redemption after re-checking every leg against the current cached
/// catalog: a changed fee, a withdrawn product or an expired catalog refuses it (nothing is
/// sent, nothing is queued). Then the risk check judges it from this machine's network
/// ([`NetworkIdentity::local`]); see [`approve_redemption_from`].
pub fn approve_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    approve_redemption_from(session, id, &NetworkIdentity::local(), now)
}

/// [`approve_redemption`] from the network `network` (the CLI passes `Network::identity`).
/// After the catalog re-check, the risk gate (`crate::risk`) judges the plan: allowed → the
/// legs are queued; a step-up or pause → they stay `planned` and the redemption waits
/// (`step_up_required` / `paused`, durable, until `verify_redemption` or
/// `cancel_redemption`); refused → `risk_refused`, nothing queued.
pub fn approve_redemption_from(
    session: &mut Session,
    id: &str,
    network: &NetworkIdentity,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    approve_with(session, id, network, crate::risk::Attendance::Attended, now)
}

/// The approval of an automatic cash-out: nobody is there to confirm, so a step-up pauses.
pub(crate) fn approve_unattended(
    session: &mut Session,
    id: &str,
    network: &NetworkIdentity,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    approve_with(
        session,
        id,
        network,
        crate::risk::Attendance::Unattended,
        now,
    )
}

fn approve_with(
    session: &mut Session,
    id: &str,
    network: &NetworkIdentity,
    attendance: crate::risk::Attendance,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let r = session
        .vault_at(now)
        .redemption(id, now)?
        .ok_or_else(|| AppError::invalid(format!("There is no redemption {id:?}.")))?;
    let catalog = cached_catalog(session, &r.provider_id, now)?;
    for leg in r.legs.iter().filter(|l| l.state == LegState::Planned) {
        if let Some(why) = recheck(leg, catalog.as_ref(), now) {
            let vault = session.vault_at(now);
            vault.audit_append(
                &AuditEvent::new(
                    "redemption.refused",
                    json!({"redemption": id, "reason": why}),
                )?,
                now,
            )?;
            return Err(AppError::new(
                ErrorCode::PlanChanged,
                format!("Not sent: {why}. Preview again to see the current offer."),
            ));
        }
    }
    // Other redemptions may have drawn on the account since this one was planned.
    let mut debit: BTreeMap<Currency, i128> = BTreeMap::new();
    for leg in r.legs.iter().filter(|l| l.state == LegState::Planned) {
        *debit.entry(currency(&leg.currency)?).or_default() +=
            i128::from(leg.amount_minor) + i128::from(leg.fee_minor);
    }
    crate::accounts::check_covered(session, &r.provider_id, &debit, Some(id), now)?;
    crate::risk::gate(session, &r, network, attendance, now)?;
    let vault = session.vault_at(now);
    let changed = vault.outbox_approve(id, now)?;
    if changed > 0 {
        vault.audit_append(
            &AuditEvent::new(
                "redemption.approved",
                json!({"redemption": id, "legs": changed}),
            )?,
            now,
        )?;
    }
    redemption(session, id, now)
}

/// One leg's progress during a run of the outbox, reported as it happens (the desktop shows it
/// live).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LegProgress {
    pub redemption_id: String,
    pub seq: u32,
    /// `sent` (committed as leaving, request on its way), then one of `confirmed`, `failed`,
    /// `outcome_unknown`, `approved` (not sent: queued again).
    pub state: String,
    pub last_error: Option<String>,
    pub provider_redemption_id: Option<String>,
}

/// Sends every due queued leg and re-checks those of unknown outcome whose time has come.
pub fn run_outbox(session: &mut Session, net: &Network) -> Result<OutboxRun, AppError> {
    process(session, net, false, &mut |_| {})
}

/// [`run_outbox`], reporting each leg's progress to `progress` as it happens.
pub fn run_outbox_with(
    session: &mut Session,
    net: &Network,
    progress: &mut dyn FnMut(&LegProgress),
) -> Result<OutboxRun, AppError> {
    process(session, net, false, progress)
}

/// Reconciles every leg that is not final, due or not: outcome-unknown and sent legs are
/// looked up with `GET /v1/redemptions/{id}`; queued legs are sent.
pub fn reconcile(session: &mut Session, net: &Network) -> Result<OutboxRun, AppError> {
    process(session, net, true, &mut |_| {})
}

/// [`reconcile`], reporting each leg's progress to `progress` as it happens.
pub fn reconcile_with(
    session: &mut Session,
    net: &Network,
    progress: &mut dyn FnMut(&LegProgress),
) -> Result<OutboxRun, AppError> {
    process(session, net, true, progress)
}

struct Ctx {
    provider: StoredProvider,
    client: ProviderClient,
    catalog: Option<Catalog>,
}

/// A leg being worked in this run.
struct Work {
    leg: StoredLeg,
    /// Exchanges so far (the stored count plus this run's), for the backoff.
    attempts: u32,
    /// Exchanges in this run.
    tries: u32,
}

/// What one exchange (or re-check) decided for a leg.
enum Outcome {
    /// The provider's verified receipt; the signed request when this exchange sent it.
    Confirmed {
        body: Box<ReceiptBody>,
        receipt: Box<protocol::SignedReceipt>,
        request: Option<String>,
    },
    /// The re-check before sending refused it: nothing left.
    Refused(String),
    /// A signed business refusal: not applied.
    Failed(String),
    /// It may have been applied: reconcile with the same key.
    Unknown(String),
    /// Nothing left the machine.
    Offline(String),
}

/// What a status lookup of a leg that may have left decided.
enum Lookup {
    Done(Outcome),
    /// The provider never applied it: send the same bytes with the same key again.
    Resend,
}

/// The outbox run. Legs are worked in rounds so that the durable writes of many independent
/// legs share one commit (an fsync each) instead of six per leg:
///
/// 1. legs that may have left before are looked up (concurrently);
/// 2. legs to send are re-checked, then **one commit** marks them all as leaving (privacy
///    record, `sent`, attempt count, audit) — nothing is sent before it is durable;
/// 3. the requests go out concurrently (at most [`Network::concurrency`] in flight);
/// 4. **one commit** records every outcome: receipts, ledger bookings, states, audit.
///
/// Legs left queued or of unknown outcome go round again after a backoff, up to
/// `retry.attempts_per_run` exchanges each. A crash between 2 and 4 leaves `sent` legs, which
/// the next run looks up before re-sending — the same guarantee as one leg at a time.
fn process(
    session: &mut Session,
    net: &Network,
    all: bool,
    progress: &mut dyn FnMut(&LegProgress),
) -> Result<OutboxRun, AppError> {
    let now = net.now();
    let pending = session.vault_at(now).outbox_pending(now)?;
    let mut run = OutboxRun::default();
    let mut confirmed_at = std::collections::BTreeSet::new();
    let mut contexts: BTreeMap<String, Ctx> = BTreeMap::new();
    let mut work = Vec::new();
    for leg in pending {
        if !all && leg.next_attempt_at.is_some_and(|t| t > now) {
            run.queued += 1;
            continue;
        }
        if !contexts.contains_key(&leg.provider_id) {
            let provider = stored_provider(session, &leg.provider_id, now)?;
            let client = client_for(session, net, &provider, now)?;
            let catalog = cached_catalog(session, &leg.provider_id, now)?;
            contexts.insert(
                leg.provider_id.clone(),
                Ctx {
                    provider,
                    client,
                    catalog,
                },
            );
        }
        work.push(Work {
            attempts: leg.attempts,
            tries: 0,
            leg,
        });
    }
    // The plan is re-checked against the provider's *current* catalog before anything leaves:
    // fetch it (verified under the pinned key) for every provider with legs to send. Offline,
    // the cached copy decides, and the send itself will find the provider unreachable.
    for (id, ctx) in &mut contexts {
        if !work
            .iter()
            .any(|w| w.leg.provider_id == *id && w.leg.state == LegState::Approved)
        {
            continue;
        }
        if let Ok(fresh) = net.block_on(ctx.client.catalog()) {
            // The vault decides what to keep: a newer version replaces the cached one, the
            // same one issued later renews its dates; a rollback or a changed offer under the
            // same version is refused (and audited), and the cached copy decides.
            use crate::providers::Cached;
            match crate::providers::cache_catalog(session, &fresh.catalog, net.now())? {
                Cached::Stored(CatalogStored::Unchanged) | Cached::Refused(_) => {}
                Cached::Stored(_) => ctx.catalog = Some(fresh.catalog),
            }
        }
    }
    while !work.is_empty() {
        let outcomes = round(session, net, &contexts, &work, &mut run, progress)?;
        let now = net.now();
        let mut next_round = Vec::new();
        let mut wait = std::time::Duration::ZERO;
        let mut batch = session.vault_at(now).outbox_batch(now)?;
        let mut reported = Vec::with_capacity(outcomes.len());
        for (mut w, outcome) in work.into_iter().zip(outcomes) {
            w.attempts += 1;
            w.tries += 1;
            let backoff = net.retry.backoff(w.attempts, random_u64());
            let next = now + chrono::Duration::from_std(backoff).unwrap_or_default();
            let ctx = contexts.get(&w.leg.provider_id);
            let offline = matches!(outcome, Outcome::Offline(_));
            let (state, error, again) = match outcome {
                Outcome::Confirmed {
                    body,
                    receipt,
                    request,
                } => match ctx.map(|c| booking(&c.provider, &body)) {
                    Some(Ok(booked)) => {
                        record_confirmed(
                            &mut batch, &w.leg, &booked, &body, &receipt, request, now,
                        )?;
                        run.confirmed += 1;
                        confirmed_at.insert(w.leg.provider_id.clone());
                        (LegState::Confirmed, None, false)
                    }
                    Some(Err(e)) => {
                        let msg = e.message.clone();
                        record_in(
                            &mut batch,
                            &w.leg,
                            LegState::OutcomeUnknown,
                            Some(next),
                            &msg,
                            "redemption.leg_unknown",
                        )?;
                        (LegState::OutcomeUnknown, Some(msg), true)
                    }
                    None => continue,
                },
                Outcome::Refused(msg) => {
                    record_in(
                        &mut batch,
                        &w.leg,
                        LegState::Failed,
                        None,
                        &msg,
                        "redemption.leg_refused",
                    )?;
                    run.failed += 1;
                    (LegState::Failed, Some(msg), false)
                }
                Outcome::Failed(msg) => {
                    record_in(
                        &mut batch,
                        &w.leg,
                        LegState::Failed,
                        None,
                        &msg,
                        "redemption.leg_failed",
                    )?;
                    run.failed += 1;
                    (LegState::Failed, Some(msg), false)
                }
                Outcome::Unknown(msg) => {
                    record_in(
                        &mut batch,
                        &w.leg,
                        LegState::OutcomeUnknown,
                        Some(next),
                        &msg,
                        "redemption.leg_unknown",
                    )?;
                    (LegState::OutcomeUnknown, Some(msg), true)
                }
                Outcome::Offline(msg) => {
                    // Nothing left the machine: keep the leg's state (a leg of unknown outcome
                    // stays unknown; a fresh one goes back to the queue).
                    let back = if w.leg.state == LegState::Approved {
                        LegState::Approved
                    } else {
                        LegState::OutcomeUnknown
                    };
                    record_in(
                        &mut batch,
                        &w.leg,
                        back,
                        Some(next),
                        &msg,
                        "redemption.leg_queued",
                    )?;
                    (back, Some(msg), true)
                }
            };
            reported.push(LegProgress {
                redemption_id: w.leg.redemption_id.clone(),
                seq: w.leg.seq,
                state: state.as_str().to_owned(),
                last_error: error.clone(),
                provider_redemption_id: ctx.and_then(|c| provider_redemption_id(c, &w.leg).ok()),
            });
            if again {
                if w.tries < net.retry.attempts_per_run {
                    wait = wait.max(backoff);
                    w.leg.state = state;
                    next_round.push(w);
                } else if offline {
                    run.queued += 1;
                } else {
                    run.outcome_unknown += 1;
                }
            }
        }
        batch.commit()?;
        for p in &reported {
            progress(p);
        }
        work = next_round;
        if !work.is_empty() {
            net.sleep(wait);
        }
    }
    // After each redemption, its account is reconciled with the provider's signed balance
    // (a double charge shows here, not weeks later). A failure to read the balance never
    // undoes what was confirmed: it is reported, and `account reconcile` tries again.
    for provider in confirmed_at {
        let account = provider_source_id(&provider);
        match crate::accounts::reconcile_account(session, net, account.as_str(), net.now()) {
            Ok(found) => run.reconciliations.extend(found),
            Err(e) => run.unreconciled.push(format!("{provider}: {}", e.message)),
        }
    }
    Ok(run)
}

/// Why redemption `id`'s stored requests may not leave: their plan's digest differs from the
/// one its risk decision recorded (the plan that was judged, shown and approved), or it has no
/// decision at all. Audited once per run and redemption (`redemption.plan_mismatch`).
fn plan_mismatch(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let vault = session.vault_at(now);
    let Some(r) = vault.redemption(id, now)? else {
        return Ok(Some("the redemption is gone".into()));
    };
    let decision = vault.risk_decision(id, now)?;
    let sent = crate::step_up::legs(&r).and_then(|l| crate::step_up::plan_of(&r, &l));
    let digest = sent.and_then(|plan| crate::step_up::digest(&plan));
    let why = match (&decision, &digest) {
        (Some(d), Ok(digest)) if *digest == d.plan_digest => return Ok(None),
        (None, _) => "it was never judged by the risk check".to_owned(),
        (Some(_), Err(e)) => format!("its stored requests cannot be read ({})", e.message),
        (Some(_), Ok(_)) => "its requests differ from the plan you approved".to_owned(),
    };
    vault.audit_append(
        &AuditEvent::new(
            "redemption.plan_mismatch",
            json!({"redemption": id,
                   "approved": decision.as_ref().map(|d| d.plan_digest.clone()),
                   "sending": digest.ok(), "reason": why}),
        )?,
        now,
    )?;
    Ok(Some(why))
}

/// One round over `work`: returns each leg's outcome, in order.
fn round(
    session: &mut Session,
    net: &Network,
    contexts: &BTreeMap<String, Ctx>,
    work: &[Work],
    run: &mut OutboxRun,
    progress: &mut dyn FnMut(&LegProgress),
) -> Result<Vec<Outcome>, AppError> {
    let mut outcomes: Vec<Option<Outcome>> = work.iter().map(|_| None).collect();
    // 1. Sent before (maybe by a process that died): ask first, re-send only if unseen.
    let lookups: Vec<usize> = (0..work.len())
        .filter(|&i| work[i].leg.state != LegState::Approved)
        .collect();
    let looked = net.block_on(concurrently(
        net.concurrency,
        lookups.iter().map(|&i| {
            let leg = &work[i].leg;
            let ctx = contexts.get(&leg.provider_id);
            async move { (i, lookup(ctx, leg).await) }
        }),
    ));
    let mut to_send = Vec::new();
    for (i, l) in looked {
        match l {
            Lookup::Done(o) => outcomes[i] = Some(o),
            Lookup::Resend => to_send.push(i),
        }
    }
    // 2. Fresh legs (never sent, or certainly not applied): re-check the plan before it leaves.
    let now = net.now();
    for (i, w) in work.iter().enumerate() {
        if w.leg.state != LegState::Approved {
            continue;
        }
        let ctx = contexts.get(&w.leg.provider_id);
        match recheck(&w.leg, ctx.and_then(|c| c.catalog.as_ref()), now) {
            Some(why) => outcomes[i] = Some(Outcome::Refused(format!("not sent: {why}"))),
            None => to_send.push(i),
        }
    }
    to_send.sort_unstable();
    // Approved means sent: the bodies about to leave (fresh, or sent again because the provider
    // never saw them) must digest to the plan the risk gate judged and the user approved;
    // anything else stops the leg, audited once per redemption.
    let mut approved_as: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut checked = Vec::with_capacity(to_send.len());
    for i in to_send {
        let id = &work[i].leg.redemption_id;
        if !approved_as.contains_key(id) {
            let mismatch = plan_mismatch(session, id, now)?;
            approved_as.insert(id.clone(), mismatch);
        }
        match approved_as.get(id) {
            Some(Some(why)) => outcomes[i] = Some(Outcome::Refused(format!("not sent: {why}"))),
            _ => checked.push(i),
        }
    }
    let to_send = checked;
    // 3. One commit marks every leg of this round as leaving, before any of them leaves.
    let mut sending = Vec::with_capacity(to_send.len());
    if !to_send.is_empty() {
        let mut batch = session.vault_at(now).outbox_batch(now)?;
        let mut sent = Vec::with_capacity(to_send.len());
        for &i in &to_send {
            let leg = &work[i].leg;
            let Some(ctx) = contexts.get(&leg.provider_id) else {
                continue;
            };
            let req = parse_body(leg)?;
            if protocol::to_bytes(&req) != leg.body {
                outcomes[i] = Some(Outcome::Failed(
                    "the stored request no longer serialises to the bytes committed; not sent"
                        .into(),
                ));
                continue;
            }
            let pid = provider_redemption_id(ctx, leg)?;
            // The privacy ledger with the commit that the request is leaving: nothing leaves
            // unrecorded.
            let fields: BTreeMap<String, String> = reveals(&req, ctx.catalog.as_ref())
                .into_iter()
                .map(|f| (f.name, f.value))
                .collect();
            batch.privacy_append(&PrivacyRecord {
                provider_id: ctx.provider.id.clone(),
                redemption_id: Some(leg.redemption_id.clone()),
                purpose: "redemption".into(),
                // A map of strings always serialises; were it ever not to, nothing leaves
                // rather than a request with an empty privacy record.
                fields: serde_json::to_string(&fields).map_err(|e| {
                    AppError::new(
                        ErrorCode::Internal,
                        format!("The privacy record could not be written: {e}."),
                    )
                })?,
                sent_at: now,
            })?;
            let attempt = batch.mark_sending(&leg.redemption_id, leg.seq, &pid)?;
            batch.audit_append(&AuditEvent::new(
                "redemption.leg_sent",
                json!({"redemption": leg.redemption_id, "leg": leg.seq, "attempt": attempt,
                       "provider_redemption_id": pid}),
            )?)?;
            sent.push(LegProgress {
                redemption_id: leg.redemption_id.clone(),
                seq: leg.seq,
                state: LegState::Sent.as_str().to_owned(),
                last_error: None,
                provider_redemption_id: Some(pid),
            });
            sending.push((i, req));
        }
        batch.commit()?;
        run.requests_sent += u32::try_from(sending.len()).unwrap_or(u32::MAX);
        for p in &sent {
            progress(p);
        }
    }
    // 4. Send them, concurrently.
    let answers = net.block_on(concurrently(
        net.concurrency,
        sending.iter().map(|(i, req)| {
            let leg = &work[*i].leg;
            let ctx = contexts.get(&leg.provider_id);
            async move {
                let outcome = match ctx {
                    Some(ctx) => match ctx.client.redeem(&leg.idempotency_key, req).await {
                        Ok(redeemed) => Outcome::Confirmed {
                            request: Some(signed_request_json(&redeemed)),
                            body: Box::new(redeemed.receipt),
                            receipt: Box::new(redeemed.status.receipt),
                        },
                        Err(e) => classify(&e),
                    },
                    None => Outcome::Offline("the provider is no longer set up".into()),
                };
                (*i, outcome)
            }
        }),
    ));
    for (i, o) in answers {
        outcomes[i] = Some(o);
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Offline("not worked in this round".into())))
        .collect())
}

/// Runs `futures` with at most `limit` in flight; results in completion order.
async fn concurrently<T, F>(limit: usize, futures: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    use futures_util::stream::{self, StreamExt};
    stream::iter(futures)
        .buffer_unordered(limit.max(1))
        .collect()
        .await
}

async fn lookup(ctx: Option<&Ctx>, leg: &StoredLeg) -> Lookup {
    let Some(ctx) = ctx else {
        return Lookup::Done(Outcome::Offline("the provider is no longer set up".into()));
    };
    if let Err(e) = provider_redemption_id(ctx, leg) {
        return Lookup::Done(Outcome::Unknown(e.message));
    }
    let req = match parse_body(leg) {
        Ok(req) => req,
        Err(e) => return Lookup::Done(Outcome::Unknown(e.message)),
    };
    let binding = RedemptionBinding {
        device_id: ctx.provider.device_id.as_deref().unwrap_or_default(),
        idempotency_key: &leg.idempotency_key,
        body: &leg.body,
        request: &req,
    };
    // The status endpoint's receipt must verify under the pinned key and answer *our*
    // request: same device, key, product, amount, currency and body digest.
    match ctx.client.redemption_for(&binding).await {
        Ok((status, body)) => Lookup::Done(Outcome::Confirmed {
            body: Box::new(body),
            receipt: Box::new(status.receipt),
            request: None,
        }),
        // The provider never applied it: send the very same bytes with the same key. If the
        // first request is still in flight, the provider's idempotency answers both with one
        // receipt.
        Err(ClientError::Rejected {
            code: WireCode::NotFound,
            ..
        }) => Lookup::Resend,
        Err(e) if e.definitely_not_applied() => Lookup::Done(Outcome::Offline(e.to_string())),
        Err(e) => Lookup::Done(Outcome::Unknown(e.to_string())),
    }
}

fn record_in(
    batch: &mut OutboxBatch<'_>,
    leg: &StoredLeg,
    state: LegState,
    next: Option<DateTime<Utc>>,
    msg: &str,
    event: &str,
) -> Result<(), AppError> {
    batch.update(
        &leg.redemption_id,
        leg.seq,
        &LegUpdate {
            state,
            next_attempt_at: next,
            last_error: Some(msg.to_owned()),
        },
    )?;
    batch.audit_append(&AuditEvent::new(
        event,
        json!({"redemption": leg.redemption_id, "leg": leg.seq, "error": msg}),
    )?)?;
    Ok(())
}

fn provider_redemption_id(ctx: &Ctx, leg: &StoredLeg) -> Result<String, AppError> {
    let device = ctx.provider.device_id.as_deref().ok_or_else(|| {
        AppError::invalid(format!(
            "This device is not paired with {}.",
            ctx.provider.id
        ))
    })?;
    Ok(protocol::redemption_id(device, &leg.idempotency_key))
}

/// Business refusals: the provider checked the request and did not apply it. Anything else
/// signed with a 4xx (a replay, a clock window, an unknown key) says only that *this* attempt
/// was not applied, so an earlier attempt may still have been: treat it as unknown.
fn is_business_refusal(code: WireCode) -> bool {
    matches!(
        code,
        WireCode::UnknownProduct
            | WireCode::CurrencyMismatch
            | WireCode::AmountNotAllowed
            | WireCode::MissingDestinationField
            | WireCode::UndeclaredDestinationField
            | WireCode::LimitExceeded
            | WireCode::InsufficientBalance
            | WireCode::MalformedBody
            | WireCode::BodyTooLarge
    )
}

fn classify(e: &ClientError) -> Outcome {
    match e {
        ClientError::NotSent(_) => Outcome::Offline(e.to_string()),
        ClientError::Rejected { code, .. } if is_business_refusal(*code) => {
            Outcome::Failed(e.to_string())
        }
        _ => Outcome::Unknown(e.to_string()),
    }
}

fn signed_request_json(r: &Redeemed) -> String {
    let req = &r.exchange.request;
    json!({
        "method": req.method(),
        "target_uri": req.target_uri().to_string(),
        "headers": req.headers(),
        "body": String::from_utf8_lossy(req.body()),
    })
    .to_string()
}

/// Books the leg in the provider's ledger source (idempotent: the provider's redemption id is
/// the de-duplication key), stores the receipt and marks the leg confirmed, in the batch.
fn record_confirmed(
    batch: &mut OutboxBatch<'_>,
    leg: &StoredLeg,
    (source, entries): &(Source, Vec<Entry>),
    body: &ReceiptBody,
    receipt: &protocol::SignedReceipt,
    request: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    batch.book(source, entries)?;
    batch.confirm(&StoredReceipt {
        provider_redemption_id: body.redemption_id.clone(),
        redemption_id: leg.redemption_id.clone(),
        seq: leg.seq,
        provider_id: leg.provider_id.clone(),
        // JSON is UTF-8; were the bytes ever not, the leg stays unconfirmed (and is reconciled)
        // rather than confirmed with an empty receipt.
        document: String::from_utf8(protocol::to_bytes(receipt)).map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("The receipt could not be kept: {e}."),
            )
        })?,
        request,
        stored_at: now,
    })?;
    batch.audit_append(&AuditEvent::new(
        "redemption.leg_confirmed",
        json!({"redemption": leg.redemption_id, "leg": leg.seq,
               "provider_redemption_id": body.redemption_id,
               "amount": body.amount.as_str(), "fee": body.fee.as_str(),
               "currency": body.currency.code(),
               "receipt_digest": protocol::Sha256Digest::of(&protocol::to_bytes(receipt))}),
    )?)?;
    Ok(())
}

/// The ledger source of a provider.
#[must_use]
pub fn provider_source_id(provider: &str) -> SourceId {
    SourceId::new(format!("provider-{provider}"))
}

/// The provider's ledger source and the entries a confirmed receipt books in it.
fn booking(
    provider: &StoredProvider,
    body: &ReceiptBody,
) -> Result<(Source, Vec<Entry>), AppError> {
    let source_id = provider_source_id(&provider.id);
    let label = if provider.sandbox {
        format!("{} (sandbox)", provider.id)
    } else {
        provider.id.clone()
    };
    let source = Source {
        id: source_id.clone(),
        label,
        platform: Platform::Generic(PROVIDER_PLATFORM.into()),
        currency: body.currency,
        payout: None,
    };
    let bad = |e: &dyn std::fmt::Display| {
        AppError::new(
            ErrorCode::Provider,
            format!("The receipt's amounts are unusable: {e}."),
        )
    };
    let amount = body.amount.money(body.currency).map_err(|e| bad(&e))?;
    let fee = body.fee.money(body.currency).map_err(|e| bad(&e))?;
    let key = |suffix: &str| EntryKey::TransactionId {
        platform: PROVIDER_PLATFORM.into(),
        source: source_id.clone(),
        id: format!("{}{suffix}", body.redemption_id),
    };
    let entry = |kind, m: Money, k| {
        let out = m.negated();
        Entry::new(NewEntry {
            source: source_id.clone(),
            kind,
            occurred_at: body.issued_at,
            gross: out,
            fee: Money::zero(body.currency),
            net: out,
            key: k,
            payer: None,
            message: None,
        })
        .map_err(|e| bad(&e))
    };
    let mut entries = vec![entry(EntryKind::Redemption, amount, key(""))?];
    if fee.is_positive() {
        entries.push(entry(EntryKind::Fee, fee, key(":fee"))?);
    }
    Ok((source, entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(provider: &str, account: Option<&str>) -> StoredLeg {
        StoredLeg {
            redemption_id: "rx_1".into(),
            seq: 0,
            provider_id: provider.into(),
            account_id: account.map(str::to_owned),
            product: "krw-mobile-top-up".into(),
            currency: "KRW".into(),
            amount_minor: 1000,
            fee_minor: 0,
            body: Vec::new(),
            idempotency_key: "k".into(),
            state: LegState::Approved,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            provider_redemption_id: None,
            updated_at: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn only_the_provider_holding_the_account_may_send_a_leg() {
        let now = Utc::now();
        let catalog = crate::preview::demo_catalog(now).unwrap();
        let own = leg("demo-provider", Some("provider-demo-provider"));
        assert_eq!(recheck(&own, Some(&catalog), now), None);
        // Stored before accounts existed: it drew on its own provider's account.
        assert_eq!(
            recheck(&leg("demo-provider", None), Some(&catalog), now),
            None
        );
        let other = leg("demo-provider", Some("provider-edupoints"));
        let refused = recheck(&other, Some(&catalog), now).expect("refused before sending");
        assert!(refused.contains("provider-edupoints"), "{refused}");
    }
}
