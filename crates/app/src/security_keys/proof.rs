//! The risk engine's `StepUpProof` for a limit change, made in exactly two places: a verified
//! approval of the change's own plan, or a passphrase re-authentication given for it.

use chrono::{DateTime, Utc};
use tipvault_auth::{Authenticator, PlanAmount, PlanLeg, StepUpApproval, StepUpPlan};
use tipvault_risk::{LimitChange, StepUpProof};

use crate::error::{AppError, ErrorCode, sentence};
use crate::reauth::Sensitive;
use crate::security_keys::approval::step_up_for_plan;
use crate::security_keys::credentials::time;
use crate::session::Session;

/// The plan a limit change is approved as: one leg whose single destination field is the
/// change's canonical text, so the plan digest (and so the challenge) covers every byte of it.
/// The "provider" is Tipvault itself; amounts are the new limit (0 when going back to the
/// tier's), shown in the step-up dialog.
pub fn limit_change_plan(change: &LimitChange) -> StepUpPlan {
    let currency = change.currency.code().to_owned();
    let minor = change
        .new
        .map_or(0, |m| i64::try_from(m.to_minor_i128()).unwrap_or(i64::MAX));
    let amount = PlanAmount::new(&currency, minor);
    StepUpPlan {
        provider_id: "tipvault.local/limits".into(),
        catalog_version: 1,
        legs: vec![PlanLeg {
            product_id: "limit-change".into(),
            net: amount.clone(),
            fee: PlanAmount::new(&currency, 0),
            gross: amount.clone(),
            debit: PlanAmount::new(&currency, 0),
            destination: vec![("change".into(), change.canonical())],
            provider_id: None,
        }],
    }
}

/// The only place a risk-engine [`StepUpProof`] is made: from a verified approval, after
/// checking that it approved exactly `change`'s plan.
pub fn step_up_proof(
    approval: &StepUpApproval,
    change: &LimitChange,
) -> Result<StepUpProof, AppError> {
    approval
        .check(&limit_change_plan(change))
        .map_err(|e| AppError::new(ErrorCode::SecurityKeyRefused, sentence(&e)))?;
    Ok(StepUpProof::from_verified_assertion(
        change.canonical(),
        time(approval.approved_at())?,
    ))
}

/// The other place a risk-engine [`StepUpProof`] is made: from a passphrase re-authentication
/// given for exactly `change` ([`crate::reauth::confirm`] with `Sensitive::RaiseLimit`).
pub(crate) fn reauth_proof(
    reauth: &crate::reauth::Reauthenticated,
    change: &LimitChange,
) -> Result<StepUpProof, AppError> {
    let sensitive = Sensitive::RaiseLimit {
        change: change.canonical(),
    };
    if !reauth.covers(&sensitive) {
        return Err(AppError::new(
            ErrorCode::SecurityKeyRefused,
            "That confirmation was given for another change.",
        ));
    }
    Ok(StepUpProof::from_verified_assertion(
        change.canonical(),
        reauth.at(),
    ))
}

/// A step-up for a limit change, as the proof the risk engine takes.
pub fn step_up_for_limit_change(
    session: &mut Session,
    authenticator: &mut dyn Authenticator,
    change: &LimitChange,
    now: DateTime<Utc>,
) -> Result<StepUpProof, AppError> {
    let approval = step_up_for_plan(session, authenticator, &limit_change_plan(change), now)?;
    step_up_proof(&approval, change)
}
