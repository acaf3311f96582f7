//! The evidence bundle: what a dispute hands to anyone, and its offline verification.
//!
//! The one decision to know: an evidence bundle is self-contained and verifies offline with
//! nothing but itself — the provider's public key, the exact request body, the provider's
//! signed receipt (which binds that body's digest, the device and the idempotency key), the
//! provider's dispute acknowledgement (as received; it is not separately signed in the bundle),
//! and a contiguous excerpt of the vault's audit chain, stored rows exactly as hashed, whose
//! hashes link. Changing any byte breaks a signature, a digest or a chain link, and [`verify`]
//! names which ([`BundleError`]).
//!
//! Pure: it reads bytes and answers, so the fuzz target `evidence_bundle` (tests/fuzz) runs it
//! without the app's network, key and platform stack. Making a bundle (the dispute itself) is
//! the app's use case (`tipvault_app::dispute`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tipvault_wire::protocol::{
    self, DisputeAck, DisputeReason, DisputeRequest, ProviderKey, ReceiptBody, RedemptionBinding,
    RedemptionRequest, Sha256Digest, SignedReceipt,
};

/// The bundle format marker.
pub const BUNDLE_FORMAT: &str = "tipvault-evidence-v1";

/// One audit entry in a bundle, with what its hash covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLink {
    pub seq: u64,
    pub at: i64,
    pub kind: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What the dispute's evidence digest covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub provider_id: String,
    pub provider_key: ProviderKey,
    pub device_id: String,
    pub idempotency_key: String,
    /// The exact request body sent (UTF-8 JSON).
    pub request_body: String,
    /// The signed request as sent (method, URI, headers, body), when this device held it.
    pub signed_request: Option<serde_json::Value>,
    pub receipt: SignedReceipt,
    pub audit: Vec<AuditLink>,
}

/// The file handed to anyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub evidence: Evidence,
    pub dispute: DisputeRequest,
    pub acknowledgement: Option<DisputeAck>,
    pub created_at: DateTime<Utc>,
}

/// Why a bundle does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("this is not a Tipvault evidence bundle: {0}")]
    Malformed(String),
    #[error("the provider key in the bundle is not usable: {0}")]
    BadKey(String),
    #[error("the receipt does not verify against the request: {0}")]
    Receipt(String),
    #[error("the audit excerpt is broken at entry {seq}")]
    AuditChain { seq: u64 },
    #[error("the dispute's evidence digest does not match the evidence")]
    EvidenceDigest,
    #[error("the acknowledgement is for another dispute")]
    Acknowledgement,
}

/// What a bundle proves, once verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The provider's signed receipt body (provider, key id, redemption, product, amounts).
    pub receipt: ReceiptBody,
    /// Why the user disputed.
    pub reason: DisputeReason,
    /// How many audit entries the excerpt holds.
    pub audit_entries: usize,
    /// Whether the provider's acknowledgement is in the bundle.
    pub acknowledged: bool,
}

/// The digest a dispute request carries: of the evidence, in the protocol's canonical JSON.
pub fn evidence_digest(e: &Evidence) -> Result<Sha256Digest, protocol::ProtocolError> {
    Ok(Sha256Digest::of(&protocol::to_bytes("evidence", e)?))
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Verifies a bundle's bytes offline.
pub fn verify(bytes: &[u8]) -> Result<Verified, BundleError> {
    let bundle: Bundle =
        serde_json::from_slice(bytes).map_err(|e| BundleError::Malformed(e.to_string()))?;
    if bundle.format != BUNDLE_FORMAT {
        return Err(BundleError::Malformed(format!(
            "format {:?}",
            bundle.format
        )));
    }
    let ev = &bundle.evidence;
    let key = ev
        .provider_key
        .verifying_key()
        .map_err(|e| BundleError::BadKey(e.to_string()))?;
    let request: RedemptionRequest = protocol::parse("redemption", ev.request_body.as_bytes())
        .map_err(|e| BundleError::Receipt(e.to_string()))?;
    let binding = RedemptionBinding {
        device_id: &ev.device_id,
        idempotency_key: &ev.idempotency_key,
        body: ev.request_body.as_bytes(),
        request: &request,
    };
    let body: ReceiptBody = ev
        .receipt
        .verify_for(&key, &binding)
        .map_err(|e| BundleError::Receipt(e.to_string()))?;
    if body.provider_key_id != ev.provider_key.key_id || body.provider_id != ev.provider_id {
        return Err(BundleError::Receipt("signed by another provider".into()));
    }
    if let Some(signed) = &ev.signed_request
        && signed.get("body").and_then(|b| b.as_str()) != Some(ev.request_body.as_str())
    {
        return Err(BundleError::Receipt(
            "the signed request carries another body".into(),
        ));
    }
    let mut prev: Option<[u8; 32]> = None;
    for link in &ev.audit {
        let (Some(p), Some(h)) = (hex32(&link.prev_hash), hex32(&link.hash)) else {
            return Err(BundleError::AuditChain { seq: link.seq });
        };
        let computed =
            tipvault_vault::audit::entry_hash(link.seq, link.at, &link.kind, &link.detail, &p);
        if computed != h || prev.is_some_and(|x| x != p) {
            return Err(BundleError::AuditChain { seq: link.seq });
        }
        prev = Some(h);
    }
    let digest = evidence_digest(ev).map_err(|e| BundleError::Malformed(e.to_string()))?;
    if bundle.dispute.evidence_digest != digest {
        return Err(BundleError::EvidenceDigest);
    }
    if let Some(ack) = &bundle.acknowledgement
        && (ack.redemption_id != body.redemption_id
            || ack.evidence_digest != bundle.dispute.evidence_digest
            || ack.reason != bundle.dispute.reason)
    {
        return Err(BundleError::Acknowledgement);
    }
    Ok(Verified {
        receipt: body,
        reason: bundle.dispute.reason,
        audit_entries: ev.audit.len(),
        acknowledged: bundle.acknowledgement.is_some(),
    })
}
