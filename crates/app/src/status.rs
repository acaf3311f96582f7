//! What state the vault is in, without unlocking it.
//!
//! This is the first question every front end asks: it decides whether the user sees
//! "create a vault" or "unlock". It reads only file metadata, never key material.

use serde::Serialize;

use crate::error::{AppError, ErrorCode};
use crate::location::VaultLocation;

/// Whether there is a vault at the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// Nothing there yet: the user is offered to create a vault.
    Absent,
    /// A vault exists and must be unlocked before use.
    Locked,
}

/// The answer to "is there a vault, and where?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    pub state: VaultState,
    pub path: String,
}

/// The file whose presence marks a directory as a vault (the key sidecar).
pub(crate) const SIDECAR_FILE: &str = "vault.keys";

/// Looks at the vault location and reports its state.
pub fn vault_status(location: &VaultLocation) -> Result<VaultStatus, AppError> {
    let sidecar = location.dir().join(SIDECAR_FILE);
    let state = match std::fs::metadata(&sidecar) {
        Ok(meta) if meta.is_file() => VaultState::Locked,
        Ok(_) => {
            return Err(AppError::new(
                ErrorCode::VaultLocation,
                format!("{} exists but is not a file.", sidecar.display()),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => VaultState::Absent,
        Err(e) => {
            return Err(AppError::new(
                ErrorCode::Io,
                format!("Could not read {}: {e}", sidecar.display()),
            ));
        }
    };
    Ok(VaultStatus {
        state,
        path: location.dir().display().to_string(),
    })
}
