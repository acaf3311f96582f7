//! The Tipvault profile of RFC 9421 (DESIGN.md §5): which components and parameters
//! Tipvault's requests and responses carry, and the policies that check them.
//!
//! Requests (label [`REQUEST_LABEL`]) cover `@method`, `@target-uri`, `content-digest`
//! and, on writes (any method but GET/HEAD/OPTIONS), `idempotency-key`; parameters
//! `created`, `expires` (= created + 5 min), `nonce`, `keyid`, `alg="ed25519"`, in that
//! order. Responses (label [`RESPONSE_LABEL`]) cover `@status`, `content-digest`, and the
//! request's `@method;req`, `@target-uri;req`, `content-digest;req` and
//! `signature;req;key="sig1"` — the last binds the response to the exact request
//! signature, whose nonce makes it unique (RFC 9421 §2.4, §7.2.9 style binding).
//!
//! Decision: whether a request is a write is derived from its method by the verifier,
//! never taken from the signer, so a client cannot opt out of `idempotency-key`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::component::ComponentId;
use super::nonce::NonceStore;
use super::params::{SigParam, SignatureParams};
use super::sign::{ALG_ED25519, SignError, SignedHeaders, SigningKey, sign};
use super::verify::{KeyResolver, Verified, VerifyError, VerifyPolicy, verify};
use crate::digest::content_digest;
use crate::message::{MessageRef, Request, Response};

/// The label of a Tipvault request signature.
pub const REQUEST_LABEL: &str = "sig1";
/// The label of a provider's response signature.
pub const RESPONSE_LABEL: &str = "resp";
/// Longest validity window: `expires - created` (DESIGN.md §5: ≤ 5 min).
pub const MAX_WINDOW_SECS: i64 = 300;
/// Clock difference tolerated between client and provider.
pub const MAX_SKEW_SECS: i64 = 30;

fn component(name: &'static str) -> ComponentId {
    ComponentId::known_field(name)
}

/// Whether `method` changes state and so must carry an `Idempotency-Key`.
#[must_use]
pub fn is_write(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Components a request signature covers.
#[must_use]
pub fn request_components(write: bool) -> Vec<ComponentId> {
    let mut c = vec![
        ComponentId::method(),
        ComponentId::target_uri(),
        component("content-digest"),
    ];
    if write {
        c.push(component("idempotency-key"));
    }
    c
}

/// Components a response signature covers, bound to the request signed under
/// `request_label`.
#[must_use]
pub fn response_components(request_label: &str) -> Vec<ComponentId> {
    let mut c = vec![
        ComponentId::status(),
        component("content-digest"),
        ComponentId::method().with_req(),
        ComponentId::target_uri().with_req(),
        component("content-digest").with_req(),
    ];
    if let Ok(sig) = component("signature").with_req().with_key(request_label) {
        c.push(sig);
    }
    c
}

/// Request parameters: `created`, `expires`, `nonce`, `keyid`, `alg`.
pub fn request_params(
    created: i64,
    nonce: &str,
    keyid: &str,
) -> Result<SignatureParams, SignError> {
    let params = SignatureParams::new()
        .with(SigParam::Created(created))
        .and_then(|p| p.with(SigParam::Expires(created.saturating_add(MAX_WINDOW_SECS))))
        .and_then(|p| p.with(SigParam::Nonce(nonce.to_owned())))
        .and_then(|p| p.with(SigParam::KeyId(keyid.to_owned())))
        .and_then(|p| p.with(SigParam::Alg(ALG_ED25519.to_owned())))?;
    Ok(params)
}

/// Response parameters: `created`, `expires`, `keyid`, `alg` (the request's nonce is
/// covered through `signature;req`).
pub fn response_params(created: i64, keyid: &str) -> Result<SignatureParams, SignError> {
    SignatureParams::new()
        .with(SigParam::Created(created))
        .and_then(|p| p.with(SigParam::Expires(created.saturating_add(MAX_WINDOW_SECS))))
        .and_then(|p| p.with(SigParam::KeyId(keyid.to_owned())))
        .and_then(|p| p.with(SigParam::Alg(ALG_ED25519.to_owned())))
        .map_err(SignError::from)
}

/// Encodes 16+ random bytes as a nonce (base64url, no padding: a valid sf-string).
#[must_use]
pub fn nonce_from_bytes(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The policy a provider applies to a request with this method.
#[must_use]
pub fn request_policy(method: &str) -> VerifyPolicy {
    VerifyPolicy {
        required_components: request_components(is_write(method)),
        required_params: vec!["created", "expires", "nonce", "keyid", "alg"],
        max_window_secs: MAX_WINDOW_SECS,
        max_skew_secs: MAX_SKEW_SECS,
        tag: None,
    }
}

/// The policy a client applies to a provider's response.
#[must_use]
pub fn response_policy() -> VerifyPolicy {
    VerifyPolicy {
        required_components: response_components(REQUEST_LABEL),
        required_params: vec!["created", "expires", "keyid", "alg"],
        max_window_secs: MAX_WINDOW_SECS,
        max_skew_secs: MAX_SKEW_SECS,
        tag: None,
    }
}

/// Signs a Tipvault request in place: sets `Content-Digest` from the body, then adds
/// `Signature-Input`/`Signature`. Writes must already carry `Idempotency-Key`.
pub fn sign_request(
    key: &SigningKey,
    keyid: &str,
    request: &mut Request,
    created: i64,
    nonce: &str,
) -> Result<SignedHeaders, SignError> {
    request.remove_header("content-digest");
    request.push_header("content-digest", &content_digest(request.body()))?;
    let components = request_components(is_write(request.method()));
    let params = request_params(created, nonce, keyid)?;
    let signed = sign(
        key,
        MessageRef::Request(request),
        REQUEST_LABEL,
        &components,
        &params,
    )?;
    signed.apply_to_request(request)?;
    Ok(signed)
}

/// Signs a provider response in place, bound to `request` (which must carry the
/// client's `sig1` signature).
pub fn sign_response(
    key: &SigningKey,
    keyid: &str,
    response: &mut Response,
    request: &Request,
    created: i64,
) -> Result<SignedHeaders, SignError> {
    response.remove_header("content-digest");
    response.push_header("content-digest", &content_digest(response.body()))?;
    let signed = sign(
        key,
        MessageRef::Response {
            response,
            request: Some(request),
        },
        RESPONSE_LABEL,
        &response_components(REQUEST_LABEL),
        &response_params(created, keyid)?,
    )?;
    signed.apply_to_response(response)?;
    Ok(signed)
}

/// Provider side: verifies a Tipvault request (signature, policy, digest, nonce).
pub fn verify_request(
    request: &Request,
    keys: &dyn KeyResolver,
    nonces: &dyn NonceStore,
    now: i64,
) -> Result<Verified, VerifyError> {
    verify(
        MessageRef::Request(request),
        REQUEST_LABEL,
        &request_policy(request.method()),
        keys,
        Some(nonces),
        now,
    )
}

/// Client side: verifies that `response` is signed by the provider and answers
/// `request` (the request exactly as this client sent it, signature included).
pub fn verify_response(
    response: &Response,
    request: &Request,
    keys: &dyn KeyResolver,
    now: i64,
) -> Result<Verified, VerifyError> {
    verify(
        MessageRef::Response {
            response,
            request: Some(request),
        },
        RESPONSE_LABEL,
        &response_policy(),
        keys,
        None,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_require_idempotency_key() {
        assert!(is_write("POST"));
        assert!(!is_write("GET"));
        assert!(
            request_policy("POST")
                .required_components
                .contains(&component("idempotency-key"))
        );
        assert!(
            !request_policy("GET")
                .required_components
                .contains(&component("idempotency-key"))
        );
    }

    #[test]
    fn request_params_are_in_protocol_order() {
        let p = request_params(10, "n", "k").unwrap();
        let names: Vec<_> = p.iter().map(SigParam::name).collect();
        assert_eq!(names, ["created", "expires", "nonce", "keyid", "alg"]);
        assert_eq!(p.expires(), Some(310));
    }
}
