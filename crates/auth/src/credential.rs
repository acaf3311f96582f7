//! Registered credentials: the record the app keeps in the vault, the store interface it
//! implements, and list / rename / remove.
//!
//! The decision to know: a [`CredentialRecord`] is plain serde data (JSON in the vault). It
//! holds the webauthn-rs `Passkey` (public key, counter, flags) plus what Tipvault needs on top:
//! a user label, the signature counter we enforce ourselves, and a digest of the last accepted
//! assertion so the same assertion can never be accepted twice, even from a key whose counter is
//! always zero.

use std::convert::Infallible;

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::Passkey;

use crate::authenticator::CredentialId;

/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

/// One registered authenticator credential, as stored in the vault.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CredentialRecord {
    /// The credential id.
    pub id: CredentialId,
    /// User-chosen name ("blue YubiKey").
    pub label: String,
    /// What the device called itself at registration.
    pub device: String,
    /// Registered with a test device (the software authenticator).
    pub is_test_device: bool,
    /// The credential has an hmac-secret, so it can unlock the vault.
    pub hmac_secret: bool,
    /// Registration time, UNIX seconds (from the caller's clock).
    pub created_at: i64,
    /// Last successful assertion, UNIX seconds.
    pub last_used_at: Option<i64>,
    /// Highest signature counter accepted so far.
    pub sign_count: u32,
    /// SHA-256 of the last accepted assertion's signed bytes, hex.
    pub last_assertion: Option<String>,
    /// The webauthn-rs credential (public key and its own state).
    pub passkey: Passkey,
}

/// Where the app keeps credential records (the vault in the app; memory in tests).
pub trait CredentialStore {
    /// The store's own failure.
    type Error: std::error::Error + Send + Sync + 'static;

    /// All records, in registration order.
    fn list(&self) -> Result<Vec<CredentialRecord>, Self::Error>;
    /// One record.
    fn get(&self, id: &CredentialId) -> Result<Option<CredentialRecord>, Self::Error>;
    /// Adds a new record (the caller has checked the id is new).
    fn insert(&mut self, record: CredentialRecord) -> Result<(), Self::Error>;
    /// Replaces the record with the same id.
    fn update(&mut self, record: &CredentialRecord) -> Result<(), Self::Error>;
    /// Removes a record; returns whether it existed.
    fn remove(&mut self, id: &CredentialId) -> Result<bool, Self::Error>;
}

/// An in-memory store, for tests and for a session that persists elsewhere.
#[derive(Debug, Clone, Default)]
pub struct MemoryCredentialStore {
    records: Vec<CredentialRecord>,
}

impl MemoryCredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl CredentialStore for MemoryCredentialStore {
    type Error = Infallible;

    fn list(&self) -> Result<Vec<CredentialRecord>, Infallible> {
        Ok(self.records.clone())
    }

    fn get(&self, id: &CredentialId) -> Result<Option<CredentialRecord>, Infallible> {
        Ok(self.records.iter().find(|r| &r.id == id).cloned())
    }

    fn insert(&mut self, record: CredentialRecord) -> Result<(), Infallible> {
        self.records.push(record);
        Ok(())
    }

    fn update(&mut self, record: &CredentialRecord) -> Result<(), Infallible> {
        if let Some(existing) = self.records.iter_mut().find(|r| r.id == record.id) {
            *existing = record.clone();
        }
        Ok(())
    }

    fn remove(&mut self, id: &CredentialId) -> Result<bool, Infallible> {
        let before = self.records.len();
        self.records.retain(|r| &r.id != id);
        Ok(self.records.len() != before)
    }
}

/// Why a list, rename or remove failed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// No credential with this id is registered.
    #[error("no registered authenticator has this id")]
    NotFound,
    /// The label is empty, too long or has control characters.
    #[error("a label needs 1 to {MAX_LABEL_CHARS} characters and no control characters")]
    InvalidLabel,
    /// The store failed.
    #[error("the credential store failed: {0}")]
    Store(Box<dyn std::error::Error + Send + Sync>),
}

/// Checks and normalises a label (trimmed).
pub fn validate_label(label: &str) -> Result<String, ManageError> {
    let label = label.trim();
    let chars = label.chars().count();
    if chars == 0 || chars > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(ManageError::InvalidLabel);
    }
    Ok(label.to_owned())
}

fn store_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> ManageError {
    ManageError::Store(Box::new(e))
}

/// All registered credentials.
pub fn list<S: CredentialStore>(store: &S) -> Result<Vec<CredentialRecord>, ManageError> {
    store.list().map_err(store_error)
}

/// Gives a credential a new label; returns the updated record.
pub fn rename<S: CredentialStore>(
    store: &mut S,
    id: &CredentialId,
    label: &str,
) -> Result<CredentialRecord, ManageError> {
    let label = validate_label(label)?;
    let mut record = store
        .get(id)
        .map_err(store_error)?
        .ok_or(ManageError::NotFound)?;
    record.label = label;
    store.update(&record).map_err(store_error)?;
    Ok(record)
}

/// Removes a credential; returns the removed record. The caller must also remove the vault slot
/// that this credential's hmac-secret unlocks (the vault owns that).
pub fn remove<S: CredentialStore>(
    store: &mut S,
    id: &CredentialId,
) -> Result<CredentialRecord, ManageError> {
    let record = store
        .get(id)
        .map_err(store_error)?
        .ok_or(ManageError::NotFound)?;
    if !store.remove(id).map_err(store_error)? {
        return Err(ManageError::NotFound);
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(validate_label("  blue key ").unwrap(), "blue key");
        assert!(validate_label("   ").is_err());
        assert!(validate_label("a\nb").is_err());
        assert!(validate_label(&"가".repeat(MAX_LABEL_CHARS)).is_ok());
        assert!(validate_label(&"가".repeat(MAX_LABEL_CHARS + 1)).is_err());
    }
}
