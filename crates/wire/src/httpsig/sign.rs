//! Signing (RFC 9421 §3.1) with Ed25519 (§3.3.6, `alg="ed25519"`).
//!
//! Owns the secret key type and the operation that turns a message, a covered-component
//! list and ordered parameters into `Signature-Input` and `Signature` members.
//!
//! Decisions: the signer adds nothing on its own — the parameters are serialised exactly
//! as given, so RFC 9421's own examples (which omit `alg`) can be reproduced byte for
//! byte; the Tipvault profile ([`crate::httpsig::profile`]) is what adds `alg`,
//! `expires` and `nonce`. If `alg` is given it must be `ed25519`. [`SigningKey`] never
//! prints its secret (its `Debug` shows only the public key) and is zeroized on drop
//! through `ed25519-dalek`'s `zeroize` feature; it is deliberately not `Clone`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer as _;
pub use ed25519_dalek::VerifyingKey;

use super::base::{BaseError, signature_base};
use super::component::ComponentId;
use super::header::{HeaderError, signature_input_member, signature_member};
use super::params::{ParamError, SignatureParams};
use crate::message::{MessageError, MessageRef, Request, Response};

/// The registered algorithm name for Ed25519 (RFC 9421 §6.2.2).
pub const ALG_ED25519: &str = "ed25519";

/// An Ed25519 secret key. Zeroized on drop; `Debug` shows only the public key.
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
}

// Compile-time guard: if the `zeroize` feature of ed25519-dalek were ever turned off,
// the secret would no longer be wiped on drop; make that a build error, not a silent loss.
const _: fn() = || {
    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<ed25519_dalek::SigningKey>();
};

impl SigningKey {
    /// The key from its 32-byte secret seed (RFC 8032 §5.1.5). The caller should zeroize
    /// its own copy of `secret`.
    #[must_use]
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self {
            inner: ed25519_dalek::SigningKey::from_bytes(secret),
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        self.inner.verifying_key()
    }

    /// Signs raw bytes (the signature base).
    #[must_use]
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(message).to_bytes()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field(
                "public",
                &STANDARD.encode(self.inner.verifying_key().as_bytes()),
            )
            .finish_non_exhaustive()
    }
}

/// Why a message could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// A covered component could not be resolved in the message.
    #[error(transparent)]
    Base(#[from] BaseError),
    /// The label is invalid.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// `alg` names an algorithm other than the key's.
    #[error("alg `{0}` does not match an Ed25519 key; use \"ed25519\" or omit alg")]
    AlgMismatch(String),
    /// A signature parameter is invalid or repeated.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The signature fields could not be added to the message.
    #[error(transparent)]
    Message(#[from] MessageError),
}

/// The result of signing: the two field members to add, and the base that was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// The label.
    pub label: String,
    /// The `Signature-Input` member, e.g. `sig1=("@method");created=1`.
    pub signature_input: String,
    /// The `Signature` member, e.g. `sig1=:base64:`.
    pub signature: String,
    /// The signature base that was signed (for logs and tests; contains no secret).
    pub base: String,
}

impl SignedHeaders {
    /// Adds `Signature-Input` and `Signature` lines to a request.
    pub fn apply_to_request(&self, request: &mut Request) -> Result<(), MessageError> {
        request.push_header("signature-input", &self.signature_input)?;
        request.push_header("signature", &self.signature)
    }

    /// Adds `Signature-Input` and `Signature` lines to a response.
    pub fn apply_to_response(&self, response: &mut Response) -> Result<(), MessageError> {
        response.push_header("signature-input", &self.signature_input)?;
        response.push_header("signature", &self.signature)
    }
}

/// Signs `message` over `components` with `params` (both in the given order).
pub fn sign(
    key: &SigningKey,
    message: MessageRef<'_>,
    label: &str,
    components: &[ComponentId],
    params: &SignatureParams,
) -> Result<SignedHeaders, SignError> {
    if let Some(alg) = params.alg()
        && alg != ALG_ED25519
    {
        return Err(SignError::AlgMismatch(alg.to_owned()));
    }
    let signature_input = signature_input_member(label, components, params)?;
    let base = signature_base(message, components, params)?;
    let signature = signature_member(label, &key.sign_bytes(base.as_bytes()))?;
    Ok(SignedHeaders {
        label: label.to_owned(),
        signature_input,
        signature,
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::params::SigParam;

    #[test]
    fn debug_does_not_print_the_secret() {
        let secret = [7u8; 32];
        let key = SigningKey::from_bytes(&secret);
        let shown = format!("{key:?}");
        assert!(
            !shown.contains(&STANDARD.encode(secret)),
            "Debug must not print the seed: {shown}"
        );
        assert!(!shown.contains("7, 7, 7"), "nor its bytes: {shown}");
        assert!(shown.contains("public"));
    }

    #[test]
    fn foreign_alg_is_refused() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let req = Request::new("GET", "https://example.com/").unwrap();
        let params = SignatureParams::new()
            .with(SigParam::Alg("rsa-pss-sha512".into()))
            .unwrap();
        assert!(matches!(
            sign(
                &key,
                MessageRef::Request(&req),
                "sig1",
                &[ComponentId::method()],
                &params
            ),
            Err(SignError::AlgMismatch(_))
        ));
    }

    #[test]
    fn invalid_label_is_refused() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let req = Request::new("GET", "https://example.com/").unwrap();
        assert!(matches!(
            sign(
                &key,
                MessageRef::Request(&req),
                "Sig 1",
                &[],
                &SignatureParams::new()
            ),
            Err(SignError::Header(HeaderError::InvalidLabel(_)))
        ));
    }
}
