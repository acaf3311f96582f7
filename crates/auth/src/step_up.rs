//! Step-up bound to content: what the user approves with their authenticator is exactly what is
//! sent.
//!
//! The decision to know: the assertion's challenge is not random. It is
//! `SHA-256("tipvault/step-up/challenge/v1\0" ‖ plan digest ‖ nonce)`, where the plan digest is
//! SHA-256 over a domain-separated canonical binary encoding of the redemption plan (provider,
//! catalog version, every leg's product, amounts and destination) and the nonce is 16 fresh
//! random bytes per ceremony. The digest makes the signature cover the plan; the nonce makes an
//! old assertion for the same plan useless in a new ceremony, even from a key whose signature
//! counter stays at zero. A [`StepUpApproval`] records the digest it was given for, and
//! [`StepUpApproval::check`] refuses any plan whose digest differs, by as little as one unit.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::authenticator::CredentialId;

const PLAN_DOMAIN: &[u8] = b"tipvault/step-up/plan/v1\0";
/// A plan whose legs go to several providers: every leg also encodes its provider. A separate
/// tag (rather than an optional field) keeps each encoding unambiguous, and every
/// single-provider plan's digest what it always was.
const PLAN_ACROSS_DOMAIN: &[u8] = b"tipvault/step-up/plan-across/v1\0";
const CHALLENGE_DOMAIN: &[u8] = b"tipvault/step-up/challenge/v1\0";

/// An amount in integer minor units of an ISO 4217 currency (e.g. KRW 1300 = `1300`,
/// USD 12.34 = `1234`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PlanAmount {
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// Integer minor units.
    pub minor_units: i64,
}

impl PlanAmount {
    /// An amount.
    pub fn new(currency: &str, minor_units: i64) -> Self {
        Self {
            currency: currency.to_owned(),
            minor_units,
        }
    }
}

/// One request to the provider, as the user sees it in the step-up dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLeg {
    /// The provider's product id.
    pub product_id: String,
    /// What the destination receives.
    pub net: PlanAmount,
    /// The provider's fee.
    pub fee: PlanAmount,
    /// `net + fee`, in the product's currency.
    pub gross: PlanAmount,
    /// What leaves the user's balance (differs from `gross` across currencies).
    pub debit: PlanAmount,
    /// Destination fields sent with the request (name, value), e.g. `("phone", "+82…")`.
    pub destination: Vec<(String, String)>,
    /// The provider this leg is sent to, when it is not the plan's own (a plan across
    /// providers); `None`: the plan's provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
}

/// The redemption plan a step-up approves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepUpPlan {
    /// The provider every leg is sent to, unless the leg names its own.
    pub provider_id: String,
    /// The catalog version the plan was computed from.
    pub catalog_version: u64,
    /// The requests, in sending order.
    pub legs: Vec<PlanLeg>,
}

/// Why a plan cannot be approved.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// The plan has no legs.
    #[error("the plan has nothing to approve")]
    Empty,
    /// A provider or product id is empty.
    #[error("the plan names an empty provider or product")]
    MissingName,
    /// A currency is not three upper-case letters.
    #[error("the plan has an invalid currency code {0:?}")]
    Currency(String),
    /// A leg names the same destination field twice.
    #[error("a leg names the destination field {0:?} twice")]
    DuplicateDestinationField(String),
}

/// SHA-256 of a plan's canonical encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanDigest([u8; 32]);

impl PlanDigest {
    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Hex form, for the audit log.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for PlanDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlanDigest({})", self.to_hex())
    }
}

impl StepUpPlan {
    /// The canonical encoding: the domain tag, then every field in a fixed order; strings as
    /// u32 big-endian length ‖ UTF-8, integers big-endian, lists as u32 count ‖ items, and each
    /// leg's destination fields sorted by name. Two plans encode equally exactly when they
    /// send the same requests.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, PlanError> {
        if self.legs.is_empty() {
            return Err(PlanError::Empty);
        }
        if self.provider_id.is_empty() {
            return Err(PlanError::MissingName);
        }
        let across = self.legs.iter().any(|leg| leg.provider_id.is_some());
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(if across {
            PLAN_ACROSS_DOMAIN
        } else {
            PLAN_DOMAIN
        });
        put_str(&mut out, &self.provider_id);
        out.extend_from_slice(&self.catalog_version.to_be_bytes());
        put_len(&mut out, self.legs.len());
        for leg in &self.legs {
            if leg.product_id.is_empty() {
                return Err(PlanError::MissingName);
            }
            if across {
                let provider = leg.provider_id.as_deref().unwrap_or(&self.provider_id);
                if provider.is_empty() {
                    return Err(PlanError::MissingName);
                }
                put_str(&mut out, provider);
            }
            put_str(&mut out, &leg.product_id);
            for amount in [&leg.net, &leg.fee, &leg.gross, &leg.debit] {
                let code = &amount.currency;
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(PlanError::Currency(code.clone()));
                }
                put_str(&mut out, code);
                out.extend_from_slice(&amount.minor_units.to_be_bytes());
            }
            let mut fields: Vec<&(String, String)> = leg.destination.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some(pair) = fields.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(PlanError::DuplicateDestinationField(pair[0].0.clone()));
            }
            put_len(&mut out, fields.len());
            for (name, value) in fields {
                put_str(&mut out, name);
                put_str(&mut out, value);
            }
        }
        Ok(out)
    }

    /// SHA-256 over [`canonical_bytes`](Self::canonical_bytes).
    pub fn digest(&self) -> Result<PlanDigest, PlanError> {
        Ok(PlanDigest(Sha256::digest(self.canonical_bytes()?).into()))
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // Plans are built in memory from a catalog; no field approaches 4 GiB. Saturating keeps the
    // encoding total without a panic path.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

/// Random bytes that make each step-up ceremony's challenge unique.
pub const NONCE_LEN: usize = 16;

/// The challenge an authenticator signs for a step-up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Challenge([u8; 32]);

impl Challenge {
    /// `SHA-256(domain ‖ plan digest ‖ nonce)`.
    pub fn for_plan(digest: &PlanDigest, nonce: &[u8; NONCE_LEN]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(CHALLENGE_DOMAIN);
        hasher.update(digest.as_bytes());
        hasher.update(nonce);
        Self(hasher.finalize().into())
    }

    /// The raw challenge.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Challenge({})", hex::encode(self.0))
    }
}

/// Proof that the user verified with an authenticator for one exact plan. Only the relying
/// party creates it, after the assertion verified; it cannot be deserialised.
#[derive(Debug, Clone)]
pub struct StepUpApproval {
    pub(crate) digest: PlanDigest,
    pub(crate) credential_id: CredentialId,
    pub(crate) approved_at: i64,
}

/// Why a plan may not be sent under an approval.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StepUpError {
    /// The plan differs from the approved one.
    #[error(
        "this plan is not the one you approved (it changed after approval); nothing was sent. \
         Review it and approve it again"
    )]
    PlanChanged {
        /// Digest of the approved plan, hex.
        approved: String,
        /// Digest of the plan presented now, hex.
        presented: String,
    },
    /// The plan presented now cannot be encoded.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl StepUpApproval {
    /// Refuses unless `plan` is exactly the approved plan.
    pub fn check(&self, plan: &StepUpPlan) -> Result<(), StepUpError> {
        let presented = plan.digest()?;
        if presented != self.digest {
            return Err(StepUpError::PlanChanged {
                approved: self.digest.to_hex(),
                presented: presented.to_hex(),
            });
        }
        Ok(())
    }

    /// The approved plan's digest.
    pub fn digest(&self) -> &PlanDigest {
        &self.digest
    }

    /// The credential that approved it.
    pub fn credential_id(&self) -> &CredentialId {
        &self.credential_id
    }

    /// When, UNIX seconds (the caller's clock at verification).
    pub fn approved_at(&self) -> i64 {
        self.approved_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> StepUpPlan {
        StepUpPlan {
            provider_id: "demo".into(),
            catalog_version: 3,
            legs: vec![PlanLeg {
                product_id: "topup".into(),
                net: PlanAmount::new("KRW", 1000),
                fee: PlanAmount::new("KRW", 0),
                gross: PlanAmount::new("KRW", 1000),
                debit: PlanAmount::new("KRW", 1000),
                destination: vec![
                    ("phone".into(), "+821012345678".into()),
                    ("carrier".into(), "skt".into()),
                ],
                provider_id: None,
            }],
        }
    }

    #[test]
    fn destination_order_does_not_change_the_digest() {
        let mut reordered = plan();
        reordered.legs[0].destination.reverse();
        assert_eq!(plan().digest().unwrap(), reordered.digest().unwrap());
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        // "ab"+"c" and "a"+"bc" must not encode alike.
        let mut a = plan();
        a.legs[0].destination = vec![("ab".into(), "c".into())];
        let mut b = plan();
        b.legs[0].destination = vec![("a".into(), "bc".into())];
        assert_ne!(a.digest().unwrap(), b.digest().unwrap());
    }

    #[test]
    fn a_single_provider_plan_encodes_as_it_always_did() {
        // Pinned: a digest recorded before plans across providers existed still matches.
        let mut bytes = PLAN_DOMAIN.to_vec();
        put_str(&mut bytes, "demo");
        bytes.extend_from_slice(&3u64.to_be_bytes());
        put_len(&mut bytes, 1);
        put_str(&mut bytes, "topup");
        for (code, minor) in [("KRW", 1000i64), ("KRW", 0), ("KRW", 1000), ("KRW", 1000)] {
            put_str(&mut bytes, code);
            bytes.extend_from_slice(&minor.to_be_bytes());
        }
        put_len(&mut bytes, 2);
        for (k, v) in [("carrier", "skt"), ("phone", "+821012345678")] {
            put_str(&mut bytes, k);
            put_str(&mut bytes, v);
        }
        assert_eq!(plan().canonical_bytes().unwrap(), bytes);
    }

    #[test]
    fn each_legs_provider_is_bound_in_a_plan_across_providers() {
        let mut across = plan();
        across.legs.push(PlanLeg {
            provider_id: Some("telco".into()),
            ..across.legs[0].clone()
        });
        let digest = across.digest().unwrap();
        // The same requests with the second leg sent to another provider: another plan.
        let mut elsewhere = across.clone();
        elsewhere.legs[1].provider_id = Some("edu".into());
        assert_ne!(digest, elsewhere.digest().unwrap());
        // Naming the plan's own provider explicitly is the same plan as leaving it implicit.
        let mut explicit = across.clone();
        explicit.legs[0].provider_id = Some("demo".into());
        assert_eq!(digest, explicit.digest().unwrap());
        // Not the encoding of the single-provider plan that sends the same requests.
        let mut single = across.clone();
        single.legs[1].provider_id = None;
        assert_ne!(digest, single.digest().unwrap());
        let mut empty = across;
        empty.legs[1].provider_id = Some(String::new());
        assert_eq!(empty.digest(), Err(PlanError::MissingName));
    }

    #[test]
    fn malformed_plans_are_refused() {
        let mut empty = plan();
        empty.legs.clear();
        assert_eq!(empty.digest(), Err(PlanError::Empty));
        let mut currency = plan();
        currency.legs[0].fee.currency = "krw".into();
        assert_eq!(currency.digest(), Err(PlanError::Currency("krw".into())));
        let mut duplicate = plan();
        duplicate.legs[0]
            .destination
            .push(("phone".into(), "+1".into()));
        assert_eq!(
            duplicate.digest(),
            Err(PlanError::DuplicateDestinationField("phone".into()))
        );
    }

    #[test]
    fn the_nonce_changes_the_challenge() {
        let digest = plan().digest().unwrap();
        assert_ne!(
            Challenge::for_plan(&digest, &[0; NONCE_LEN]),
            Challenge::for_plan(&digest, &[1; NONCE_LEN])
        );
    }
}
