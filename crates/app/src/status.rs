//! What state the vault is in, without unlocking it.
//!
//! This is the first question every front end asks: it decides whether the user sees
//! "create a vault" or "unlock". It reads only the key sidecar's public fields and the unlock
//! throttle, never key material.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_vault::{SlotInfo, Vault};
use ts_rs::TS;

use crate::error::AppError;
use crate::location::VaultLocation;
use crate::view::KdfView;

/// Whether there is a vault at the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// Nothing there yet: the user is offered to create a vault.
    Absent,
    /// A vault exists and must be unlocked before use.
    Locked,
}

/// The answer to "is there a vault, and where?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VaultStatus {
    pub state: VaultState,
    pub path: String,
    /// The passphrase slot's Argon2id cost, when there is a vault.
    pub kdf: Option<KdfView>,
    /// Labels of the registered security keys.
    pub security_keys: Vec<String>,
    /// When the next unlock attempt is allowed, after wrong passphrases.
    pub retry_after: Option<DateTime<Utc>>,
}

/// Looks at the vault location and reports its state.
pub fn vault_status(location: &VaultLocation, now: DateTime<Utc>) -> Result<VaultStatus, AppError> {
    let path = location.dir().display().to_string();
    let status = match Vault::status(location.dir(), now)? {
        tipvault_vault::VaultStatus::Absent => VaultStatus {
            state: VaultState::Absent,
            path,
            kdf: None,
            security_keys: Vec::new(),
            retry_after: None,
        },
        tipvault_vault::VaultStatus::Present(info) => {
            let mut kdf = None;
            let mut security_keys = Vec::new();
            for slot in info.slots {
                match slot {
                    SlotInfo::Passphrase { kdf: params, .. } => kdf = Some(params.into()),
                    SlotInfo::SecurityKey { label } => security_keys.push(label),
                }
            }
            VaultStatus {
                state: VaultState::Locked,
                path,
                kdf,
                security_keys,
                retry_after: info.retry_after,
            }
        }
    };
    Ok(status)
}
