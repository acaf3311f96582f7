//! The authenticator abstraction: what the relying party asks of a device and what it gets back.
//!
//! The decision to know: an [`Authenticator`] here plays the WebAuthn *client* and the CTAP2
//! *authenticator* together. It receives the relying party's options, builds `clientDataJSON`
//! itself (there is no browser in a desktop app) and returns the raw response fields. The types
//! carry no webauthn-rs structures, so a USB key, the software test device or a future platform
//! authenticator (Windows Hello, Touch ID) all implement the same small trait.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hmac_secret::{HmacSecretInput, HmacSecretOutput};

/// COSE algorithm identifier of ES256 (ECDSA P-256 with SHA-256), RFC 9053 §2.1.
pub const COSE_ES256: i64 = -7;

/// A WebAuthn credential id: opaque bytes chosen by the authenticator.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CredentialId(Vec<u8>);

impl CredentialId {
    /// Wraps raw credential id bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base64url without padding, the form WebAuthn uses in JSON and the one shown to users.
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }

    /// Parses the base64url form (no padding).
    pub fn from_base64url(text: &str) -> Result<Self, base64::DecodeError> {
        URL_SAFE_NO_PAD.decode(text).map(Self)
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialId({})", self.to_base64url())
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

impl Serialize for CredentialId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64url())
    }
}

impl<'de> Deserialize<'de> for CredentialId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_base64url(&text).map_err(serde::de::Error::custom)
    }
}

/// What a device says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorInfo {
    /// Shown to the user ("Tipvault software authenticator — TEST DEVICE", "USB security key").
    pub label: String,
    /// True for devices that must never protect real money or a real vault.
    pub is_test_device: bool,
    /// The device model's AAGUID (all zero when unknown).
    pub aaguid: [u8; 16],
}

/// Options of a registration (`authenticatorMakeCredential`), built by the relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakeCredentialRequest {
    /// Relying party id (a domain); the credential is scoped to it.
    pub rp_id: String,
    /// Relying party display name.
    pub rp_name: String,
    /// Origin written into `clientDataJSON`.
    pub origin: String,
    /// The relying party's challenge.
    pub challenge: Vec<u8>,
    /// User handle.
    pub user_id: Vec<u8>,
    /// User name.
    pub user_name: String,
    /// User display name.
    pub user_display_name: String,
    /// Acceptable COSE algorithms, in preference order.
    pub algorithms: Vec<i64>,
    /// Credentials already registered: the device must refuse if it holds one of them.
    pub exclude: Vec<CredentialId>,
    /// Whether user verification (PIN, biometric) is required.
    pub user_verification: bool,
    /// Whether to create the CTAP2 hmac-secret for this credential (needed for unlock).
    pub hmac_secret: bool,
}

/// Options of an authentication (`authenticatorGetAssertion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAssertionRequest {
    /// Relying party id.
    pub rp_id: String,
    /// Origin written into `clientDataJSON`.
    pub origin: String,
    /// The challenge to sign (random, or derived from a plan for a step-up).
    pub challenge: Vec<u8>,
    /// Credentials the relying party accepts; empty means any credential for `rp_id`.
    pub allow: Vec<CredentialId>,
    /// Whether user verification is required.
    pub user_verification: bool,
    /// hmac-secret salts, when the caller needs the secret (vault unlock).
    pub hmac_secret: Option<HmacSecretInput>,
}

/// A device's answer to [`MakeCredentialRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationResponse {
    /// The new credential's id.
    pub credential_id: CredentialId,
    /// The exact bytes of `clientDataJSON` that were hashed.
    pub client_data_json: Vec<u8>,
    /// CBOR attestation object (`fmt`, `attStmt`, `authData`).
    pub attestation_object: Vec<u8>,
    /// Whether the device created an hmac-secret for the credential.
    pub hmac_secret_created: bool,
}

/// A device's answer to [`GetAssertionRequest`].
#[derive(Debug)]
pub struct AssertionResponse {
    /// The credential that signed.
    pub credential_id: CredentialId,
    /// The exact bytes of `clientDataJSON` that were hashed.
    pub client_data_json: Vec<u8>,
    /// Authenticator data (rpIdHash, flags, counter, extensions).
    pub authenticator_data: Vec<u8>,
    /// DER ECDSA signature over `authenticator_data ‖ SHA-256(client_data_json)`.
    pub signature: Vec<u8>,
    /// User handle, when the device returns one.
    pub user_handle: Option<Vec<u8>>,
    /// hmac-secret outputs, when salts were given and the credential has an hmac-secret.
    pub hmac_secret: Option<HmacSecretOutput>,
}

/// A WebAuthn client plus authenticator.
pub trait Authenticator {
    /// Label, test-device flag, AAGUID.
    fn info(&self) -> AuthenticatorInfo;

    /// Creates a credential (a registration ceremony's device step).
    fn make_credential(
        &mut self,
        request: &MakeCredentialRequest,
    ) -> Result<AttestationResponse, AuthenticatorError>;

    /// Signs a challenge with one of the allowed credentials, with optional hmac-secret salts.
    fn get_assertion(
        &mut self,
        request: &GetAssertionRequest,
    ) -> Result<AssertionResponse, AuthenticatorError>;
}

/// Ends a wait for a security key from another thread: the window's Cancel button while a USB
/// key waits for its touch. Clones share one flag; a device checks it while it waits and
/// answers [`AuthenticatorError::Cancelled`] at once. The software device never waits.
#[derive(Debug, Clone, Default)]
pub struct CancelWait(std::sync::Arc<WaitFlags>);

#[derive(Debug, Default)]
struct WaitFlags {
    cancelled: std::sync::atomic::AtomicBool,
    waiting: std::sync::atomic::AtomicBool,
}

impl CancelWait {
    /// A token nobody has cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the wait (and any later one on this token).
    pub fn cancel(&self) {
        self.0
            .cancelled
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether [`CancelWait::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether a device is waiting on this token now (set by the device while it waits).
    pub fn is_waiting(&self) -> bool {
        self.0.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Marks the wait as running (`true`) or over (`false`).
    pub fn set_waiting(&self, waiting: bool) {
        self.0
            .waiting
            .store(waiting, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Why a device could not answer.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticatorError {
    /// The device holds none of the credentials the relying party allows.
    #[error("this authenticator holds none of the registered credentials; use another key")]
    NoCredentials,
    /// The device already holds one of the excluded credentials.
    #[error("this authenticator is already registered")]
    AlreadyRegistered,
    /// None of the requested algorithms is supported.
    #[error("this authenticator supports none of the requested signature algorithms")]
    UnsupportedAlgorithm,
    /// The user cancelled, or the device timed out waiting for a touch.
    #[error("the operation was cancelled or timed out on the authenticator")]
    Cancelled,
    /// No device was found.
    #[error("no security key found; plug one in and try again")]
    NoDevice,
    /// No device answered before the time ran out (none plugged in, or no touch).
    #[error(
        "no security key answered in time; plug one in, touch it when it blinks, and try again"
    )]
    TimedOut,
    /// The device or its transport failed.
    #[error("the authenticator failed: {0}")]
    Device(String),
    /// The software authenticator's state file is unusable.
    #[error("the software authenticator file {path} cannot be used: {reason}")]
    State {
        /// The file.
        path: String,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Reading or writing the software authenticator's state failed.
    #[error("the software authenticator file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    /// The operating system's random source failed.
    #[error("the system random number generator failed")]
    Random,
}

/// `clientDataJSON.type` of a ceremony.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    /// Registration: `webauthn.create`.
    Create,
    /// Authentication: `webauthn.get`.
    Get,
}

/// Builds `clientDataJSON` as a WebAuthn client does (WebAuthn L3 §5.8.1: `type`, `challenge`
/// as base64url without padding, `origin`, `crossOrigin`), in that member order.
pub fn client_data_json(
    kind: CeremonyKind,
    challenge: &[u8],
    origin: &str,
) -> Result<Vec<u8>, AuthenticatorError> {
    #[derive(Serialize)]
    struct ClientData<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        challenge: String,
        origin: &'a str,
        #[serde(rename = "crossOrigin")]
        cross_origin: bool,
    }
    let data = ClientData {
        kind: match kind {
            CeremonyKind::Create => "webauthn.create",
            CeremonyKind::Get => "webauthn.get",
        },
        challenge: URL_SAFE_NO_PAD.encode(challenge),
        origin,
        cross_origin: false,
    };
    // A struct of strings and a bool always serialises; were it ever not, the ceremony fails
    // here instead of signing over an empty client data.
    serde_json::to_vec(&data).map_err(|e| {
        AuthenticatorError::Device(format!("the client data could not be written: {e}"))
    })
}

pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), AuthenticatorError> {
    getrandom::fill(buf).map_err(|_| AuthenticatorError::Random)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_data_has_the_members_a_relying_party_checks() {
        let json =
            client_data_json(CeremonyKind::Get, &[0xfb, 0xff], "https://tipvault.local").unwrap();
        let text = String::from_utf8(json).unwrap();
        assert_eq!(
            text,
            r#"{"type":"webauthn.get","challenge":"-_8","origin":"https://tipvault.local","crossOrigin":false}"#
        );
    }

    #[test]
    fn credential_id_round_trips_through_json() {
        let id = CredentialId::new(vec![1, 2, 250]);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"AQL6\"");
        assert_eq!(serde_json::from_str::<CredentialId>(&json).unwrap(), id);
    }
}
