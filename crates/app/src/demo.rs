//! The demo vault: demo mode runs in a vault of its own, beside the real one, so nothing demo
//! ever enters a real vault's books, risk history, key slots or settings (DESIGN.md §2).
//!
//! The one decision to know: the demo vault is an ordinary encrypted vault opened with a
//! **public** passphrase ([`DEMO_PASSPHRASE`], the minimum Argon2id cost). It holds only
//! sandbox money, so there is nothing to protect, and keeping it an ordinary vault means demo
//! mode exercises exactly the code real money runs through. It is marked by the setting
//! [`DEMO_SETTING`](crate::session::DEMO_SETTING) the moment it is created; a session knows it is demo from that mark (not from
//! the path), so demo-only use cases can refuse a real vault whatever its location, and a real
//! vault is never opened as the demo one.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;
use tipvault_vault::{AuditEvent, KdfParams, Vault};

use crate::error::{AppError, ErrorCode};
use crate::location::VaultLocation;
use crate::session::{DEMO_SETTING, Session};

/// The demo vault's passphrase: public on purpose (the vault holds only sandbox money).
pub const DEMO_PASSPHRASE: &str = "tipvault demo vault: sandbox money only";

/// Opens the demo vault that belongs beside `real` (creating it on first use) and returns it as
/// a demo session, and whether it was just created. The real vault is not touched: not read,
/// not written, not even opened.
pub fn open_demo_vault(
    real: &VaultLocation,
    now: DateTime<Utc>,
) -> Result<(Session, bool), AppError> {
    let location = real.demo();
    let passphrase = SecretString::from(DEMO_PASSPHRASE.to_owned());
    let absent = matches!(
        Vault::status(location.dir(), now)?,
        tipvault_vault::VaultStatus::Absent
    );
    if absent {
        let mut vault = Vault::create(location.dir(), &passphrase, KdfParams::POLICY_MIN, now)?;
        vault
            .set_setting(DEMO_SETTING, "sandbox", now)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
        vault.audit_append(
            &AuditEvent::new("demo.vault_created", json!({"sandbox_money_only": true}))?,
            now,
        )?;
        return Ok((Session::new(vault, now), true));
    }
    let (session, _) = crate::session::unlock_vault(&location, &passphrase, now).map_err(|e| {
        if e.code == ErrorCode::WrongPassphrase {
            AppError::new(
                ErrorCode::VaultDamaged,
                format!(
                    "{} is not the demo vault (its passphrase is not the demo one): move it \
                     away to start a new demo.",
                    location.dir().display()
                ),
            )
        } else {
            e
        }
    })?;
    if !session.is_demo() {
        return Err(AppError::new(
            ErrorCode::VaultDamaged,
            format!(
                "{} is not marked as the demo vault: it is left alone.",
                location.dir().display()
            ),
        ));
    }
    Ok((session, false))
}

/// Whether an open vault carries the demo mark (for checks that hold a `Vault`, not a session).
pub(crate) fn is_demo_vault(vault: &Vault) -> Result<bool, AppError> {
    Ok(vault.setting(DEMO_SETTING)?.is_some())
}

/// Refuses demo-only work (demo money, the sandbox step-up waiver) in a real vault.
pub(crate) fn require_demo(session: &Session, what: &str) -> Result<(), AppError> {
    if session.is_demo() {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("{what} belongs to the demo vault only; this is your real vault."),
        ))
    }
}

/// Marks an open vault as a demo vault, for fixtures that build a demo history at a path of
/// their own (the WebDriver test's trusted vault): never called by a front end.
#[doc(hidden)]
pub fn mark_fixture_as_demo(session: &mut Session, now: DateTime<Utc>) -> Result<(), AppError> {
    session
        .vault_at(now)
        .set_setting(DEMO_SETTING, "sandbox", now)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    session.demo = true;
    Ok(())
}
