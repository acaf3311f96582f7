//! The vault's lifecycle: create, unlock, lock, status, passphrase change, key rotation, and the
//! typed operations of an unlocked vault.
//!
//! The one decision to know: a [`Vault`] value *is* an unlocked vault. Locking consumes it (and
//! dropping it is the same), which closes the connection and wipes the keys, so "use after lock"
//! cannot compile; reopening is an [`Vault::unlock`] away (~the KDF time plus a few ms).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use zeroize::Zeroizing;

use crate::audit::{self, AuditEntry, AuditEvent, AuditReport};
use crate::balance::Balance;
use crate::draft::{self, Draft};
use crate::entry::{EntryImport, ImportOutcome, StoredEntry};
use crate::error::{
    AuditError, CreateError, KeyChangeError, LedgerError, RetentionError, StoreError, UnlockError,
    VaultFile,
};
use crate::history::{HistoryCursor, HistoryFilter, HistoryPage};
use crate::kdf::{self, KdfParams, SALT_LEN};
use crate::key::{self, DataKey, VaultKey};
use crate::migration::{self, MigrationError};
use crate::purge::{self, PurgeReport};
use crate::retention::{self, RetentionChange, RetentionClass};
use crate::sidecar::{self, ReadError, Sidecar, SidecarLock, SlotKind, VaultId};
use crate::store::{self, OpenError};
use crate::throttle;

/// How long locking waits for another connection before it closes without folding the WAL in.
const LOCK_CHECKPOINT_WAIT: Duration = Duration::from_millis(100);

/// An unlocked vault. See the module docs of [`crate`] for the file layout.
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    sidecar: Sidecar,
    vault_key: VaultKey,
    data_key: DataKey,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("vault_id", &self.sidecar.vault_id)
            .finish_non_exhaustive()
    }
}

/// The keys an open vault holds (see [`Vault::key_material`]); wiped when dropped.
#[cfg(feature = "key-material")]
pub struct KeyMaterial {
    /// The key every unlock slot wraps.
    pub vault_key: Zeroizing<[u8; 32]>,
    /// SQLCipher's raw key.
    pub data_key: Zeroizing<[u8; 32]>,
    /// The device's Ed25519 seed, once one was made (the first pairing makes it).
    pub device_secret: Option<Zeroizing<[u8; 32]>>,
}

/// What happened during an unlock besides opening the vault.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnlockReport {
    /// Set when the passphrase slot's KDF parameters were below policy and were raised.
    pub kdf_upgraded: Option<KdfUpgrade>,
    /// Set when an interrupted key rotation was found and resolved.
    pub rotation_recovered: Option<RotationRecovery>,
    /// `(from, to)` schema versions when migrations ran.
    pub migrated: Option<(u32, u32)>,
}

/// A passphrase slot re-wrapped with stronger parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfUpgrade {
    /// Parameters found in the slot.
    pub from: KdfParams,
    /// Parameters now stored.
    pub to: KdfParams,
}

/// How an interrupted key rotation was resolved at unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationRecovery {
    /// The rekey had committed: the new key was promoted in the sidecar.
    Completed {
        /// Generation of the data key now in use.
        generation: u64,
    },
    /// The rekey had not committed: the database still uses the old key; the pending key was
    /// discarded.
    Discarded {
        /// Generation of the data key still in use.
        generation: u64,
    },
}

/// Progress of [`Vault::rotate_key`], by phase.
///
/// SQLCipher re-encrypts all pages inside one `sqlite3_rekey` call that offers no per-page
/// callback, so progress is reported per phase, with the page count for the long one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationProgress {
    /// Folding the WAL into the database so the rekey starts from a clean file.
    Checkpointing,
    /// The new key is saved as pending in the sidecar; re-encrypting `pages` pages now.
    Rekeying {
        /// Pages to re-encrypt.
        pages: u64,
    },
    /// Re-encryption committed; writing the pages back and promoting the new key.
    Finalizing,
    /// Done; the vault now uses data key `generation`.
    Done {
        /// New generation.
        generation: u64,
    },
}

/// The result of a key rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationReport {
    /// Generation of the new data key.
    pub generation: u64,
    /// Pages re-encrypted.
    pub pages: u64,
    /// Wall time of the rekey.
    pub elapsed: Duration,
}

/// What can be learned about a vault directory without a passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultStatus {
    /// No vault here (no `vault.keys`).
    Absent,
    /// A vault exists; whether it is unlocked is known only to the process holding a [`Vault`].
    Present(VaultInfo),
}

/// What [`Vault::replace_vault_key`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultKeyReplaced {
    /// Security-key slots re-sealed under the new vault key.
    pub security_key_slots_kept: u32,
    /// Slots dropped (security keys that were not asked, or removed).
    pub slots_dropped: u32,
    /// The data key's generation after the rotation that followed.
    pub data_key_generation: u64,
}

/// Public facts about a vault, from its sidecar and throttle file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultInfo {
    /// The vault's id.
    pub vault_id: VaultId,
    /// The unlock slots.
    pub slots: Vec<SlotInfo>,
    /// Generation of the data key in use.
    pub data_key_generation: u64,
    /// True when a key rotation was interrupted (resolved at the next unlock).
    pub rotation_pending: bool,
    /// When the next unlock attempt is allowed, if it is delayed.
    pub retry_after: Option<DateTime<Utc>>,
    /// A non-empty `vault.db-wal` exists: the vault is open in some process right now, or the
    /// last session ended without locking (crash); the next unlock recovers it either way.
    pub wal_present: bool,
}

/// One unlock slot, without secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotInfo {
    /// A passphrase slot and its KDF cost.
    Passphrase {
        /// Stored Argon2id parameters.
        kdf: KdfParams,
        /// Whether they meet the current policy (an unlock raises them if not).
        meets_policy: bool,
    },
    /// A security-key slot.
    SecurityKey {
        /// The user's label for it.
        label: String,
    },
}

/// The security-key slots of a vault, from its sidecar (no secret needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityKeySlots {
    /// The vault's id: a security key's KEK is bound to it.
    pub vault_id: VaultId,
    /// One per registered key that can unlock, in sidecar order.
    pub slots: Vec<SecurityKeySlot>,
}

/// One security-key slot: what to ask the key for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityKeySlot {
    /// The WebAuthn credential id.
    pub credential_id: Vec<u8>,
    /// The salt to send to its hmac-secret extension.
    pub prf_salt: [u8; 32],
    /// The user's label.
    pub label: String,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> UnlockError + '_ {
    move |source| UnlockError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn map_open(dir: &Path, e: OpenError) -> UnlockError {
    let path = store::db_path(dir);
    match e {
        OpenError::NotADatabase => UnlockError::Damaged {
            file: VaultFile::Database,
            path,
            reason: "its first page does not decrypt with the vault's key".into(),
        },
        OpenError::Corrupt(reason) => UnlockError::Damaged {
            file: VaultFile::Database,
            path,
            reason,
        },
        OpenError::WalCorrupt(reason) => UnlockError::Damaged {
            file: VaultFile::Wal,
            path: store::wal_path(dir),
            reason,
        },
        OpenError::Io(e) | OpenError::Sql(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            ) =>
        {
            UnlockError::Locked { path }
        }
        OpenError::Io(e) | OpenError::Sql(e) => UnlockError::Io {
            path,
            source: io::Error::other(e.to_string()),
        },
    }
}

/// The security-key slots of a key file.
fn slots_of(sidecar: &Sidecar) -> SecurityKeySlots {
    let slots = sidecar
        .slots
        .iter()
        .filter_map(|slot| match &slot.kind {
            SlotKind::SecurityKey {
                credential_id,
                prf_salt,
                label,
            } => Some(SecurityKeySlot {
                credential_id: credential_id.clone(),
                prf_salt: *prf_salt,
                label: label.clone(),
            }),
            SlotKind::Passphrase { .. } => None,
        })
        .collect();
    SecurityKeySlots {
        vault_id: sidecar.vault_id,
        slots,
    }
}

fn store_err(dir: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::from_sql(e, dir)
}

fn new_passphrase_slot(
    vault_id: &VaultId,
    passphrase: &SecretString,
    params: KdfParams,
    vault_key: &VaultKey,
) -> Result<sidecar::Slot, KeyChangeError> {
    let mut salt = [0u8; SALT_LEN];
    key::random_bytes(&mut salt)?;
    let kek = kdf::derive_kek(passphrase, &salt, &params)?;
    Ok(sidecar::new_slot(
        vault_id,
        SlotKind::Passphrase { kdf: params, salt },
        &kek,
        vault_key,
    )?)
}

impl Vault {
    /// Creates a new vault in `dir` (created if missing; must not already hold a vault).
    pub fn create(
        dir: &Path,
        passphrase: &SecretString,
        kdf: KdfParams,
        now: DateTime<Utc>,
    ) -> Result<Vault, CreateError> {
        if passphrase.expose_secret().is_empty() {
            return Err(CreateError::EmptyPassphrase);
        }
        kdf.check_for_new_slot()?;
        for existing in [
            Sidecar::path(dir),
            store::db_path(dir),
            store::wal_path(dir),
        ] {
            if existing.exists() {
                return Err(CreateError::AlreadyExists { path: existing });
            }
        }
        crate::files::create_private_dir(dir).map_err(|source| CreateError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let result = Self::create_files(dir, passphrase, kdf, now);
        if result.is_err() {
            // Leave the directory as we found it so the user can simply retry.
            for path in [
                Sidecar::path(dir),
                store::db_path(dir),
                store::wal_path(dir),
                dir.join(format!("{}-shm", store::DB_FILE)),
            ] {
                let _ = std::fs::remove_file(path);
            }
        }
        result
    }

    fn create_files(
        dir: &Path,
        passphrase: &SecretString,
        kdf: KdfParams,
        now: DateTime<Utc>,
    ) -> Result<Vault, CreateError> {
        let vault_id = VaultId::generate()?;
        let vault_key = VaultKey::generate()?;
        let data_key = DataKey::generate()?;
        let db_path = store::db_path(dir);
        let mut conn = store::open(dir, &data_key, true).map_err(|e| match e {
            OpenError::Io(e) | OpenError::Sql(e) => CreateError::Io {
                path: db_path.clone(),
                source: io::Error::other(e.to_string()),
            },
            other => CreateError::Store(StoreError::Damaged {
                reason: other.to_string(),
            }),
        })?;
        migration::migrate(&mut conn).map_err(|e| match e {
            MigrationError::Failed { source, .. } => {
                CreateError::Store(StoreError::from_sql(source, dir))
            }
            MigrationError::TooNew { .. } => CreateError::Store(StoreError::Damaged {
                reason: e.to_string(),
            }),
        })?;
        conn.execute(
            "INSERT INTO vault_meta (id, vault_id, created_at) VALUES (1, ?1, ?2)",
            rusqlite::params![vault_id.0.as_slice(), now.timestamp()],
        )
        .map_err(store_err(dir))?;
        // Put page 1 (and its salt) into vault.db itself before reading the salt.
        store::checkpoint_truncate(&conn).map_err(|e| match e {
            OpenError::Io(e) | OpenError::Sql(e) => {
                CreateError::Store(StoreError::from_sql(e, dir))
            }
            other => CreateError::Store(StoreError::Damaged {
                reason: other.to_string(),
            }),
        })?;
        let db_salt = store::read_db_salt(dir).map_err(|source| CreateError::Io {
            path: db_path.clone(),
            source,
        })?;
        let slot =
            new_passphrase_slot(&vault_id, passphrase, kdf, &vault_key).map_err(|e| match e {
                KeyChangeError::Kdf(e) => CreateError::Kdf(e),
                KeyChangeError::Random(e) => CreateError::Random(e),
                other => CreateError::Store(StoreError::Damaged {
                    reason: other.to_string(),
                }),
            })?;
        let sidecar = Sidecar {
            vault_id,
            db_salt,
            slots: vec![slot],
            data_key: sidecar::wrap_data_key(&vault_id, 1, &vault_key, &data_key)?,
            pending_data_key: None,
            throttle_file: true,
            rotation_owed: false,
        };
        throttle::create(dir).map_err(|source| CreateError::Io {
            path: dir.join(throttle::FILE_NAME),
            source,
        })?;
        // Made with the vault, so the vault's set of files does not change at its first unlock.
        let _held = SidecarLock::acquire(dir).map_err(|source| CreateError::Io {
            path: SidecarLock::path(dir),
            source,
        })?;
        sidecar.write(dir).map_err(|source| CreateError::Io {
            path: Sidecar::path(dir),
            source,
        })?;
        // SQLite made vault.db and its WAL with the umask's mode (inside a 0700 directory).
        crate::files::restrict_vault(dir).map_err(|source| CreateError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            sidecar,
            vault_key,
            data_key,
        };
        vault.record(
            "vault.created",
            json!({"vault_id": vault_id.to_hex(), "kdf": kdf_json(&kdf)}),
            now,
        )?;
        Ok(vault)
    }

    /// Unlocks the vault in `dir` with a passphrase.
    ///
    /// A wrong passphrase writes only the throttle file. On success the throttle is reset,
    /// pending migrations run, an interrupted key rotation is resolved and weak KDF parameters
    /// are raised; the report says which of these happened.
    pub fn unlock(
        dir: &Path,
        passphrase: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<(Vault, UnlockReport), UnlockError> {
        let (held, mut sidecar) = preflight_locked(dir)?;
        let (slot_index, slot_kdf, vault_key) =
            open_passphrase_slot(dir, &sidecar, passphrase, now)?;
        if !sidecar.throttle_file {
            // A vault from before sidecar version 2: its counter now exists (the successful
            // attempt wrote it), so from here on a missing counter fails closed.
            let mut next = sidecar.clone();
            next.throttle_file = true;
            next.write(dir).map_err(io_err(&Sidecar::path(dir)))?;
            sidecar = next;
        }

        let mut report = UnlockReport::default();
        let (conn, data_key) = open_database(dir, &mut sidecar, &vault_key, &mut report)?;

        if !slot_kdf.meets_policy() {
            let to = slot_kdf.raised_to_policy();
            let slot = new_passphrase_slot(&sidecar.vault_id, passphrase, to, &vault_key).map_err(
                |e| match e {
                    KeyChangeError::Kdf(e) => UnlockError::Kdf(e),
                    KeyChangeError::Random(e) => UnlockError::Random(e),
                    other => sidecar_damaged(dir, &other.to_string()),
                },
            )?;
            let mut upgraded = sidecar.clone();
            if let Some(entry) = upgraded.slots.get_mut(slot_index) {
                *entry = slot;
            }
            upgraded.write(dir).map_err(io_err(&Sidecar::path(dir)))?;
            sidecar = upgraded;
            report.kdf_upgraded = Some(KdfUpgrade { from: slot_kdf, to });
        }

        let vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            sidecar,
            vault_key,
            data_key,
        };
        let detail = json!({
            "method": "passphrase",
            "kdf_upgraded": report.kdf_upgraded.map(|u| kdf_json(&u.to)),
            "migrated": report.migrated,
            "rotation_recovered": report.rotation_recovered.map(|r| format!("{r:?}")),
        });
        vault
            .finish_unlock(&held, detail, now)
            .map(|vault| (vault, report))
    }

    /// The security-key slots of the vault in `dir`, readable without any secret: what a
    /// caller needs to ask each key for its hmac-secret (credential id and salt) before
    /// [`Vault::unlock_with_security_key`].
    pub fn security_key_slots(dir: &Path) -> Result<SecurityKeySlots, UnlockError> {
        Ok(slots_of(&preflight(dir)?))
    }

    /// The open vault's security-key slots, from the key file it holds in memory (what
    /// [`Vault::security_key_slots`] reads from disk before an unlock).
    #[must_use]
    pub fn open_security_key_slots(&self) -> SecurityKeySlots {
        slots_of(&self.sidecar)
    }

    /// Unlocks the vault in `dir` with the key-encryption key a security key produced for the
    /// slot of `credential_id` (its hmac-secret output through `tipvault-auth`'s KDF).
    ///
    /// A key that does not open the slot is [`UnlockError::WrongSecurityKey`]; nothing is
    /// written then. The passphrase throttle is neither consulted nor changed: an hmac-secret
    /// cannot be guessed, and a passphrase guesser gains nothing from this path.
    pub fn unlock_with_security_key(
        dir: &Path,
        credential_id: &[u8],
        kek: Zeroizing<[u8; key::KEY_LEN]>,
        now: DateTime<Utc>,
    ) -> Result<(Vault, UnlockReport), UnlockError> {
        let (held, mut sidecar) = preflight_locked(dir)?;
        let index = sidecar
            .security_key_slot(credential_id)
            .ok_or(UnlockError::NoSecurityKeySlot)?;
        let kek = key::Kek::from_bytes(kek);
        let (label, vault_key) = {
            let slot = &sidecar.slots[index];
            let SlotKind::SecurityKey { label, .. } = &slot.kind else {
                return Err(UnlockError::NoSecurityKeySlot);
            };
            let vault_key = sidecar::open_slot(&sidecar.vault_id, slot, &kek)
                .map_err(|_| UnlockError::WrongSecurityKey)?;
            (label.clone(), vault_key)
        };
        drop(kek);
        let mut report = UnlockReport::default();
        let (conn, data_key) = open_database(dir, &mut sidecar, &vault_key, &mut report)?;
        let vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            sidecar,
            vault_key,
            data_key,
        };
        let detail = json!({
            "method": "security_key",
            "credential_id": hex::encode(credential_id),
            "label": label,
            "migrated": report.migrated,
            "rotation_recovered": report.rotation_recovered.map(|r| format!("{r:?}")),
        });
        vault
            .finish_unlock(&held, detail, now)
            .map(|vault| (vault, report))
    }

    /// Records the unlock in the audit chain, after finishing a data-key rotation a vault-key
    /// replacement still owes (a crash between its two steps).
    fn finish_unlock(
        mut self,
        held: &SidecarLock,
        detail: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Vault, UnlockError> {
        let dir = self.dir.clone();
        // Tighten modes left by older versions or a copy tool, whichever way the vault was
        // opened (best effort: a read-only copy still opens).
        let _ = crate::files::restrict_vault(&dir);
        if self.sidecar.rotation_owed {
            self.rotate_key_held(held, now, |_| {})
                .map_err(|e| match e {
                    KeyChangeError::Io { path, source } => UnlockError::Io { path, source },
                    other => UnlockError::Damaged {
                        file: VaultFile::Database,
                        path: store::db_path(&dir),
                        reason: format!(
                            "finishing the data-key rotation a key removal owes failed: {other}"
                        ),
                    },
                })?;
        }
        // A failed write here is usually the disk (full, read-only): report it as I/O so the
        // user is told to free space, not that the vault is damaged; only real damage is.
        self.record("vault.unlocked", detail, now)
            .and_then(|_| self.record_demo_retired(now))
            .map_err(|e| match e {
                StoreError::Damaged { reason } => UnlockError::Damaged {
                    file: VaultFile::Database,
                    path: store::db_path(&dir),
                    reason,
                },
                StoreError::Io { path, source } => UnlockError::Io { path, source },
                StoreError::Sql(e) => UnlockError::Io {
                    path: store::db_path(&dir),
                    source: io::Error::other(e.to_string()),
                },
            })?;
        Ok(self)
    }

    /// Locks the vault: folds the WAL into the database, closes it and wipes the keys.
    ///
    /// The keys are wiped even when the checkpoint fails (the error is still returned). Another
    /// connection to the vault still reading or writing (the command line beside the desktop)
    /// stops a full checkpoint; that is no reason to refuse to lock: the WAL's frames are
    /// encrypted like every page, and SQLite folds them in when the last connection closes (or
    /// at the next open, after a crash). Purges, which must move their zeroed pages out of the
    /// WAL, still insist on the checkpoint.
    pub fn lock(self) -> Result<(), StoreError> {
        let dir = self.dir.clone();
        // A full checkpoint waits the busy timeout (5 s) for a connection beside it to finish;
        // locking does not need one, so it waits only a moment (a commit in flight). Should
        // the setting fail, the checkpoint merely waits longer.
        let _ = self.conn.busy_timeout(LOCK_CHECKPOINT_WAIT);
        let checkpoint = match store::checkpoint_truncate(&self.conn) {
            Err(OpenError::Sql(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == ErrorCode::DatabaseBusy =>
            {
                Ok(())
            }
            other => other,
        };
        let Vault { conn, .. } = self;
        let closed = conn.close().map_err(|(_, e)| StoreError::from_sql(e, &dir));
        checkpoint.map_err(|e| open_to_store(e, &dir))?;
        closed
    }

    /// What is known about `dir` without a passphrase.
    pub fn status(dir: &Path, now: DateTime<Utc>) -> Result<VaultStatus, UnlockError> {
        let sidecar = match read_sidecar(dir) {
            Ok(sidecar) => sidecar,
            Err(UnlockError::NotAVault { .. }) if !Sidecar::path(dir).exists() => {
                return Ok(VaultStatus::Absent);
            }
            Err(e) => return Err(e),
        };
        Ok(VaultStatus::Present(VaultInfo {
            vault_id: sidecar.vault_id,
            slots: sidecar
                .slots
                .iter()
                .map(|slot| match &slot.kind {
                    SlotKind::Passphrase { kdf, .. } => SlotInfo::Passphrase {
                        kdf: *kdf,
                        meets_policy: kdf.meets_policy(),
                    },
                    SlotKind::SecurityKey { label, .. } => SlotInfo::SecurityKey {
                        label: label.clone(),
                    },
                })
                .collect(),
            data_key_generation: sidecar.data_key.generation,
            rotation_pending: sidecar.pending_data_key.is_some(),
            retry_after: throttle::retry_after(dir, sidecar.throttle_file, now),
            wal_present: std::fs::metadata(store::wal_path(dir)).is_ok_and(|m| m.len() > 0),
        }))
    }

    /// The vault's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The vault's id.
    pub fn vault_id(&self) -> VaultId {
        self.sidecar.vault_id
    }

    /// The raw data key as 64 hex characters, for opening the database with any SQLCipher 4
    /// client: `PRAGMA key = "x'<hex>'";`. Handle with care: whoever holds it can read the
    /// vault until the key is rotated.
    pub fn export_key(&self) -> Zeroizing<String> {
        self.data_key.to_hex()
    }

    /// Every key this open vault holds in memory, as raw bytes: only for the secret-leak scan
    /// (`tests/e2e/specs/secrets.e2e.mjs`), which must know what to search a run's files, IPC
    /// traffic and memory for. Compiled only with the `key-material` feature, which only
    /// test builds turn on (through `tipvault-app/test-hooks`).
    #[cfg(feature = "key-material")]
    pub fn key_material(&self, now: DateTime<Utc>) -> Result<KeyMaterial, StoreError> {
        Ok(KeyMaterial {
            vault_key: Zeroizing::new(*self.vault_key.as_bytes()),
            data_key: Zeroizing::new(*self.data_key.as_bytes()),
            device_secret: self.read_device_secret(now)?,
        })
    }

    /// Proves the passphrase again while the vault is open: the re-authentication before a
    /// sensitive change. The same throttled attempt as an unlock (counted before the key is
    /// derived, refused while a delay is due), and it must open *this* vault's key.
    pub fn verify_passphrase(
        &self,
        passphrase: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<(), UnlockError> {
        // Against the slots on disk: after a passphrase change in another window, the new
        // passphrase is the one to give (the file is replaced atomically, so a read needs no
        // lock).
        let on_disk = read_sidecar(&self.dir)?;
        if on_disk.vault_id != self.sidecar.vault_id || on_disk.data_key != self.sidecar.data_key {
            return Err(UnlockError::ChangedElsewhere);
        }
        let (_, _, vault_key) = open_passphrase_slot(&self.dir, &on_disk, passphrase, now)?;
        if vault_key.as_bytes() != self.vault_key.as_bytes() {
            return Err(sidecar_damaged(
                &self.dir,
                "its passphrase slot holds another vault key than the open vault's",
            ));
        }
        Ok(())
    }

    /// Replaces the passphrase slot that `current` opens with one for `new` (the database is
    /// untouched; only the vault key is re-wrapped).
    pub fn change_passphrase(
        &mut self,
        current: &SecretString,
        new: &SecretString,
        kdf: KdfParams,
        now: DateTime<Utc>,
    ) -> Result<(), KeyChangeError> {
        if new.expose_secret().is_empty() {
            return Err(KeyChangeError::EmptyPassphrase);
        }
        kdf.check_for_new_slot()?;
        self.update_sidecar(|vault, mut next| {
            // Throttled like an unlock: an open session must not become a fast passphrase
            // oracle. Checked against the slots on disk now: after a change in another window,
            // the passphrase it set is the current one.
            let (index, _, _) = open_passphrase_slot(&vault.dir, &next, current, now)
                .map_err(KeyChangeError::from_attempt)?;
            let slot = new_passphrase_slot(&next.vault_id, new, kdf, &vault.vault_key)?;
            if let Some(entry) = next.slots.get_mut(index) {
                *entry = slot;
            }
            Ok((next, ()))
        })?;
        self.record(
            "vault.passphrase_changed",
            json!({"kdf": kdf_json(&kdf)}),
            now,
        )?;
        Ok(())
    }

    /// Adds an unlock slot for a security key: the vault key sealed under `kek` (the key's
    /// hmac-secret output over `prf_salt`, through `tipvault-auth`'s KDF). The sidecar is
    /// rewritten atomically; the slot's associated data binds the credential id and the salt.
    pub fn add_security_key_slot(
        &mut self,
        credential_id: &[u8],
        prf_salt: [u8; 32],
        label: &str,
        kek: Zeroizing<[u8; key::KEY_LEN]>,
        now: DateTime<Utc>,
    ) -> Result<(), KeyChangeError> {
        let kek = key::Kek::from_bytes(kek);
        self.update_sidecar(|vault, mut next| {
            if next.security_key_slot(credential_id).is_some() {
                return Err(KeyChangeError::SecurityKeySlotExists);
            }
            let slot = sidecar::new_slot(
                &next.vault_id,
                SlotKind::SecurityKey {
                    credential_id: credential_id.to_vec(),
                    prf_salt,
                    label: label.to_owned(),
                },
                &kek,
                &vault.vault_key,
            )?;
            next.slots.push(slot);
            Ok((next, ()))
        })?;
        drop(kek);
        self.record(
            "vault.security_key_slot_added",
            json!({"credential_id": hex::encode(credential_id), "label": label}),
            now,
        )?;
        Ok(())
    }

    /// Removes the unlock slot of `credential_id` (its wrapped copy of the vault key); false
    /// when it had none. Passphrase slots are never removed here: the passphrase stays the
    /// recovery path.
    pub fn remove_security_key_slot(
        &mut self,
        credential_id: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, KeyChangeError> {
        let removed = self.update_sidecar(|_, mut next| {
            let Some(index) = next.security_key_slot(credential_id) else {
                return Ok((next, false));
            };
            next.slots.remove(index);
            if next.passphrase_slots().next().is_none() {
                return Err(KeyChangeError::LastPassphraseSlot);
            }
            Ok((next, true))
        })?;
        if !removed {
            return Ok(false);
        }
        self.record(
            "vault.security_key_slot_removed",
            json!({"credential_id": hex::encode(credential_id)}),
            now,
        )?;
        Ok(true)
    }

    /// Changes the label shown for a security-key slot before unlock; false when there is no
    /// such slot. The label is not part of the slot's associated data, so nothing is re-wrapped.
    pub fn rename_security_key_slot(
        &mut self,
        credential_id: &[u8],
        label: &str,
    ) -> Result<bool, KeyChangeError> {
        self.update_sidecar(|_, mut next| {
            let Some(index) = next.security_key_slot(credential_id) else {
                return Ok((next, false));
            };
            if let Some(SlotKind::SecurityKey { label: old, .. }) =
                next.slots.get_mut(index).map(|slot| &mut slot.kind)
            {
                *old = label.to_owned();
            }
            Ok((next, true))
        })
    }

    /// Whether `credential_id` has an unlock slot.
    pub fn has_security_key_slot(&self, credential_id: &[u8]) -> bool {
        self.sidecar.security_key_slot(credential_id).is_some()
    }

    /// Changes the sidecar under its lock: `change` gets the file as it is on disk now (another
    /// process may have changed its slots since this one unlocked) and returns the next version
    /// with an answer. Refused, with nothing written, when another process replaced the keys
    /// themselves ([`KeyChangeError::ChangedElsewhere`]).
    fn update_sidecar<T>(
        &mut self,
        change: impl FnOnce(&Self, Sidecar) -> Result<(Sidecar, T), KeyChangeError>,
    ) -> Result<T, KeyChangeError> {
        let held = self.lock_sidecar()?;
        self.update_sidecar_held(&held, change)
    }

    /// [`Vault::update_sidecar`] under a lock the caller already holds (a change that goes on
    /// under the same lock, such as the rotation a vault-key replacement owes).
    fn update_sidecar_held<T>(
        &mut self,
        held: &SidecarLock,
        change: impl FnOnce(&Self, Sidecar) -> Result<(Sidecar, T), KeyChangeError>,
    ) -> Result<T, KeyChangeError> {
        let current = self.reread_sidecar(held)?;
        let (next, answer) = change(self, current.clone())?;
        if next == current {
            // Nothing to change (a slot that was not there): no write, but take the file as
            // it is now.
            self.sidecar = current;
        } else {
            self.write_sidecar(next, held)?;
        }
        Ok(answer)
    }

    fn lock_sidecar(&self) -> Result<SidecarLock, KeyChangeError> {
        SidecarLock::acquire(&self.dir).map_err(|source| KeyChangeError::Io {
            path: SidecarLock::path(&self.dir),
            source,
        })
    }

    /// The sidecar on disk, which a holder of its lock may change: the same keys as this open
    /// vault's (slots may differ, another process may have changed them), or
    /// [`KeyChangeError::ChangedElsewhere`].
    fn reread_sidecar(&self, _held: &SidecarLock) -> Result<Sidecar, KeyChangeError> {
        let on_disk = Sidecar::read(&self.dir).map_err(|e| match e {
            ReadError::Io(source) => KeyChangeError::Io {
                path: Sidecar::path(&self.dir),
                source,
            },
            other => KeyChangeError::Store(StoreError::Damaged {
                reason: format!("vault.keys can no longer be read: {other}"),
            }),
        })?;
        // The wrapped data key is sealed afresh (a new nonce) whenever the vault key or the
        // data key changes, so equal wrappings mean the keys this process holds are current.
        let same_keys = on_disk.vault_id == self.sidecar.vault_id
            && on_disk.data_key == self.sidecar.data_key
            && on_disk.pending_data_key == self.sidecar.pending_data_key
            && on_disk.rotation_owed == self.sidecar.rotation_owed;
        if !same_keys {
            return Err(KeyChangeError::ChangedElsewhere);
        }
        Ok(on_disk)
    }

    fn write_sidecar(&mut self, next: Sidecar, _held: &SidecarLock) -> Result<(), KeyChangeError> {
        next.write(&self.dir).map_err(|source| KeyChangeError::Io {
            path: Sidecar::path(&self.dir),
            source,
        })?;
        self.sidecar = next;
        Ok(())
    }

    /// Registered security keys' credential records, in registration order.
    pub fn security_keys(&self) -> Result<Vec<crate::StoredSecurityKey>, StoreError> {
        crate::security_key::list(&self.conn).map_err(store_err(&self.dir))
    }

    /// One credential record.
    pub fn security_key(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<crate::StoredSecurityKey>, StoreError> {
        crate::security_key::get(&self.conn, credential_id).map_err(store_err(&self.dir))
    }

    /// Stores a new credential record (refused if its id is stored already).
    pub fn insert_security_key(
        &mut self,
        key: &crate::StoredSecurityKey,
        now: DateTime<Utc>,
    ) -> Result<(), crate::SecurityKeyError> {
        crate::security_key::insert(&self.conn, key, now).map_err(|e| self.security_key_err(e))
    }

    /// Replaces a credential record (after an accepted assertion or a rename); refused when
    /// its signature counter is lower than the stored one.
    pub fn update_security_key(
        &mut self,
        key: &crate::StoredSecurityKey,
        now: DateTime<Utc>,
    ) -> Result<(), crate::SecurityKeyError> {
        crate::security_key::update(&mut self.conn, key, now).map_err(|e| self.security_key_err(e))
    }

    /// Deletes a credential record; false when there was none. The caller removes its unlock
    /// slot too ([`Vault::remove_security_key_slot`]).
    pub fn delete_security_key(&mut self, credential_id: &[u8]) -> Result<bool, StoreError> {
        crate::security_key::remove(&self.conn, credential_id).map_err(store_err(&self.dir))
    }

    fn security_key_err(&self, e: crate::SecurityKeyError) -> crate::SecurityKeyError {
        match e {
            crate::SecurityKeyError::Store(StoreError::Sql(e)) => {
                crate::SecurityKeyError::Store(StoreError::from_sql(e, &self.dir))
            }
            other => other,
        }
    }

    /// Replaces the vault key, then the data key: what removing a security key (or the user's
    /// request) needs so that no copy of an old unlock slot opens the vault as it is now.
    ///
    /// `passphrase` must open this vault's passphrase slot (a throttled attempt); it seals the new
    /// vault key in a fresh passphrase slot with the same Argon2id parameters. `keep` gives, for
    /// each security key that should still unlock, its credential id and the KEK it produced just
    /// now; each is checked against its current slot before anything is written. Every other
    /// slot is dropped. Steps, each crash-safe:
    /// 1. one atomic sidecar write: the new slots, the data key re-wrapped under the new vault
    ///    key, and `rotation_owed` (before it, the old slots are all there; after it, only the
    ///    new ones are, and the rotation is owed);
    /// 2. a data-key rotation under the new vault key ([`Vault::rotate_key`], crash-safe through
    ///    its pending key), which clears `rotation_owed`: an old key file with an old slot then
    ///    unwraps only a data key that no longer opens the database. Until it is done, an old
    ///    key file with a dropped slot still opens the database (the data key is the same); a
    ///    crash in between is settled by the next unlock, which finishes the rotation before
    ///    anything else.
    pub fn replace_vault_key(
        &mut self,
        passphrase: &SecretString,
        keep: Vec<(Vec<u8>, Zeroizing<[u8; key::KEY_LEN]>)>,
        now: DateTime<Utc>,
        progress: impl FnMut(RotationProgress),
    ) -> Result<VaultKeyReplaced, KeyChangeError> {
        // One lock across both steps: no other window sees the key file between them.
        let held = self.lock_sidecar()?;
        let (new_key, kept, dropped) = self.update_sidecar_held(&held, |vault, mut next| {
            let (_, kdf, opened) = open_passphrase_slot(&vault.dir, &next, passphrase, now)
                .map_err(KeyChangeError::from_attempt)?;
            if opened.as_bytes() != vault.vault_key.as_bytes() {
                return Err(KeyChangeError::WrongPassphrase);
            }
            if next.pending_data_key.is_some() {
                return Err(KeyChangeError::Store(StoreError::Damaged {
                    reason: "a data-key rotation is still pending; unlock again to finish it \
                             first"
                        .into(),
                }));
            }
            let new_key = VaultKey::generate()?;
            let vault_id = next.vault_id;
            let mut slots = vec![new_passphrase_slot(&vault_id, passphrase, kdf, &new_key)?];
            let mut kept = 0u32;
            for (credential_id, kek) in keep {
                let Some(at) = next.security_key_slot(&credential_id) else {
                    continue;
                };
                let old = &next.slots[at];
                let kek = key::Kek::from_bytes(kek);
                // The KEK must open the key's current slot: a wrong one would seal a slot
                // nobody can open.
                if sidecar::open_slot(&vault_id, old, &kek).is_err() {
                    return Err(KeyChangeError::Store(StoreError::Damaged {
                        reason: "a security key's answer does not open its own unlock slot".into(),
                    }));
                }
                slots.push(sidecar::new_slot(
                    &vault_id,
                    old.kind.clone(),
                    &kek,
                    &new_key,
                )?);
                kept += 1;
            }
            let dropped = u32::try_from(next.slots.len())
                .unwrap_or(u32::MAX)
                .saturating_sub(1 + kept);
            next.data_key = sidecar::wrap_data_key(
                &vault_id,
                next.data_key.generation,
                &new_key,
                &vault.data_key,
            )?;
            next.slots = slots;
            next.rotation_owed = true;
            Ok((next, (new_key, kept, dropped)))
        })?;
        self.vault_key = new_key;
        self.record(
            "vault.vault_key_replaced",
            json!({"security_key_slots_kept": kept, "slots_dropped": dropped}),
            now,
        )?;
        let rotation = self.rotate_key_held(&held, now, progress)?;
        Ok(VaultKeyReplaced {
            security_key_slots_kept: kept,
            slots_dropped: dropped,
            data_key_generation: rotation.generation,
        })
    }

    /// Replaces the data key: re-encrypts every page with a new random key (`PRAGMA rekey`).
    ///
    /// Crash-safe: the new key is first saved as *pending* in the sidecar; the rekey commits
    /// atomically; only then is the pending key promoted. An unlock after a crash at any point
    /// tries the current key, then the pending one, so the vault always opens.
    pub fn rotate_key(
        &mut self,
        now: DateTime<Utc>,
        progress: impl FnMut(RotationProgress),
    ) -> Result<RotationReport, KeyChangeError> {
        // Held to the end: an unlock elsewhere must not judge the pending key while the rekey
        // is under way.
        let held = self.lock_sidecar()?;
        self.rotate_key_held(&held, now, progress)
    }

    /// [`Vault::rotate_key`] under the sidecar's lock, which the caller holds.
    fn rotate_key_held(
        &mut self,
        held: &SidecarLock,
        now: DateTime<Utc>,
        mut progress: impl FnMut(RotationProgress),
    ) -> Result<RotationReport, KeyChangeError> {
        progress(RotationProgress::Checkpointing);
        store::checkpoint_truncate(&self.conn).map_err(|e| open_to_store(e, &self.dir))?;
        let (new_key, pending) = self.begin_rotation(held)?;
        let pages = store::page_count(&self.conn).map_err(store_err(&self.dir))?;
        progress(RotationProgress::Rekeying { pages });
        let started = std::time::Instant::now();
        if let Err(e) = store::rekey(&self.conn, &new_key) {
            // Nothing committed: forget the pending key so the sidecar stays tidy.
            let mut rolled_back = self.sidecar.clone();
            rolled_back.pending_data_key = None;
            let _ = self.write_sidecar(rolled_back, held);
            return Err(open_to_store(e, &self.dir).into());
        }
        let elapsed = started.elapsed();
        progress(RotationProgress::Finalizing);
        self.finish_rotation(new_key, pending, held)?;
        let generation = self.sidecar.data_key.generation;
        self.record(
            "vault.key_rotated",
            json!({"generation": generation, "pages": pages}),
            now,
        )?;
        progress(RotationProgress::Done { generation });
        Ok(RotationReport {
            generation,
            pages,
            elapsed,
        })
    }

    /// Step 1 of a rotation: a new key, saved as pending in the sidecar.
    pub(crate) fn begin_rotation(
        &mut self,
        held: &SidecarLock,
    ) -> Result<(DataKey, sidecar::WrappedDataKey), KeyChangeError> {
        let mut next = self.reread_sidecar(held)?;
        if next.pending_data_key.is_some() {
            // The database may already be on that key (a promotion that failed to write): a
            // second pending key would replace it, and a crash then would lose both.
            return Err(KeyChangeError::Store(StoreError::Damaged {
                reason: "a data-key rotation is still pending; unlock again to finish it first"
                    .into(),
            }));
        }
        let new_key = DataKey::generate()?;
        let generation = next.data_key.generation + 1;
        let pending =
            sidecar::wrap_data_key(&next.vault_id, generation, &self.vault_key, &new_key)?;
        next.pending_data_key = Some(pending.clone());
        self.write_sidecar(next, held)?;
        Ok((new_key, pending))
    }

    /// Step 3 of a rotation (after the rekey committed): checkpoint, then promote the key.
    pub(crate) fn finish_rotation(
        &mut self,
        new_key: DataKey,
        pending: sidecar::WrappedDataKey,
        held: &SidecarLock,
    ) -> Result<(), KeyChangeError> {
        // The connection now encrypts with the new key; move the re-encrypted frames into
        // vault.db so no old-key page remains there.
        store::checkpoint_truncate(&self.conn).map_err(|e| open_to_store(e, &self.dir))?;
        // Written whatever the file says now: the database is on the new key already. The lock
        // held since `begin_rotation` means nobody else changed the file meanwhile.
        let mut next = self.sidecar.clone();
        next.data_key = pending;
        next.pending_data_key = None;
        next.rotation_owed = false;
        // If this write fails, the next unlock finds the pending key and promotes it.
        self.write_sidecar(next, held)?;
        self.data_key = new_key;
        Ok(())
    }

    /// Deletes every expired row (or only counts them when `dry_run`), then checkpoints so the
    /// deleted plaintext is gone from `vault.db` and its WAL.
    pub fn purge(&mut self, now: DateTime<Utc>, dry_run: bool) -> Result<PurgeReport, StoreError> {
        let report = purge::purge(&mut self.conn, now, dry_run).map_err(store_err(&self.dir))?;
        if !dry_run {
            if report.total > 0 {
                let detail = json!({"per_class": report.per_class, "total": report.total});
                self.record("vault.purged", detail, now)?;
            }
            store::checkpoint_truncate(&self.conn).map_err(|e| open_to_store(e, &self.dir))?;
        }
        Ok(report)
    }

    /// The retention classes and their durations.
    pub fn retention_classes(&self) -> Result<Vec<RetentionClass>, StoreError> {
        retention::list(&self.conn).map_err(store_err(&self.dir))
    }

    /// Whether `class` may be set to `duration` (its floor, a fixed class), without writing.
    pub fn check_retention(&self, class: &str, duration: Duration) -> Result<(), RetentionError> {
        retention::check(class, duration)
    }

    /// Sets a class's duration. Shortening also moves existing rows' expiry earlier (to at most
    /// `created_at + duration`); lengthening affects new rows only. Refused below the class's
    /// floor ([`retention::floor`]).
    pub fn set_retention(
        &mut self,
        class: &str,
        duration: Duration,
        now: DateTime<Utc>,
    ) -> Result<RetentionChange, RetentionError> {
        let change = retention::set(&mut self.conn, class, duration, now).map_err(|e| match e {
            RetentionError::Store(StoreError::Sql(e)) => {
                RetentionError::Store(StoreError::from_sql(e, &self.dir))
            }
            other => other,
        })?;
        let detail = json!({
            "class": change.class,
            "previous_secs": change.previous.as_secs(),
            "current_secs": change.current.as_secs(),
            "rows_shortened": change.rows_shortened,
        });
        self.record("retention.changed", detail, now)?;
        Ok(change)
    }

    /// Appends an event to the audit chain; returns its sequence number.
    pub fn audit_append(
        &mut self,
        event: &AuditEvent,
        now: DateTime<Utc>,
    ) -> Result<u64, AuditError> {
        audit::append(&mut self.conn, event, now)
            .map_err(|e| AuditError::Store(StoreError::from_sql(e, &self.dir)))
    }

    /// Verifies the whole stored audit chain from its anchor.
    pub fn audit_verify(&self) -> Result<AuditReport, StoreError> {
        audit::verify(&self.conn).map_err(store_err(&self.dir))
    }

    /// The contiguous stored audit rows from the first to the last naming `value` under the
    /// detail field `field` (for evidence bundles: they verify on their own).
    pub fn audit_excerpt_naming(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Vec<audit::ChainLink>, StoreError> {
        audit::excerpt_naming(&self.conn, field, value).map_err(store_err(&self.dir))
    }

    /// Unexpired audit entries with `seq > after_seq`, oldest first, at most `limit`.
    pub fn audit_entries(
        &self,
        now: DateTime<Utc>,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        audit::entries(&self.conn, now, after_seq, limit).map_err(store_err(&self.dir))
    }

    /// Saves a draft (class `draft`); returns its id.
    pub fn save_draft(&mut self, body: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        draft::insert(&self.conn, body, now).map_err(store_err(&self.dir))
    }

    /// Saves many drafts in one transaction (an import); returns how many were written.
    pub fn save_drafts<'a>(
        &mut self,
        bodies: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        draft::insert_many(&mut self.conn, bodies, now).map_err(store_err(&self.dir))
    }

    /// Unexpired drafts with `id > after_id`, by id, at most `limit` (for paging).
    pub fn drafts_page(
        &self,
        now: DateTime<Utc>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Draft>, StoreError> {
        draft::page(&self.conn, now, after_id, limit).map_err(store_err(&self.dir))
    }

    /// Unexpired drafts, oldest first.
    pub fn drafts(&self, now: DateTime<Utc>) -> Result<Vec<Draft>, StoreError> {
        draft::list(&self.conn, now).map_err(store_err(&self.dir))
    }

    /// One draft, if it exists and has not expired.
    pub fn draft(&self, id: i64, now: DateTime<Utc>) -> Result<Option<Draft>, StoreError> {
        draft::get(&self.conn, id, now).map_err(store_err(&self.dir))
    }

    /// Adds a source (its id must be new).
    pub fn add_source(
        &mut self,
        source: &tipvault_ledger::Source,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        crate::source::insert(&self.conn, source, now).map_err(|e| self.ledger_err(e))
    }

    /// Replaces a live source's payout rule (`None` removes it); false when there is no such
    /// live source.
    pub fn set_payout(
        &mut self,
        source: &tipvault_ledger::SourceId,
        payout: Option<&tipvault_ledger::PayoutRule>,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        crate::source::set_payout(&self.conn, source, payout, now).map_err(|e| self.ledger_err(e))
    }

    /// Caches a provider catalog (see [`crate::catalog`]): refused unless newer than the one
    /// stored.
    pub fn put_catalog(
        &mut self,
        catalog: &crate::StoredCatalog,
        now: DateTime<Utc>,
    ) -> Result<crate::CatalogStored, crate::CatalogStoreError> {
        crate::catalog::put(&mut self.conn, catalog, now).map_err(|e| match e {
            crate::CatalogStoreError::Store(StoreError::Sql(e)) => {
                crate::CatalogStoreError::Store(StoreError::from_sql(e, &self.dir))
            }
            other => other,
        })
    }

    /// The live cached catalog of a provider.
    pub fn catalog(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::StoredCatalog>, StoreError> {
        crate::catalog::get(&self.conn, provider_id, now).map_err(store_err(&self.dir))
    }

    /// Every live cached catalog, by provider.
    pub fn catalogs(&self, now: DateTime<Utc>) -> Result<Vec<crate::StoredCatalog>, StoreError> {
        crate::catalog::list(&self.conn, now).map_err(store_err(&self.dir))
    }

    /// Removes a provider's cached catalog; false when there was none.
    pub fn remove_catalog(&self, provider_id: &str) -> Result<bool, StoreError> {
        crate::catalog::remove(&self.conn, provider_id).map_err(store_err(&self.dir))
    }

    /// Live sources, by id.
    pub fn sources(&self, now: DateTime<Utc>) -> Result<Vec<tipvault_ledger::Source>, StoreError> {
        crate::source::list(&self.conn, now).map_err(store_err(&self.dir))
    }

    /// Every id a new source may not take: the live sources' and the expired ones' not purged
    /// yet.
    pub fn taken_source_ids(&self) -> Result<Vec<tipvault_ledger::SourceId>, StoreError> {
        crate::source::taken_ids(&self.conn).map_err(store_err(&self.dir))
    }

    /// One live source.
    pub fn source(
        &self,
        id: &tipvault_ledger::SourceId,
        now: DateTime<Utc>,
    ) -> Result<Option<tipvault_ledger::Source>, StoreError> {
        crate::source::get(&self.conn, id, now).map_err(store_err(&self.dir))
    }

    /// Starts an import into `source`: one write transaction that takes batches and commits
    /// them all at once (dropping it rolls everything back). See [`EntryImport`]. `file_name`
    /// (a name, not a path) is kept with every entry the import writes.
    pub fn begin_import(
        &mut self,
        source: &tipvault_ledger::SourceId,
        file_name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<EntryImport<'_>, LedgerError> {
        EntryImport::begin(&mut self.conn, &self.dir, source, file_name, now)
    }

    /// Imports `entries` into `source` in one transaction: all are written (duplicates of
    /// stored keys skipped and counted) or, on any error, none.
    pub fn import_entries(
        &mut self,
        source: &tipvault_ledger::SourceId,
        entries: &[tipvault_ledger::Entry],
        now: DateTime<Utc>,
    ) -> Result<ImportOutcome, LedgerError> {
        let mut import = self.begin_import(source, None, now)?;
        import.insert(entries)?;
        Ok(import.commit()?)
    }

    /// How many of these de-duplication keys are already stored (read-only; for dry runs).
    pub fn count_known_keys(&self, keys: &[String]) -> Result<u64, StoreError> {
        crate::entry::count_known(&self.conn, keys).map_err(store_err(&self.dir))
    }

    /// One page of history, newest first, starting after `after`.
    pub fn history(
        &self,
        filter: &HistoryFilter,
        after: Option<HistoryCursor>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<HistoryPage, StoreError> {
        crate::history::page(&self.conn, filter, after, limit, now).map_err(store_err(&self.dir))
    }

    /// Every live entry matching `filter`, oldest first (totals, forecasts, exports).
    pub fn entries(
        &self,
        filter: &HistoryFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        crate::history::all(&self.conn, filter, now).map_err(store_err(&self.dir))
    }

    /// What the live entries matching `filter` add up to, per currency (summed by SQLite).
    pub fn entry_sums(
        &self,
        filter: &HistoryFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::history::CurrencySums>, StoreError> {
        crate::history::sums(&self.conn, filter, now).map_err(store_err(&self.dir))
    }

    /// Balances per source and currency over live entries.
    pub fn balances(&self, now: DateTime<Utc>) -> Result<Vec<Balance>, StoreError> {
        crate::balance::list(&self.conn, now).map_err(store_err(&self.dir))
    }

    /// Balances recomputed from scratch (what [`Vault::balances`] must always equal).
    #[doc(hidden)]
    pub fn balances_recomputed(&self, now: DateTime<Utc>) -> Result<Vec<Balance>, StoreError> {
        crate::balance::recompute(&self.conn, now).map_err(store_err(&self.dir))
    }

    fn ledger_err(&self, e: LedgerError) -> LedgerError {
        match e {
            LedgerError::Store(StoreError::Sql(e)) => {
                LedgerError::Store(StoreError::from_sql(e, &self.dir))
            }
            other => other,
        }
    }

    /// The open connection, for the redemption modules' `impl Vault` blocks.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The open connection, mutably (transactions).
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The connection and the vault's directory together (a transaction that maps its own
    /// errors).
    pub(crate) fn parts_mut(&mut self) -> (&mut Connection, &Path) {
        (&mut self.conn, &self.dir)
    }

    /// Maps a SQLite error the way every other vault method does.
    pub(crate) fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sql(e, &self.dir)
    }

    /// Checks every page's HMAC (what unlock also does).
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        store::check_integrity(&self.conn, &self.dir).map_err(|e| open_to_store(e, &self.dir))
    }

    /// Schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migration::version(&self.conn).map_err(store_err(&self.dir))
    }

    /// The schema SQL (for the snapshot test and diagnostics).
    pub fn schema_sql(&self) -> Result<Vec<String>, StoreError> {
        migration::schema_sql(&self.conn).map_err(store_err(&self.dir))
    }

    /// A setting's value, if it was ever set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        crate::setting::get(&self.conn, key).map_err(store_err(&self.dir))
    }

    /// Sets a setting and records the change (old and new value) in the audit log.
    pub fn set_setting(
        &mut self,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), crate::SettingError> {
        let valid_key = !key.is_empty()
            && key.len() <= crate::setting::MAX_KEY_LEN
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !valid_key {
            return Err(crate::SettingError::InvalidKey);
        }
        if value.len() > crate::setting::MAX_VALUE_LEN {
            return Err(crate::SettingError::ValueTooLong);
        }
        let previous =
            crate::setting::set(&self.conn, key, value, now).map_err(store_err(&self.dir))?;
        self.record(
            "settings.changed",
            json!({ "key": key, "previous": previous, "value": value }),
            now,
        )?;
        Ok(())
    }

    /// Migration v9 took the demo money an older version left in a real vault out of its books
    /// and noted what it took (`vault.demo_retired`): the note goes into the audit chain as
    /// `demo.retired`, then is dropped. Appended before the note is deleted, so a crash in
    /// between records it twice rather than never.
    fn record_demo_retired(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        const NOTE: &str = "vault.demo_retired";
        let Some(note) = self.setting(NOTE)? else {
            return Ok(());
        };
        let detail = serde_json::from_str(&note).unwrap_or_else(|_| json!({ "note": note }));
        self.record("demo.retired", detail, now)?;
        crate::setting::delete(&self.conn, NOTE).map_err(store_err(&self.dir))?;
        Ok(())
    }

    /// Internal events (created, unlocked, purged, …) go into the same chain as the app's.
    fn record(
        &mut self,
        kind: &str,
        detail: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let event = AuditEvent::new(kind, detail).map_err(|e| StoreError::Damaged {
            reason: format!("internal audit event rejected: {e}"),
        })?;
        audit::append(&mut self.conn, &event, now).map_err(store_err(&self.dir))
    }
}

fn open_to_store(e: OpenError, dir: &Path) -> StoreError {
    match e {
        OpenError::NotADatabase => StoreError::Damaged {
            reason: "the first page does not decrypt".into(),
        },
        OpenError::Corrupt(reason) | OpenError::WalCorrupt(reason) => {
            StoreError::Damaged { reason }
        }
        OpenError::Io(e) | OpenError::Sql(e) => StoreError::from_sql(e, dir),
    }
}

fn kdf_json(kdf: &KdfParams) -> serde_json::Value {
    json!({"memory_kib": kdf.memory_kib, "iterations": kdf.iterations, "parallelism": kdf.parallelism})
}

fn sidecar_damaged(dir: &Path, reason: &str) -> UnlockError {
    UnlockError::Damaged {
        file: VaultFile::Sidecar,
        path: Sidecar::path(dir),
        reason: reason.to_owned(),
    }
}

/// Opens the passphrase slot `passphrase` opens, as one throttled attempt: refused while a delay
/// is due, counted before any key derivation, forgotten on success (see [`throttle`]). Returns
/// the slot's index, its KDF parameters and the vault key.
fn open_passphrase_slot(
    dir: &Path,
    sidecar: &Sidecar,
    passphrase: &SecretString,
    now: DateTime<Utc>,
) -> Result<(usize, KdfParams, VaultKey), UnlockError> {
    if sidecar.passphrase_slots().next().is_none() {
        return Err(UnlockError::NoPassphraseSlot);
    }
    let attempt = match throttle::begin(dir, sidecar.throttle_file, now) {
        Ok(attempt) => attempt,
        Err(throttle::Refused::Wait(retry_after)) => {
            return Err(UnlockError::Throttled { retry_after });
        }
        // No attempt that cannot be counted (a read-only copy must be made writable first).
        Err(throttle::Refused::Io(path, source)) => {
            return Err(UnlockError::Io { path, source });
        }
    };
    for (index, slot) in sidecar.passphrase_slots() {
        let SlotKind::Passphrase { kdf, salt } = &slot.kind else {
            continue;
        };
        let kek = kdf::derive_kek(passphrase, salt, kdf)?;
        if let Ok(vault_key) = sidecar::open_slot(&sidecar.vault_id, slot, &kek) {
            attempt
                .succeeded()
                .map_err(io_err(&dir.join(throttle::FILE_NAME)))?;
            return Ok((index, *kdf, vault_key));
        }
    }
    Err(UnlockError::WrongPassphrase {
        retry_after: attempt.failed(),
    })
}

/// What every unlock checks before touching a key: the directory, the sidecar, the database's
/// size and that the two files belong together.
fn preflight(dir: &Path) -> Result<Sidecar, UnlockError> {
    if !dir.is_dir() {
        return Err(UnlockError::NotAVault {
            path: dir.to_path_buf(),
            reason: "the directory does not exist",
        });
    }
    let sidecar = read_sidecar(dir)?;
    let db_path = store::db_path(dir);
    let db_len = match std::fs::metadata(&db_path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(UnlockError::NotAVault {
                path: db_path,
                reason: "vault.db is missing",
            });
        }
        Err(e) => return Err(io_err(&db_path)(e)),
    };
    if db_len < store::PAGE_SIZE || db_len % store::PAGE_SIZE != 0 {
        return Err(UnlockError::Damaged {
            file: VaultFile::Database,
            path: db_path,
            reason: format!("its size ({db_len} bytes) is not a whole number of pages: truncated"),
        });
    }
    if store::read_db_salt(dir).map_err(io_err(&db_path))? != sidecar.db_salt {
        return Err(UnlockError::Mismatch {
            path: Sidecar::path(dir),
        });
    }
    Ok(sidecar)
}

/// [`preflight`], then the sidecar's lock for the whole unlock (an unlock may write the sidecar:
/// a recovered rotation, a raised KDF), then the sidecar as it is under the lock. Checked once
/// before locking so a directory that is no vault does not get a lock file.
fn preflight_locked(dir: &Path) -> Result<(SidecarLock, Sidecar), UnlockError> {
    preflight(dir)?;
    let held = SidecarLock::acquire(dir).map_err(io_err(&SidecarLock::path(dir)))?;
    let sidecar = preflight(dir)?;
    Ok((held, sidecar))
}

/// Opens the database once a slot gave up the vault key, whichever slot it was: unwraps the
/// data key, resolves an interrupted rotation, checks every page, migrates and checks that the
/// database is this sidecar's.
fn open_database(
    dir: &Path,
    sidecar: &mut Sidecar,
    vault_key: &VaultKey,
    report: &mut UnlockReport,
) -> Result<(Connection, DataKey), UnlockError> {
    let current_key = sidecar::unwrap_data_key(&sidecar.vault_id, vault_key, &sidecar.data_key)
        .map_err(|_| sidecar_damaged(dir, "the data key does not decrypt with the vault key"))?;
    let pending = match &sidecar.pending_data_key {
        Some(wrapped) => Some((
            wrapped.clone(),
            sidecar::unwrap_data_key(&sidecar.vault_id, vault_key, wrapped)
                .map_err(|_| sidecar_damaged(dir, "the pending data key does not decrypt"))?,
        )),
        None => None,
    };

    // The current key first: a rekey that never committed leaves the database on it.
    let (mut conn, data_key) = match store::open(dir, &current_key, false) {
        Ok(conn) => {
            if pending.is_some() {
                sidecar.pending_data_key = None;
                sidecar.write(dir).map_err(io_err(&Sidecar::path(dir)))?;
                report.rotation_recovered = Some(RotationRecovery::Discarded {
                    generation: sidecar.data_key.generation,
                });
            }
            (conn, current_key)
        }
        Err(OpenError::NotADatabase) if pending.is_some() => {
            let Some((wrapped, pending_key)) = pending else {
                return Err(map_open(dir, OpenError::NotADatabase));
            };
            let conn = store::open(dir, &pending_key, false).map_err(|e| map_open(dir, e))?;
            sidecar.data_key = wrapped;
            sidecar.pending_data_key = None;
            sidecar.write(dir).map_err(io_err(&Sidecar::path(dir)))?;
            report.rotation_recovered = Some(RotationRecovery::Completed {
                generation: sidecar.data_key.generation,
            });
            (conn, pending_key)
        }
        Err(e) => return Err(map_open(dir, e)),
    };

    store::check_integrity(&conn, dir).map_err(|e| map_open(dir, e))?;
    report.migrated = migration::migrate(&mut conn).map_err(|e| match e {
        MigrationError::TooNew { found, supported } => UnlockError::TooNew {
            file: VaultFile::Database,
            found,
            supported,
        },
        MigrationError::Failed { source, .. } => map_open(dir, store::classify(source)),
    })?;
    let stored_id: Vec<u8> = conn
        .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |row| {
            row.get(0)
        })
        .map_err(|e| map_open(dir, store::classify(e)))?;
    if stored_id.as_slice() != sidecar.vault_id.0.as_slice() {
        return Err(UnlockError::Mismatch {
            path: Sidecar::path(dir),
        });
    }
    Ok((conn, data_key))
}

fn read_sidecar(dir: &Path) -> Result<Sidecar, UnlockError> {
    let path = Sidecar::path(dir);
    Sidecar::read(dir).map_err(|e| match e {
        ReadError::Missing => UnlockError::NotAVault {
            path,
            reason: "vault.keys is missing",
        },
        ReadError::Foreign => UnlockError::NotAVault {
            path,
            reason: "vault.keys is not a Tipvault key file",
        },
        ReadError::TooNew { found } => UnlockError::TooNew {
            file: VaultFile::Sidecar,
            found,
            supported: sidecar::FORMAT_VERSION,
        },
        ReadError::Damaged(reason) => UnlockError::Damaged {
            file: VaultFile::Sidecar,
            path,
            reason: reason.to_owned(),
        },
        ReadError::Io(source) => UnlockError::Io { path, source },
    })
}

#[cfg(test)]
mod tests {
    //! Crash windows of key rotation and the KDF upgrade need to reach inside the vault, so they
    //! live here; everything observable from outside is in `tests/vault/`.
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn pass() -> SecretString {
        SecretString::from("rotation test passphrase")
    }

    fn copy_vault(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }

    #[test]
    fn crash_after_pending_written_but_before_rekey_keeps_the_old_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        vault.save_draft("survives the crash", now()).unwrap();
        let old_key = vault.export_key();
        let (_new_key, _pending) = vault
            .begin_rotation(&vault.lock_sidecar().unwrap())
            .unwrap();
        drop(vault); // the "crash": rekey never ran

        match Vault::status(dir.path(), now()).unwrap() {
            VaultStatus::Present(info) => {
                assert!(info.rotation_pending, "pending slot was written")
            }
            VaultStatus::Absent => panic!("vault vanished"),
        }
        let (vault, report) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        assert_eq!(
            report.rotation_recovered,
            Some(RotationRecovery::Discarded { generation: 1 })
        );
        assert_eq!(
            vault.export_key(),
            old_key,
            "the database never left the old key"
        );
        assert_eq!(vault.drafts(now()).unwrap().len(), 1);
        assert!(
            vault.sidecar.pending_data_key.is_none(),
            "the pending key is discarded"
        );
    }

    #[test]
    fn a_rotation_owed_by_a_vault_key_replacement_is_finished_at_the_next_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        vault.save_draft("survives the crash", now()).unwrap();
        let old_key = vault.export_key();
        // The state a crash right after step 1 of `replace_vault_key` leaves: the new key file
        // is written (rotation owed), the data key not rotated yet.
        let mut next = vault.sidecar.clone();
        next.rotation_owed = true;
        let held = vault.lock_sidecar().unwrap();
        vault.write_sidecar(next, &held).unwrap();
        drop(held);
        drop(vault);

        let (vault, _) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        assert_ne!(
            vault.export_key(),
            old_key,
            "the owed rotation ran before anything else"
        );
        assert!(!vault.sidecar.rotation_owed);
        assert_eq!(vault.sidecar.data_key.generation, 2);
        assert_eq!(vault.drafts(now()).unwrap().len(), 1, "data intact");
        let kinds: Vec<String> = vault
            .audit_entries(now(), 0, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.iter().any(|k| k == "vault.key_rotated"), "{kinds:?}");
        vault.lock().unwrap();
        let (again, _) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        assert_eq!(
            again.sidecar.data_key.generation, 2,
            "done once, not at every unlock"
        );
    }

    #[test]
    fn locking_while_another_connection_reads_succeeds_and_the_last_close_folds_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        let (reader, _) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        vault
            .save_draft("written while another window reads", now())
            .unwrap();
        // The other connection holds a read snapshot: no full checkpoint can happen now.
        reader
            .conn
            .execute_batch("BEGIN; SELECT count(*) FROM sqlite_master;")
            .unwrap();
        assert!(
            store::checkpoint_truncate(&vault.conn).is_err(),
            "the situation under test: a reader stops the full checkpoint"
        );
        vault.lock().unwrap();
        reader.conn.execute_batch("COMMIT").unwrap();
        reader.lock().unwrap();
        let wal = std::fs::metadata(dir.path().join("vault.db-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0, "the last connection to close folded the WAL in");
        let (again, _) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        assert_eq!(again.drafts(now()).unwrap().len(), 1, "nothing lost");
    }

    #[test]
    fn crash_after_rekey_committed_but_before_promotion_uses_the_pending_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        vault.save_draft("survives the crash", now()).unwrap();
        let old_key = vault.export_key();
        store::checkpoint_truncate(&vault.conn).unwrap();
        let (new_key, _pending) = vault
            .begin_rotation(&vault.lock_sidecar().unwrap())
            .unwrap();
        store::rekey(&vault.conn, &new_key).unwrap();

        // State A: a copy taken now has the re-encrypted pages only in the WAL.
        let crashed_in_wal = tempfile::tempdir().unwrap();
        copy_vault(dir.path(), crashed_in_wal.path());
        assert!(
            std::fs::metadata(crashed_in_wal.path().join("vault.db-wal"))
                .unwrap()
                .len()
                > 0,
            "state A needs the rekeyed frames to still be in the WAL"
        );
        // State B: the connection closes (SQLite checkpoints on close) but the sidecar was never
        // promoted.
        drop(vault);

        for (label, path) in [("wal", crashed_in_wal.path()), ("checkpointed", dir.path())] {
            let (vault, report) = Vault::unlock(path, &pass(), now()).unwrap();
            assert_eq!(
                report.rotation_recovered,
                Some(RotationRecovery::Completed { generation: 2 }),
                "{label}: the pending key must be promoted"
            );
            assert_eq!(vault.export_key(), new_key.to_hex(), "{label}");
            assert_ne!(vault.export_key(), old_key, "{label}");
            assert_eq!(
                vault.drafts(now()).unwrap().len(),
                1,
                "{label}: data intact"
            );
            vault.lock().unwrap();
            let (_, again) = Vault::unlock(path, &pass(), now()).unwrap();
            assert_eq!(
                again.rotation_recovered, None,
                "{label}: promotion is persisted"
            );
        }
    }

    #[test]
    fn weak_kdf_parameters_are_raised_at_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        let weak = KdfParams {
            memory_kib: 8 * 1024,
            iterations: 1,
            parallelism: 1,
        };
        let mut sidecar = vault.sidecar.clone();
        let salt = [9u8; SALT_LEN];
        let kek = kdf::derive_kek(&pass(), &salt, &weak).unwrap();
        sidecar.slots[0] = sidecar::new_slot(
            &sidecar.vault_id,
            SlotKind::Passphrase { kdf: weak, salt },
            &kek,
            &vault.vault_key,
        )
        .unwrap();
        sidecar.write(dir.path()).unwrap();
        vault.lock().unwrap();

        let (vault, report) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        assert_eq!(
            report.kdf_upgraded,
            Some(KdfUpgrade {
                from: weak,
                to: KdfParams::POLICY_MIN
            }),
            "below-policy parameters must be re-wrapped with the policy minimum"
        );
        vault.lock().unwrap();
        let (_, again) = Vault::unlock(dir.path(), &pass(), now()).unwrap();
        assert_eq!(again.kdf_upgraded, None, "the upgrade is persisted");
        match Vault::status(dir.path(), now()).unwrap() {
            VaultStatus::Present(info) => assert_eq!(
                info.slots,
                vec![SlotInfo::Passphrase {
                    kdf: KdfParams::POLICY_MIN,
                    meets_policy: true
                }]
            ),
            VaultStatus::Absent => panic!("vault vanished"),
        }
    }

    #[test]
    fn a_tampered_wrapped_data_key_is_sidecar_damage() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        let mut sidecar = vault.sidecar.clone();
        vault.lock().unwrap();
        sidecar.data_key.sealed.ciphertext[3] ^= 1;
        sidecar.write(dir.path()).unwrap(); // a valid checksum: only the AEAD can notice
        let err = Vault::unlock(dir.path(), &pass(), now()).unwrap_err();
        assert!(
            matches!(
                err,
                UnlockError::Damaged {
                    file: VaultFile::Sidecar,
                    ..
                }
            ),
            "the passphrase was right, so a failing data key is damage: {err:?}"
        );
    }

    #[test]
    fn weakening_kdf_parameters_in_the_sidecar_cannot_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::create(dir.path(), &pass(), KdfParams::POLICY_MIN, now()).unwrap();
        let mut sidecar = vault.sidecar.clone();
        vault.lock().unwrap();
        let SlotKind::Passphrase { salt, .. } = sidecar.slots[0].kind.clone() else {
            panic!("passphrase slot expected");
        };
        let weak = KdfParams {
            memory_kib: 8 * 1024,
            iterations: 1,
            parallelism: 1,
        };
        sidecar.slots[0].kind = SlotKind::Passphrase { kdf: weak, salt };
        sidecar.write(dir.path()).unwrap();
        let err = Vault::unlock(dir.path(), &pass(), now()).unwrap_err();
        assert!(
            matches!(err, UnlockError::WrongPassphrase { .. }),
            "parameters are bound by the AAD: a downgraded slot must not open: {err:?}"
        );
    }
}
