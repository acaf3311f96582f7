//! The outbox: sends queued legs with retries and reconciles legs of unknown outcome, exactly
//! once per leg (see the module docs of [`crate::redemption`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_preview::Catalog;
use tipvault_vault::{
    AuditEvent, CatalogStored, LegState, LegUpdate, OutboxBatch, PrivacyRecord, StoredLeg,
    StoredProvider,
};
use tipvault_wire::client::{ClientError, ProviderClient, Redeemed};
use tipvault_wire::protocol::{self, ErrorCode as WireCode, ReceiptBody, RedemptionBinding};
use ts_rs::TS;

use crate::accounts::provider_source_id;
use crate::catalogs::cached_catalog;
use crate::error::{AppError, ErrorCode};
use crate::network::{Network, random_u64};
use crate::providers::{client_for, stored_provider};
use crate::redemption::approval::recheck;
use crate::redemption::booking::{booking, record_confirmed};
use crate::redemption::lookup::{parse_body, reveals};
use crate::session::Session;

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
    pub reconciliations: Vec<crate::reconciliation::ReconciliationView>,
    /// Accounts that could not be reconciled now, with why.
    pub unreconciled: Vec<String>,
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
    pub state: LegState,
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
            // A damaged cached copy stops only this provider's legs: it counts as none here,
            // the fetch below replaces it when the provider answers, and otherwise each of its
            // legs fails with its reason (the other providers' legs go on).
            let catalog = cached_catalog(session, &leg.provider_id, now).unwrap_or_default();
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
                state,
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
        match crate::reconcile::reconcile_account(session, net, account.as_str(), net.now()) {
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
            let again = protocol::to_bytes("redemption request", &req).ok();
            if again.as_deref() != Some(leg.body.as_slice()) {
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
                state: LegState::Sent,
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
