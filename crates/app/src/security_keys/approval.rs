//! Step-up: a security key approves one exact plan (the assertion's challenge is the plan's
//! digest).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_auth::{Authenticator, StepUpApproval, StepUpPlan};
use ts_rs::TS;

use crate::audit;
use crate::error::{AppError, ErrorCode, sentence};
use crate::security_keys::credentials::{
    VaultCredentials, ceremony_reason, real_provider, refused, relying_party, test_device_refused,
    time,
};
use crate::session::Session;

/// A step-up approval, as front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StepUpView {
    /// SHA-256 of the approved plan's canonical encoding, hex.
    pub plan_digest: String,
    /// The key that approved it (base64url).
    pub credential_id: String,
    pub approved_at: DateTime<Utc>,
}

impl TryFrom<&StepUpApproval> for StepUpView {
    type Error = AppError;

    fn try_from(approval: &StepUpApproval) -> Result<Self, AppError> {
        Ok(Self {
            plan_digest: approval.digest().to_hex(),
            credential_id: approval.credential_id().to_base64url(),
            approved_at: time(approval.approved_at())?,
        })
    }
}

/// A step-up for exactly `plan`: the assertion's challenge is bound to the plan's digest. The
/// approval refuses any other plan ([`StepUpApproval::check`]). Audited either way.
pub fn step_up_for_plan(
    session: &mut Session,
    authenticator: &mut dyn Authenticator,
    plan: &StepUpPlan,
    now: DateTime<Utc>,
) -> Result<StepUpApproval, AppError> {
    let rp = relying_party()?;
    let digest = plan
        .digest()
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, sentence(&e)))?;
    if authenticator.info().is_test_device
        && (!session.is_demo() || real_provider(session, &plan.provider_id, now)?)
    {
        let error = if session.is_demo() {
            AppError::new(
                ErrorCode::SecurityKeyRefused,
                "A test device approves only demo money at the demo's sandbox provider.",
            )
        } else {
            test_device_refused("used to approve anything in")
        };
        let vault = session.vault_at(now);
        return Err(refused(
            vault,
            "auth.step_up_refused",
            "test_device",
            json!({"plan_digest": digest.to_hex(), "provider": plan.provider_id}),
            error,
            now,
        ));
    }
    let vault = session.vault_at(now);
    let result = rp.step_up(
        &mut VaultCredentials::new(vault, now),
        authenticator,
        plan,
        now.timestamp(),
    );
    match result {
        Ok(approval) => {
            audit::append(
                vault,
                "auth.step_up_approved",
                json!({
                    "plan_digest": digest.to_hex(),
                    "provider": plan.provider_id,
                    "credential_id": approval.credential_id().to_base64url(),
                }),
                now,
            )?;
            Ok(approval)
        }
        Err(e) => {
            let reason = ceremony_reason(&e);
            Err(refused(
                vault,
                "auth.step_up_refused",
                reason,
                json!({"plan_digest": digest.to_hex(), "provider": plan.provider_id}),
                e.into(),
                now,
            ))
        }
    }
}
