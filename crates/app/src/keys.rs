//! Use cases on the vault's keys: change the passphrase, rotate the data key, export it.
//!
//! A passphrase change only re-wraps the data key (instant; the database is untouched). A
//! rotation re-encrypts every page under a new data key (`PRAGMA rekey`) and is crash-safe in
//! the vault crate. Exporting the raw data key is the user's way out of Tipvault: with it any
//! SQLCipher 4 client opens the vault, so front ends must ask for the passphrase again first.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;
use tipvault_vault::{AuditEvent, RotationProgress};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::error::AppError;
use crate::location::VaultLocation;
use crate::session::{KdfChoice, Session, unlock_vault};
use crate::view::KdfView;

/// Replaces the passphrase; `current` must be the passphrase in use.
pub fn change_passphrase(
    session: &mut Session,
    current: &SecretString,
    new: &SecretString,
    kdf: KdfChoice,
    now: DateTime<Utc>,
) -> Result<KdfView, AppError> {
    crate::passphrase::check_new_passphrase(new)?;
    let (params, _) = kdf.params()?;
    session
        .vault_at(now)
        .change_passphrase(current, new, params, now)?;
    Ok(params.into())
}

/// Progress of a key rotation, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum RekeyProgress {
    Checkpointing,
    Rekeying { pages: u64 },
    Finalizing,
    Done { generation: u64 },
}

impl From<RotationProgress> for RekeyProgress {
    fn from(p: RotationProgress) -> Self {
        match p {
            RotationProgress::Checkpointing => Self::Checkpointing,
            RotationProgress::Rekeying { pages } => Self::Rekeying { pages },
            RotationProgress::Finalizing => Self::Finalizing,
            RotationProgress::Done { generation } => Self::Done { generation },
        }
    }
}

/// The result of a key rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Rekeyed {
    pub generation: u64,
    pub pages: u64,
    pub elapsed_ms: u64,
}

/// Re-encrypts the whole vault under a new random data key.
pub fn rotate_data_key(
    session: &mut Session,
    now: DateTime<Utc>,
    mut progress: impl FnMut(RekeyProgress),
) -> Result<Rekeyed, AppError> {
    let report = session
        .vault_at(now)
        .rotate_key(now, |p| progress(p.into()))?;
    Ok(Rekeyed {
        generation: report.generation,
        pages: report.pages,
        elapsed_ms: u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX),
    })
}

/// What replacing the vault key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VaultKeyReplacedView {
    /// Security keys that still unlock (they answered during the replacement).
    pub security_keys_kept: u32,
    /// Unlock slots dropped (keys that were not asked).
    pub slots_dropped: u32,
    pub data_key_generation: u64,
}

/// Replaces the vault key (and then the data key) on request: after this, no copy of the key
/// file taken before opens the vault as it is now, with any passphrase or key that opened that
/// copy. Needs the passphrase (it seals the new key); security keys in `others` that answer
/// keep unlocking, the others lose their unlock slot. Audited.
pub fn replace_vault_key(
    session: &mut Session,
    passphrase: &SecretString,
    others: &mut [&mut dyn tipvault_auth::Authenticator],
    now: DateTime<Utc>,
) -> Result<VaultKeyReplacedView, AppError> {
    crate::reauth::confirm(
        session,
        Some(crate::reauth::Proof::Passphrase(passphrase)),
        &crate::reauth::Sensitive::ReplaceVaultKey,
        now,
    )?;
    let keep = crate::security_keys::unlock::unlock_keks(session, others, None, now)?;
    let replaced = session
        .vault_at(now)
        .replace_vault_key(passphrase, keep, now, |_| {})?;
    Ok(VaultKeyReplacedView {
        security_keys_kept: replaced.security_key_slots_kept,
        slots_dropped: replaced.slots_dropped,
        data_key_generation: replaced.data_key_generation,
    })
}

/// The raw data key (hex), after proving the passphrase again. Recorded in the audit log.
///
/// Takes the location rather than a session on purpose: it always unlocks afresh, so an
/// unlocked window left unattended is not enough to take the key.
pub fn export_data_key(
    location: &VaultLocation,
    passphrase: &SecretString,
    now: DateTime<Utc>,
) -> Result<(Session, Zeroizing<String>), AppError> {
    let (mut session, _) = unlock_vault(location, passphrase, now)?;
    let vault = session.vault_at(now);
    vault.audit_append(&AuditEvent::new("vault.key_exported", json!({}))?, now)?;
    let key = vault.export_key();
    Ok((session, key))
}
