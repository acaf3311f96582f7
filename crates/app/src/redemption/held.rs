//! Held redemptions: the risk decision of a redemption, its explanation, and the two ways out
//! of a hold (verify the exact plan with an authenticator, or cancel).

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_auth::Authenticator;
use tipvault_vault::LegState;

use crate::audit;
use crate::catalogs::leg_catalogs;
use crate::error::{AppError, ErrorCode, Hint, sentence};
use crate::network::NetworkIdentity;
use crate::redemption::lookup::redemption_risk;
use crate::redemption::lookup::stored_redemption;
use crate::risk::claim::judge;
use crate::risk::decision::{RiskDecisionView, decision_error, stored_view};
use crate::risk::gate::{approval_fresh, plan_changed};
use crate::session::Session;

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
) -> Result<crate::redemption::lookup::RedemptionView, AppError> {
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
    let catalogs = leg_catalogs(session, &r, now)?;
    let judged = judge(&r, &catalogs, &salt)?;
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
        let approval = crate::security_keys::approval::step_up_for_plan(
            session,
            authenticator,
            &judged.plan,
            now,
        )?;
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
        audit::append(
            vault,
            "risk.verified",
            json!({"redemption": id, "plan_digest": judged.digest, "credential_id": credential}),
            now,
        )?;
    }
    // The approval path re-checks the catalog and judges once more; a verified plan passes
    // unless a refusal (a limit) applies now.
    crate::redemption::approval::approve_redemption_from(
        session,
        id,
        &NetworkIdentity::local(),
        now,
    )
}

/// Cancels a redemption that was not approved (paused, refused or only planned): its legs
/// become `failed` ("cancelled"), nothing is ever sent. Audited.
pub fn cancel_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<crate::redemption::lookup::RedemptionView, AppError> {
    stored_redemption(session, id, now)?;
    let vault = session.vault_at(now);
    let legs = vault.risk_cancel(id, "cancelled by the user before sending", now)?;
    if legs == 0 {
        return Err(AppError::invalid(format!(
            "Redemption {id} has nothing left to cancel: only legs that were never approved \
             can be cancelled."
        )));
    }
    audit::append(
        vault,
        "redemption.cancelled",
        json!({"redemption": id, "legs": legs}),
        now,
    )?;
    crate::redemption::lookup::redemption(session, id, now)
}

/// Cancels the legs of redemption `id` still queued for `provider` (a provider that is down,
/// when the user chooses not to wait for it): they become `failed` ("cancelled"), nothing more
/// goes to that provider, and the other providers' legs carry on. Only legs that never reached
/// the provider can be cancelled; one that left is reconciled instead. Audited.
pub fn cancel_provider_legs(
    session: &mut Session,
    id: &str,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<crate::redemption::lookup::RedemptionView, AppError> {
    let r = stored_redemption(session, id, now)?;
    if !r.legs.iter().any(|l| l.provider_id == provider) {
        return Err(AppError::invalid(format!(
            "Redemption {id} sends nothing to {provider}."
        )));
    }
    let vault = session.vault_at(now);
    let legs = vault.outbox_withdraw(
        id,
        provider,
        &format!("cancelled by the user while {provider} could not be reached"),
        now,
    )?;
    if legs == 0 {
        let never_approved = r
            .legs
            .iter()
            .any(|l| l.provider_id == provider && l.state == LegState::Planned);
        return Err(AppError::invalid(if never_approved {
            format!(
                "Redemption {id} was never approved: nothing of it was sent. Cancel the whole \
                 redemption instead."
            )
        } else {
            format!(
                "Redemption {id} has no request waiting for {provider}: a request that \
                 reached it is reconciled, not cancelled."
            )
        }));
    }
    audit::append(
        vault,
        "redemption.legs_cancelled",
        json!({"redemption": id, "provider": provider, "legs": legs}),
        now,
    )?;
    crate::redemption::lookup::redemption(session, id, now)
}
