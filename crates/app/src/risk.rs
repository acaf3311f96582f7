//! The risk gate: every redemption is judged by the local risk engine (`tipvault-risk`) before
//! its legs may be queued, and anything unusual waits for the user's security key.
//!
//! The decisions to know:
//! - **The gate sits in `approve_redemption`, the only path into the send queue.** After the
//!   catalog re-check, [`gate`] builds the engine's `History` from the vault (every redemption
//!   that may have left — approved, sent, of unknown outcome or confirmed — because a claim in
//!   flight spends a limit as much as a confirmed one; disputes from the audit chain; the last
//!   step-up; providers' verification tokens re-verified under their pinned keys) and a `Claim`
//!   for this plan, and records the decision, its reasons and the digest of the exact plan it
//!   judged on the redemption (`redemption_risk`, migration v7) and in the audit chain.
//! - **A step-up or pause is durable.** The legs stay `planned`; approving again returns the
//!   same decision (codes `step_up_required` / `paused`) until [`verify_redemption`] confirms
//!   *that* plan with an authenticator (the assertion's challenge is derived from the plan's
//!   digest) or [`cancel_redemption`] ends it. A plan that differs from the one judged, by one
//!   unit of one leg, is refused (`plan_changed`).
//! - **Destinations and networks are salted hashes** with a per-vault salt (`risk_secret`);
//!   the network hash is kept 30 days, the destination is recomputed from the stored request.
//! - **Sandbox step-up waiver.** The vault setting `risk.sandbox_step_up = waived` lets a
//!   *step-up* (never a pause or a refusal) through for providers added as a sandbox (demo
//!   mode or `provider add --sandbox`: demo money; a provider cannot declare itself one), and
//!   records that it did (`risk.step_up_waived`), and only while the vault has no security key
//!   (with one, the key is asked). Demo mode turns it on so a newcomer's first redemption goes
//!   through without a key; it never applies to a real provider. It exists only in the demo
//!   vault: turning it on in a real vault is refused, and a setting left in a real vault by an
//!   older version is ignored (sandbox providers themselves are refused there too).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use tipvault_auth::{Authenticator, StepUpPlan};
use tipvault_money::{Currency, Money};
use tipvault_preview::Catalog;
use tipvault_risk::{
    Claim, ConfirmedClaim, Decision, DestinationFingerprint, Dispute, History, LimitChange,
    LimitError, LimitKind, NetworkHash, Outcome, ProductKind, ProviderId, ProviderVerification,
    Settings, UserLimit, UserLimits,
};
use tipvault_vault::{AuditEvent, LegState, StoredRedemption, StoredRiskDecision, Vault};
use tipvault_wire::protocol::{self, DocumentKind, RedemptionRequest, SignedDocument};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Hint, sentence};
use crate::network::{Network, NetworkIdentity};
use crate::providers::stored_provider;
use crate::session::Session;
use crate::view::MoneyView;

/// How long a step-up approval of a redemption stays good: a plan verified with the key is
/// queued within this window or the key is asked again. Long enough to read the plan, touch
/// the key and send; short enough that an approval left on an unattended screen (or one a
/// failed send left behind) is not reused hours later.
pub const APPROVAL_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// Whether an approval given `at` still holds at `now` (a clock set back does not stretch it).
pub(crate) fn approval_fresh(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at <= now && now - at <= APPROVAL_WINDOW
}

/// The setting that waives step-ups for sandbox providers (see the module docs).
pub const SANDBOX_WAIVER_SETTING: &str = "risk.sandbox_step_up";
const WAIVED: &str = "waived";

/// Text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskText {
    pub en: String,
    pub ko: String,
}

impl From<&tipvault_risk::Text> for RiskText {
    fn from(t: &tipvault_risk::Text) -> Self {
        RiskText {
            en: t.en.clone(),
            ko: t.ko.clone(),
        }
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskReasonView {
    /// The rule's id (`new_tier`, `new_destination`, `over_claim_limit`, …).
    pub rule: String,
    /// What it asks for: `step_up`, `pause` or `deny`.
    pub outcome: String,
    pub text: RiskText,
}

/// Why a redemption was allowed, paused or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskDecisionView {
    pub redemption_id: String,
    /// `allow`, `step_up`, `pause` or `deny`.
    pub outcome: String,
    /// `new`, `established` or `trusted`.
    pub tier: String,
    pub summary: RiskText,
    /// Every rule that fired, in check order.
    pub reasons: Vec<RiskReasonView>,
    /// SHA-256 of the exact plan judged (hex): what a step-up must approve.
    pub plan_digest: String,
    pub decided_at: DateTime<Utc>,
    /// Decided for an automatic cash-out (nobody present: a step-up became a pause).
    pub unattended: bool,
    /// A sandbox provider's step-up let through by the demo waiver.
    pub waived: bool,
    /// Waiting for `verify` or `cancel`.
    pub paused: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

fn code_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn decision_view(
    redemption_id: &str,
    d: &Decision,
    plan_digest: &str,
    now: DateTime<Utc>,
    unattended: bool,
    waived: bool,
) -> RiskDecisionView {
    RiskDecisionView {
        redemption_id: redemption_id.to_owned(),
        outcome: code_of(&d.outcome),
        tier: d.tier.name().0.to_owned(),
        summary: (&d.summary).into(),
        reasons: d
            .reasons
            .iter()
            .map(|r| RiskReasonView {
                rule: code_of(&r.rule),
                outcome: code_of(&r.outcome),
                text: (&r.text).into(),
            })
            .collect(),
        plan_digest: plan_digest.to_owned(),
        decided_at: now,
        unattended,
        waived,
        paused: matches!(d.outcome, Outcome::StepUp | Outcome::Pause) && !waived,
        verified_at: None,
        cancelled_at: None,
    }
}

fn stored_view(stored: &StoredRiskDecision) -> Result<RiskDecisionView, AppError> {
    let mut view: RiskDecisionView = serde_json::from_str(&stored.decision).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored risk decision is unreadable: {e}."),
        )
    })?;
    view.verified_at = stored.verified_at;
    view.cancelled_at = stored.cancelled_at;
    view.paused = view.paused && view.verified_at.is_none() && view.cancelled_at.is_none();
    Ok(view)
}

/// The error a front end receives for a decision that stops the redemption.
fn decision_error(view: &RiskDecisionView) -> AppError {
    let reasons: Vec<&str> = view.reasons.iter().map(|r| r.text.en.as_str()).collect();
    let (code, next, hint) = match view.outcome.as_str() {
        "deny" => (ErrorCode::RiskRefused, "Nothing was sent or queued.", None),
        outcome => (
            if outcome == "pause" {
                ErrorCode::Paused
            } else {
                ErrorCode::StepUpRequired
            },
            "Nothing was sent: it waits for you. Confirm it with your security key or cancel it.",
            Some(Hint::VerifyOrCancel {
                redemption: view.redemption_id.clone(),
            }),
        ),
    };
    let error = AppError::new(
        code,
        format!("{} {} {next}", view.summary.en, reasons.join(" ")),
    );
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

fn audit(
    vault: &mut Vault,
    kind: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    vault.audit_append(&AuditEvent::new(kind, detail)?, now)?;
    Ok(())
}

// ----- hashing -------------------------------------------------------------------------------

fn salted(salt: &[u8; 32], domain: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tipvault/risk/");
    h.update(domain.as_bytes());
    h.update([0u8]);
    h.update(salt);
    h.update(text.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Where a leg's money goes: its product (which charity, which telco's top-up) and the
/// destination fields. The product counts because a product with no fields (a donation to a
/// listed charity) is told apart by it alone: without it every such product was one
/// destination, so a second charity was never new. Recomputed from the stored requests on
/// every judgement (nothing stores it), so history and the new claim always agree.
fn destination_fingerprint(
    salt: &[u8; 32],
    product: &str,
    destination: &BTreeMap<String, String>,
) -> DestinationFingerprint {
    let mut text = format!("product={product}\n");
    for (k, v) in destination {
        text.push_str(&format!("{k}={v}\n"));
    }
    DestinationFingerprint::new(salted(salt, "destination/v2", &text))
}

fn network_hash(salt: &[u8; 32], network: &NetworkIdentity) -> NetworkHash {
    NetworkHash::new(salted(salt, "network/v1", network.as_str()))
}

// ----- the plan ----------------------------------------------------------------------------

/// A stored redemption as the step-up and the engine see it.
pub(crate) struct Judged {
    pub(crate) plan: StepUpPlan,
    pub(crate) digest: String,
    legs: Vec<tipvault_risk::Leg>,
    total: Money,
}

fn kind_of(catalog: Option<&Catalog>, product: &str) -> ProductKind {
    use tipvault_preview::product::ProductKind as K;
    match catalog.and_then(|c| c.product(product)).map(|p| p.kind()) {
        Some(K::Donation) => ProductKind::Donation,
        Some(K::TransitCredit) => ProductKind::TransitCredit,
        Some(K::GiftCard) => ProductKind::GiftCard,
        Some(K::BankPayout) => ProductKind::BankPayout,
        // A product no longer in the catalog: its kind only labels history.
        Some(K::MobileTopUp) | None => ProductKind::MobileTopUp,
    }
}

/// The plan of `r` (every leg) and its digest, from the one builder the step-up dialog uses
/// too ([`crate::step_up::plan_of`]: the committed request bodies, checked against the leg
/// columns), and the engine's legs (debit = amount + fee).
pub(crate) fn judge(
    r: &StoredRedemption,
    catalog: Option<&Catalog>,
    salt: &[u8; 32],
) -> Result<Judged, AppError> {
    let sent = crate::step_up::legs(r)?;
    let plan = crate::step_up::plan_of(r, &sent)?;
    let digest = crate::step_up::digest(&plan)?;
    let mut legs = Vec::new();
    let mut total: Option<Money> = None;
    for leg in &sent {
        total = Some(match total {
            None => leg.gross,
            // Mixed currencies: the engine refuses the claim as malformed; keep the first.
            Some(t) => t.checked_add(leg.gross).unwrap_or(t),
        });
        legs.push(tipvault_risk::Leg {
            provider: ProviderId::new(&r.provider_id),
            product: kind_of(catalog, &leg.request.product),
            destination: destination_fingerprint(
                salt,
                &leg.request.product,
                &leg.request.destination,
            ),
            amount: leg.gross,
        });
    }
    let total = total.ok_or_else(|| AppError::invalid("This redemption has no legs."))?;
    Ok(Judged {
        plan,
        digest,
        legs,
        total,
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

// ----- the history -------------------------------------------------------------------------

fn user_limits(vault: &Vault, now: DateTime<Utc>) -> Result<UserLimits, AppError> {
    let bad = || {
        AppError::new(
            ErrorCode::VaultDamaged,
            "A stored risk limit is unreadable.",
        )
    };
    let mut list = Vec::new();
    for l in vault.risk_limits(now)? {
        let currency = Currency::from_code(&l.currency).map_err(|_| bad())?;
        let kind = parse_kind(&l.kind).map_err(|_| bad())?;
        list.push(UserLimit {
            kind,
            amount: Money::from_minor(l.amount_minor, currency),
        });
    }
    serde_json::to_value(list)
        .and_then(serde_json::from_value)
        .map_err(|_| bad())
}

fn parse_kind(text: &str) -> Result<LimitKind, AppError> {
    match text.trim().replace('-', "_").as_str() {
        "per_claim" | "claim" => Ok(LimitKind::PerClaim),
        "per_day" | "day" => Ok(LimitKind::PerDay),
        other => Err(AppError::invalid(format!(
            "{other:?} is not a limit: use per-claim or per-day."
        ))),
    }
}

fn kind_code(kind: LimitKind) -> &'static str {
    match kind {
        LimitKind::PerClaim => "per_claim",
        LimitKind::PerDay => "per_day",
    }
}

/// Providers' verification tokens that still verify under the provider's pinned key.
fn verified_tokens(
    vault: &Vault,
    now: DateTime<Utc>,
) -> Result<Vec<(ProviderVerification, String)>, AppError> {
    let mut out = Vec::new();
    for stored in vault.provider_verifications(now)? {
        let Some(provider) = vault.provider(&stored.provider_id, now)? else {
            continue;
        };
        let Ok(key) = tipvault_wire::httpsig::VerifyingKey::from_bytes(&provider.public_key) else {
            continue;
        };
        let Ok(doc) = protocol::parse::<SignedDocument>("verification", stored.token.as_bytes())
        else {
            continue;
        };
        let Ok(claims) =
            doc.verify_as::<protocol::VerificationClaims>(DocumentKind::Verification, &key)
        else {
            continue;
        };
        if claims.provider_id != provider.id
            || provider.device_id.as_deref() != Some(claims.device_id.as_str())
        {
            continue;
        }
        out.push((
            ProviderVerification {
                provider: ProviderId::new(&provider.id),
                issued_at: claims.issued_at,
                expires_at: claims.expires_at,
            },
            code_of(&claims.tier),
        ));
    }
    Ok(out)
}

/// What the engine learns from, read from the vault.
pub(crate) fn history(
    session: &mut Session,
    salt: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<History, AppError> {
    let vault = session.vault_at(now);
    let redemptions = vault.redemptions(now)?;
    let decisions: BTreeMap<String, StoredRiskDecision> = vault
        .risk_decisions(now)?
        .into_iter()
        .map(|d| (d.redemption_id.clone(), d))
        .collect();
    let networks: BTreeMap<String, String> = vault.risk_networks(now)?.into_iter().collect();
    let disputes = vault
        .risk_events_of_kind("redemption.disputed", now)?
        .into_iter()
        .map(|(at, detail)| {
            let claim = serde_json::from_str::<serde_json::Value>(&detail)
                .ok()
                .and_then(|d| d["redemption"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Dispute {
                at,
                claim: tipvault_risk::ClaimId::new(claim),
            }
        })
        .collect();
    let provider_verifications = verified_tokens(vault, now)?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let mut catalogs: BTreeMap<String, Option<Catalog>> = BTreeMap::new();
    let mut claims = Vec::new();
    for r in &redemptions {
        let legs: Vec<_> = r
            .legs
            .iter()
            .filter(|l| {
                matches!(
                    l.state,
                    LegState::Approved
                        | LegState::Sent
                        | LegState::OutcomeUnknown
                        | LegState::Confirmed
                )
            })
            .collect();
        if legs.is_empty() {
            continue;
        }
        if !catalogs.contains_key(&r.provider_id) {
            let c = cached_catalog(session, &r.provider_id, now)?;
            catalogs.insert(r.provider_id.clone(), c);
        }
        let catalog = catalogs.get(&r.provider_id).and_then(Option::as_ref);
        let mut claim_legs = Vec::new();
        for leg in legs {
            let Ok(cur) = Currency::from_code(&leg.currency) else {
                continue;
            };
            let destination = protocol::parse::<RedemptionRequest>("redemption", &leg.body)
                .map(|req| destination_fingerprint(salt, &req.product, &req.destination))
                .unwrap_or_else(|_| DestinationFingerprint::new(""));
            claim_legs.push(tipvault_risk::Leg {
                provider: ProviderId::new(&r.provider_id),
                product: kind_of(catalog, &leg.product),
                destination,
                amount: Money::from_minor(leg.amount_minor.saturating_add(leg.fee_minor), cur),
            });
        }
        claims.push(ConfirmedClaim {
            id: tipvault_risk::ClaimId::new(&r.id),
            at: r.approved_at.unwrap_or(r.created_at),
            network: NetworkHash::new(networks.get(&r.id).cloned().unwrap_or_default()),
            verified: decisions
                .get(&r.id)
                .is_some_and(|d| d.verified_at.is_some()),
            legs: claim_legs,
        });
    }
    Ok(History {
        claims,
        disputes,
        last_verification: decisions.values().filter_map(|d| d.verified_at).max(),
        provider_verifications,
    })
}

fn settings(session: &mut Session, now: DateTime<Utc>) -> Result<Settings, AppError> {
    Ok(Settings {
        limits: user_limits(session.vault_at(now), now)?,
        auto_cash_out: Vec::new(),
    })
}

// ----- the gate ------------------------------------------------------------------------------

/// Who is there to confirm a step-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attendance {
    /// The user asked for it now.
    Attended,
    /// An automatic cash-out: a step-up becomes a pause.
    Unattended,
}

/// The waiver is on *and* there is no security key to ask: once the user registers one, the
/// demo's step-ups go to it like a real provider's (the waiver exists only for newcomers who
/// have none).
fn waiver_on(vault: &Vault) -> Result<bool, AppError> {
    Ok(crate::demo::is_demo_vault(vault)?
        && vault.setting(SANDBOX_WAIVER_SETTING)?.as_deref() == Some(WAIVED)
        && vault.security_keys()?.is_empty())
}

fn plan_changed(
    session: &mut Session,
    id: &str,
    judged_digest: &str,
    current: &str,
    event: &str,
    now: DateTime<Utc>,
) -> AppError {
    let error = AppError::new(
        ErrorCode::PlanChanged,
        format!(
            "Not sent: redemption {id} no longer matches the plan that was judged and shown \
             (it changed after it was paused). Cancel it and plan again."
        ),
    )
    .with_hint(Hint::CancelAndReplan {
        redemption: id.to_owned(),
    });
    match audit(
        session.vault_at(now),
        event,
        json!({"redemption": id, "reason": "plan_changed", "judged_digest": judged_digest,
               "current_digest": current}),
        now,
    ) {
        Ok(()) => error,
        Err(e) => e,
    }
}

/// Judges a planned redemption before its legs may be approved: `Ok` lets the caller queue
/// them; any other answer leaves them `planned` (see the module docs). Every new decision is
/// stored with the plan digest and audited.
pub(crate) fn gate(
    session: &mut Session,
    r: &StoredRedemption,
    network: &NetworkIdentity,
    attendance: Attendance,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !r.legs.iter().any(|l| l.state == LegState::Planned) {
        return Ok(());
    }
    let salt = session.vault_at(now).risk_salt(now)?;
    let catalog = cached_catalog(session, &r.provider_id, now)?;
    let judged = judge(r, catalog.as_ref(), &salt)?;
    let existing = session.vault_at(now).risk_decision(&r.id, now)?;
    let mut net_hash = network_hash(&salt, network);
    if let Some(stored) = &existing {
        if stored.cancelled_at.is_some() {
            return Err(AppError::invalid(format!(
                "Redemption {} was cancelled.",
                r.id
            )));
        }
        let shown = stored_view(stored)?;
        // Paused (waiting) or verified: bound to the plan that was judged.
        let held = stored.verified_at.is_some() || shown.paused;
        if held && stored.plan_digest != judged.digest {
            return Err(plan_changed(
                session,
                &r.id,
                &stored.plan_digest,
                &judged.digest,
                "risk.plan_changed",
                now,
            ));
        }
        if shown.paused {
            // The same decision until it is verified or cancelled.
            return Err(decision_error(&shown));
        }
        if stored.verified_at.is_some() {
            // Judged from where it was first judged.
            if let Some((_, hash)) = session
                .vault_at(now)
                .risk_networks(now)?
                .into_iter()
                .find(|(id, _)| *id == r.id)
            {
                net_hash = NetworkHash::new(hash);
            }
        }
    }
    let history = history(session, &salt, now)?;
    let settings = settings(session, now)?;
    let claim = Claim {
        at: now,
        network: net_hash.clone(),
        total: judged.total,
        legs: judged.legs.clone(),
    };
    let mut decision = tipvault_risk::assess(&history, &settings, &claim);
    let unattended = attendance == Attendance::Unattended;
    if unattended {
        decision = decision.unattended();
    }
    let verified = existing
        .as_ref()
        .is_some_and(|d| d.verified_at.is_some_and(|at| approval_fresh(at, now)));
    if verified {
        // The user confirmed this very plan: only a refusal (a limit, a malformed plan) can
        // still stop it, and only that is recorded again.
        if decision.outcome != Outcome::Deny {
            return Ok(());
        }
    }
    let provider = stored_provider(session, &r.provider_id, now)?;
    let vault = session.vault_at(now);
    let waived = decision.outcome == Outcome::StepUp
        && !unattended
        && !verified
        && provider.sandbox
        && waiver_on(vault)?;
    let view = decision_view(&r.id, &decision, &judged.digest, now, unattended, waived);
    vault.risk_decision_put(
        &StoredRiskDecision {
            redemption_id: r.id.clone(),
            outcome: view.outcome.clone(),
            decision: serde_json::to_string(&view)
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?,
            plan_digest: judged.digest.clone(),
            decided_at: now,
            unattended,
            verified_at: None,
            credential_id: None,
            cancelled_at: None,
        },
        now,
    )?;
    vault.risk_network_put(&r.id, net_hash.as_str(), now)?;
    audit(
        vault,
        "risk.decided",
        json!({"redemption": r.id, "outcome": view.outcome, "tier": view.tier,
               "rules": view.reasons.iter().map(|x| x.rule.as_str()).collect::<Vec<_>>(),
               "reasons": view.reasons.iter().map(|x| x.text.en.as_str()).collect::<Vec<_>>(),
               "plan_digest": judged.digest, "unattended": unattended, "waived": waived}),
        now,
    )?;
    if waived {
        audit(
            vault,
            "risk.step_up_waived",
            json!({"redemption": r.id, "provider": r.provider_id,
                   "why": "sandbox provider (demo money); the sandbox step-up waiver is on"}),
            now,
        )?;
    }
    match decision.outcome {
        Outcome::Allow => Ok(()),
        Outcome::StepUp if waived => Ok(()),
        _ => Err(decision_error(&view)),
    }
}

// ----- use cases -----------------------------------------------------------------------------

fn stored_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StoredRedemption, AppError> {
    session
        .vault_at(now)
        .redemption(id, now)?
        .ok_or_else(|| AppError::invalid(format!("There is no redemption {id:?}.")))
}

/// The risk decision on a redemption, if it was judged (for `RedemptionView::risk`).
pub fn redemption_risk(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<RiskDecisionView>, AppError> {
    session
        .vault_at(now)
        .risk_decision(id, now)?
        .as_ref()
        .map(stored_view)
        .transpose()
}

/// Why a redemption was allowed, paused or refused: every rule that fired, in English and
/// Korean, and whether it still waits.
pub fn explain_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RiskDecisionView, AppError> {
    stored_redemption(session, id, now)?;
    redemption_risk(session, id, now)?.ok_or_else(|| {
        AppError::invalid(format!(
            "Redemption {id} has not been judged yet: it is judged when you send it."
        ))
    })
}

/// Confirms a paused redemption with an authenticator, then approves it.
///
/// The plan is rebuilt from the stored requests; if it differs from the plan that was judged
/// and shown (by one unit of one leg), it is refused before the authenticator is asked. The
/// assertion's challenge is derived from the plan's digest (`step_up_for_plan`), so the
/// approval covers exactly what will be sent. Refusals are audited.
pub fn verify_redemption(
    session: &mut Session,
    id: &str,
    authenticator: &mut dyn Authenticator,
    now: DateTime<Utc>,
) -> Result<crate::RedemptionView, AppError> {
    let r = stored_redemption(session, id, now)?;
    if !r.legs.iter().any(|l| l.state == LegState::Planned) {
        return Err(AppError::invalid(format!(
            "Redemption {id} is not waiting for confirmation (it was approved or cancelled)."
        )));
    }
    let Some(stored) = session.vault_at(now).risk_decision(id, now)? else {
        return Err(AppError::invalid(format!(
            "Redemption {id} has not been judged yet: send it first; it is verified only if \
             the risk check asks for it."
        ))
        .with_hint(Hint::SendFirst {
            redemption: id.to_owned(),
        }));
    };
    if stored.cancelled_at.is_some() {
        return Err(AppError::invalid(format!("Redemption {id} was cancelled.")));
    }
    let salt = session.vault_at(now).risk_salt(now)?;
    let catalog = cached_catalog(session, &r.provider_id, now)?;
    let judged = judge(&r, catalog.as_ref(), &salt)?;
    if judged.digest != stored.plan_digest {
        return Err(plan_changed(
            session,
            id,
            &stored.plan_digest,
            &judged.digest,
            "risk.verify_refused",
            now,
        ));
    }
    // Not verified yet, or verified longer ago than the approval window: the key is asked
    // (again) for this very plan.
    if !stored.verified_at.is_some_and(|at| approval_fresh(at, now)) {
        if stored.outcome == "deny" {
            return Err(decision_error(&stored_view(&stored)?));
        }
        let approval =
            crate::security_keys::step_up_for_plan(session, authenticator, &judged.plan, now)?;
        approval
            .check(&judged.plan)
            .map_err(|e| AppError::new(ErrorCode::SecurityKeyRefused, sentence(&e)))?;
        let credential = approval.credential_id().to_base64url();
        let vault = session.vault_at(now);
        if !vault.risk_decision_verified(id, &judged.digest, &credential, now)? {
            return Err(AppError::new(
                ErrorCode::PlanChanged,
                format!("Redemption {id} changed while it was being confirmed; nothing was sent."),
            ));
        }
        audit(
            vault,
            "risk.verified",
            json!({"redemption": id, "plan_digest": judged.digest, "credential_id": credential}),
            now,
        )?;
    }
    // The approval path re-checks the catalog and judges once more; a verified plan passes
    // unless a refusal (a limit) applies now.
    crate::redeem::approve_redemption_from(session, id, &NetworkIdentity::local(), now)
}

/// Cancels a redemption that was not approved (paused, refused or only planned): its legs
/// become `failed` ("cancelled"), nothing is ever sent. Audited.
pub fn cancel_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<crate::RedemptionView, AppError> {
    stored_redemption(session, id, now)?;
    let vault = session.vault_at(now);
    let legs = vault.risk_cancel(id, "cancelled by the user before sending", now)?;
    if legs == 0 {
        return Err(AppError::invalid(format!(
            "Redemption {id} has nothing left to cancel: only legs that were never approved \
             can be cancelled."
        )));
    }
    audit(
        vault,
        "redemption.cancelled",
        json!({"redemption": id, "legs": legs}),
        now,
    )?;
    crate::redeem::redemption(session, id, now)
}

/// Turns the sandbox step-up waiver on or off (see the module docs). Off by default; turning
/// it on is a sensitive change (`proof`), and only in the demo vault. Audited as a setting.
pub fn set_sandbox_step_up_waiver(
    session: &mut Session,
    waived: bool,
    proof: Option<crate::reauth::Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if waived {
        crate::demo::require_demo(session, "The sandbox step-up waiver")?;
        crate::reauth::confirm(
            session,
            proof,
            &crate::reauth::Sensitive::SandboxWaiver,
            now,
        )?;
    }
    session
        .vault_at(now)
        .set_setting(
            SANDBOX_WAIVER_SETTING,
            if waived { WAIVED } else { "enforced" },
            now,
        )
        .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?;
    Ok(waived)
}

// ----- status and limits -----------------------------------------------------------------------

/// The limits in force for one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskLimitsView {
    pub currency: String,
    pub tier: String,
    pub per_claim: MoneyView,
    pub per_day: MoneyView,
    pub tier_per_claim: MoneyView,
    pub tier_per_day: MoneyView,
    pub per_claim_set_by_user: bool,
    pub per_day_set_by_user: bool,
}

/// One rule of the rule book, with its threshold now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskRuleView {
    pub rule: String,
    /// What it asks for when it fires.
    pub outcome: String,
    pub text: RiskText,
}

/// Standing and rules in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskCurrencyView {
    pub currency: String,
    pub limits: Option<RiskLimitsView>,
    pub rules: Vec<RiskRuleView>,
}

/// A provider's verification token, as kept (the claims only; the document stays in the
/// vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ProviderVerificationView {
    pub provider: String,
    /// `verified` or `enhanced`.
    pub tier: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Signature verified under the provider's pinned key, and not expired.
    pub valid: bool,
}

/// The user's tier, progress to the next, limits and rule book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskStatusView {
    /// `new`, `established` or `trusted`.
    pub tier: String,
    pub tier_text: RiskText,
    pub confirmed: u32,
    pub days: i64,
    pub disputes: u32,
    pub next_tier: Option<String>,
    pub claims_needed: u32,
    pub days_needed: i64,
    pub progress: RiskText,
    /// KRW and USD (the currencies with limits).
    pub currencies: Vec<RiskCurrencyView>,
    pub verifications: Vec<ProviderVerificationView>,
    pub auto_cash_out_rules: u32,
    /// Whether this tier may add automatic cash-out rules and have them fire.
    pub auto_cash_outs_allowed: bool,
    /// Step-ups for sandbox providers are waived (demo mode): the setting is on and no
    /// security key is registered.
    pub sandbox_step_up_waived: bool,
    /// A security key is registered, so the waiver does not apply (the key is asked).
    pub security_key_registered: bool,
}

const STATUS_CURRENCIES: [Currency; 2] = [Currency::KRW, Currency::USD];

/// What may leave now in each currency that has limits: the risk engine's headroom, from the
/// same history and settings the gate judges with, handed to the planner so a preview never
/// plans above what approval would allow.
pub fn cash_out_headroom(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<tipvault_risk::Headroom>, AppError> {
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let settings = settings(session, now)?;
    Ok(STATUS_CURRENCIES
        .into_iter()
        .filter_map(|c| tipvault_risk::headroom(&history, &settings, c, now))
        .collect())
}

/// What a new vault may cash out now: the headroom of a vault with no history and no limits of
/// its own. A preview made before any vault exists is held to it, like one made in a new vault.
#[must_use]
pub fn new_vault_headroom(now: DateTime<Utc>) -> Vec<tipvault_risk::Headroom> {
    let (history, settings) = (tipvault_risk::History::default(), Settings::default());
    STATUS_CURRENCIES
        .into_iter()
        .filter_map(|c| tipvault_risk::headroom(&history, &settings, c, now))
        .collect()
}

fn limits_view(l: &tipvault_risk::Limits) -> RiskLimitsView {
    RiskLimitsView {
        currency: l.currency.code().to_owned(),
        tier: l.tier.name().0.to_owned(),
        per_claim: (&l.per_claim).into(),
        per_day: (&l.per_day).into(),
        tier_per_claim: (&l.tier_per_claim).into(),
        tier_per_day: (&l.tier_per_day).into(),
        per_claim_set_by_user: l.per_claim_set_by_user,
        per_day_set_by_user: l.per_day_set_by_user,
    }
}

/// The user's standing: tier, progress, limits and every rule with its threshold, in English
/// and Korean.
pub fn risk_status(session: &mut Session, now: DateTime<Utc>) -> Result<RiskStatusView, AppError> {
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let settings = settings(session, now)?;
    let mut currencies = Vec::new();
    let mut progress = None;
    for currency in STATUS_CURRENCIES {
        let status = tipvault_risk::status(&history, &settings, currency, now);
        progress.get_or_insert(status.progress);
        currencies.push(RiskCurrencyView {
            currency: currency.code().to_owned(),
            limits: status.thresholds.as_ref().map(|t| limits_view(&t.limits)),
            rules: status
                .rules
                .iter()
                .map(|r| RiskRuleView {
                    rule: code_of(&r.rule),
                    outcome: code_of(&r.outcome),
                    text: (&r.text).into(),
                })
                .collect(),
        });
    }
    let p = progress.ok_or_else(|| AppError::new(ErrorCode::Internal, "No status."))?;
    let (tier_en, tier_ko) = p.tier.name();
    let progress_text = match p.next {
        Some(next) => {
            let (next_en, next_ko) = next.name();
            RiskText {
                en: format!(
                    "{} more confirmed redemptions and {} more days to become {next_en}.",
                    p.claims_needed, p.days_needed
                ),
                ko: format!(
                    "{next_ko} 등급까지 확인된 청구 {}건, {}일이 더 필요합니다.",
                    p.claims_needed, p.days_needed
                ),
            }
        }
        None => RiskText {
            en: "Trusted: the highest tier.".into(),
            ko: "신뢰: 가장 높은 등급입니다.".into(),
        },
    };
    let vault = session.vault_at(now);
    let valid: Vec<(ProviderVerification, String)> = verified_tokens(vault, now)?;
    let verifications = vault
        .provider_verifications(now)?
        .into_iter()
        .map(|v| ProviderVerificationView {
            valid: valid
                .iter()
                .any(|(t, _)| t.provider.as_str() == v.provider_id && t.is_valid_at(now)),
            provider: v.provider_id,
            tier: v.tier,
            issued_at: v.issued_at,
            expires_at: v.token_expires_at,
        })
        .collect();
    Ok(RiskStatusView {
        tier: tier_en.to_owned(),
        tier_text: RiskText {
            en: tier_en.to_owned(),
            ko: tier_ko.to_owned(),
        },
        confirmed: p.confirmed,
        days: p.days,
        disputes: p.disputes,
        next_tier: p.next.map(|t| t.name().0.to_owned()),
        claims_needed: p.claims_needed,
        days_needed: p.days_needed,
        progress: progress_text,
        currencies,
        verifications,
        auto_cash_out_rules: u32::try_from(vault.auto_cash_outs(now)?.len()).unwrap_or(u32::MAX),
        auto_cash_outs_allowed: p.tier.allows_auto_cash_out(),
        sandbox_step_up_waived: waiver_on(vault)?,
        security_key_registered: !vault.security_keys()?.is_empty(),
    })
}

/// The limits in force, per currency with limits.
pub fn risk_limits(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<RiskLimitsView>, AppError> {
    Ok(risk_status(session, now)?
        .currencies
        .into_iter()
        .filter_map(|c| c.limits)
        .collect())
}

/// What a limit change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LimitChangedView {
    pub currency: String,
    /// `per_claim` or `per_day`.
    pub kind: String,
    pub before: MoneyView,
    pub after: MoneyView,
    /// It was a raise, approved with a security key.
    pub stepped_up: bool,
}

/// Sets one of the user's limits (`amount: None` goes back to the tier's). Lowering is free;
/// raising (or removing a lower limit) is a sensitive change: `proof` must confirm exactly this
/// change (the passphrase, or a registered key whose challenge is the change's plan; never a
/// test device in a real vault); without one it is refused with `reauth_required`. Every change
/// and refusal is audited.
pub fn set_limit(
    session: &mut Session,
    currency: &str,
    kind: &str,
    amount: Option<&str>,
    proof: Option<crate::reauth::Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<LimitChangedView, AppError> {
    let currency =
        Currency::from_code(currency.trim()).map_err(|e| AppError::invalid(sentence(&e)))?;
    let kind = parse_kind(kind)?;
    let new = amount
        .map(|a| Money::parse(a.trim(), currency).map_err(|e| AppError::invalid(sentence(&e))))
        .transpose()?;
    let change = LimitChange {
        currency,
        kind,
        new,
    };
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let mut user = user_limits(session.vault_at(now), now)?;
    let base = json!({"currency": currency.code(), "kind": kind_code(kind),
                      "new": new.map(|m| m.to_minor_i128().to_string())});
    let refuse = |session: &mut Session, reason: &str, error: AppError| {
        let mut detail = base.clone();
        detail["reason"] = json!(reason);
        detail["message"] = json!(error.message);
        match audit(session.vault_at(now), "risk.limit_refused", detail, now) {
            Ok(()) => error,
            Err(e) => e,
        }
    };
    let changed = match tipvault_risk::change_limit(&mut user, &history, &change, None, now) {
        Ok(changed) => changed,
        Err(LimitError::NeedsStepUp { .. }) => {
            let sensitive = crate::reauth::Sensitive::RaiseLimit {
                change: change.canonical(),
            };
            let Some(given) = proof else {
                let error = crate::reauth::required(&sensitive);
                return Err(refuse(session, "needs_reauth", error));
            };
            let proof = match given {
                // A key approves the limit change's own plan (the challenge covers it).
                crate::reauth::Proof::SecurityKey(authenticator) => {
                    crate::security_keys::step_up_for_limit_change(
                        session,
                        authenticator,
                        &change,
                        now,
                    )
                }
                passphrase @ crate::reauth::Proof::Passphrase(_) => {
                    crate::reauth::confirm(session, Some(passphrase), &sensitive, now)
                        .and_then(|r| crate::security_keys::reauth_proof(&r, &change))
                }
            };
            let proof = match proof {
                Ok(proof) => proof,
                Err(e) => return Err(refuse(session, "reauth_refused", e)),
            };
            match tipvault_risk::change_limit(&mut user, &history, &change, Some(&proof), now) {
                Ok(changed) => changed,
                Err(e) => {
                    let error = AppError::new(ErrorCode::SecurityKeyRefused, sentence(&e));
                    return Err(refuse(session, "proof_refused", error));
                }
            }
        }
        Err(e) => {
            let error = AppError::new(ErrorCode::InvalidInput, sentence(&e));
            return Err(refuse(session, "invalid", error));
        }
    };
    let new_minor = new
        .map(|m| m.to_minor())
        .transpose()
        .map_err(|e| AppError::invalid(sentence(&e)))?;
    let vault = session.vault_at(now);
    vault.risk_limit_set(currency.code(), kind_code(kind), new_minor, now)?;
    audit(
        vault,
        "risk.limit_changed",
        json!({"currency": currency.code(), "kind": kind_code(kind),
               "before": changed.before.to_minor_i128().to_string(),
               "after": changed.after.to_minor_i128().to_string(),
               "stepped_up": changed.stepped_up}),
        now,
    )?;
    Ok(LimitChangedView {
        currency: currency.code().to_owned(),
        kind: kind_code(kind).to_owned(),
        before: (&changed.before).into(),
        after: (&changed.after).into(),
        stepped_up: changed.stepped_up,
    })
}

// ----- provider verification ---------------------------------------------------------------

/// Asks `provider` for a tier verification (`POST /v1/verifications`) and keeps only the
/// signed, expiring token it returns (verified under the pinned key; class
/// `verification_token`). The identity check itself happens at the provider, out of band:
/// only a digest of a random reference travels, and no identity document ever reaches the
/// app.
pub fn verify_tier(
    session: &mut Session,
    net: &Network,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<ProviderVerificationView, AppError> {
    let stored = stored_provider(session, provider, now)?;
    if stored.device_id.is_none() {
        return Err(
            AppError::invalid(format!("This device is not paired with {provider} yet.")).with_hint(
                Hint::PairProvider {
                    provider: provider.to_owned(),
                },
            ),
        );
    }
    let client = crate::providers::client_for(session, net, &stored, now)?;
    let mut reference = [0u8; 32];
    getrandom::fill(&mut reference).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("No randomness available: {e}."),
        )
    })?;
    let request = protocol::VerificationRequest {
        v: protocol::V1,
        tier: protocol::Tier::Verified,
        evidence_digest: protocol::Sha256Digest::of(&reference),
    };
    let key = tipvault_wire::client::new_idempotency_key()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    let (doc, claims) = net
        .block_on(client.verification(&key, &request))
        .map_err(|e| AppError::new(ErrorCode::Provider, sentence(&e)))?;
    // The provider's clock may run a little ahead of ours.
    let skew = chrono::Duration::minutes(5);
    if claims.issued_at > now + skew || claims.expires_at <= now {
        return Err(AppError::new(
            ErrorCode::NotVerified,
            "The provider's verification token is not valid now (check the device clock).",
        ));
    }
    let token = String::from_utf8(protocol::to_bytes(&doc))
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    let tier = code_of(&claims.tier);
    let vault = session.vault_at(now);
    vault.provider_verification_put(
        &tipvault_vault::StoredVerification {
            provider_id: stored.id.clone(),
            token,
            tier: tier.clone(),
            issued_at: claims.issued_at,
            token_expires_at: claims.expires_at,
        },
        now,
    )?;
    audit(
        vault,
        "risk.provider_verified",
        json!({"provider": stored.id, "tier": tier, "issued_at": claims.issued_at,
               "expires_at": claims.expires_at}),
        now,
    )?;
    Ok(ProviderVerificationView {
        provider: stored.id,
        tier,
        issued_at: claims.issued_at,
        expires_at: claims.expires_at,
        valid: true,
    })
}

/// The engine's tier now (for auto-cash-out).
pub(crate) fn tier_now(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<tipvault_risk::Tier, AppError> {
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let profile = tipvault_risk::Profile::learn(&history, Currency::KRW, now);
    Ok(tipvault_risk::tier::tier_of(&profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_is_its_product_and_its_fields_under_the_vaults_salt() {
        let salt = [7u8; 32];
        let none = BTreeMap::new();
        let phone = BTreeMap::from([("phone_number".to_owned(), "01012345678".to_owned())]);
        let fp = |product: &str, fields: &BTreeMap<String, String>| {
            destination_fingerprint(&salt, product, fields)
        };
        assert_eq!(fp("krw-donation-a", &none), fp("krw-donation-a", &none));
        assert_ne!(
            fp("krw-donation-a", &none),
            fp("krw-donation-b", &none),
            "a second charity is a new destination"
        );
        assert_ne!(
            fp("krw-mobile-top-up", &phone),
            fp("krw-mobile-top-up", &none)
        );
        assert_ne!(
            fp("krw-donation-a", &none),
            destination_fingerprint(&[8u8; 32], "krw-donation-a", &none),
            "another vault's salt gives another fingerprint"
        );
    }
}
