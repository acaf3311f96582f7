//! The gate itself: judges a plan at approval, records the decision, and lets it through, holds
//! it for a step-up, pauses or refuses it; plus the sandbox step-up waiver.

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_risk::{Claim, NetworkHash, Outcome};
use tipvault_vault::{LegState, StoredRedemption, StoredRiskDecision};

use crate::audit;
use crate::catalogs::{all_sandboxes, leg_catalogs};
use crate::error::{AppError, ErrorCode, Hint};
use crate::network::NetworkIdentity;
use crate::risk::claim::{judge, network_hash};
use crate::risk::decision::{decision_error, decision_view, stored_view};
use crate::risk::history::{history, settings};
use crate::risk::waiver::waiver_on;
use crate::session::Session;
use crate::view::code_of;

/// How long a step-up approval of a redemption stays good: a plan verified with the key is
/// queued within this window or the key is asked again. Long enough to read the plan, touch
/// the key and send; short enough that an approval left on an unattended screen (or one a
/// failed send left behind) is not reused hours later.
pub const APPROVAL_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// Whether an approval given `at` still holds at `now` (a clock set back does not stretch it).
pub(crate) fn approval_fresh(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at <= now && now - at <= APPROVAL_WINDOW
}

/// Who is there to confirm a step-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attendance {
    /// The user asked for it now.
    Attended,
    /// An automatic cash-out: a step-up becomes a pause.
    Unattended,
}

pub(crate) fn plan_changed(
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
    match audit::append(
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
    let catalogs = leg_catalogs(session, r, now)?;
    let judged = judge(r, &catalogs, &salt)?;
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
    // One claim per currency drawn, judged as one plan: the strictest answer holds for all.
    let claims: Vec<Claim> = judged
        .by_currency
        .iter()
        .map(|(total, legs)| Claim {
            at: now,
            network: net_hash.clone(),
            total: *total,
            legs: legs.clone(),
        })
        .collect();
    let mut decision = tipvault_risk::assess_each(&history, &settings, &claims)
        .ok_or_else(|| AppError::invalid("This redemption has no legs."))?;
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
    // Waived only when every provider the plan sends to is a sandbox (demo money).
    let all_sandbox = all_sandboxes(session, &catalogs, now)?;
    let vault = session.vault_at(now);
    let waived = decision.outcome == Outcome::StepUp
        && !unattended
        && !verified
        && all_sandbox
        && waiver_on(vault)?;
    let view = decision_view(&r.id, &decision, &judged.digest, now, unattended, waived);
    vault.risk_decision_put(
        &StoredRiskDecision {
            redemption_id: r.id.clone(),
            outcome: code_of(&view.outcome),
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
    audit::append(
        vault,
        "risk.decided",
        json!({"redemption": r.id, "outcome": view.outcome, "tier": view.tier,
               "rules": view.reasons.iter().map(|x| x.rule).collect::<Vec<_>>(),
               "reasons": view.reasons.iter().map(|x| x.text.en.as_str()).collect::<Vec<_>>(),
               "plan_digest": judged.digest, "unattended": unattended, "waived": waived}),
        now,
    )?;
    if waived {
        audit::append(
            vault,
            "risk.step_up_waived",
            json!({"redemption": r.id, "provider": r.provider_id,
                   "providers": catalogs.keys().collect::<Vec<_>>(),
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
