//! The sandbox step-up waiver: in the demo vault, with no security key registered, a
//! *step-up* (never a pause or a refusal) for a sandbox provider goes through, recorded (see the
//! module docs of [`crate::risk`]).

use chrono::{DateTime, Utc};
use tipvault_vault::Vault;

use crate::error::{AppError, ErrorCode, sentence};
use crate::session::Session;

/// The setting that waives step-ups for sandbox providers (see the module docs).
pub const SANDBOX_WAIVER_SETTING: &str = "risk.sandbox_step_up";
const WAIVED: &str = "waived";

/// The waiver is on *and* there is no security key to ask: once the user registers one, the
/// demo's step-ups go to it like a real provider's (the waiver exists only for newcomers who
/// have none).
pub(crate) fn waiver_on(vault: &Vault) -> Result<bool, AppError> {
    Ok(crate::demo::is_demo_vault(vault)?
        && vault.setting(SANDBOX_WAIVER_SETTING)?.as_deref() == Some(WAIVED)
        && vault.security_keys()?.is_empty())
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
