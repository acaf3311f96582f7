//! `SoftAuthenticator`: a software CTAP2 authenticator for tests and the demo. **A test device**:
//! its private keys live in an ordinary file, so it protects nothing against anyone who can read
//! that file. It says so in its [`AuthenticatorInfo`] and the app must show that.
//!
//! What it implements, as CTAP 2.1 defines it:
//! - ES256 credentials (P-256 key pair per credential, random 32-byte credential id);
//! - attestation format `none`; authenticator data with rpIdHash, flags UP/UV/AT/ED and a
//!   per-credential signature counter that increases on every assertion and is saved *before*
//!   the signature is returned, so a crash can never make it reuse a counter value;
//! - the hmac-secret extension (CTAP 2.1 §12.5): at creation two random 32-byte values,
//!   `CredRandomWithUV` and `CredRandomWithoutUV`; at assertion, for each of one or two salts,
//!   `HMAC-SHA-256(CredRandom, salt)`, where CredRandom is the with-UV value when the UV flag of
//!   the response is set and the without-UV value otherwise.
//!
//! What it leaves out, and why: the PIN/UV auth protocol's key agreement that encrypts salts and
//! outputs between platform and authenticator (`saltEnc`, `saltAuth`). It protects the USB link
//! from the host's other software; here client and authenticator are one process, so there is no
//! link to protect. The outputs are handed to the local caller only and are never written into
//! authenticator data, so they never reach the relying party's records.
//!
//! State file (JSON, written atomically, mode 0600 on Unix, refused when group- or world-readable):
//! it lives **outside** the vault, because it is the second factor, not vault data.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ciborium::Value;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::authenticator::{
    AssertionResponse, AttestationResponse, Authenticator, AuthenticatorError, AuthenticatorInfo,
    COSE_ES256, CeremonyKind, CredentialId, GetAssertionRequest, MakeCredentialRequest,
    client_data_json, random_bytes,
};
use crate::hmac_secret::{HMAC_SECRET_LEN, HmacSecretOutput, hmac_sha256};

/// Label every software authenticator reports.
pub const SOFT_LABEL: &str = "Tipvault software authenticator (TEST DEVICE - not for real money)";

/// AAGUID of the software authenticator: the ASCII bytes "TipvaultSoftTest", so it is
/// recognisable in any record that keeps it.
pub const SOFT_AAGUID: [u8; 16] = *b"TipvaultSoftTest";

const FORMAT: &str = "tipvault-soft-authenticator";
const FORMAT_VERSION: u32 = 1;

// Authenticator data flags (WebAuthn L3 §6.1).
const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

#[derive(Zeroize, ZeroizeOnDrop)]
struct SoftCredential {
    id: Vec<u8>,
    rp_id: String,
    user_id: Vec<u8>,
    private_key: [u8; 32],
    cred_random_with_uv: Option<[u8; HMAC_SECRET_LEN]>,
    cred_random_without_uv: Option<[u8; HMAC_SECRET_LEN]>,
    sign_count: u32,
}

/// A software CTAP2 authenticator whose secrets persist in a file outside the vault.
pub struct SoftAuthenticator {
    path: Option<PathBuf>,
    credentials: Vec<SoftCredential>,
    user_verification: bool,
}

impl std::fmt::Debug for SoftAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftAuthenticator")
            .field("path", &self.path)
            .field("credentials", &self.credentials.len())
            .finish_non_exhaustive()
    }
}

impl SoftAuthenticator {
    /// An authenticator that lives only in memory (demo, unit tests).
    pub fn ephemeral() -> Self {
        Self {
            path: None,
            credentials: Vec::new(),
            user_verification: true,
        }
    }

    /// Opens the state file at `path`, or creates an empty one (mode 0600) if it does not exist.
    /// This is what `--soft-authenticator FILE` uses.
    pub fn open_or_create(path: impl Into<PathBuf>) -> Result<Self, AuthenticatorError> {
        let path = path.into();
        match fs::symlink_metadata(&path) {
            Ok(_) => Self::open(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let authenticator = Self {
                    path: Some(path),
                    credentials: Vec::new(),
                    user_verification: true,
                };
                authenticator.save()?;
                Ok(authenticator)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Opens an existing state file.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, AuthenticatorError> {
        let path = path.into();
        check_private(&path)?;
        let bytes = Zeroizing::new(fs::read(&path)?);
        let file: FileV1 = serde_json::from_slice(&bytes).map_err(|_| {
            state_error(
                &path,
                "it is not a software authenticator file, or it is damaged",
            )
        })?;
        if file.format != FORMAT {
            return Err(state_error(
                &path,
                "it is not a software authenticator file",
            ));
        }
        if file.version != FORMAT_VERSION {
            return Err(state_error(
                &path,
                "it was written by another version of Tipvault",
            ));
        }
        let credentials = file
            .credentials
            .iter()
            .map(|c| c.decode())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| state_error(&path, "a credential in it is damaged"))?;
        Ok(Self {
            path: Some(path),
            credentials,
            user_verification: true,
        })
    }

    /// The state file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Number of credentials held.
    pub fn credential_count(&self) -> usize {
        self.credentials.len()
    }

    /// Test knob: `false` makes the device behave like a key without PIN or biometric. It still
    /// answers, with the UV flag clear, so tests can check that the relying party refuses it.
    pub fn set_user_verification(&mut self, available: bool) {
        self.user_verification = available;
    }

    fn save(&self) -> Result<(), AuthenticatorError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let file = FileV1 {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            note: "Tipvault software authenticator: a TEST DEVICE. Anyone who can read this file \
                   can use its credentials."
                .to_owned(),
            credentials: self
                .credentials
                .iter()
                .map(FileCredential::encode)
                .collect(),
        };
        let bytes = Zeroizing::new(
            serde_json::to_vec_pretty(&file)
                .map_err(|e| state_error(path, &format!("cannot encode it: {e}")))?,
        );
        write_private_atomically(path, &bytes)?;
        Ok(())
    }

    fn performs_uv(&self, requested: bool) -> bool {
        requested && self.user_verification
    }
}

impl Authenticator for SoftAuthenticator {
    fn info(&self) -> AuthenticatorInfo {
        AuthenticatorInfo {
            label: SOFT_LABEL.to_owned(),
            is_test_device: true,
            aaguid: SOFT_AAGUID,
        }
    }

    fn make_credential(
        &mut self,
        request: &MakeCredentialRequest,
    ) -> Result<AttestationResponse, AuthenticatorError> {
        if !request.algorithms.contains(&COSE_ES256) {
            return Err(AuthenticatorError::UnsupportedAlgorithm);
        }
        let excluded = self.credentials.iter().any(|c| {
            c.rp_id == request.rp_id && request.exclude.iter().any(|e| e.as_bytes() == c.id)
        });
        if excluded {
            return Err(AuthenticatorError::AlreadyRegistered);
        }

        let mut id = vec![0u8; 32];
        random_bytes(&mut id)?;
        let (private_key, signing_key) = new_signing_key()?;
        let (with_uv, without_uv) = if request.hmac_secret {
            let mut with_uv = [0u8; HMAC_SECRET_LEN];
            let mut without_uv = [0u8; HMAC_SECRET_LEN];
            random_bytes(&mut with_uv)?;
            random_bytes(&mut without_uv)?;
            (Some(with_uv), Some(without_uv))
        } else {
            (None, None)
        };
        let credential = SoftCredential {
            id: id.clone(),
            rp_id: request.rp_id.clone(),
            user_id: request.user_id.clone(),
            private_key: *private_key,
            cred_random_with_uv: with_uv,
            cred_random_without_uv: without_uv,
            sign_count: 0,
        };

        let mut flags = FLAG_UP | FLAG_AT;
        if self.performs_uv(request.user_verification) {
            flags |= FLAG_UV;
        }
        let extensions = if request.hmac_secret {
            flags |= FLAG_ED;
            Some(cbor(&Value::Map(vec![(
                Value::Text("hmac-secret".into()),
                Value::Bool(true),
            )]))?)
        } else {
            None
        };

        let mut auth_data = auth_data_header(&request.rp_id, flags, credential.sign_count);
        auth_data.extend_from_slice(&SOFT_AAGUID);
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_es256_public_key(&signing_key)?);
        if let Some(extensions) = extensions {
            auth_data.extend_from_slice(&extensions);
        }

        let client_data_json =
            client_data_json(CeremonyKind::Create, &request.challenge, &request.origin)?;
        // Attestation "none" (WebAuthn L3 §8.7): an empty statement; nothing about the device
        // is claimed or provable.
        let attestation_object = cbor(&Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(Vec::new())),
            (Value::Text("authData".into()), Value::Bytes(auth_data)),
        ]))?;

        self.credentials.push(credential);
        if let Err(e) = self.save() {
            // Not saved means not created: a credential the file does not hold would be lost.
            self.credentials.pop();
            return Err(e);
        }
        Ok(AttestationResponse {
            credential_id: CredentialId::new(id),
            client_data_json,
            attestation_object,
            hmac_secret_created: request.hmac_secret,
        })
    }

    fn get_assertion(
        &mut self,
        request: &GetAssertionRequest,
    ) -> Result<AssertionResponse, AuthenticatorError> {
        let uv = self.performs_uv(request.user_verification);
        let index = self
            .credentials
            .iter()
            .position(|c| {
                c.rp_id == request.rp_id
                    && (request.allow.is_empty()
                        || request.allow.iter().any(|a| a.as_bytes() == c.id))
            })
            .ok_or(AuthenticatorError::NoCredentials)?;

        // Count first, and persist, so no two signatures ever carry the same counter value.
        let previous = self.credentials[index].sign_count;
        self.credentials[index].sign_count = previous.wrapping_add(1);
        if let Err(e) = self.save() {
            self.credentials[index].sign_count = previous;
            return Err(e);
        }
        let credential = &self.credentials[index];

        let hmac_secret = match (&request.hmac_secret, cred_random(credential, uv)) {
            (Some(input), Some(cred_random)) => Some(HmacSecretOutput::new(
                hmac_sha256(cred_random, input.salt1.as_bytes()),
                input
                    .salt2
                    .map(|salt2| hmac_sha256(cred_random, salt2.as_bytes())),
            )),
            // CTAP 2.1 §12.5: a credential created without hmac-secret ignores the extension.
            _ => None,
        };

        let mut flags = FLAG_UP;
        if uv {
            flags |= FLAG_UV;
        }
        let authenticator_data = auth_data_header(&request.rp_id, flags, credential.sign_count);
        let client_data_json =
            client_data_json(CeremonyKind::Get, &request.challenge, &request.origin)?;
        let signing_key = SigningKey::from_slice(&credential.private_key)
            .map_err(|_| AuthenticatorError::Device("a stored key is invalid".into()))?;
        let mut message = authenticator_data.clone();
        message.extend_from_slice(&Sha256::digest(&client_data_json));
        let signature: DerSignature = signing_key.sign(&message);

        Ok(AssertionResponse {
            credential_id: CredentialId::new(credential.id.clone()),
            client_data_json,
            authenticator_data,
            signature: signature.as_bytes().to_vec(),
            user_handle: Some(credential.user_id.clone()),
            hmac_secret,
        })
    }
}

fn cred_random(credential: &SoftCredential, uv: bool) -> Option<&[u8; HMAC_SECRET_LEN]> {
    if uv {
        credential.cred_random_with_uv.as_ref()
    } else {
        credential.cred_random_without_uv.as_ref()
    }
}

/// rpIdHash ‖ flags ‖ signCount (WebAuthn L3 §6.1).
fn auth_data_header(rp_id: &str, flags: u8, sign_count: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity(37 + 200);
    data.extend_from_slice(&Sha256::digest(rp_id.as_bytes()));
    data.push(flags);
    data.extend_from_slice(&sign_count.to_be_bytes());
    data
}

fn new_signing_key() -> Result<(Zeroizing<[u8; 32]>, SigningKey), AuthenticatorError> {
    // A random 32-byte string is a valid P-256 scalar except with probability ~2^-32 (zero or
    // ≥ n); draw again in that case.
    for _ in 0..16 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        random_bytes(bytes.as_mut())?;
        if let Ok(key) = SigningKey::from_slice(bytes.as_ref()) {
            return Ok((bytes, key));
        }
    }
    Err(AuthenticatorError::Random)
}

/// COSE_Key of an ES256 public key (RFC 9053 §7.1.1), in CTAP2 canonical key order.
fn cose_es256_public_key(key: &SigningKey) -> Result<Vec<u8>, AuthenticatorError> {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    // Uncompressed SEC1: 0x04 ‖ x ‖ y.
    if bytes.len() != 65 {
        return Err(AuthenticatorError::Device(
            "unexpected public key encoding".into(),
        ));
    }
    cbor(&Value::Map(vec![
        (Value::Integer(1.into()), Value::Integer(2.into())), // kty: EC2
        (Value::Integer(3.into()), Value::Integer(COSE_ES256.into())), // alg: ES256
        (Value::Integer((-1).into()), Value::Integer(1.into())), // crv: P-256
        (
            Value::Integer((-2).into()),
            Value::Bytes(bytes[1..33].to_vec()),
        ), // x
        (
            Value::Integer((-3).into()),
            Value::Bytes(bytes[33..65].to_vec()),
        ), // y
    ]))
}

fn cbor(value: &Value) -> Result<Vec<u8>, AuthenticatorError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out)
        .map_err(|e| AuthenticatorError::Device(format!("CBOR encoding failed: {e}")))?;
    Ok(out)
}

fn state_error(path: &Path, reason: &str) -> AuthenticatorError {
    AuthenticatorError::State {
        path: path.display().to_string(),
        reason: reason.to_owned(),
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), AuthenticatorError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(state_error(
            path,
            &format!(
                "other users may read it (mode {:o}); run `chmod 600` on it",
                mode & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), AuthenticatorError> {
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` (created 0600), syncs it and renames it
/// over `path`, so a crash leaves either the old or the new state, never half of one.
fn write_private_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    #[cfg(unix)]
    {
        // `mode` applies only when the file is created; a leftover temp file keeps its own.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Best effort: makes the rename itself durable on filesystems that need it.
        if let Ok(dir) = fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

// ----- file representation ------------------------------------------------------------------

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    format: String,
    version: u32,
    note: String,
    credentials: Vec<FileCredential>,
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct FileCredential {
    id: String,
    rp_id: String,
    user_id: String,
    private_key: String,
    cred_random_with_uv: Option<String>,
    cred_random_without_uv: Option<String>,
    sign_count: u32,
}

impl FileCredential {
    fn encode(c: &SoftCredential) -> Self {
        Self {
            id: hex::encode(&c.id),
            rp_id: c.rp_id.clone(),
            user_id: hex::encode(&c.user_id),
            private_key: hex::encode(c.private_key),
            cred_random_with_uv: c.cred_random_with_uv.map(hex::encode),
            cred_random_without_uv: c.cred_random_without_uv.map(hex::encode),
            sign_count: c.sign_count,
        }
    }

    fn decode(&self) -> Option<SoftCredential> {
        fn array(text: &str) -> Option<[u8; 32]> {
            let mut out = [0u8; 32];
            hex::decode_to_slice(text, &mut out).ok()?;
            Some(out)
        }
        fn optional(text: &Option<String>) -> Option<Option<[u8; 32]>> {
            match text {
                None => Some(None),
                Some(text) => array(text).map(Some),
            }
        }
        let credential = SoftCredential {
            id: hex::decode(&self.id).ok()?,
            rp_id: self.rp_id.clone(),
            user_id: hex::decode(&self.user_id).ok()?,
            private_key: array(&self.private_key)?,
            cred_random_with_uv: optional(&self.cred_random_with_uv)?,
            cred_random_without_uv: optional(&self.cred_random_without_uv)?,
            sign_count: self.sign_count,
        };
        SigningKey::from_slice(&credential.private_key).ok()?;
        Some(credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hmac_secret::{HmacSecretInput, HmacSecretSalt};

    fn make_request(hmac_secret: bool) -> MakeCredentialRequest {
        MakeCredentialRequest {
            rp_id: "tipvault.local".into(),
            rp_name: "Tipvault".into(),
            origin: "https://tipvault.local".into(),
            challenge: vec![9; 32],
            user_id: vec![1; 16],
            user_name: "owner".into(),
            user_display_name: "Owner".into(),
            algorithms: vec![COSE_ES256],
            exclude: Vec::new(),
            user_verification: true,
            hmac_secret,
        }
    }

    fn assertion_request(id: &CredentialId, salt: Option<HmacSecretSalt>) -> GetAssertionRequest {
        GetAssertionRequest {
            rp_id: "tipvault.local".into(),
            origin: "https://tipvault.local".into(),
            challenge: vec![3; 32],
            allow: vec![id.clone()],
            user_verification: true,
            hmac_secret: salt.map(HmacSecretInput::one),
        }
    }

    #[test]
    fn uv_and_non_uv_outputs_differ_as_ctap_specifies() {
        let mut device = SoftAuthenticator::ephemeral();
        let id = device
            .make_credential(&make_request(true))
            .unwrap()
            .credential_id;
        let salt = HmacSecretSalt::from_bytes([5; 32]);
        let with_uv = device
            .get_assertion(&assertion_request(&id, Some(salt)))
            .unwrap();
        device.set_user_verification(false);
        let without_uv = device
            .get_assertion(&assertion_request(&id, Some(salt)))
            .unwrap();
        assert_ne!(
            with_uv.hmac_secret.unwrap().output1(),
            without_uv.hmac_secret.unwrap().output1(),
            "CredRandomWithUV and CredRandomWithoutUV must be distinct"
        );
    }

    #[test]
    fn credential_without_hmac_secret_ignores_salts() {
        let mut device = SoftAuthenticator::ephemeral();
        let id = device
            .make_credential(&make_request(false))
            .unwrap()
            .credential_id;
        let response = device
            .get_assertion(&assertion_request(
                &id,
                Some(HmacSecretSalt::from_bytes([1; 32])),
            ))
            .unwrap();
        assert!(response.hmac_secret.is_none());
    }

    #[test]
    fn counter_increases_with_every_assertion() {
        let mut device = SoftAuthenticator::ephemeral();
        let id = device
            .make_credential(&make_request(false))
            .unwrap()
            .credential_id;
        let counts: Vec<u32> = (0..3)
            .map(|_| {
                let data = device
                    .get_assertion(&assertion_request(&id, None))
                    .unwrap()
                    .authenticator_data;
                u32::from_be_bytes([data[33], data[34], data[35], data[36]])
            })
            .collect();
        assert_eq!(counts, vec![1, 2, 3]);
    }
}
