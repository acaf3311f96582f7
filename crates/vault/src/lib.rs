//! Tipvault's local encrypted vault: a SQLCipher 4 database with a two-level key hierarchy,
//! per-record expiry that really deletes, and a hash-chained audit log.
//!
//! # Layout
//!
//! A vault is a directory:
//!
//! | file | what |
//! | --- | --- |
//! | `vault.db` (+ `vault.db-wal` while open) | the SQLCipher 4 database, keyed with the raw data key |
//! | `vault.keys` | the sidecar: versioned JSON with the vault id and the wrapped keys |
//! | `unlock-throttle.json` | wrong-passphrase counter (zero failures after a success) |
//! | `unlock-throttle.lock` | serialises passphrase attempts between processes |
//! | `vault.keys.lock` | serialises changes of `vault.keys` between processes: each change starts from the file on disk, so a window holding an older copy cannot undo another's change |
//!
//! # Keys
//!
//! `Argon2id(passphrase)` → KEK → opens a *slot* holding the vault key (VK) → opens the data
//! key (DEK) → SQLCipher raw key. All wrapping is XChaCha20-Poly1305 with the vault id and the
//! slot metadata as associated data. See [`key`] for why there are two levels.
//!
//! # Use
//!
//! ```no_run
//! use secrecy::SecretString;
//! use tipvault_vault::{KdfParams, Vault};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::path::Path::new("/tmp/my-vault");
//! let pass = SecretString::from("correct horse battery staple");
//! let now = chrono::Utc::now();
//! let vault = Vault::create(dir, &pass, KdfParams::POLICY_MIN, now)?;
//! vault.lock()?;
//! let (mut vault, _report) = Vault::unlock(dir, &pass, now)?;
//! vault.save_draft("hello", now)?;
//! let purged = vault.purge(now, false)?;
//! # let _ = purged; Ok(()) }
//! ```
//!
//! # DECISIONS
//!
//! - **`cipher_memory_security` is ON in the binaries** (desktop and CLI call
//!   [`wipe_freed_memory`] before any vault opens), off in this crate's own default. It is
//!   process-wide and can only be switched on. It was off, because it roughly doubles insert
//!   cost (TOOLCHAIN.md) against a ≤ 1.3× budget over plain SQLite, on the argument that freed
//!   decrypted pages matter only while the vault is open. The secret-leak scan of the real app
//!   (tests/e2e/specs/secrets.e2e.mjs) disproved that: after lock, SQLite's freed page cache
//!   still held the device's signing key (and so any plaintext row). A locked vault that leaves
//!   its plaintext in memory is the worse trade; the benchmarks (`benches/`) measure the store
//!   without it and are to be re-measured with it.
//! - **Two key levels (KEK → VK → DEK)** so rotating the DEK needs neither the passphrase nor
//!   every registered security key, and a passphrase change never touches the database.
//! - **Key rotation is crash-safe by a pending slot**: the new DEK is written to the sidecar as
//!   `pending_data_key` before `sqlite3_rekey`; an unlock tries the current DEK, then the pending
//!   one, and promotes or discards it. SQLCipher's rekey is one transaction, so the database is
//!   always entirely on one key.
//! - **Progress of a rotation is per phase**, not per page: `sqlite3_rekey` is a single C call.
//! - **Unlock verifies every page's HMAC** (`PRAGMA cipher_integrity_check`) so a damaged page
//!   is reported at unlock as [`UnlockError::Damaged`] rather than in the middle of later work.
//! - **`synchronous = FULL`**: a confirmed redemption or receipt must survive a power cut.
//! - **Audit retention is 5 years** (1826 days), like receipts: the log explains the receipts
//!   kept for tax purposes, so it must live at least as long as they do.
//! - **The sidecar has a checksum** (not a security control) so a damaged key file is reported
//!   as damaged instead of as a wrong passphrase.
//! - **A damaged WAL frame is treated by SQLite as the end of the log** (as after a crash before
//!   that commit): transactions from that frame on are lost *in that copy*; a frame whose
//!   checksum was forged still fails SQLCipher's HMAC. The WAL only exists while a vault is
//!   open or after a crash: [`Vault::lock`] and every purge truncate it.

#![warn(missing_docs)]

pub mod account;
mod atomic;
pub mod audit;
pub mod balance;
pub mod catalog;
mod check;
mod columns;
pub mod device;
pub mod draft;
pub mod entry;
mod error;
pub mod files;
pub mod history;
pub mod kdf;
pub mod key;
pub mod migration;
pub mod outbox;
pub mod privacy;
pub mod provider;
pub mod purge;
pub mod receipt;
pub mod retention;
pub mod risk;
mod secret_row;
pub mod security_key;
pub mod setting;
mod sidecar;
/// Entry points for the fuzz targets in `tests/fuzz` (feature `fuzzing` only).
#[cfg(feature = "fuzzing")]
pub mod fuzzing {
    /// Decodes a sidecar (`vault.keys`) from outside bytes; a decoded one must encode and decode
    /// back to itself.
    pub fn sidecar(bytes: &[u8]) {
        if let Ok(sidecar) = crate::sidecar::Sidecar::decode(bytes) {
            let again = sidecar.encode().expect("a decoded sidecar encodes");
            let back = crate::sidecar::Sidecar::decode(&again).expect("an encoded sidecar decodes");
            assert_eq!(back, sidecar, "the sidecar round-trips");
        }
    }
    pub use crate::throttle::retry_after_bytes;
}
pub mod source;
mod store;
pub mod throttle;
mod vault;

pub use account::{
    BalanceReading, NewReconciliation, Outcome as ReconciliationOutcome, StoredReading,
    StoredReconciliation,
};
pub use audit::{AuditAnchor, AuditEntry, AuditEvent, AuditProblem, AuditReport, ChainLink};
pub use balance::Balance;
pub use catalog::{CatalogStoreError, CatalogStored, StoredCatalog};
pub use check::{ConsistencyReport, Inconsistency};
pub use draft::Draft;
pub use entry::{EntryImport, ImportOutcome, StoredEntry};
pub use error::{
    AuditError, CreateError, KeyChangeError, LedgerError, RetentionError, SecurityKeyError,
    SettingError, StoreError, UnlockError, VaultFile,
};
pub use history::{BadCursor, CurrencySums, HistoryCursor, HistoryFilter, HistoryPage};
pub use kdf::{Calibration, KdfError, KdfParams, calibrate};
pub use key::DataKey;
pub use migration::{MigrationError, SCHEMA_VERSION};
pub use outbox::{
    LegProvider, LegState, LegUpdate, NewLeg, NewRedemption, OutboxBatch, StoredLeg,
    StoredRedemption,
};
pub use privacy::PrivacyRecord;
pub use provider::{ProviderStoreError, StoredProvider};
pub use purge::PurgeReport;
pub use receipt::StoredReceipt;
pub use retention::{RetentionChange, RetentionClass};
pub use risk::{StoredAutoCashOut, StoredLimit, StoredRiskDecision, StoredVerification};
pub use security_key::StoredSecurityKey;
pub use sidecar::{
    FILE_NAME as SIDECAR_FILE, FORMAT_VERSION as SIDECAR_VERSION, SlotKind, VaultId,
};
pub use store::{DB_FILE, wipe_freed_memory};
#[cfg(feature = "key-material")]
pub use vault::KeyMaterial;
pub use vault::{
    KdfUpgrade, RotationProgress, RotationRecovery, RotationReport, SecurityKeySlot,
    SecurityKeySlots, SlotInfo, UnlockReport, Vault, VaultInfo, VaultKeyReplaced, VaultStatus,
};
