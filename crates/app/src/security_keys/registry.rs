//! Registering, listing, renaming and removing security keys (two touches to register; removal
//! replaces the vault key).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_auth::{Authenticator, CredentialId, CredentialRecord, CredentialStore, credential};
use tipvault_vault::Vault;
use ts_rs::TS;

use crate::audit;
use crate::error::{AppError, ErrorCode, sentence};
use crate::reauth::{self, Proof, Sensitive};
use crate::security_keys::unlock::{enrol_unlock, unlock_keks};
use crate::session::Session;
use secrecy::SecretString;

use crate::security_keys::credentials::{
    SecurityKeyView, VaultCredentials, ceremony_reason, refused, relying_party, resolve,
    test_device_refused, user_identity, view,
};

/// Registers `authenticator` (user verification required) and, if it has hmac-secret, enrols
/// it as a way to unlock the vault (a second touch). Every step and refusal is audited.
///
/// A sensitive change: `proof` (the passphrase, or another registered key) is checked first
/// ([`crate::reauth`]). A test device is refused in a real vault: its secrets sit in a file, so
/// it would let whoever copies that file unlock the vault and approve its money.
pub fn register_security_key(
    session: &mut Session,
    proof: Option<Proof<'_>>,
    authenticator: &mut dyn Authenticator,
    label: &str,
    now: DateTime<Utc>,
) -> Result<SecurityKeyView, AppError> {
    let rp = relying_party()?;
    let device = authenticator.info();
    let base =
        json!({"label": label, "device": device.label, "test_device": device.is_test_device});
    if device.is_test_device && !session.is_demo() {
        let vault = session.vault_at(now);
        return Err(refused(
            vault,
            "auth.register_refused",
            "test_device",
            base,
            test_device_refused("registered on"),
            now,
        ));
    }
    reauth::confirm(
        session,
        proof,
        &Sensitive::RegisterKey {
            label: label.trim().to_owned(),
        },
        now,
    )?;
    let vault = session.vault_at(now);
    let user = user_identity(vault, now)?;

    let registered = rp.register(
        &mut VaultCredentials::new(vault, now),
        authenticator,
        &user,
        label,
        now.timestamp(),
    );
    let record = match registered {
        Ok(record) => record,
        Err(e) => {
            let reason = ceremony_reason(&e);
            return Err(refused(
                vault,
                "auth.register_refused",
                reason,
                base,
                e.into(),
                now,
            ));
        }
    };
    let mut detail = base;
    detail["credential_id"] = json!(record.id.to_base64url());
    if let Err(mut error) = audit::append(vault, "auth.registered", detail.clone(), now) {
        // Stored but not logged (a write failed at the audit entry): a key the log does not
        // show must not stay registered.
        if !take_back(vault, &record, now) {
            error = half_registered(error, &record);
        }
        return Err(error);
    }

    if !record.hmac_secret {
        // Still good for step-up; it just cannot unlock.
        return view(&record, false);
    }
    if let Err(mut error) = enrol_unlock(vault, &rp, authenticator, &record, now) {
        // Do not leave a key half registered: take its slot (if the failure came after the
        // slot was written, e.g. a full disk at the audit entry) and its credential back out,
        // slot first as in `remove_security_key`, and say if that failed too.
        if !take_back(vault, &record, now) {
            error.0 = half_registered(error.0, &record);
        }
        return Err(refused(
            vault,
            "auth.enrol_refused",
            &error.1,
            detail,
            error.0,
            now,
        ));
    }
    let record = VaultCredentials::new(vault, now)
        .get(&record.id)
        .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?
        .unwrap_or(record);
    view(&record, true)
}

/// `error`, saying the key it left half registered could not be taken back out, and how to.
fn half_registered(mut error: AppError, record: &CredentialRecord) -> AppError {
    error
        .message
        .push_str(" The half-registered key could not be removed: remove it yourself.");
    error.with_hint(crate::error::Hint::RemoveSecurityKey {
        id: record.id.to_base64url(),
    })
}

/// Takes a key whose registration failed part-way back out: its unlock slot (if one was
/// written) first, as `remove_security_key` does, then its credential. False if either failed.
fn take_back(vault: &mut Vault, record: &CredentialRecord, now: DateTime<Utc>) -> bool {
    let slot = vault.remove_security_key_slot(record.id.as_bytes(), now);
    let credential = credential::remove(&mut VaultCredentials::new(vault, now), &record.id);
    slot.is_ok() && credential.is_ok()
}

/// The registered security keys, in registration order.
pub fn list_security_keys(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<SecurityKeyView>, AppError> {
    let vault = session.vault_at(now);
    let records = credential::list(&VaultCredentials::new(vault, now))
        .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?;
    records
        .iter()
        .map(|r| view(r, vault.has_security_key_slot(r.id.as_bytes())))
        .collect()
}

/// Gives a key a new label (in its record and on its unlock slot).
pub fn rename_security_key(
    session: &mut Session,
    id: &str,
    label: &str,
    now: DateTime<Utc>,
) -> Result<SecurityKeyView, AppError> {
    let vault = session.vault_at(now);
    let records = credential::list(&VaultCredentials::new(vault, now))
        .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?;
    let record = resolve(&records, id)?;
    let renamed = credential::rename(&mut VaultCredentials::new(vault, now), &record.id, label)
        .map_err(|e| match e {
            credential::ManageError::InvalidLabel | credential::ManageError::NotFound => {
                AppError::new(ErrorCode::InvalidInput, sentence(&e))
            }
            other => AppError::new(ErrorCode::Internal, sentence(&other)),
        })?;
    vault.rename_security_key_slot(renamed.id.as_bytes(), &renamed.label)?;
    audit::append(
        vault,
        "auth.renamed",
        json!({"credential_id": renamed.id.to_base64url(), "from": record.label, "to": renamed.label}),
        now,
    )?;
    view(&renamed, vault.has_security_key_slot(renamed.id.as_bytes()))
}

/// What removing a key did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SecurityKeyRemoved {
    pub key: SecurityKeyView,
    /// Other keys whose unlock slot was re-sealed under the new vault key (they were asked).
    pub unlock_kept: Vec<String>,
    /// Other keys that can no longer unlock (they were not asked); they still approve step-ups,
    /// and `enable_security_key_unlock` gives them an unlock slot again.
    pub unlock_dropped: Vec<String>,
    /// The data key's generation after the rotation.
    pub data_key_generation: u64,
}

/// Removes a key and replaces the vault key, so that no copy of the key file taken while the
/// key could unlock opens the vault as it is after this: a new vault key is sealed under
/// `passphrase` (needed for that: it is the re-authentication too) and
/// under each key of `others` that answers now, and the data key is rotated under it. Keys not
/// in `others` lose their unlock slot (not their registration). Audited.
pub fn remove_security_key(
    session: &mut Session,
    passphrase: Option<&SecretString>,
    id: &str,
    others: &mut [&mut dyn Authenticator],
    now: DateTime<Utc>,
) -> Result<SecurityKeyRemoved, AppError> {
    let records = {
        let vault = session.vault_at(now);
        credential::list(&VaultCredentials::new(vault, now))
            .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?
    };
    let record = resolve(&records, id)?;
    let change = Sensitive::RemoveKey {
        id: record.id.to_base64url(),
    };
    let Some(passphrase) = passphrase else {
        return Err(AppError::new(
            ErrorCode::ReauthRequired,
            "Removing a security key replaces the vault key, which needs your passphrase. \
             Nothing was changed.",
        ));
    };
    reauth::confirm(session, Some(Proof::Passphrase(passphrase)), &change, now)?;
    // The keys that should keep unlocking answer now, before anything changes.
    let answered = unlock_keks(session, others, Some(&record.id), now)?;
    let kept_ids: Vec<String> = answered
        .iter()
        .map(|(id, _)| CredentialId::new(id.clone()).to_base64url())
        .collect();
    let keep = answered;
    let vault = session.vault_at(now);
    let slots = vault.open_security_key_slots();
    let dropped: Vec<String> = slots
        .slots
        .iter()
        .map(|s| CredentialId::new(s.credential_id.clone()).to_base64url())
        .filter(|c| *c != record.id.to_base64url() && !kept_ids.contains(c))
        .collect();
    // The vault key first: one atomic write drops the removed key's slot with every slot not
    // re-sealed, and the data-key rotation it owes follows (an unlock finishes it after a
    // crash). If this fails, nothing of the removal happened and it can simply be run again.
    let slot_removed = vault.has_security_key_slot(record.id.as_bytes());
    let replaced = vault.replace_vault_key(passphrase, keep, now, |_| {})?;
    // Then its record: from here it approves nothing either.
    credential::remove(&mut VaultCredentials::new(vault, now), &record.id)
        .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?;
    audit::append(
        vault,
        "auth.removed",
        json!({"credential_id": record.id.to_base64url(), "label": record.label,
               "slot_removed": slot_removed, "unlock_kept": kept_ids,
               "unlock_dropped": dropped, "data_key_generation": replaced.data_key_generation}),
        now,
    )?;
    Ok(SecurityKeyRemoved {
        key: view(&record, false)?,
        unlock_kept: kept_ids,
        unlock_dropped: dropped,
        data_key_generation: replaced.data_key_generation,
    })
}
