//! CTAP2 security keys over USB HID, through Mozilla's `authenticator` crate (the one Firefox
//! uses), which implements the hmac-secret extension with the PIN/UV protocol's key agreement
//! and hands back decrypted outputs. Linux (hidraw + libudev), Windows and macOS.
//!
//! Built only with the `usb` feature. **Compiled here, untested without hardware**: the CI
//! machine has no security key; every ceremony in the test suite runs against the software
//! authenticator, which speaks the same [`Authenticator`] trait.
//!
//! Decisions: the crate's Rust-crypto backend (`crypto_rust`) instead of its default NSS one, so
//! no NSS libraries are needed; the WebAuthn client role is ours (we build `clientDataJSON`
//! and pass its hash), so the relying party verifies exactly the bytes that were signed. Linux
//! builds need `libudev-dev` (pkg-config `libudev`) at build time and `libudev1` at run time.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use authenticator::authenticatorservice::{AuthenticatorService, RegisterArgs, SignArgs};
use authenticator::crypto::COSEAlgorithm;
use authenticator::ctap2::server::{
    AuthenticationExtensionsClientInputs, HMACGetSecretInput, PublicKeyCredentialDescriptor,
    PublicKeyCredentialParameters, PublicKeyCredentialUserEntity, RelyingParty,
    ResidentKeyRequirement, Transport, UserVerificationRequirement,
};
use authenticator::errors::{AuthenticatorError as UsbError, U2FTokenError};
use authenticator::statecallback::StateCallback;
use authenticator::{Pin, StatusPinUv, StatusUpdate};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::authenticator::{
    AssertionResponse, AttestationResponse, Authenticator, AuthenticatorError, AuthenticatorInfo,
    CancelWait, CeremonyKind, CredentialId, GetAssertionRequest, MakeCredentialRequest,
    client_data_json,
};
use crate::hmac_secret::HmacSecretOutput;

/// Asked for the key's PIN; receives the attempts left when the device says, returns `None` to
/// cancel. Called on a background thread.
pub type PinPrompt = dyn FnMut(Option<u8>) -> Option<String> + Send;

/// USB CTAP2 security keys.
pub struct UsbAuthenticator {
    service: AuthenticatorService,
    timeout_ms: u64,
    pin_prompt: Arc<Mutex<Box<PinPrompt>>>,
    cancel: CancelWait,
}

impl std::fmt::Debug for UsbAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsbAuthenticator")
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

impl UsbAuthenticator {
    /// Connects to the platform's USB HID transport. `timeout_ms` bounds each touch; `cancel`
    /// ends a wait early.
    pub fn new(
        timeout_ms: u64,
        pin_prompt: Box<PinPrompt>,
        cancel: CancelWait,
    ) -> Result<Self, AuthenticatorError> {
        let mut service = AuthenticatorService::new().map_err(device_error)?;
        service.add_u2f_usb_hid_platform_transports();
        Ok(Self {
            service,
            timeout_ms,
            pin_prompt: Arc::new(Mutex::new(pin_prompt)),
            cancel,
        })
    }

    /// Waits for the device's answer, looking at the cancel token ten times a second: a
    /// cancelled wait stops the device's request and answers `Cancelled` at once.
    fn answer<T>(&mut self, rx: &Receiver<Result<T, UsbError>>) -> Result<T, AuthenticatorError> {
        self.cancel.set_waiting(true);
        let answer = self.wait_for(rx);
        self.cancel.set_waiting(false);
        answer
    }

    fn wait_for<T>(&mut self, rx: &Receiver<Result<T, UsbError>>) -> Result<T, AuthenticatorError> {
        loop {
            if self.cancel.is_cancelled() {
                let _ = self.service.cancel();
                return Err(AuthenticatorError::Cancelled);
            }
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(result) => return result.map_err(device_error),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(AuthenticatorError::Device(
                        "no answer from the device".into(),
                    ));
                }
            }
        }
    }

    /// Answers the device's status messages: PIN requests go to the prompt; anything that
    /// needs interactive management is refused.
    fn status_channel(&self) -> Sender<StatusUpdate> {
        let (tx, rx) = channel::<StatusUpdate>();
        let prompt = Arc::clone(&self.pin_prompt);
        thread::spawn(move || {
            while let Ok(update) = rx.recv() {
                let (sender, attempts) = match update {
                    StatusUpdate::PinUvError(StatusPinUv::PinRequired(sender)) => (sender, None),
                    StatusUpdate::PinUvError(StatusPinUv::InvalidPin(sender, attempts)) => {
                        (sender, attempts)
                    }
                    _ => continue,
                };
                let pin = match prompt.lock() {
                    Ok(mut prompt) => prompt(attempts).map(Zeroizing::new),
                    Err(_) => None,
                };
                match pin {
                    Some(pin) => {
                        let _ = sender.send(Pin::new(&pin));
                    }
                    // Dropping the sender cancels the operation on the device side.
                    None => drop(sender),
                }
            }
        });
        tx
    }
}

fn device_error(error: UsbError) -> AuthenticatorError {
    match error {
        UsbError::CancelledByUser => AuthenticatorError::Cancelled,
        UsbError::CredentialExcluded => AuthenticatorError::AlreadyRegistered,
        UsbError::NoConfiguredTransports => AuthenticatorError::NoDevice,
        // What the transport reports when its time runs out with no device answering.
        UsbError::U2FToken(U2FTokenError::NotAllowed) => AuthenticatorError::TimedOut,
        other => AuthenticatorError::Device(other.to_string()),
    }
}

fn descriptors(ids: &[CredentialId]) -> Vec<PublicKeyCredentialDescriptor> {
    ids.iter()
        .map(|id| PublicKeyCredentialDescriptor {
            id: id.as_bytes().to_vec(),
            transports: vec![Transport::USB],
        })
        .collect()
}

fn user_verification(required: bool) -> UserVerificationRequirement {
    if required {
        UserVerificationRequirement::Required
    } else {
        UserVerificationRequirement::Preferred
    }
}

impl Authenticator for UsbAuthenticator {
    fn info(&self) -> AuthenticatorInfo {
        AuthenticatorInfo {
            label: "USB security key".to_owned(),
            is_test_device: false,
            aaguid: [0; 16],
        }
    }

    fn make_credential(
        &mut self,
        request: &MakeCredentialRequest,
    ) -> Result<AttestationResponse, AuthenticatorError> {
        let client_data_json =
            client_data_json(CeremonyKind::Create, &request.challenge, &request.origin)?;
        let pub_cred_params: Vec<_> = request
            .algorithms
            .iter()
            .filter_map(|alg| COSEAlgorithm::try_from(*alg).ok())
            .map(|alg| PublicKeyCredentialParameters { alg })
            .collect();
        if pub_cred_params.is_empty() {
            return Err(AuthenticatorError::UnsupportedAlgorithm);
        }
        let args = RegisterArgs {
            client_data_hash: Sha256::digest(&client_data_json).into(),
            relying_party: RelyingParty {
                id: request.rp_id.clone(),
                name: Some(request.rp_name.clone()),
            },
            origin: request.origin.clone(),
            user: PublicKeyCredentialUserEntity {
                id: request.user_id.clone(),
                name: Some(request.user_name.clone()),
                display_name: Some(request.user_display_name.clone()),
            },
            pub_cred_params,
            exclude_list: descriptors(&request.exclude),
            user_verification_req: user_verification(request.user_verification),
            resident_key_req: ResidentKeyRequirement::Discouraged,
            extensions: AuthenticationExtensionsClientInputs {
                hmac_create_secret: request.hmac_secret.then_some(true),
                ..Default::default()
            },
            pin: None,
            use_ctap1_fallback: false,
        };
        let (tx, rx) = channel();
        let callback = StateCallback::new(Box::new(move |result| {
            let _ = tx.send(result);
        }));
        self.service
            .register(self.timeout_ms, args, self.status_channel(), callback)
            .map_err(device_error)?;
        let result = self.answer(&rx)?;

        let credential_id = result
            .att_obj
            .auth_data
            .credential_data
            .as_ref()
            .map(|data| CredentialId::new(data.credential_id.clone()))
            .ok_or_else(|| AuthenticatorError::Device("no credential in the answer".into()))?;
        let mut attestation_object = Vec::new();
        ciborium::into_writer(&result.att_obj, &mut attestation_object)
            .map_err(|e| AuthenticatorError::Device(format!("CBOR encoding failed: {e}")))?;
        Ok(AttestationResponse {
            credential_id,
            client_data_json,
            attestation_object,
            hmac_secret_created: result.extensions.hmac_create_secret == Some(true),
        })
    }

    fn get_assertion(
        &mut self,
        request: &GetAssertionRequest,
    ) -> Result<AssertionResponse, AuthenticatorError> {
        let client_data_json =
            client_data_json(CeremonyKind::Get, &request.challenge, &request.origin)?;
        let args = SignArgs {
            client_data_hash: Sha256::digest(&client_data_json).into(),
            origin: request.origin.clone(),
            relying_party_id: request.rp_id.clone(),
            allow_list: descriptors(&request.allow),
            user_verification_req: user_verification(request.user_verification),
            user_presence_req: true,
            extensions: AuthenticationExtensionsClientInputs {
                hmac_get_secret: request.hmac_secret.map(|input| HMACGetSecretInput {
                    salt1: *input.salt1.as_bytes(),
                    salt2: input.salt2.map(|s| *s.as_bytes()),
                }),
                ..Default::default()
            },
            pin: None,
            use_ctap1_fallback: false,
        };
        let (tx, rx) = channel();
        let callback = StateCallback::new(Box::new(move |result| {
            let _ = tx.send(result);
        }));
        self.service
            .sign(self.timeout_ms, args, self.status_channel(), callback)
            .map_err(device_error)?;
        let result = self.answer(&rx)?;

        let credential_id = result
            .assertion
            .credentials
            .as_ref()
            .map(|c| CredentialId::new(c.id.clone()))
            .or_else(|| (request.allow.len() == 1).then(|| request.allow[0].clone()))
            .ok_or_else(|| AuthenticatorError::Device("the device named no credential".into()))?;
        let hmac_secret = result.extensions.hmac_get_secret.as_ref().map(|out| {
            HmacSecretOutput::new(Zeroizing::new(out.output1), out.output2.map(Zeroizing::new))
        });
        Ok(AssertionResponse {
            credential_id,
            client_data_json,
            // Re-encoded by the crate from its parsed form, as Firefox does for its own
            // WebAuthn responses; the relying party verifies the signature over these bytes.
            authenticator_data: result.assertion.auth_data.to_vec(),
            signature: result.assertion.signature.clone(),
            user_handle: result.assertion.user.as_ref().map(|u| u.id.clone()),
            hmac_secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transports_time_out_reads_as_no_key_answering_and_other_failures_keep_their_kind() {
        assert!(matches!(
            device_error(UsbError::U2FToken(U2FTokenError::NotAllowed)),
            AuthenticatorError::TimedOut
        ));
        assert!(matches!(
            device_error(UsbError::CancelledByUser),
            AuthenticatorError::Cancelled
        ));
        assert!(matches!(
            device_error(UsbError::NoConfiguredTransports),
            AuthenticatorError::NoDevice
        ));
        assert!(matches!(
            device_error(UsbError::Platform),
            AuthenticatorError::Device(_)
        ));
        assert!(
            AuthenticatorError::TimedOut
                .to_string()
                .starts_with("no security key answered in time")
        );
    }
}
