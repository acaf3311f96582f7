//! Unlocking the vault with a security key, and enabling a registered key to unlock.

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_auth::{
    Authenticator, AuthenticatorError, CeremonyError, CredentialId, CredentialRecord,
    HmacSecretSalt, credential, unlock::UnlockError as KeyUnlockError, unlock_assertion,
};
use tipvault_vault::Vault;
use zeroize::Zeroizing;

use crate::audit;
use crate::error::{AppError, ErrorCode, sentence};
use crate::location::VaultLocation;
use crate::reauth::{self, Proof, Sensitive};
use crate::security_keys::credentials::{authenticator_error, key_unlock_reason};
use crate::session::{LockReason, Session, Unlocked, opened};
use tipvault_auth::RelyingParty;

use crate::security_keys::credentials::{
    SecurityKeyView, VaultCredentials, ceremony_reason, refused, relying_party, session_is_demo,
    test_device_refused, view,
};

/// A security key's credential id and the KEK its hmac-secret gave for its unlock slot now.
pub(crate) type UnlockKek = (Vec<u8>, Zeroizing<[u8; 32]>);

/// Asks each of `devices` for the KEK of its unlock slot (one touch each), verifying every
/// answer against the stored record; `except` is skipped (the key being removed). A device
/// that holds none of the slots' credentials is passed over. The KEKs seal the new vault key
/// when it is replaced.
pub(crate) fn unlock_keks(
    session: &mut Session,
    devices: &mut [&mut dyn Authenticator],
    except: Option<&CredentialId>,
    now: DateTime<Utc>,
) -> Result<Vec<UnlockKek>, AppError> {
    let rp = relying_party()?;
    let vault = session.vault_at(now);
    let vault_id = *vault.vault_id().as_bytes();
    let slots = vault.open_security_key_slots();
    let mut keks: Vec<UnlockKek> = Vec::new();
    for device in devices.iter_mut() {
        for slot in &slots.slots {
            if except.is_some_and(|e| e.as_bytes() == slot.credential_id.as_slice())
                || keks.iter().any(|(id, _)| *id == slot.credential_id)
            {
                continue;
            }
            let credential = CredentialId::new(slot.credential_id.clone());
            let salt = HmacSecretSalt::from_bytes(slot.prf_salt);
            match unlock_assertion(&mut **device, rp.config(), &credential, salt, &vault_id) {
                Ok(assertion) => {
                    rp.verify_unlock(
                        &mut VaultCredentials::new(vault, now),
                        &assertion.challenge,
                        assertion.response,
                        now.timestamp(),
                    )?;
                    keks.push((
                        slot.credential_id.clone(),
                        Zeroizing::new(*assertion.kek.as_bytes()),
                    ));
                    break;
                }
                Err(KeyUnlockError::Authenticator(AuthenticatorError::NoCredentials)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(keks)
}

/// Gives an already registered key an unlock slot again (after another key's removal replaced
/// the vault key, or for a key registered without one): a sensitive change, confirmed first.
pub fn enable_security_key_unlock(
    session: &mut Session,
    proof: Option<Proof<'_>>,
    authenticator: &mut dyn Authenticator,
    now: DateTime<Utc>,
) -> Result<SecurityKeyView, AppError> {
    let records = {
        let vault = session.vault_at(now);
        credential::list(&VaultCredentials::new(vault, now))
            .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?
    };
    if authenticator.info().is_test_device && !session.is_demo() {
        return Err(test_device_refused("used to unlock"));
    }
    let candidates: Vec<CredentialRecord> = {
        let vault = session.vault_at(now);
        records
            .into_iter()
            .filter(|r| r.hmac_secret && !vault.has_security_key_slot(r.id.as_bytes()))
            .collect()
    };
    if candidates.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Every registered key that can unlock already has its unlock slot.",
        ));
    }
    reauth::confirm(session, proof, &Sensitive::EnableUnlock, now)?;
    let rp = relying_party()?;
    let vault = session.vault_at(now);
    for record in &candidates {
        match enrol_unlock(vault, &rp, authenticator, record, now) {
            Ok(()) => {
                audit::append(
                    vault,
                    "auth.unlock_enabled",
                    json!({"credential_id": record.id.to_base64url(), "label": record.label}),
                    now,
                )?;
                return view(record, true);
            }
            // This device does not hold that credential: try the next.
            Err(failed) if failed.1 == "not_registered_on_device" => {}
            Err(failed) => return Err(failed.0),
        }
    }
    Err(AppError::new(
        ErrorCode::SecurityKeyRefused,
        "This security key is not one of the registered keys without an unlock slot.",
    ))
}

/// Unlocks the vault at `location` with a security key instead of the passphrase.
///
/// Tries every security-key slot the device holds a credential for; the first whose
/// hmac-secret opens its slot opens the vault. Then the assertion is verified against the
/// stored record (signature, challenge, replay, counter); a refusal is audited and the vault
/// locked again before anything else can use it.
pub fn unlock_with_security_key(
    location: &VaultLocation,
    authenticator: &mut dyn Authenticator,
    now: DateTime<Utc>,
) -> Result<(Session, Unlocked), AppError> {
    let slots = Vault::security_key_slots(location.dir())?;
    if slots.slots.is_empty() {
        return Err(AppError::new(
            ErrorCode::SecurityKeyUnavailable,
            "No security key is registered for this vault. Unlock with your passphrase and \
             register a key first.",
        ));
    }
    let rp = relying_party()?;
    let vault_id = *slots.vault_id.as_bytes();
    let mut found = None;
    for slot in &slots.slots {
        let credential = CredentialId::new(slot.credential_id.clone());
        let salt = HmacSecretSalt::from_bytes(slot.prf_salt);
        match unlock_assertion(authenticator, rp.config(), &credential, salt, &vault_id) {
            Ok(assertion) => {
                found = Some((credential, assertion));
                break;
            }
            // This device does not hold that slot's credential: try the next slot.
            Err(KeyUnlockError::Authenticator(AuthenticatorError::NoCredentials)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let Some((credential, assertion)) = found else {
        return Err(AppError::new(
            ErrorCode::SecurityKeyRefused,
            "This security key is not registered for this vault (it is another key, or it was \
             removed). Unlock with your passphrase.",
        ));
    };
    let kek = Zeroizing::new(*assertion.kek.as_bytes());
    drop(assertion.kek);
    let (vault, report) =
        Vault::unlock_with_security_key(location.dir(), credential.as_bytes(), kek, now)?;
    let mut session = Session::new(vault, now);

    let vault = session.vault_at(now);
    let verified = rp.verify_unlock(
        &mut VaultCredentials::new(vault, now),
        &assertion.challenge,
        assertion.response,
        now.timestamp(),
    );
    let test_device = authenticator.info().is_test_device;
    let verified = verified.and_then(|v| {
        // A test device's secrets sit in a file: it never opens a real vault (one registered
        // by an older version still has a slot; removing it replaces the vault key).
        if test_device && !session_is_demo(vault)? {
            Err(CeremonyError::Rejected(
                "a test device cannot unlock a real vault; unlock with your passphrase and \
                 remove it"
                    .into(),
            ))
        } else {
            Ok(v)
        }
    });
    match verified {
        Ok(verified) => {
            audit::append(
                vault,
                "auth.unlocked",
                json!({"credential_id": credential.to_base64url(), "counter": verified.counter}),
                now,
            )?;
            Ok(opened(location, session, report, now))
        }
        Err(e) => {
            let reason = ceremony_reason(&e);
            let error = refused(
                vault,
                "auth.unlock_refused",
                reason,
                json!({"credential_id": credential.to_base64url()}),
                e.into(),
                now,
            );
            // The keys are dropped whatever the lock reports; the refusal is what the user sees.
            let _ = session.lock(now, LockReason::SecurityKeyRefused);
            Err(error)
        }
    }
}

/// The second touch: a fresh salt, the hmac-secret over it, the KEK, a new sidecar slot.
pub(crate) fn enrol_unlock(
    vault: &mut Vault,
    rp: &RelyingParty,
    authenticator: &mut dyn Authenticator,
    record: &CredentialRecord,
    now: DateTime<Utc>,
) -> Result<(), Box<(AppError, String)>> {
    let salt = HmacSecretSalt::generate()
        .map_err(|e| Box::new((authenticator_error(&e), "random".to_owned())))?;
    let salt_bytes = *salt.as_bytes();
    let vault_id = *vault.vault_id().as_bytes();
    let assertion = unlock_assertion(authenticator, rp.config(), &record.id, salt, &vault_id)
        .map_err(|e| {
            let reason = key_unlock_reason(&e).to_owned();
            Box::new((AppError::from(e), reason))
        })?;
    rp.verify_unlock(
        &mut VaultCredentials::new(vault, now),
        &assertion.challenge,
        assertion.response,
        now.timestamp(),
    )
    .map_err(|e| {
        let reason = ceremony_reason(&e).to_owned();
        Box::new((AppError::from(e), reason))
    })?;
    let kek = Zeroizing::new(*assertion.kek.as_bytes());
    drop(assertion.kek);
    vault
        .add_security_key_slot(record.id.as_bytes(), salt_bytes, &record.label, kek, now)
        .map_err(|e| Box::new((AppError::from(e), "slot".to_owned())))
}
