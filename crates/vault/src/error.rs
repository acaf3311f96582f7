//! Error enums, one per family of operations, with variants a caller can act on.
//!
//! The one decision to know: messages say what happened and what the user can do; they never
//! contain key material, passphrases, or bytes read from a damaged or tampered file.

use std::fmt;
use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::kdf::KdfError;
use crate::key::RandomError;

/// Which file of a vault directory an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultFile {
    /// `vault.keys`, the wrapped keys.
    Sidecar,
    /// `vault.db`, the encrypted database.
    Database,
    /// `vault.db-wal`, the database's write-ahead log.
    Wal,
}

impl fmt::Display for VaultFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VaultFile::Sidecar => crate::sidecar::FILE_NAME,
            VaultFile::Database => crate::store::DB_FILE,
            VaultFile::Wal => "vault.db-wal",
        })
    }
}

/// Errors from [`crate::Vault::create`].
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// An empty passphrase protects nothing.
    #[error("the passphrase is empty; choose a passphrase")]
    EmptyPassphrase,
    /// Parameters below policy, or beyond what this build accepts.
    #[error(transparent)]
    Kdf(#[from] KdfError),
    /// The directory already holds a vault (or part of one); nothing was touched.
    #[error("{path} already contains a vault; choose an empty directory")]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// The file system refused (read-only directory, disk full, permissions).
    #[error("cannot write {path}: {source}")]
    Io {
        /// File or directory concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: io::Error,
    },
    /// SQLite failed while building the new database (the partial files were removed).
    #[error("creating the encrypted database failed: {0}")]
    Store(#[from] StoreError),
    /// No randomness available.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Errors from [`crate::Vault::unlock`] and [`crate::Vault::status`].
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    /// The passphrase did not open any slot. Nothing was written except the throttle file.
    #[error("wrong passphrase")]
    WrongPassphrase {
        /// When the next attempt is allowed, if further attempts are now delayed.
        retry_after: Option<DateTime<Utc>>,
    },
    /// The directory is not a (complete) vault.
    #[error("{path} is not a Tipvault vault ({reason})")]
    NotAVault {
        /// The directory or missing file.
        path: PathBuf,
        /// Which part is missing or foreign.
        reason: &'static str,
    },
    /// A file failed its integrity checks: damaged on disk or tampered with.
    #[error("{file} is damaged or was tampered with ({reason}); restore the vault from a backup")]
    Damaged {
        /// Which file.
        file: VaultFile,
        /// Its path.
        path: PathBuf,
        /// What check failed (never the file's content).
        reason: String,
    },
    /// `vault.keys` and `vault.db` do not belong together: files from two vaults were mixed, or
    /// the plaintext start of `vault.db` was damaged.
    #[error(
        "{path} does not belong to this vault.db (files from two vaults were mixed, or the start of vault.db is damaged); put back the key file created with this database or restore a backup"
    )]
    Mismatch {
        /// The sidecar path.
        path: PathBuf,
    },
    /// The vault is in use: another process holds a lock on the database.
    #[error("the vault at {path} is locked by another Tipvault process; close it and retry")]
    Locked {
        /// The database path.
        path: PathBuf,
    },
    /// Another process replaced the vault's keys after this one unlocked it (a passphrase
    /// check in an open vault, against the key file on disk).
    #[error(
        "the vault's keys were changed in another window since this one was unlocked; lock \
         the vault, unlock it again and retry"
    )]
    ChangedElsewhere,
    /// A file was written by a newer Tipvault.
    #[error(
        "{file} was written by a newer version of Tipvault (format {found}, this build supports {supported}); update Tipvault"
    )]
    TooNew {
        /// Which file.
        file: VaultFile,
        /// Version found.
        found: u32,
        /// Newest version this build supports.
        supported: u32,
    },
    /// Too many wrong passphrases recently.
    #[error("too many wrong passphrases; try again after {retry_after}")]
    Throttled {
        /// When the next attempt is allowed.
        retry_after: DateTime<Utc>,
    },
    /// The vault has no passphrase slot (only security keys).
    #[error("this vault cannot be unlocked with a passphrase")]
    NoPassphraseSlot,
    /// No security-key slot matches (none registered, or not this credential).
    #[error(
        "no security key registered for this vault matches; unlock with your passphrase (it always works) and register the key"
    )]
    NoSecurityKeySlot,
    /// The security key answered, but its secret does not open the slot: another key, a key
    /// re-created under the same id, or a slot that was tampered with. Nothing was written.
    #[error("this security key does not open the vault; unlock with your passphrase")]
    WrongSecurityKey,
    /// The file system refused (read-only directory, permissions, disk full).
    #[error("cannot access {path}: {source}")]
    Io {
        /// File or directory concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: io::Error,
    },
    /// Key derivation could not run (e.g. not enough memory).
    #[error(transparent)]
    Kdf(#[from] KdfError),
    /// No randomness available.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// Errors from operations on an unlocked vault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A page failed its HMAC or the b-tree is inconsistent.
    #[error("the vault database is damaged ({reason}); restore it from a backup")]
    Damaged {
        /// What SQLite or SQLCipher reported.
        reason: String,
    },
    /// The file system refused (disk full, read-only).
    #[error("cannot write {path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: io::Error,
    },
    /// Any other SQLite error.
    #[error("vault database error: {0}")]
    Sql(rusqlite::Error),
}

impl StoreError {
    pub(crate) fn from_sql(e: rusqlite::Error, dir: &std::path::Path) -> Self {
        match crate::store::classify(e) {
            crate::store::OpenError::NotADatabase => StoreError::Damaged {
                reason: "the first page does not decrypt".into(),
            },
            crate::store::OpenError::Corrupt(reason)
            | crate::store::OpenError::WalCorrupt(reason) => StoreError::Damaged { reason },
            crate::store::OpenError::Io(e) => StoreError::Io {
                path: crate::store::db_path(dir),
                source: io::Error::other(e.to_string()),
            },
            crate::store::OpenError::Sql(e) => StoreError::Sql(e),
        }
    }
}

/// Errors from changing the passphrase or rotating the data key.
#[derive(Debug, thiserror::Error)]
pub enum KeyChangeError {
    /// The new passphrase is empty.
    #[error("the new passphrase is empty; choose a passphrase")]
    EmptyPassphrase,
    /// The current passphrase given does not open any slot (counted by the unlock throttle).
    #[error("the current passphrase is wrong")]
    WrongPassphrase,
    /// Too many wrong passphrases recently (the unlock throttle counts these attempts too).
    #[error("too many wrong passphrases; try again after {retry_after}")]
    Throttled {
        /// When the next attempt is allowed.
        retry_after: DateTime<Utc>,
    },
    /// Parameters below policy or beyond what this build accepts.
    #[error(transparent)]
    Kdf(#[from] KdfError),
    /// Writing the sidecar failed; the previous keys stay valid.
    #[error("cannot write {path}: {source}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// Underlying error.
        #[source]
        source: io::Error,
    },
    /// The database failed during the rotation; it stays readable with the old or new key.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness available.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A security-key slot for this credential exists already.
    #[error("this security key already has an unlock slot")]
    SecurityKeySlotExists,
    /// Removing this slot would leave the vault without a passphrase slot, its recovery path.
    #[error("the passphrase slot is the vault's recovery path and cannot be removed")]
    LastPassphraseSlot,
    /// Another process replaced the vault's keys (a key rotation or a vault-key replacement)
    /// after this one unlocked it: the keys this process holds are no longer the vault's, so
    /// nothing was changed.
    #[error(
        "the vault's keys were changed in another window since this one was unlocked; lock \
         the vault, unlock it again and retry"
    )]
    ChangedElsewhere,
}

impl KeyChangeError {
    /// A passphrase check inside a key change failed the way an unlock attempt can.
    pub(crate) fn from_attempt(e: UnlockError) -> Self {
        match e {
            UnlockError::WrongPassphrase { .. } => Self::WrongPassphrase,
            UnlockError::Throttled { retry_after } => Self::Throttled { retry_after },
            UnlockError::Kdf(e) => Self::Kdf(e),
            UnlockError::Random(e) => Self::Random(e),
            UnlockError::Io { path, source } => Self::Io { path, source },
            other => Self::Store(StoreError::Damaged {
                reason: other.to_string(),
            }),
        }
    }
}

/// Errors from storing security-key credential records.
#[derive(Debug, thiserror::Error)]
pub enum SecurityKeyError {
    /// A record with this credential id is stored already.
    #[error("this security key is already registered")]
    Exists,
    /// No record with this credential id.
    #[error("no registered security key has this id")]
    NotFound,
    /// An update would lower the stored signature counter (a cloned key, or a bug): refused.
    #[error("the security key's signature counter would go backwards ({presented} after {stored})")]
    CounterBackwards {
        /// Counter stored.
        stored: u32,
        /// Counter offered.
        presented: u32,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Errors from retention settings.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// The class keeps what the risk engine depends on and cannot be changed.
    #[error(
        "{0:?} records keep what the risk checks depend on (your limits, automatic cash-out \
             rules, disputes) for as long as the vault exists; it cannot be shortened"
    )]
    Fixed(String),
    /// Below the class's floor (`retention::floor`).
    #[error(
        "{class:?} records must be kept at least {floor_days} days (disputes and taxes need \
             them)"
    )]
    BelowFloor {
        /// The class.
        class: String,
        /// Its floor, in whole days.
        floor_days: u64,
    },
    /// No retention class has this name.
    #[error("there is no retention class named {0:?}")]
    UnknownClass(String),
    /// The duration is out of the accepted range.
    #[error("a retention duration must be between one minute and 100 years")]
    InvalidDuration,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Errors from writing a setting.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// The key is empty, too long, or not `a-z`, `0-9`, `_`, `.`, `-`.
    #[error("a setting name must be 1–64 characters of a-z, 0-9, '.', '_' or '-'")]
    InvalidKey,
    /// The value is longer than the limit.
    #[error("a setting's value must be at most 4096 bytes")]
    ValueTooLong,
    /// The database refused the write.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Errors from appending to the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The kind must be 1–64 characters of `a-z 0-9 . _ -`.
    #[error("an audit event kind must be 1–64 characters of a-z, 0-9, '.', '_' or '-'")]
    InvalidKind,
    /// The detail is larger than 16 KiB of JSON.
    #[error("an audit event's detail must be at most 16 KiB of JSON")]
    DetailTooLarge,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Errors from the ledger: sources, imports and history queries.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No (live) source has this id.
    #[error("there is no account with the id {0:?}; add it first")]
    UnknownSource(String),
    /// The id is taken.
    #[error("a source with the id {0:?} already exists; choose another id")]
    SourceExists(String),
    /// The payout threshold is not in the source's currency.
    #[error(
        "the payout threshold is in {threshold} but the source is in {source_currency}; give the threshold in {source_currency}"
    )]
    ThresholdCurrency {
        /// The threshold's currency code.
        threshold: String,
        /// The source's currency code.
        source_currency: String,
    },
    /// An entry names another source than the one being imported into.
    #[error(
        "an entry belongs to source {found:?}, not to {expected:?}, which is being imported; import each source's file separately"
    )]
    WrongSource {
        /// The source being imported into.
        expected: String,
        /// The entry's source.
        found: String,
    },
    /// An amount does not fit the vault's 64-bit minor units.
    #[error("an amount is too large to store ({0}); check the file's amounts")]
    AmountTooLarge(String),
    /// A reconciliation compared the provider's balance with books that changed before it
    /// could be recorded (another window or command booked into the account meanwhile).
    #[error(
        "the account's books changed while its balance was being compared (something was \
         booked into it meanwhile); nothing was recorded: reconcile again"
    )]
    BooksChanged,
    /// The database failed; an import in progress was rolled back.
    #[error(transparent)]
    Store(#[from] StoreError),
}
