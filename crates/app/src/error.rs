//! The error shape every front end receives: a stable `code` to switch on, a message for
//! people, and what to do next as data ([`Hint`]).
//!
//! Front ends never match on message text: the UI translates by `code`, the CLI prints the
//! message and maps the code to an exit status. Add a code only when a consumer needs to tell
//! it apart from the others. Messages come from the typed errors below and never contain a
//! secret or bytes read from a damaged file (the vault crate guarantees that for its errors).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_vault::{
    AuditError, CreateError, KeyChangeError, LedgerError, RetentionError, StoreError, UnlockError,
};
use ts_rs::TS;

/// What went wrong, in a form a program can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The vault's location could not be determined or is not usable.
    VaultLocation,
    /// There is no vault at the location (create one first).
    NoVault,
    /// There is already a vault at the location (creating would overwrite it).
    VaultExists,
    /// The passphrase did not open the vault. Nothing was changed.
    WrongPassphrase,
    /// Too many wrong passphrases: the next attempt is allowed at `retry_after`.
    Throttled,
    /// A vault file is damaged, tampered with, or mixed up with another vault's.
    VaultDamaged,
    /// A vault file was written by a newer Tipvault.
    VaultTooNew,
    /// Another process has the vault open.
    VaultInUse,
    /// The vault is locked (the desktop's session ended or was never opened).
    VaultLocked,
    /// A new passphrase is too short or too easy to guess.
    WeakPassphrase,
    /// The input was refused (an empty passphrase, an unknown retention class, a bad duration).
    InvalidInput,
    /// Reading or writing a file failed for a reason outside Tipvault (permissions, disk).
    Io,
    /// The user cancelled a long task (an import); nothing was written.
    Cancelled,
    /// No security key can be used: none is registered for this vault, no device answered, or
    /// this build has no security-key support. The passphrase still works.
    SecurityKeyUnavailable,
    /// A security key's answer was refused (another or a removed key, a cloned key whose
    /// counter went backwards, a replayed or foreign response, no PIN or biometric). Recorded
    /// in the audit log when the vault was open.
    SecurityKeyRefused,
    /// A redemption was stopped before sending: the provider's catalog changed (a fee, a
    /// product, an amount rule) or expired since the preview. Nothing was sent.
    PlanChanged,
    /// The risk check wants this exact plan (or limit change) confirmed with a security key
    /// first (`tipvault verify ID`); nothing was sent. The message lists the reasons.
    StepUpRequired,
    /// The risk check paused the redemption (an unattended run, a clock set back): it waits,
    /// durably, until it is verified or cancelled. Nothing was sent.
    Paused,
    /// The risk check refused the redemption (over a limit, a malformed plan); nothing was
    /// sent or queued. The message lists the reasons.
    RiskRefused,
    /// A provider could not be reached or refused the request.
    Provider,
    /// A signature, receipt or evidence bundle does not verify (tampered or not genuine).
    NotVerified,
    /// A sensitive change (a key, retention, a limit raise, a waiver, a provider, the raw key)
    /// needs the user to confirm it is them: the passphrase, or a registered security key. Ask,
    /// then call again with the proof; nothing was changed.
    ReauthRequired,
    /// A provider's signing key must be confirmed by the user before it is trusted (the first
    /// time, or because it changed): compare its fingerprint, then add it again with it.
    ConfirmProviderKey,
    /// A failure that is not the user's to fix (a bug, or the operating system's random source).
    Internal,
}

/// What the user can do next about an error, as data: each front end says it its own way (the
/// command line as a `tipvault …` command, the desktop as a translated sentence or button), so
/// no message of the app names a command-line flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// Name where the vault lives (no home directory was found).
    NameVault,
    /// Add a provider, or try the demo.
    AddProvider,
    /// Several providers (or their catalogs) qualify: name one.
    ChooseProvider,
    /// Pair this device with `provider` (with the code the provider gave).
    PairProvider { provider: String },
    /// Import the provider's catalog from a file.
    ImportCatalog,
    /// Look the product up in the catalogs.
    ListProducts,
    /// Look the source (a platform account) up among the vault's sources.
    ListSources,
    /// Give the destination `field` (a phone number, an account) for `product`.
    GiveDestination { product: String, field: String },
    /// Confirm the held redemption with a security key, or cancel it.
    VerifyOrCancel { redemption: String },
    /// Cancel the redemption, whose plan changed after it was held, and plan it again.
    CancelAndReplan { redemption: String },
    /// Send the redemption first: it is verified only if the risk check asks.
    SendFirst { redemption: String },
    /// Remove the security key whose registration failed part-way.
    RemoveSecurityKey { id: String },
    /// Compare the provider's key fingerprint with the one it publishes; if they match, add
    /// the provider at `url` again with it. `changed`: a key other than the pinned one.
    ConfirmProviderKey {
        provider: String,
        url: String,
        fingerprint: String,
        changed: bool,
    },
}

/// An error as the front ends see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, TS)]
#[ts(export)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// For `throttled` and `wrong_passphrase`: when the next attempt is allowed.
    pub retry_after: Option<DateTime<Utc>>,
    /// What the user can do next, when the app knows. Boxed: every `Result` of the app carries
    /// this type, and a hint is the rare, large part.
    pub hint: Option<Box<Hint>>,
    /// For refused input: the name of the input field at fault (as the use case's input type
    /// names it, e.g. `label` or `currency`), so a form shows the error beside that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<&'static str>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
            hint: None,
            field: None,
        }
    }

    /// Refused input: the front end shows it beside what the user typed.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// Names the input field at fault.
    #[must_use]
    pub fn in_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// Adds what the user can do next.
    #[must_use]
    pub fn with_hint(mut self, hint: Hint) -> Self {
        self.hint = Some(Box::new(hint));
        self
    }

    fn with_retry(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.retry_after = at;
        self
    }
}

/// Capitalises the first letter: the vault crate's messages are clauses, ours are sentences.
pub(crate) fn sentence(err: &dyn std::fmt::Display) -> String {
    let text = err.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let mut s: String = first.to_uppercase().collect();
            s.push_str(chars.as_str());
            if !s.ends_with('.') {
                s.push('.');
            }
            s
        }
        None => text,
    }
}

impl From<UnlockError> for AppError {
    fn from(err: UnlockError) -> Self {
        let code = match &err {
            UnlockError::WrongPassphrase { retry_after } => {
                return AppError::new(ErrorCode::WrongPassphrase, sentence(&err))
                    .with_retry(*retry_after);
            }
            UnlockError::Throttled { retry_after } => {
                return AppError::new(ErrorCode::Throttled, sentence(&err))
                    .with_retry(Some(*retry_after));
            }
            UnlockError::NotAVault { .. } => ErrorCode::NoVault,
            UnlockError::Damaged { .. } | UnlockError::Mismatch { .. } => ErrorCode::VaultDamaged,
            UnlockError::Locked { .. } | UnlockError::ChangedElsewhere => ErrorCode::VaultInUse,
            UnlockError::TooNew { .. } => ErrorCode::VaultTooNew,
            UnlockError::NoPassphraseSlot => ErrorCode::InvalidInput,
            UnlockError::NoSecurityKeySlot => ErrorCode::SecurityKeyUnavailable,
            UnlockError::WrongSecurityKey => ErrorCode::SecurityKeyRefused,
            UnlockError::Io { .. } => ErrorCode::Io,
            UnlockError::Kdf(_) | UnlockError::Random(_) => ErrorCode::Internal,
        };
        AppError::new(code, sentence(&err))
    }
}

impl From<CreateError> for AppError {
    fn from(err: CreateError) -> Self {
        let code = match &err {
            CreateError::EmptyPassphrase => ErrorCode::InvalidInput,
            CreateError::AlreadyExists { .. } => ErrorCode::VaultExists,
            CreateError::Io { .. } => ErrorCode::Io,
            CreateError::Store(e) => return store_code(e, sentence(&err)),
            CreateError::Kdf(_) | CreateError::Random(_) => ErrorCode::Internal,
        };
        AppError::new(code, sentence(&err))
    }
}

fn store_code(err: &StoreError, message: String) -> AppError {
    let code = match err {
        StoreError::Damaged { .. } => ErrorCode::VaultDamaged,
        StoreError::Io { .. } => ErrorCode::Io,
        StoreError::Sql(_) => ErrorCode::Internal,
    };
    AppError::new(code, message)
}

/// A provider exchange that failed: the one mapping of the client's errors (a refusal, a bad
/// signature, no answer…) to what the user is told.
impl From<tipvault_wire::client::ClientError> for AppError {
    fn from(err: tipvault_wire::client::ClientError) -> Self {
        AppError::new(ErrorCode::Provider, sentence(&err))
    }
}

/// A protocol body that could not be written (never expected: protocol types always
/// serialise); nothing was sent, signed or stored in its place.
impl From<tipvault_wire::protocol::ProtocolError> for AppError {
    fn from(e: tipvault_wire::protocol::ProtocolError) -> Self {
        AppError::new(ErrorCode::Internal, sentence(&e))
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        let message = sentence(&err);
        store_code(&err, message)
    }
}

impl From<KeyChangeError> for AppError {
    fn from(err: KeyChangeError) -> Self {
        let code = match &err {
            KeyChangeError::EmptyPassphrase => ErrorCode::InvalidInput,
            KeyChangeError::WrongPassphrase => ErrorCode::WrongPassphrase,
            KeyChangeError::Throttled { retry_after } => {
                return AppError::new(ErrorCode::Throttled, sentence(&err))
                    .with_retry(Some(*retry_after));
            }
            KeyChangeError::Io { .. } => ErrorCode::Io,
            KeyChangeError::Store(e) => return store_code(e, sentence(&err)),
            KeyChangeError::Kdf(_) | KeyChangeError::Random(_) => ErrorCode::Internal,
            KeyChangeError::SecurityKeySlotExists | KeyChangeError::LastPassphraseSlot => {
                ErrorCode::InvalidInput
            }
            KeyChangeError::ChangedElsewhere => ErrorCode::VaultInUse,
        };
        AppError::new(code, sentence(&err))
    }
}

impl From<RetentionError> for AppError {
    fn from(err: RetentionError) -> Self {
        match &err {
            RetentionError::UnknownClass(_)
            | RetentionError::InvalidDuration
            | RetentionError::Fixed(_)
            | RetentionError::BelowFloor { .. } => {
                AppError::new(ErrorCode::InvalidInput, sentence(&err))
            }
            RetentionError::Store(e) => store_code(e, sentence(&err)),
        }
    }
}

impl From<AuditError> for AppError {
    fn from(err: AuditError) -> Self {
        match &err {
            AuditError::Store(e) => store_code(e, sentence(&err)),
            AuditError::InvalidKind | AuditError::DetailTooLarge => {
                AppError::new(ErrorCode::Internal, sentence(&err))
            }
        }
    }
}

impl From<LedgerError> for AppError {
    fn from(err: LedgerError) -> Self {
        let code = match &err {
            LedgerError::UnknownSource(_)
            | LedgerError::SourceExists(_)
            | LedgerError::ThresholdCurrency { .. }
            | LedgerError::AmountTooLarge(_) => ErrorCode::InvalidInput,
            // The import pipeline only hands over entries of the source it was given.
            LedgerError::WrongSource { .. } => ErrorCode::Internal,
            // Another window or command wrote to the account meanwhile: try again.
            LedgerError::BooksChanged => ErrorCode::VaultInUse,
            LedgerError::Store(e) => return store_code(e, sentence(&err)),
        };
        AppError::new(code, sentence(&err))
    }
}

impl From<tipvault_ledger::ImportError> for AppError {
    fn from(err: tipvault_ledger::ImportError) -> Self {
        use tipvault_ledger::ImportError as E;
        let code = match &err {
            E::Io(_) => ErrorCode::Io,
            // Nothing was written, and the user asked for it: not a failure of Tipvault, but
            // the desktop needs to tell it apart from success, so it stays an error.
            E::Cancelled { .. } => ErrorCode::Cancelled,
            E::Sink(_) => ErrorCode::Internal,
            _ => ErrorCode::InvalidInput,
        };
        AppError::new(code, sentence(&err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_start_upper_case_and_end_with_a_full_stop() {
        assert_eq!(sentence(&"wrong passphrase"), "Wrong passphrase.");
        assert_eq!(sentence(&"done."), "Done.");
    }

    #[test]
    fn throttled_unlocks_carry_their_retry_time() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let err = AppError::from(UnlockError::Throttled { retry_after: at });
        assert_eq!(err.code, ErrorCode::Throttled);
        assert_eq!(err.retry_after, Some(at));
    }
}
