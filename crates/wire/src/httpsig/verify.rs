//! Verification (RFC 9421 §3.2) and the policy that decides what a valid signature is
//! allowed to mean (§3.2.1, §7.2).
//!
//! A pure function: the current time is an argument (UNIX seconds), keys come from a
//! [`KeyResolver`] looked up by `keyid`, and replays are checked through a caller's
//! [`NonceStore`]. Each failure is its own [`VerifyError`] variant so callers can map it
//! to a protocol error code without parsing messages.
//!
//! Decisions:
//! - The signature base is rebuilt from the covered components and parameters *in the
//!   order `Signature-Input` lists them* — never re-sorted (§2.3, §3.2 step 5).
//! - `alg` is never trusted to pick an algorithm: keys are Ed25519 only, and an `alg`
//!   other than `ed25519` is rejected (§7.3.6 "algorithm confusion").
//! - Order of checks: structure → policy (params, components, time window) → key →
//!   signature → `Content-Digest` against the body → nonce. The nonce is recorded last
//!   so only authenticated requests consume nonce-store space.
//! - Clock skew is allowed symmetrically: `created` may be up to `max_skew_secs` in the
//!   future, and a signature stays acceptable until `expires + max_skew_secs`.

use ed25519_dalek::{Signature, VerifyingKey};

use super::base::{BaseError, component_value, signature_base};
use super::component::ComponentId;
use super::header::{HeaderError, ParsedSignature, parse_signature};
use super::nonce::{NonceCheck, NonceStore};
use super::params::SignatureParams;
use super::sign::ALG_ED25519;
use crate::digest::{self, DigestAlgorithm, DigestError};
use crate::message::MessageRef;

/// Finds the public key for a `keyid`.
pub trait KeyResolver {
    /// The key, or `None` if this `keyid` is not known (or not allowed here).
    fn resolve(&self, keyid: &str) -> Option<VerifyingKey>;
}

impl<F> KeyResolver for F
where
    F: Fn(&str) -> Option<VerifyingKey>,
{
    fn resolve(&self, keyid: &str) -> Option<VerifyingKey> {
        self(keyid)
    }
}

/// What a signature must contain to be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Components that must be covered (compared by name, `req` and `key`).
    pub required_components: Vec<ComponentId>,
    /// Parameters that must be present, by name (`created`, `expires`, `nonce`, …).
    /// `keyid` is always required: it is how the key is found.
    pub required_params: Vec<&'static str>,
    /// Longest accepted `expires - created`, in seconds.
    pub max_window_secs: i64,
    /// Accepted clock difference between signer and verifier, in seconds.
    pub max_skew_secs: i64,
    /// If set, the `tag` parameter must equal this.
    pub tag: Option<String>,
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The message carries no signature with the expected label.
    #[error("the message is not signed (no signature labelled `{0}`)")]
    MissingSignature(String),
    /// The signature fields or a parameter are malformed.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// `alg` names an algorithm other than Ed25519.
    #[error("signature algorithm `{0}` is not accepted; only ed25519 is")]
    UnsupportedAlgorithm(String),
    /// A parameter the policy requires is absent.
    #[error("signature parameter `{0}` is required")]
    MissingParam(&'static str),
    /// A component the policy requires is not covered by the signature.
    #[error("the signature must cover {0}")]
    MissingComponent(String),
    /// A covered component is absent from the message (or does not apply to it).
    #[error("covered component {0} cannot be found in the message")]
    ComponentUnavailable(String),
    /// No key is known for this `keyid`.
    #[error("no key is known for keyid `{0}`")]
    UnknownKey(String),
    /// The signature does not verify with the key: the message was altered or forged.
    #[error("the signature does not match the message")]
    BadSignature,
    /// The body does not match its covered `Content-Digest`: the content was changed.
    #[error("the message body does not match its Content-Digest ({algorithm})")]
    DigestMismatch {
        /// The digest algorithm that did not match.
        algorithm: &'static str,
    },
    /// The covered `Content-Digest` is malformed or offers no supported algorithm.
    #[error("unusable Content-Digest: {0}")]
    Digest(DigestError),
    /// The signature has expired.
    #[error("the signature expired at {expires} (now {now}); send a fresh request")]
    Expired {
        /// `expires`.
        expires: i64,
        /// The verifier's time.
        now: i64,
    },
    /// `created` is later than now plus the allowed skew.
    #[error("the signature was created in the future ({created}, now {now}); check the clock")]
    CreatedInFuture {
        /// `created`.
        created: i64,
        /// The verifier's time.
        now: i64,
    },
    /// `expires - created` is longer than the policy allows, or negative.
    #[error("validity window of {window}s is not within 0..={max}s")]
    WindowTooLong {
        /// `expires - created`.
        window: i64,
        /// The policy maximum.
        max: i64,
    },
    /// The `tag` parameter is missing or not the expected application tag.
    #[error("signature tag does not match the expected application")]
    TagMismatch,
    /// The `(keyid, nonce)` pair was already used.
    #[error("replayed request: nonce already used")]
    Replay,
    /// The nonce store is full; the request is refused rather than risk a replay.
    #[error("nonce store is full; try again later")]
    NonceStoreFull,
    /// The policy requires a nonce but no nonce store was supplied.
    #[error("no nonce store configured for a policy that requires nonces")]
    NoNonceStore,
}

impl From<HeaderError> for VerifyError {
    fn from(e: HeaderError) -> Self {
        match e {
            HeaderError::MissingLabel(label) => VerifyError::MissingSignature(label),
            other => VerifyError::Malformed(other.to_string()),
        }
    }
}

impl From<DigestError> for VerifyError {
    fn from(e: DigestError) -> Self {
        match e {
            DigestError::Mismatch { algorithm } => VerifyError::DigestMismatch { algorithm },
            other => VerifyError::Digest(other),
        }
    }
}

impl From<BaseError> for VerifyError {
    fn from(e: BaseError) -> Self {
        match e {
            BaseError::MissingComponent(c) | BaseError::NotApplicable(c) => {
                VerifyError::ComponentUnavailable(c)
            }
            BaseError::DuplicateComponent(_) | BaseError::NotADictionary(_) => {
                VerifyError::Malformed(e.to_string())
            }
        }
    }
}

/// A signature that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The label it was found under.
    pub label: String,
    /// The `keyid` whose key verified it.
    pub keyid: String,
    /// The covered components, in the signer's order.
    pub components: Vec<ComponentId>,
    /// The parameters, in the signer's order.
    pub params: SignatureParams,
    /// The digest algorithm checked against this message's body, if `content-digest`
    /// was covered.
    pub digest: Option<DigestAlgorithm>,
}

/// Verifies the signature labelled `label` on `message` under `policy` at time `now`.
///
/// For a response, `message` carries the request it answers, so `req` components are
/// checked against *that* request: a response made for another request fails.
pub fn verify(
    message: MessageRef<'_>,
    label: &str,
    policy: &VerifyPolicy,
    keys: &dyn KeyResolver,
    nonces: Option<&dyn NonceStore>,
    now: i64,
) -> Result<Verified, VerifyError> {
    let input = message.header_values("signature-input");
    let sigs = message.header_values("signature");
    if input.is_empty() && sigs.is_empty() {
        return Err(VerifyError::MissingSignature(label.to_owned()));
    }
    let parsed = parse_signature(&input.join(", "), &sigs.join(", "), label)?;
    let keyid = check_policy(&parsed, policy, now)?;

    let key = keys
        .resolve(&keyid)
        .ok_or_else(|| VerifyError::UnknownKey(keyid.clone()))?;
    let base = signature_base(message, &parsed.components, &parsed.params)?;
    let signature =
        Signature::from_slice(&parsed.signature).map_err(|_| VerifyError::BadSignature)?;
    // verify_strict rejects small-order keys and non-canonical signatures.
    key.verify_strict(base.as_bytes(), &signature)
        .map_err(|_| VerifyError::BadSignature)?;

    let digest = check_digests(message, &parsed.components)?;

    if let Some(nonce) = parsed.params.nonce() {
        match nonces {
            Some(store) => {
                // Remember it as long as the signature could still be accepted.
                let keep_until = parsed
                    .params
                    .expires()
                    .map_or(now + policy.max_window_secs, |e| e)
                    .saturating_add(policy.max_skew_secs);
                match store.check_and_record(&keyid, nonce, keep_until, now) {
                    NonceCheck::Fresh => {}
                    NonceCheck::Replayed => return Err(VerifyError::Replay),
                    NonceCheck::Full => return Err(VerifyError::NonceStoreFull),
                }
            }
            None if policy.required_params.contains(&"nonce") => {
                return Err(VerifyError::NoNonceStore);
            }
            None => {}
        }
    }

    Ok(Verified {
        label: parsed.label,
        keyid,
        components: parsed.components,
        params: parsed.params,
        digest,
    })
}

/// The policy checks that need no key: parameters, components, time window.
fn check_policy(
    parsed: &ParsedSignature,
    policy: &VerifyPolicy,
    now: i64,
) -> Result<String, VerifyError> {
    let params = &parsed.params;
    if let Some(alg) = params.alg()
        && alg != ALG_ED25519
    {
        return Err(VerifyError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let keyid = params
        .keyid()
        .ok_or(VerifyError::MissingParam("keyid"))?
        .to_owned();
    for name in &policy.required_params {
        if !params.has(name) {
            return Err(VerifyError::MissingParam(name));
        }
    }
    for required in &policy.required_components {
        if !parsed.components.contains(required) {
            return Err(VerifyError::MissingComponent(required.serialize()));
        }
    }
    if let Some(tag) = &policy.tag
        && params.tag() != Some(tag.as_str())
    {
        return Err(VerifyError::TagMismatch);
    }
    if let Some(created) = params.created()
        && created > now.saturating_add(policy.max_skew_secs)
    {
        return Err(VerifyError::CreatedInFuture { created, now });
    }
    if let Some(expires) = params.expires() {
        if now > expires.saturating_add(policy.max_skew_secs) {
            return Err(VerifyError::Expired { expires, now });
        }
        if let Some(created) = params.created() {
            let window = expires - created;
            if !(0..=policy.max_window_secs).contains(&window) {
                return Err(VerifyError::WindowTooLong {
                    window,
                    max: policy.max_window_secs,
                });
            }
        }
    }
    Ok(keyid)
}

/// Checks every covered `content-digest` against the body it describes: this
/// message's, and for `content-digest;req` the request's.
fn check_digests(
    message: MessageRef<'_>,
    components: &[ComponentId],
) -> Result<Option<DigestAlgorithm>, VerifyError> {
    let mut own = None;
    for component in components {
        if component.name() != "content-digest" || component.key().is_some() {
            continue;
        }
        let value = component_value(message, component)?;
        if component.is_req() {
            if let MessageRef::Response {
                request: Some(request),
                ..
            } = message
            {
                digest::verify_content_digest(&value, request.body())?;
            }
        } else {
            own = Some(digest::verify_content_digest(&value, message.body())?);
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::params::SigParam;

    fn parsed(params: SignatureParams) -> ParsedSignature {
        ParsedSignature {
            label: "sig1".into(),
            components: vec![ComponentId::method()],
            params,
            signature: vec![],
        }
    }

    fn policy() -> VerifyPolicy {
        VerifyPolicy {
            required_components: vec![ComponentId::method()],
            required_params: vec!["created", "expires"],
            max_window_secs: 300,
            max_skew_secs: 30,
            tag: None,
        }
    }

    fn params(created: i64, expires: i64) -> SignatureParams {
        SignatureParams::new()
            .with(SigParam::Created(created))
            .unwrap()
            .with(SigParam::Expires(expires))
            .unwrap()
            .with(SigParam::KeyId("k".into()))
            .unwrap()
    }

    #[test]
    fn window_edges() {
        let p = policy();
        assert!(check_policy(&parsed(params(1000, 1300)), &p, 1000).is_ok());
        assert_eq!(
            check_policy(&parsed(params(1000, 1301)), &p, 1000),
            Err(VerifyError::WindowTooLong {
                window: 301,
                max: 300
            })
        );
        assert!(check_policy(&parsed(params(1030, 1100)), &p, 1000).is_ok());
        assert!(matches!(
            check_policy(&parsed(params(1031, 1100)), &p, 1000),
            Err(VerifyError::CreatedInFuture { .. })
        ));
        assert!(check_policy(&parsed(params(1000, 1100)), &p, 1130).is_ok());
        assert!(matches!(
            check_policy(&parsed(params(1000, 1100)), &p, 1131),
            Err(VerifyError::Expired { .. })
        ));
        assert!(matches!(
            check_policy(&parsed(params(1000, 999)), &p, 1000),
            Err(VerifyError::WindowTooLong { .. })
        ));
    }

    #[test]
    fn keyid_is_always_required() {
        let p = SignatureParams::new().with(SigParam::Created(1)).unwrap();
        let mut pol = policy();
        pol.required_params.clear();
        assert_eq!(
            check_policy(&parsed(p), &pol, 1),
            Err(VerifyError::MissingParam("keyid"))
        );
    }

    #[test]
    fn tag_is_checked_when_required() {
        let mut pol = policy();
        pol.tag = Some("tipvault".into());
        assert_eq!(
            check_policy(&parsed(params(1, 2)), &pol, 1),
            Err(VerifyError::TagMismatch)
        );
    }
}
