//! The credential store over the vault, and what every security-key use case shares: views,
//! the mapping of ceremony errors, audit of each step and refusal, the relying party.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_auth::{
    AuthenticatorError, CeremonyError, CredentialId, CredentialRecord, CredentialStore,
    HmacSecretSalt, RelyingParty, UserIdentity, unlock::UnlockError as KeyUnlockError,
};
use tipvault_vault::{SecurityKeyError, StoreError, StoredSecurityKey, Vault};
use ts_rs::TS;

use crate::audit;
use crate::error::{AppError, ErrorCode, sentence};
use crate::session::Session;

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

/// A time a security-key record keeps (Unix seconds), or an error: a damaged time is never
/// read as another date (as the vault's own columns are read, `tipvault_vault::columns`).
pub(crate) fn time(secs: i64) -> Result<DateTime<Utc>, AppError> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A security key's record keeps {secs} as a time, which is not one."),
        )
    })
}

pub(crate) fn view(
    record: &CredentialRecord,
    can_unlock: bool,
) -> Result<SecurityKeyView, AppError> {
    Ok(SecurityKeyView {
        id: record.id.to_base64url(),
        label: record.label.clone(),
        device: record.device.clone(),
        is_test_device: record.is_test_device,
        can_unlock,
        created_at: time(record.created_at)?,
        last_used_at: record.last_used_at.map(time).transpose()?,
        sign_count: record.sign_count,
    })
}

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
            created_at: time(record.created_at)
                .map_err(|e| CredentialStoreError::Decode(e.message))?,
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

/// A short, stable reason code for the audit log.
pub(crate) fn ceremony_reason(error: &CeremonyError) -> &'static str {
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

pub(crate) fn key_unlock_reason(error: &KeyUnlockError) -> &'static str {
    match error {
        KeyUnlockError::Authenticator(e) => authenticator_reason(e),
        KeyUnlockError::WrongCredential => "wrong_credential",
        KeyUnlockError::WrongRelyingParty => "wrong_relying_party",
        KeyUnlockError::UserNotVerified => "user_not_verified",
        KeyUnlockError::NoHmacSecret => "no_hmac_secret",
        KeyUnlockError::Kek(_) => "kek",
    }
}

pub(crate) fn authenticator_error(error: &AuthenticatorError) -> AppError {
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

/// Records a refusal, then returns the error the user sees. If the audit write itself fails,
/// that failure is reported instead: a refusal that cannot be recorded must not look recorded.
pub(crate) fn refused(
    vault: &mut Vault,
    kind: &str,
    reason: &str,
    mut detail: serde_json::Value,
    error: AppError,
    now: DateTime<Utc>,
) -> AppError {
    detail["reason"] = json!(reason);
    detail["message"] = json!(error.message);
    match audit::append(vault, kind, detail, now) {
        Ok(()) => error,
        Err(audit_error) => audit_error,
    }
}

/// A test device (the software authenticator) asked to act on a real vault.
pub(crate) fn test_device_refused(what: &str) -> AppError {
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
pub(crate) fn real_provider(
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
pub(crate) fn session_is_demo(vault: &Vault) -> Result<bool, CeremonyError> {
    crate::demo::is_demo_vault(vault).map_err(|e| CeremonyError::Internal(e.message))
}

pub(crate) fn relying_party() -> Result<RelyingParty, AppError> {
    RelyingParty::desktop().map_err(AppError::from)
}

/// The vault's WebAuthn user: a random handle made once per vault (not the vault id: a
/// resident credential shows its handle to anyone holding the key).
pub(crate) fn user_identity(
    vault: &mut Vault,
    now: DateTime<Utc>,
) -> Result<UserIdentity, AppError> {
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
pub(crate) fn resolve(
    records: &[CredentialRecord],
    id: &str,
) -> Result<CredentialRecord, AppError> {
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
            format!("No registered security key has the id {id:?}."),
        )),
        _ => Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("More than one security key id starts with {id:?}; give more of it."),
        )),
    }
}
