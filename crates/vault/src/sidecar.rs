//! The sidecar key file `vault.keys`: versioned JSON holding the vault id, the SQLCipher salt of
//! the database it belongs to, the unlock slots (each wrapping the vault key) and the wrapped
//! data key (plus a *pending* one while a key rotation is in flight).
//!
//! The one decision to know: the file carries a SHA-256 checksum over its canonical body. It is
//! not a security control (the AEAD tags are); it lets an unlock tell "this file is damaged"
//! apart from "wrong passphrase", which otherwise look the same to an AEAD.
//!
//! Several processes may have one vault open at once (the desktop app and a `tipvault` command,
//! say), each with the sidecar it read at unlock. Every change therefore happens under an
//! exclusive lock on `vault.keys.lock` and starts from the file as it is on disk *then*
//! ([`SidecarLock`]): a change made from a stale copy would silently undo the other process's
//! (a passphrase change lost, the old passphrase working again).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::kdf::{KdfParams, SALT_LEN};
use crate::key::{self, DataKey, Kek, NONCE_LEN, OpenFailed, RandomError, Sealed, VaultKey};

/// File name of the sidecar inside a vault directory.
pub const FILE_NAME: &str = "vault.keys";
/// The lock file that serialises changes of the sidecar between processes (its content is
/// irrelevant).
pub const LOCK_FILE_NAME: &str = "vault.keys.lock";
/// Value of the `format` field: tells a Tipvault sidecar apart from any other JSON file.
const FORMAT: &str = "tipvault-vault-keys";
/// Newest sidecar format this build reads and the one it writes. Version 2 added
/// `throttle_file` (the vault keeps an unlock counter file that must not go missing).
pub const FORMAT_VERSION: u32 = 2;

/// Random identifier of a vault, shared by its sidecar and its database.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VaultId(pub(crate) [u8; 16]);

impl VaultId {
    pub(crate) fn generate() -> Result<Self, RandomError> {
        let mut id = [0u8; 16];
        key::random_bytes(&mut id)?;
        Ok(Self(id))
    }

    /// The raw 16 bytes (a security key's KEK is bound to them).
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Hex form, as shown to users and written to files.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for VaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VaultId({})", self.to_hex())
    }
}

impl fmt::Display for VaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// How a slot's key-encryption key is obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotKind {
    /// Argon2id over a passphrase.
    Passphrase {
        /// Cost parameters used for this slot.
        kdf: KdfParams,
        /// Random Argon2 salt.
        salt: [u8; SALT_LEN],
    },
    /// A FIDO2 security key's hmac-secret output over `prf_salt`, turned into a KEK by the
    /// caller (`tipvault-auth`'s `unlock_kek`); see [`crate::Vault::unlock_with_security_key`].
    SecurityKey {
        /// The WebAuthn credential id of the registered key.
        credential_id: Vec<u8>,
        /// The salt sent to the authenticator's hmac-secret extension.
        prf_salt: [u8; 32],
        /// A user-chosen label ("blue YubiKey").
        label: String,
    },
}

/// One way to unlock: a KEK source plus the vault key sealed under that KEK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) id: [u8; 8],
    pub(crate) kind: SlotKind,
    pub(crate) wrapped_vault_key: Sealed,
}

/// A data key sealed under the vault key; `generation` increases with every rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrappedDataKey {
    pub(crate) generation: u64,
    pub(crate) sealed: Sealed,
}

/// The decoded sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sidecar {
    pub(crate) vault_id: VaultId,
    /// First 16 bytes of `vault.db` (SQLCipher's plaintext KDF salt): binds this key file to one
    /// database file so a swapped sidecar is caught before any key derivation.
    pub(crate) db_salt: [u8; 16],
    pub(crate) slots: Vec<Slot>,
    pub(crate) data_key: WrappedDataKey,
    pub(crate) pending_data_key: Option<WrappedDataKey>,
    /// The vault keeps its unlock counter (`unlock-throttle.json`) at all times, so a missing
    /// counter means it was deleted and the throttle fails closed (see [`crate::throttle`]).
    /// False only for vaults last written by a version before 2, until their next passphrase
    /// unlock.
    pub(crate) throttle_file: bool,
    /// The vault key was replaced and the data key still has to be rotated under it (see
    /// `Vault::replace_vault_key`): set in the same atomic write as the new vault key, cleared
    /// when the rotation is done; an unlock that finds it set finishes the rotation first.
    pub(crate) rotation_owed: bool,
}

/// An exclusive hold on a vault's sidecar, across processes: whoever holds it may read the
/// sidecar and write its next version, and nobody else may change it meanwhile. Released when
/// dropped (closing the file releases the operating system's lock, also when the process dies).
///
/// Taken before the unlock throttle's lock whenever both are held, never after, so two
/// processes cannot wait for each other.
#[derive(Debug)]
pub(crate) struct SidecarLock {
    _file: std::fs::File,
}

impl SidecarLock {
    /// Waits until no other process (or open vault of this one) holds the lock, then takes it.
    pub(crate) fn acquire(dir: &Path) -> io::Result<Self> {
        let file = crate::files::private_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(Self::path(dir))?;
        crate::files::restrict_file(&file)?;
        file.lock()?;
        Ok(Self { _file: file })
    }

    pub(crate) fn path(dir: &Path) -> PathBuf {
        dir.join(LOCK_FILE_NAME)
    }
}

/// Why a sidecar could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("missing")]
    Missing,
    #[error("not a Tipvault key file")]
    Foreign,
    #[error("written by a newer version ({found}); this build reads up to {FORMAT_VERSION}")]
    TooNew { found: u32 },
    #[error("{0}")]
    Damaged(&'static str),
    #[error("{0}")]
    Io(#[from] io::Error),
}

// ----- on-disk representation ---------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    body: serde_json::Value,
    checksum: String,
}

/// Just enough to tell format and version before trusting the rest.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyV1 {
    vault_id: String,
    db_salt: String,
    slots: Vec<SlotV1>,
    data_key: WrappedV1,
    pending_data_key: Option<WrappedV1>,
    /// Version 2 and later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    throttle_file: bool,
    /// Version 2 and later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    rotation_owed: bool,
}

// No deny_unknown_fields here: serde does not support it together with `flatten`; the
// checksum already rejects any field this build did not write.
#[derive(Serialize, Deserialize)]
struct SlotV1 {
    id: String,
    #[serde(flatten)]
    kind: SlotKindV1,
    nonce: String,
    wrapped_vault_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum SlotKindV1 {
    Passphrase {
        kdf: KdfV1,
        salt: String,
    },
    SecurityKey {
        credential_id: String,
        prf_salt: String,
        label: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfV1 {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrappedV1 {
    generation: u64,
    nonce: String,
    ciphertext: String,
}

const ARGON2ID: &str = "argon2id-v19";

/// SHA-256 over `format`, `version` and the body in a canonical JSON form (object keys sorted
/// at every level, no whitespace). Sorting explicitly keeps the checksum stable whether or not
/// some other crate in a build enables serde_json's `preserve_order` feature.
fn checksum_of(format: &str, version: u32, body: &serde_json::Value) -> Result<String, ReadError> {
    let mut canonical = Vec::with_capacity(1024);
    canonical.extend_from_slice(format.as_bytes());
    canonical.push(0);
    canonical.extend_from_slice(&version.to_be_bytes());
    write_canonical(body, &mut canonical)
        .map_err(|_| ReadError::Damaged("its body cannot be encoded"))?;
    Ok(hex::encode(Sha256::digest(&canonical)))
}

fn write_canonical(value: &serde_json::Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key)?;
                out.push(b':');
                write_canonical(item, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar)?,
    }
    Ok(())
}

fn unhex<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], ReadError> {
    let bytes = hex::decode(text).map_err(|_| ReadError::Damaged(what))?;
    bytes.try_into().map_err(|_| ReadError::Damaged(what))
}

fn unhex_vec(text: &str, what: &'static str) -> Result<Vec<u8>, ReadError> {
    hex::decode(text).map_err(|_| ReadError::Damaged(what))
}

impl WrappedV1 {
    fn decode(&self) -> Result<WrappedDataKey, ReadError> {
        Ok(WrappedDataKey {
            generation: self.generation,
            sealed: Sealed {
                nonce: unhex::<NONCE_LEN>(&self.nonce, "a data key nonce is malformed")?,
                ciphertext: unhex_vec(&self.ciphertext, "a wrapped data key is malformed")?,
            },
        })
    }

    fn encode(w: &WrappedDataKey) -> Self {
        WrappedV1 {
            generation: w.generation,
            nonce: hex::encode(w.sealed.nonce),
            ciphertext: hex::encode(&w.sealed.ciphertext),
        }
    }
}

impl Sidecar {
    pub(crate) fn path(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Reads and validates the sidecar in `dir` (format, version, checksum, field shapes).
    pub(crate) fn read(dir: &Path) -> Result<Self, ReadError> {
        let bytes = match std::fs::read(Self::path(dir)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
            Err(e) => return Err(ReadError::Io(e)),
        };
        Self::decode(&bytes)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, ReadError> {
        let header: Header = match serde_json::from_slice(bytes) {
            Ok(header) => header,
            Err(e) if e.is_data() => {
                // Valid JSON but without our header fields: someone else's file.
                return Err(ReadError::Foreign);
            }
            Err(_) => return Err(ReadError::Damaged("it is not valid JSON")),
        };
        if header.format != FORMAT {
            return Err(ReadError::Foreign);
        }
        if header.version > FORMAT_VERSION {
            return Err(ReadError::TooNew {
                found: header.version,
            });
        }
        if header.version == 0 {
            return Err(ReadError::Damaged("its version is invalid"));
        }
        let envelope: Envelope = serde_json::from_slice(bytes)
            .map_err(|_| ReadError::Damaged("its envelope is incomplete"))?;
        if checksum_of(&envelope.format, envelope.version, &envelope.body)? != envelope.checksum {
            return Err(ReadError::Damaged(
                "its checksum does not match its content",
            ));
        }
        let body: BodyV1 = serde_json::from_value(envelope.body)
            .map_err(|_| ReadError::Damaged("its fields are malformed"))?;

        let mut slots = Vec::with_capacity(body.slots.len());
        for slot in &body.slots {
            let kind = match &slot.kind {
                SlotKindV1::Passphrase { kdf, salt } => {
                    if kdf.algorithm != ARGON2ID {
                        return Err(ReadError::Damaged("a slot names an unknown key derivation"));
                    }
                    let params = KdfParams {
                        memory_kib: kdf.memory_kib,
                        iterations: kdf.iterations,
                        parallelism: kdf.parallelism,
                    };
                    if !params.is_sane() {
                        return Err(ReadError::Damaged(
                            "a slot's key derivation parameters are out of range",
                        ));
                    }
                    SlotKind::Passphrase {
                        kdf: params,
                        salt: unhex::<SALT_LEN>(salt, "a slot salt is malformed")?,
                    }
                }
                SlotKindV1::SecurityKey {
                    credential_id,
                    prf_salt,
                    label,
                } => SlotKind::SecurityKey {
                    credential_id: unhex_vec(credential_id, "a credential id is malformed")?,
                    prf_salt: unhex::<32>(prf_salt, "a security-key salt is malformed")?,
                    label: label.clone(),
                },
            };
            slots.push(Slot {
                id: unhex::<8>(&slot.id, "a slot id is malformed")?,
                kind,
                wrapped_vault_key: Sealed {
                    nonce: unhex::<NONCE_LEN>(&slot.nonce, "a slot nonce is malformed")?,
                    ciphertext: unhex_vec(&slot.wrapped_vault_key, "a wrapped key is malformed")?,
                },
            });
        }
        if slots.is_empty() {
            return Err(ReadError::Damaged("it has no unlock slot"));
        }
        Ok(Sidecar {
            vault_id: VaultId(unhex::<16>(&body.vault_id, "the vault id is malformed")?),
            db_salt: unhex::<16>(&body.db_salt, "the database salt is malformed")?,
            slots,
            data_key: body.data_key.decode()?,
            pending_data_key: body
                .pending_data_key
                .as_ref()
                .map(WrappedV1::decode)
                .transpose()?,
            throttle_file: body.throttle_file,
            rotation_owed: body.rotation_owed,
        })
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, io::Error> {
        let body = BodyV1 {
            vault_id: self.vault_id.to_hex(),
            db_salt: hex::encode(self.db_salt),
            slots: self
                .slots
                .iter()
                .map(|slot| SlotV1 {
                    id: hex::encode(slot.id),
                    kind: match &slot.kind {
                        SlotKind::Passphrase { kdf, salt } => SlotKindV1::Passphrase {
                            kdf: KdfV1 {
                                algorithm: ARGON2ID.to_owned(),
                                memory_kib: kdf.memory_kib,
                                iterations: kdf.iterations,
                                parallelism: kdf.parallelism,
                            },
                            salt: hex::encode(salt),
                        },
                        SlotKind::SecurityKey {
                            credential_id,
                            prf_salt,
                            label,
                        } => SlotKindV1::SecurityKey {
                            credential_id: hex::encode(credential_id),
                            prf_salt: hex::encode(prf_salt),
                            label: label.clone(),
                        },
                    },
                    nonce: hex::encode(slot.wrapped_vault_key.nonce),
                    wrapped_vault_key: hex::encode(&slot.wrapped_vault_key.ciphertext),
                })
                .collect(),
            data_key: WrappedV1::encode(&self.data_key),
            pending_data_key: self.pending_data_key.as_ref().map(WrappedV1::encode),
            throttle_file: self.throttle_file,
            rotation_owed: self.rotation_owed,
        };
        let body = serde_json::to_value(&body).map_err(io::Error::other)?;
        let checksum = checksum_of(FORMAT, FORMAT_VERSION, &body).map_err(io::Error::other)?;
        let envelope = Envelope {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            body,
            checksum,
        };
        let mut bytes = serde_json::to_vec_pretty(&envelope).map_err(io::Error::other)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Writes the sidecar atomically (see [`crate::atomic`]).
    pub(crate) fn write(&self, dir: &Path) -> io::Result<()> {
        crate::atomic::replace(&Self::path(dir), &self.encode()?)
    }

    /// Passphrase slots, in file order.
    pub(crate) fn passphrase_slots(&self) -> impl Iterator<Item = (usize, &Slot)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| matches!(slot.kind, SlotKind::Passphrase { .. }))
    }

    /// The index of the security-key slot for `credential_id`, if there is one.
    pub(crate) fn security_key_slot(&self, credential_id: &[u8]) -> Option<usize> {
        self.slots.iter().position(|slot| {
            matches!(&slot.kind, SlotKind::SecurityKey { credential_id: id, .. } if id == credential_id)
        })
    }
}

// ----- associated data ----------------------------------------------------------------------

/// AAD for a slot: binds the sealed vault key to this vault, this slot id, its kind and its KDF
/// parameters, so editing the parameters or moving the slot to another vault breaks the tag.
fn slot_aad(vault_id: &VaultId, slot_id: &[u8; 8], kind: &SlotKind) -> Vec<u8> {
    let mut aad = Vec::with_capacity(128);
    aad.extend_from_slice(b"tipvault/slot/v1\0");
    aad.extend_from_slice(&vault_id.0);
    aad.extend_from_slice(slot_id);
    match kind {
        SlotKind::Passphrase { kdf, salt } => {
            aad.extend_from_slice(b"passphrase\0");
            aad.extend_from_slice(ARGON2ID.as_bytes());
            aad.extend_from_slice(&kdf.memory_kib.to_be_bytes());
            aad.extend_from_slice(&kdf.iterations.to_be_bytes());
            aad.extend_from_slice(&kdf.parallelism.to_be_bytes());
            aad.extend_from_slice(salt);
        }
        SlotKind::SecurityKey {
            credential_id,
            prf_salt,
            ..
        } => {
            aad.extend_from_slice(b"security-key\0");
            aad.extend_from_slice(&(credential_id.len() as u32).to_be_bytes());
            aad.extend_from_slice(credential_id);
            aad.extend_from_slice(prf_salt);
        }
    }
    aad
}

/// AAD for a wrapped data key: binds it to the vault and its generation.
fn data_key_aad(vault_id: &VaultId, generation: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(48);
    aad.extend_from_slice(b"tipvault/data-key/v1\0");
    aad.extend_from_slice(&vault_id.0);
    aad.extend_from_slice(&generation.to_be_bytes());
    aad
}

/// Builds a new passphrase slot sealing `vault_key` under `kek`.
pub(crate) fn new_slot(
    vault_id: &VaultId,
    kind: SlotKind,
    kek: &Kek,
    vault_key: &VaultKey,
) -> Result<Slot, RandomError> {
    let mut id = [0u8; 8];
    key::random_bytes(&mut id)?;
    let aad = slot_aad(vault_id, &id, &kind);
    let wrapped_vault_key = key::seal(kek.as_bytes(), &aad, vault_key.as_bytes())?;
    Ok(Slot {
        id,
        kind,
        wrapped_vault_key,
    })
}

/// Opens a slot with a candidate KEK.
pub(crate) fn open_slot(
    vault_id: &VaultId,
    slot: &Slot,
    kek: &Kek,
) -> Result<VaultKey, OpenFailed> {
    let aad = slot_aad(vault_id, &slot.id, &slot.kind);
    let plain = key::open(kek.as_bytes(), &aad, &slot.wrapped_vault_key)?;
    VaultKey::from_slice(&plain).ok_or(OpenFailed)
}

/// Seals a data key under the vault key.
pub(crate) fn wrap_data_key(
    vault_id: &VaultId,
    generation: u64,
    vault_key: &VaultKey,
    data_key: &DataKey,
) -> Result<WrappedDataKey, RandomError> {
    let aad = data_key_aad(vault_id, generation);
    Ok(WrappedDataKey {
        generation,
        sealed: key::seal(vault_key.as_bytes(), &aad, data_key.as_bytes())?,
    })
}

/// Opens a wrapped data key.
pub(crate) fn unwrap_data_key(
    vault_id: &VaultId,
    vault_key: &VaultKey,
    wrapped: &WrappedDataKey,
) -> Result<DataKey, OpenFailed> {
    let aad = data_key_aad(vault_id, wrapped.generation);
    let plain = key::open(vault_key.as_bytes(), &aad, &wrapped.sealed)?;
    DataKey::from_slice(&plain).ok_or(OpenFailed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn sample() -> (Sidecar, VaultKey, DataKey, Kek) {
        let vault_id = VaultId([3; 16]);
        let vault_key = VaultKey::generate().unwrap();
        let data_key = DataKey::generate().unwrap();
        let kek = Kek::from_bytes(Zeroizing::new([9; 32]));
        let slot = new_slot(
            &vault_id,
            SlotKind::Passphrase {
                kdf: KdfParams::POLICY_MIN,
                salt: [4; SALT_LEN],
            },
            &kek,
            &vault_key,
        )
        .unwrap();
        let sidecar = Sidecar {
            vault_id,
            db_salt: [5; 16],
            slots: vec![slot],
            data_key: wrap_data_key(&vault_id, 1, &vault_key, &data_key).unwrap(),
            pending_data_key: None,
            throttle_file: true,
            rotation_owed: false,
        };
        (sidecar, vault_key, data_key, kek)
    }

    #[test]
    fn checksum_ignores_key_order() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"q":2,"p":3}],"x":null}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a":{"x":null,"y":[1,{"p":3,"q":2}]},"b":1}"#).unwrap();
        assert_eq!(
            checksum_of(FORMAT, 1, &a).unwrap(),
            checksum_of(FORMAT, 1, &b).unwrap()
        );
        let c: serde_json::Value =
            serde_json::from_str(r#"{"a":{"x":null,"y":[{"p":3,"q":2},1]},"b":1}"#).unwrap();
        assert_ne!(
            checksum_of(FORMAT, 1, &a).unwrap(),
            checksum_of(FORMAT, 1, &c).unwrap(),
            "array order matters"
        );
    }

    #[test]
    fn encode_decode_round_trip() {
        let (sidecar, ..) = sample();
        let bytes = sidecar.encode().unwrap();
        assert_eq!(Sidecar::decode(&bytes).unwrap(), sidecar);
    }

    #[test]
    fn slot_and_data_key_unwrap_with_the_right_keys_only() {
        let (sidecar, vault_key, data_key, kek) = sample();
        let opened = open_slot(&sidecar.vault_id, &sidecar.slots[0], &kek).unwrap();
        assert_eq!(opened.as_bytes(), vault_key.as_bytes());
        let dek = unwrap_data_key(&sidecar.vault_id, &opened, &sidecar.data_key).unwrap();
        assert_eq!(dek.as_bytes(), data_key.as_bytes());

        let other_vault = VaultId([4; 16]);
        assert!(
            open_slot(&other_vault, &sidecar.slots[0], &kek).is_err(),
            "the AAD binds the slot to its vault id"
        );
        let mut edited = sidecar.slots[0].clone();
        edited.kind = SlotKind::Passphrase {
            kdf: KdfParams {
                iterations: 4,
                ..KdfParams::POLICY_MIN
            },
            salt: [4; SALT_LEN],
        };
        assert!(
            open_slot(&sidecar.vault_id, &edited, &kek).is_err(),
            "the AAD binds KDF params"
        );
        let mut next_gen = sidecar.data_key.clone();
        next_gen.generation = 2;
        assert!(unwrap_data_key(&sidecar.vault_id, &opened, &next_gen).is_err());
    }

    #[test]
    fn a_newer_version_is_reported_as_too_new_and_foreign_json_as_foreign() {
        let newer = br#"{"format":"tipvault-vault-keys","version":3,"body":{},"checksum":""}"#;
        assert!(matches!(
            Sidecar::decode(newer),
            Err(ReadError::TooNew { found: 3 })
        ));
        assert!(matches!(
            Sidecar::decode(br#"{"name":"x"}"#),
            Err(ReadError::Foreign)
        ));
        assert!(matches!(
            Sidecar::decode(b"{\"format\":"),
            Err(ReadError::Damaged(_))
        ));
    }

    #[test]
    fn every_single_byte_change_is_detected() {
        let (sidecar, ..) = sample();
        let bytes = sidecar.encode().unwrap();
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x01;
            match Sidecar::decode(&flipped) {
                Ok(decoded) => assert_eq!(
                    decoded, sidecar,
                    "byte {i}: a change that decodes must be meaningless (e.g. whitespace)"
                ),
                Err(ReadError::Damaged(_) | ReadError::Foreign | ReadError::TooNew { .. }) => {}
                Err(other) => panic!("byte {i}: unexpected {other:?}"),
            }
        }
    }
}
