//! The relying party: registration and authentication ceremonies on webauthn-rs, with user
//! verification required, plus Tipvault's own checks on top (removed credential, replay,
//! counter) and the step-up ceremony whose challenge is bound to a plan.
//!
//! The decision to know: webauthn-rs (the `Passkey` flow, UV *required*) verifies every
//! signature, challenge, origin, rpIdHash and flag. Its ceremony state is serialisable
//! (`danger-allow-state-serialisation`), and that is also how a step-up sets its challenge:
//! webauthn-rs only generates random challenges, so [`RelyingParty::start_step_up`] writes the
//! plan-bound challenge into the state's documented serialised form and reads it back, then
//! checks the round trip. The relying party never trusts the authenticator's word for the
//! challenge; it compares against the state.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    Url, Uuid, WebauthnError,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};
use webauthn_rs_proto::{
    AuthenticationExtensionsClientOutputs, AuthenticatorAssertionResponseRaw,
    AuthenticatorAttestationResponseRaw, RegistrationExtensionsClientOutputs,
    UserVerificationPolicy,
};

use crate::authenticator::{
    AssertionResponse, AttestationResponse, Authenticator, AuthenticatorError, AuthenticatorInfo,
    CredentialId, GetAssertionRequest, MakeCredentialRequest, random_bytes,
};
use crate::credential::{CredentialRecord, CredentialStore, ManageError, validate_label};
use crate::hmac_secret::HmacSecretOutput;
use crate::step_up::{Challenge, NONCE_LEN, PlanDigest, PlanError, StepUpApproval, StepUpPlan};

/// The desktop app's relying party id. `.local` is reserved for multicast DNS (RFC 6762), so no
/// public web site can ever be this relying party and phish its assertions. Never change it:
/// every registered credential is scoped to it.
pub const DESKTOP_RP_ID: &str = "tipvault.local";
/// The origin the desktop app writes into `clientDataJSON`.
pub const DESKTOP_ORIGIN: &str = "https://tipvault.local";

/// Relying party identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpConfig {
    /// Relying party id (a domain).
    pub rp_id: String,
    /// Origin (https URL whose host is `rp_id` or a subdomain of it).
    pub origin: String,
    /// Display name.
    pub rp_name: String,
}

impl Default for RpConfig {
    fn default() -> Self {
        Self {
            rp_id: DESKTOP_RP_ID.to_owned(),
            origin: DESKTOP_ORIGIN.to_owned(),
            rp_name: "Tipvault".to_owned(),
        }
    }
}

/// The vault owner as the authenticator sees them. `id` is a random per-vault handle (not the
/// vault id: resident credentials may show it to anyone holding the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIdentity {
    /// Random user handle.
    pub id: [u8; 16],
    /// Account name shown by the authenticator.
    pub name: String,
    /// Display name.
    pub display_name: String,
}

/// A registration in progress. Serialisable so the app may keep it across an IPC round trip.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingRegistration {
    state: PasskeyRegistration,
    hmac_secret: bool,
}

/// An authentication in progress. Finishing consumes it.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingAuthentication {
    state: PasskeyAuthentication,
}

/// A step-up in progress: an authentication whose challenge is bound to one plan.
#[derive(Debug)]
pub struct PendingStepUp {
    auth: PendingAuthentication,
    digest: PlanDigest,
}

impl PendingStepUp {
    /// The digest of the plan being approved (to show next to the plan, and to audit).
    pub fn digest(&self) -> &PlanDigest {
        &self.digest
    }
}

/// A verified assertion.
#[derive(Debug)]
pub struct VerifiedAssertion {
    /// The credential that signed.
    pub credential_id: CredentialId,
    /// Its signature counter in this assertion.
    pub counter: u32,
    /// hmac-secret outputs, when salts were sent (secret).
    pub hmac_secret: Option<HmacSecretOutput>,
}

/// Why a ceremony failed. Each variant is something the app shows or acts on.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// The relying party configuration is invalid.
    #[error("the relying party configuration is invalid: {0}")]
    Config(String),
    /// The device failed or refused.
    #[error(transparent)]
    Authenticator(#[from] AuthenticatorError),
    /// No credential is registered yet.
    #[error("no authenticator is registered; register one first")]
    NoCredentials,
    /// The response lacks user verification (PIN or biometric).
    #[error(
        "the authenticator did not verify the user (no PIN or biometric); use a key with user verification"
    )]
    UserNotVerified,
    /// The response was signed for another challenge (another ceremony, another plan).
    #[error("the authenticator's response was made for another request; try again")]
    WrongChallenge,
    /// The response names another origin.
    #[error("the authenticator's response was made for another site or app")]
    WrongOrigin,
    /// The credential is not (or no longer) registered.
    #[error("this authenticator is not registered (it may have been removed)")]
    UnknownCredential,
    /// The signature counter did not increase: the key may have been cloned.
    #[error(
        "this authenticator's signature counter went backwards ({presented} after {stored}); it \
         may have been cloned. It was refused; remove it and register a new one"
    )]
    ClonedAuthenticator {
        /// Highest counter accepted before.
        stored: u32,
        /// Counter in this response.
        presented: u32,
    },
    /// This exact response was accepted before.
    #[error("this authenticator response was already used once and cannot be used again")]
    Replayed,
    /// The credential is already registered.
    #[error("this authenticator is already registered")]
    AlreadyRegistered,
    /// The label is unusable.
    #[error(transparent)]
    Label(ManageError),
    /// The plan cannot be approved.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Any other verification failure reported by webauthn-rs.
    #[error("the authenticator's response was refused: {0}")]
    Rejected(String),
    /// The credential store failed.
    #[error("the credential store failed: {0}")]
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// Ceremony state could not be prepared.
    #[error("internal error preparing the request: {0}")]
    Internal(String),
}

fn store_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> CeremonyError {
    CeremonyError::Store(Box::new(e))
}

fn map_webauthn(error: WebauthnError) -> CeremonyError {
    match error {
        WebauthnError::UserNotVerified => CeremonyError::UserNotVerified,
        WebauthnError::MismatchedChallenge => CeremonyError::WrongChallenge,
        WebauthnError::InvalidRPOrigin => CeremonyError::WrongOrigin,
        WebauthnError::CredentialNotFound => CeremonyError::UnknownCredential,
        other => CeremonyError::Rejected(other.to_string()),
    }
}

/// Tipvault's WebAuthn relying party.
#[derive(Debug)]
pub struct RelyingParty {
    webauthn: Webauthn,
    config: RpConfig,
}

impl RelyingParty {
    /// Builds the relying party.
    pub fn new(config: RpConfig) -> Result<Self, CeremonyError> {
        let origin = Url::parse(&config.origin)
            .map_err(|e| CeremonyError::Config(format!("origin {:?}: {e}", config.origin)))?;
        let webauthn = WebauthnBuilder::new(&config.rp_id, &origin)
            .and_then(|b| b.rp_name(&config.rp_name).build())
            .map_err(|e| CeremonyError::Config(e.to_string()))?;
        Ok(Self { webauthn, config })
    }

    /// The desktop app's relying party ([`RpConfig::default`]).
    pub fn desktop() -> Result<Self, CeremonyError> {
        Self::new(RpConfig::default())
    }

    /// Its configuration.
    pub fn config(&self) -> &RpConfig {
        &self.config
    }

    // ----- registration ---------------------------------------------------------------------

    /// Starts a registration. `existing` are excluded (a device refuses to register twice).
    /// `hmac_secret` asks the device for an hmac-secret, needed to unlock the vault with it.
    pub fn start_registration(
        &self,
        user: &UserIdentity,
        existing: &[CredentialRecord],
        hmac_secret: bool,
    ) -> Result<(MakeCredentialRequest, PendingRegistration), CeremonyError> {
        let exclude: Vec<_> = existing
            .iter()
            .map(|r| r.passkey.cred_id().clone())
            .collect();
        let (options, state) = self
            .webauthn
            .start_passkey_registration(
                Uuid::from_bytes(user.id),
                &user.name,
                &user.display_name,
                Some(exclude),
            )
            .map_err(map_webauthn)?;
        let options = options.public_key;
        let request = MakeCredentialRequest {
            rp_id: options.rp.id,
            rp_name: options.rp.name,
            origin: self.config.origin.clone(),
            challenge: options.challenge,
            user_id: options.user.id,
            user_name: options.user.name,
            user_display_name: options.user.display_name,
            algorithms: options.pub_key_cred_params.iter().map(|p| p.alg).collect(),
            exclude: options
                .exclude_credentials
                .unwrap_or_default()
                .into_iter()
                .map(|d| CredentialId::new(d.id))
                .collect(),
            user_verification: options
                .authenticator_selection
                .is_some_and(|s| s.user_verification == UserVerificationPolicy::Required),
            hmac_secret,
        };
        Ok((request, PendingRegistration { state, hmac_secret }))
    }

    /// Verifies a registration response and stores the new credential record.
    pub fn finish_registration<S: CredentialStore>(
        &self,
        store: &mut S,
        pending: PendingRegistration,
        response: &AttestationResponse,
        device: &AuthenticatorInfo,
        label: &str,
        now: i64,
    ) -> Result<CredentialRecord, CeremonyError> {
        let label = validate_label(label).map_err(CeremonyError::Label)?;
        let credential = RegisterPublicKeyCredential {
            id: response.credential_id.to_base64url(),
            raw_id: response.credential_id.as_bytes().to_vec(),
            response: AuthenticatorAttestationResponseRaw {
                attestation_object: response.attestation_object.clone(),
                client_data_json: response.client_data_json.clone(),
                transports: None,
            },
            type_: "public-key".to_owned(),
            extensions: RegistrationExtensionsClientOutputs {
                hmac_secret: Some(response.hmac_secret_created),
                ..Default::default()
            },
        };
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &pending.state)
            .map_err(map_webauthn)?;
        let id = CredentialId::new(passkey.cred_id().to_vec());
        if store.get(&id).map_err(store_error)?.is_some() {
            return Err(CeremonyError::AlreadyRegistered);
        }
        let record = CredentialRecord {
            id,
            label,
            device: device.label.clone(),
            is_test_device: device.is_test_device,
            hmac_secret: pending.hmac_secret && response.hmac_secret_created,
            created_at: now,
            last_used_at: None,
            sign_count: 0,
            last_assertion: None,
            passkey,
        };
        store.insert(record.clone()).map_err(store_error)?;
        Ok(record)
    }

    /// A whole registration with one device.
    pub fn register<S: CredentialStore>(
        &self,
        store: &mut S,
        authenticator: &mut dyn Authenticator,
        user: &UserIdentity,
        label: &str,
        now: i64,
    ) -> Result<CredentialRecord, CeremonyError> {
        validate_label(label).map_err(CeremonyError::Label)?;
        let existing = store.list().map_err(store_error)?;
        let (request, pending) = self.start_registration(user, &existing, true)?;
        let response = authenticator.make_credential(&request)?;
        self.finish_registration(store, pending, &response, &authenticator.info(), label, now)
    }

    // ----- authentication -------------------------------------------------------------------

    /// Starts an authentication against every registered credential, with a random challenge.
    pub fn start_authentication<S: CredentialStore>(
        &self,
        store: &S,
    ) -> Result<(GetAssertionRequest, PendingAuthentication), CeremonyError> {
        let records = store.list().map_err(store_error)?;
        if records.is_empty() {
            return Err(CeremonyError::NoCredentials);
        }
        let passkeys: Vec<_> = records.into_iter().map(|r| r.passkey).collect();
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(map_webauthn)?;
        let options = options.public_key;
        let request = GetAssertionRequest {
            rp_id: options.rp_id,
            origin: self.config.origin.clone(),
            challenge: options.challenge,
            allow: options
                .allow_credentials
                .into_iter()
                .map(|c| CredentialId::new(c.id))
                .collect(),
            user_verification: options.user_verification == UserVerificationPolicy::Required,
            hmac_secret: None,
        };
        Ok((request, PendingAuthentication { state }))
    }

    /// Verifies an assertion, then updates the credential's counter, last use and last
    /// assertion. Refuses a removed credential, a replay, a counter that did not increase, a
    /// response for another challenge and a response without user verification.
    pub fn finish_authentication<S: CredentialStore>(
        &self,
        store: &mut S,
        pending: PendingAuthentication,
        response: AssertionResponse,
        now: i64,
    ) -> Result<VerifiedAssertion, CeremonyError> {
        let mut record = store
            .get(&response.credential_id)
            .map_err(store_error)?
            .ok_or(CeremonyError::UnknownCredential)?;

        // Identical bytes to an assertion accepted before are a replay whatever else is true:
        // that one was verified, this one adds nothing new. Checked first so that a key whose
        // counter is always zero cannot have one approval counted twice.
        let digest = hex::encode(assertion_digest(&response));
        if record.last_assertion.as_deref() == Some(digest.as_str()) {
            return Err(CeremonyError::Replayed);
        }

        let credential = PublicKeyCredential {
            id: response.credential_id.to_base64url(),
            raw_id: response.credential_id.as_bytes().to_vec(),
            response: AuthenticatorAssertionResponseRaw {
                authenticator_data: response.authenticator_data.clone(),
                client_data_json: response.client_data_json.clone(),
                signature: response.signature.clone(),
                user_handle: response.user_handle.clone(),
            },
            extensions: AuthenticationExtensionsClientOutputs::default(),
            type_: "public-key".to_owned(),
        };
        let presented = counter_of(&response.authenticator_data)?;
        let result = self
            .webauthn
            .finish_passkey_authentication(&credential, &pending.state)
            .map_err(|e| match e {
                WebauthnError::CredentialPossibleCompromise => CeremonyError::ClonedAuthenticator {
                    stored: record.sign_count,
                    presented,
                },
                other => map_webauthn(other),
            })?;
        if !result.user_verified() {
            return Err(CeremonyError::UserNotVerified);
        }
        // webauthn-rs compared with the counter in the ceremony state, taken at its start; the
        // store may have seen a higher one since (another ceremony finished in between).
        if (result.counter() > 0 || record.sign_count > 0) && result.counter() <= record.sign_count
        {
            return Err(CeremonyError::ClonedAuthenticator {
                stored: record.sign_count,
                presented: result.counter(),
            });
        }

        record.passkey.update_credential(&result);
        record.sign_count = record.sign_count.max(result.counter());
        record.last_used_at = Some(now);
        record.last_assertion = Some(digest);
        store.update(&record).map_err(store_error)?;
        Ok(VerifiedAssertion {
            credential_id: record.id,
            counter: result.counter(),
            hmac_secret: response.hmac_secret,
        })
    }

    /// A whole authentication with one device.
    pub fn authenticate<S: CredentialStore>(
        &self,
        store: &mut S,
        authenticator: &mut dyn Authenticator,
        now: i64,
    ) -> Result<VerifiedAssertion, CeremonyError> {
        let (request, pending) = self.start_authentication(store)?;
        let response = authenticator.get_assertion(&request)?;
        self.finish_authentication(store, pending, response, now)
    }

    /// Verifies, once the vault is open, the assertion that unlocked it
    /// ([`crate::unlock::unlock_assertion`]): signature, `challenge` (the random one the unlock
    /// sent), origin, user verification, replay and the signature counter against the stored
    /// record, which is then updated like after any authentication. This is what refuses a
    /// cloned key at unlock: its hmac-secret is right, its counter is not.
    pub fn verify_unlock<S: CredentialStore>(
        &self,
        store: &mut S,
        challenge: &[u8],
        response: AssertionResponse,
        now: i64,
    ) -> Result<VerifiedAssertion, CeremonyError> {
        let record = store
            .get(&response.credential_id)
            .map_err(store_error)?
            .ok_or(CeremonyError::UnknownCredential)?;
        let (_, state) = self
            .webauthn
            .start_passkey_authentication(std::slice::from_ref(&record.passkey))
            .map_err(map_webauthn)?;
        let state = bind_challenge(state, challenge)?;
        self.finish_authentication(store, PendingAuthentication { state }, response, now)
    }

    // ----- step-up --------------------------------------------------------------------------

    /// Starts a step-up for `plan`: an authentication whose challenge is
    /// [`Challenge::for_plan`] of the plan's digest and a fresh nonce.
    pub fn start_step_up<S: CredentialStore>(
        &self,
        store: &S,
        plan: &StepUpPlan,
    ) -> Result<(GetAssertionRequest, PendingStepUp), CeremonyError> {
        let digest = plan.digest()?;
        let mut nonce = [0u8; NONCE_LEN];
        random_bytes(&mut nonce)?;
        let challenge = Challenge::for_plan(&digest, &nonce);

        let (mut request, pending) = self.start_authentication(store)?;
        let state = bind_challenge(pending.state, challenge.as_bytes())?;
        request.challenge = challenge.as_bytes().to_vec();
        Ok((
            request,
            PendingStepUp {
                auth: PendingAuthentication { state },
                digest,
            },
        ))
    }

    /// Verifies a step-up assertion and returns the approval for exactly that plan.
    pub fn finish_step_up<S: CredentialStore>(
        &self,
        store: &mut S,
        pending: PendingStepUp,
        response: AssertionResponse,
        now: i64,
    ) -> Result<StepUpApproval, CeremonyError> {
        let PendingStepUp { auth, digest } = pending;
        let verified = self.finish_authentication(store, auth, response, now)?;
        Ok(StepUpApproval {
            digest,
            credential_id: verified.credential_id,
            approved_at: now,
        })
    }

    /// A whole step-up with one device.
    pub fn step_up<S: CredentialStore>(
        &self,
        store: &mut S,
        authenticator: &mut dyn Authenticator,
        plan: &StepUpPlan,
        now: i64,
    ) -> Result<StepUpApproval, CeremonyError> {
        let (request, pending) = self.start_step_up(store, plan)?;
        let response = authenticator.get_assertion(&request)?;
        self.finish_step_up(store, pending, response, now)
    }
}

/// Writes `challenge` into the serialised ceremony state (`{"ast": {"challenge": base64url}}`,
/// webauthn-rs's human-readable form) and checks that it reads back.
fn bind_challenge(
    state: PasskeyAuthentication,
    challenge: &[u8],
) -> Result<PasskeyAuthentication, CeremonyError> {
    let internal = |what: &str| CeremonyError::Internal(format!("ceremony state: {what}"));
    let encoded = URL_SAFE_NO_PAD.encode(challenge);
    let mut value = serde_json::to_value(&state).map_err(|_| internal("cannot serialise"))?;
    let slot = value
        .get_mut("ast")
        .and_then(|ast| ast.get_mut("challenge"))
        .ok_or_else(|| internal("no challenge field (webauthn-rs changed its format?)"))?;
    *slot = serde_json::Value::String(encoded.clone());
    let state: PasskeyAuthentication =
        serde_json::from_value(value).map_err(|_| internal("cannot deserialise"))?;
    let check = serde_json::to_value(&state).map_err(|_| internal("cannot serialise"))?;
    if check.pointer("/ast/challenge").and_then(|v| v.as_str()) != Some(encoded.as_str()) {
        return Err(internal("the challenge did not round-trip"));
    }
    Ok(state)
}

/// SHA-256 over everything an assertion consists of, length-prefixed.
fn assertion_digest(response: &AssertionResponse) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [
        &response.authenticator_data,
        &response.client_data_json,
        &response.signature,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The signature counter in authenticator data (bytes 33..37, WebAuthn L3 §6.1).
fn counter_of(authenticator_data: &[u8]) -> Result<u32, CeremonyError> {
    authenticator_data
        .get(33..37)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| CeremonyError::Rejected("authenticator data is too short".into()))
}
