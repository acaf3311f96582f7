//! Security keys: register, list, rename and remove them; unlock the vault with one; step-up
//! bound to a plan, and the conversion of an approval into the risk engine's `StepUpProof`.
//!
//! The decisions to know:
//! - **Two touches to register.** WebAuthn registration (UV required) creates the credential;
//!   CTAP 2.1 returns no hmac-secret output at creation, so a second assertion with a fresh salt
//!   yields the KEK that wraps the vault key in a new sidecar slot. That assertion is verified
//!   like any other (it sets the stored counter). If it fails, the credential is removed again
//!   so no key is half registered.
//! - **Unlock is verified after opening.** Before the vault opens, the credential records (with
//!   the public keys) are inside it, so the unlock only proves the hmac-secret (the slot's AEAD
//!   tag). Right after, the same assertion is verified against the stored record: signature,
//!   challenge, replay and counter. A cloned key passes the first step and fails the second;
//!   the refusal is audited and the session is locked before it is handed out.
//! - **Every step and refusal goes into the audit chain** while the vault is open (`auth.*`
//!   events with a `reason` code). A refusal before the vault opens (no matching key, a key
//!   that opens no slot) cannot be written anywhere inside the vault: it is only returned.
//! - **`StepUpProof` is made in two places only**: [`step_up_proof`], from a verified approval
//!   whose plan is the limit change's own plan ([`limit_change_plan`]), and `reauth_proof`, from
//!   a passphrase re-authentication given for exactly that change.
//! - **A test device acts only in the demo vault, and there only for sandbox money**: in a real
//!   vault it cannot register, unlock, approve or confirm anything (refused and audited).

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_auth::{
    Authenticator, AuthenticatorError, CeremonyError, CredentialId, CredentialRecord,
    CredentialStore, HmacSecretSalt, PlanAmount, PlanLeg, RelyingParty, StepUpApproval, StepUpPlan,
    UserIdentity, credential, unlock::UnlockError as KeyUnlockError, unlock_assertion,
};
use tipvault_risk::{LimitChange, StepUpProof};
use tipvault_vault::{AuditEvent, SecurityKeyError, StoreError, StoredSecurityKey, Vault};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::error::{AppError, ErrorCode, sentence};
use crate::location::VaultLocation;
use crate::reauth::{self, Proof, Sensitive};
use crate::session::{LockReason, Session, Unlocked, opened};
use secrecy::SecretString;

/// Setting that holds the vault's random WebAuthn user handle (hex).
const USER_HANDLE_SETTING: &str = "auth.user_handle";

/// A registered security key, as front ends show it (no key material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SecurityKeyView {
    /// The credential id (base64url): what `rename` and `remove` take.
    pub id: String,
    pub label: String,
    /// What the device called itself at registration.
    pub device: String,
    /// The software test authenticator: never for real money or a real vault.
    pub is_test_device: bool,
    /// The key has an unlock slot in the vault's key file.
    pub can_unlock: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Highest signature counter accepted so far.
    pub sign_count: u32,
}

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

impl From<&StepUpApproval> for StepUpView {
    fn from(approval: &StepUpApproval) -> Self {
        Self {
            plan_digest: approval.digest().to_hex(),
            credential_id: approval.credential_id().to_base64url(),
            approved_at: time(approval.approved_at()),
        }
    }
}

fn time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn view(record: &CredentialRecord, can_unlock: bool) -> SecurityKeyView {
    SecurityKeyView {
        id: record.id.to_base64url(),
        label: record.label.clone(),
        device: record.device.clone(),
        is_test_device: record.is_test_device,
        can_unlock,
        created_at: time(record.created_at),
        last_used_at: record.last_used_at.map(time),
        sign_count: record.sign_count,
    }
}

// ----- the credential store over the vault -------------------------------------------------

/// Why the vault-backed credential store failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Record(#[from] SecurityKeyError),
    #[error("a stored security-key record is unreadable: {0}")]
    Decode(String),
}

/// [`CredentialStore`] over the vault's `security_key` table: the records are JSON; the vault
/// enforces unique ids and a counter that never goes down.
pub struct VaultCredentials<'a> {
    vault: &'a mut Vault,
    now: DateTime<Utc>,
}

impl<'a> VaultCredentials<'a> {
    pub fn new(vault: &'a mut Vault, now: DateTime<Utc>) -> Self {
        Self { vault, now }
    }

    fn encode(record: &CredentialRecord) -> Result<StoredSecurityKey, CredentialStoreError> {
        Ok(StoredSecurityKey {
            credential_id: record.id.as_bytes().to_vec(),
            record: serde_json::to_string(record)
                .map_err(|e| CredentialStoreError::Decode(e.to_string()))?,
            sign_count: record.sign_count,
            created_at: time(record.created_at),
        })
    }

    fn decode(stored: StoredSecurityKey) -> Result<CredentialRecord, CredentialStoreError> {
        let record: CredentialRecord = serde_json::from_str(&stored.record)
            .map_err(|e| CredentialStoreError::Decode(e.to_string()))?;
        if record.id.as_bytes() != stored.credential_id.as_slice() {
            return Err(CredentialStoreError::Decode(
                "its id does not match its row".into(),
            ));
        }
        Ok(record)
    }
}

impl CredentialStore for VaultCredentials<'_> {
    type Error = CredentialStoreError;

    fn list(&self) -> Result<Vec<CredentialRecord>, Self::Error> {
        self.vault
            .security_keys()?
            .into_iter()
            .map(Self::decode)
            .collect()
    }

    fn get(&self, id: &CredentialId) -> Result<Option<CredentialRecord>, Self::Error> {
        self.vault
            .security_key(id.as_bytes())?
            .map(Self::decode)
            .transpose()
    }

    fn insert(&mut self, record: CredentialRecord) -> Result<(), Self::Error> {
        let stored = Self::encode(&record)?;
        Ok(self.vault.insert_security_key(&stored, self.now)?)
    }

    fn update(&mut self, record: &CredentialRecord) -> Result<(), Self::Error> {
        let stored = Self::encode(record)?;
        Ok(self.vault.update_security_key(&stored, self.now)?)
    }

    fn remove(&mut self, id: &CredentialId) -> Result<bool, Self::Error> {
        Ok(self.vault.delete_security_key(id.as_bytes())?)
    }
}

// ----- errors and audit ----------------------------------------------------------------------

/// A short, stable reason code for the audit log.
fn ceremony_reason(error: &CeremonyError) -> &'static str {
    match error {
        CeremonyError::Config(_) => "config",
        CeremonyError::Authenticator(e) => authenticator_reason(e),
        CeremonyError::NoCredentials => "no_credentials",
        CeremonyError::UserNotVerified => "user_not_verified",
        CeremonyError::WrongChallenge => "wrong_challenge",
        CeremonyError::WrongOrigin => "wrong_origin",
        CeremonyError::UnknownCredential => "unknown_credential",
        CeremonyError::ClonedAuthenticator { .. } => "cloned_authenticator",
        CeremonyError::Replayed => "replayed",
        CeremonyError::AlreadyRegistered => "already_registered",
        CeremonyError::Label(_) => "invalid_label",
        CeremonyError::Plan(_) => "invalid_plan",
        CeremonyError::Rejected(_) => "rejected",
        CeremonyError::Store(_) => "store",
        CeremonyError::Internal(_) => "internal",
    }
}

fn authenticator_reason(error: &AuthenticatorError) -> &'static str {
    match error {
        AuthenticatorError::NoCredentials => "not_registered_on_device",
        AuthenticatorError::AlreadyRegistered => "already_registered",
        AuthenticatorError::UnsupportedAlgorithm => "unsupported_algorithm",
        AuthenticatorError::Cancelled => "cancelled",
        AuthenticatorError::NoDevice => "no_device",
        AuthenticatorError::TimedOut => "timed_out",
        AuthenticatorError::Device(_) => "device",
        AuthenticatorError::State { .. } => "device_state",
        AuthenticatorError::Io(_) => "device_io",
        AuthenticatorError::Random => "random",
    }
}

fn key_unlock_reason(error: &KeyUnlockError) -> &'static str {
    match error {
        KeyUnlockError::Authenticator(e) => authenticator_reason(e),
        KeyUnlockError::WrongCredential => "wrong_credential",
        KeyUnlockError::WrongRelyingParty => "wrong_relying_party",
        KeyUnlockError::UserNotVerified => "user_not_verified",
        KeyUnlockError::NoHmacSecret => "no_hmac_secret",
        KeyUnlockError::Kek(_) => "kek",
    }
}

fn authenticator_error(error: &AuthenticatorError) -> AppError {
    let code = match error {
        AuthenticatorError::NoCredentials => ErrorCode::SecurityKeyRefused,
        AuthenticatorError::AlreadyRegistered => ErrorCode::InvalidInput,
        AuthenticatorError::Cancelled => ErrorCode::Cancelled,
        AuthenticatorError::Io(_) => ErrorCode::Io,
        AuthenticatorError::Random => ErrorCode::Internal,
        AuthenticatorError::UnsupportedAlgorithm
        | AuthenticatorError::NoDevice
        | AuthenticatorError::TimedOut
        | AuthenticatorError::Device(_)
        | AuthenticatorError::State { .. } => ErrorCode::SecurityKeyUnavailable,
    };
    AppError::new(code, sentence(error))
}

impl From<CeremonyError> for AppError {
    fn from(error: CeremonyError) -> Self {
        let code = match &error {
            CeremonyError::Authenticator(e) => return authenticator_error(e),
            CeremonyError::NoCredentials => ErrorCode::SecurityKeyUnavailable,
            CeremonyError::UserNotVerified
            | CeremonyError::WrongChallenge
            | CeremonyError::WrongOrigin
            | CeremonyError::UnknownCredential
            | CeremonyError::ClonedAuthenticator { .. }
            | CeremonyError::Replayed
            | CeremonyError::Rejected(_) => ErrorCode::SecurityKeyRefused,
            CeremonyError::AlreadyRegistered | CeremonyError::Label(_) | CeremonyError::Plan(_) => {
                ErrorCode::InvalidInput
            }
            CeremonyError::Config(_) | CeremonyError::Store(_) | CeremonyError::Internal(_) => {
                ErrorCode::Internal
            }
        };
        AppError::new(code, sentence(&error))
    }
}

impl From<KeyUnlockError> for AppError {
    fn from(error: KeyUnlockError) -> Self {
        let code = match &error {
            KeyUnlockError::Authenticator(e) => return authenticator_error(e),
            KeyUnlockError::Kek(_) => ErrorCode::Internal,
            _ => ErrorCode::SecurityKeyRefused,
        };
        AppError::new(code, sentence(&error))
    }
}

impl From<SecurityKeyError> for AppError {
    fn from(error: SecurityKeyError) -> Self {
        let code = match error {
            SecurityKeyError::Store(e) => return AppError::from(e),
            SecurityKeyError::Exists | SecurityKeyError::NotFound => ErrorCode::InvalidInput,
            SecurityKeyError::CounterBackwards { .. } => ErrorCode::SecurityKeyRefused,
        };
        AppError::new(code, sentence(&error))
    }
}

fn audit(
    vault: &mut Vault,
    kind: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    vault.audit_append(&AuditEvent::new(kind, detail)?, now)?;
    Ok(())
}

/// Records a refusal, then returns the error the user sees. If the audit write itself fails,
/// that failure is reported instead: a refusal that cannot be recorded must not look recorded.
fn refused(
    vault: &mut Vault,
    kind: &str,
    reason: &str,
    mut detail: serde_json::Value,
    error: AppError,
    now: DateTime<Utc>,
) -> AppError {
    detail["reason"] = json!(reason);
    detail["message"] = json!(error.message);
    match audit(vault, kind, detail, now) {
        Ok(()) => error,
        Err(audit_error) => audit_error,
    }
}

/// A test device (the software authenticator) asked to act on a real vault.
fn test_device_refused(what: &str) -> AppError {
    AppError::new(
        ErrorCode::SecurityKeyRefused,
        format!(
            "A test device cannot be {what} your real vault: its keys sit in a file anyone \
             who copies it can use. Use a security key (or your passphrase); the demo vault \
             accepts the test device."
        ),
    )
}

/// Whether `provider` is a provider the vault holds that is not a sandbox: money moves only
/// through a stored provider, so that is where real money could go. The changes Tipvault itself
/// asks keys to approve (`tipvault.local/…`: a limit, a re-authentication) name none.
fn real_provider(
    session: &mut Session,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(session
        .vault_at(now)
        .provider(provider, now)?
        .is_some_and(|p| !p.sandbox))
}

/// Whether an open vault is the demo vault (the session's mark, for code holding the vault).
fn session_is_demo(vault: &Vault) -> Result<bool, CeremonyError> {
    crate::demo::is_demo_vault(vault).map_err(|e| CeremonyError::Internal(e.message))
}

fn relying_party() -> Result<RelyingParty, AppError> {
    RelyingParty::desktop().map_err(AppError::from)
}

/// The vault's WebAuthn user: a random handle made once per vault (not the vault id: a
/// resident credential shows its handle to anyone holding the key).
fn user_identity(vault: &mut Vault, now: DateTime<Utc>) -> Result<UserIdentity, AppError> {
    let existing = vault.setting(USER_HANDLE_SETTING)?;
    let handle = match existing.as_deref().map(hex_16) {
        Some(Some(handle)) => handle,
        _ => {
            let mut handle = [0u8; 16];
            HmacSecretSalt::generate()
                .map(|salt| handle.copy_from_slice(&salt.as_bytes()[..16]))
                .map_err(|e| authenticator_error(&e))?;
            vault
                .set_setting(USER_HANDLE_SETTING, &hex::encode(handle), now)
                .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?;
            handle
        }
    };
    Ok(UserIdentity {
        id: handle,
        name: "tipvault-owner".into(),
        display_name: "Tipvault vault owner".into(),
    })
}

fn hex_16(text: &str) -> Option<[u8; 16]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Finds a registered key by its full id or a unique prefix of it (at least 4 characters).
fn resolve(records: &[CredentialRecord], id: &str) -> Result<CredentialRecord, AppError> {
    let id = id.trim();
    if let Some(record) = records.iter().find(|r| r.id.to_base64url() == id) {
        return Ok(record.clone());
    }
    let matches: Vec<_> = records
        .iter()
        .filter(|r| id.len() >= 4 && r.id.to_base64url().starts_with(id))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("No registered security key has the id {id:?} (see `auth list`)."),
        )),
        _ => Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("More than one security key id starts with {id:?}; give more of it."),
        )),
    }
}

// ----- use cases -------------------------------------------------------------------------------

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
    if let Err(mut error) = audit(vault, "auth.registered", detail.clone(), now) {
        // Stored but not logged (a write failed at the audit entry): a key the log does not
        // show must not stay registered.
        if !take_back(vault, &record, now) {
            error = half_registered(error, &record);
        }
        return Err(error);
    }

    if !record.hmac_secret {
        // Still good for step-up; it just cannot unlock.
        return Ok(view(&record, false));
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
    Ok(view(&record, true))
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

/// The second touch: a fresh salt, the hmac-secret over it, the KEK, a new sidecar slot.
fn enrol_unlock(
    vault: &mut Vault,
    rp: &RelyingParty,
    authenticator: &mut dyn Authenticator,
    record: &CredentialRecord,
    now: DateTime<Utc>,
) -> Result<(), (AppError, String)> {
    let salt =
        HmacSecretSalt::generate().map_err(|e| (authenticator_error(&e), "random".to_owned()))?;
    let salt_bytes = *salt.as_bytes();
    let vault_id = *vault.vault_id().as_bytes();
    let assertion = unlock_assertion(authenticator, rp.config(), &record.id, salt, &vault_id)
        .map_err(|e| {
            let reason = key_unlock_reason(&e).to_owned();
            (AppError::from(e), reason)
        })?;
    rp.verify_unlock(
        &mut VaultCredentials::new(vault, now),
        &assertion.challenge,
        assertion.response,
        now.timestamp(),
    )
    .map_err(|e| {
        let reason = ceremony_reason(&e).to_owned();
        (AppError::from(e), reason)
    })?;
    let kek = Zeroizing::new(*assertion.kek.as_bytes());
    drop(assertion.kek);
    vault
        .add_security_key_slot(record.id.as_bytes(), salt_bytes, &record.label, kek, now)
        .map_err(|e| (AppError::from(e), "slot".to_owned()))
}

/// The registered security keys, in registration order.
pub fn list_security_keys(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<SecurityKeyView>, AppError> {
    let vault = session.vault_at(now);
    let records = credential::list(&VaultCredentials::new(vault, now))
        .map_err(|e| AppError::new(ErrorCode::Internal, sentence(&e)))?;
    Ok(records
        .iter()
        .map(|r| view(r, vault.has_security_key_slot(r.id.as_bytes())))
        .collect())
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
    audit(
        vault,
        "auth.renamed",
        json!({"credential_id": renamed.id.to_base64url(), "from": record.label, "to": renamed.label}),
        now,
    )?;
    Ok(view(
        &renamed,
        vault.has_security_key_slot(renamed.id.as_bytes()),
    ))
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
    audit(
        vault,
        "auth.removed",
        json!({"credential_id": record.id.to_base64url(), "label": record.label,
               "slot_removed": slot_removed, "unlock_kept": kept_ids,
               "unlock_dropped": dropped, "data_key_generation": replaced.data_key_generation}),
        now,
    )?;
    Ok(SecurityKeyRemoved {
        key: view(&record, false),
        unlock_kept: kept_ids,
        unlock_dropped: dropped,
        data_key_generation: replaced.data_key_generation,
    })
}

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
                audit(
                    vault,
                    "auth.unlock_enabled",
                    json!({"credential_id": record.id.to_base64url(), "label": record.label}),
                    now,
                )?;
                return Ok(view(record, true));
            }
            // This device does not hold that credential: try the next.
            Err((_, reason)) if reason == "not_registered_on_device" => {}
            Err((error, _)) => return Err(error),
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
            "No security key is registered for this vault. Unlock with your passphrase and run \
             `auth register` first.",
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
            audit(
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
            audit(
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
        time(approval.approved_at()),
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
