//! The proof the window's "Confirm it's you" dialog collects for a sensitive change
//! (`tipvault_app::reauth`): the passphrase, or a registered key to touch.
//!
//! The one decision to know: the dialog's answer arrives with the command that needs it and is
//! turned into a proof here, at once (the passphrase into a `SecretString`), for that one call;
//! nothing is kept for the next change, so every sensitive change asks again.

use std::path::Path;

use serde::Deserialize;
use tauri::{AppHandle, Runtime};
use tipvault_app::{AppError, Proof, SecretString};

use crate::keys::{Device, Purpose, open};

/// What the dialog returns: a passphrase, or a kind of device (and its PIN).
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ReauthInput {
    #[ts(optional = nullable)]
    passphrase: Option<String>,
    #[ts(optional = nullable)]
    device: Option<Device>,
    #[ts(optional = nullable)]
    pin: Option<String>,
}

/// Runs `work` with the proof in `input` (none when the window sent none: the app then answers
/// `reauth_required` if the change needs one, and the window asks).
pub(crate) fn with_proof<R: Runtime, T>(
    handle: &AppHandle<R>,
    vault_dir: &Path,
    input: Option<ReauthInput>,
    work: impl FnOnce(Option<Proof<'_>>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let Some(input) = input else {
        return work(None);
    };
    if let Some(passphrase) = input.passphrase.filter(|p| !p.is_empty()) {
        let passphrase = SecretString::from(passphrase);
        return work(Some(Proof::Passphrase(&passphrase)));
    }
    if let Some(device) = input.device {
        let mut authenticator = open(handle, vault_dir, device, input.pin, Purpose::Use)?;
        return work(Some(Proof::SecurityKey(&mut *authenticator)));
    }
    work(None)
}

/// The passphrase in `input`, for a change that needs it (removing a key replaces the vault
/// key, which only the passphrase can seal).
pub(crate) fn passphrase(input: Option<ReauthInput>) -> Option<SecretString> {
    input
        .and_then(|i| i.passphrase)
        .filter(|p| !p.is_empty())
        .map(SecretString::from)
}
