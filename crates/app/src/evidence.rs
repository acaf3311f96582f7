//! Disputes, evidence bundles, receipt checks and the privacy ledger.
//!
//! The bundle's format and its offline verification are `tipvault-evidence` (pure, and
//! fuzzed on its own); this module makes a bundle from the vault when the user disputes, and
//! turns a verified one into the view both front ends show.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
pub use tipvault_evidence::BundleError;
use tipvault_evidence::{AuditLink, BUNDLE_FORMAT, Bundle, Evidence, evidence_digest};
use tipvault_vault::AuditEvent;
use tipvault_wire::httpsig::VerifyingKey;
use tipvault_wire::protocol::{
    self, DisputeReason, DisputeRequest, ProviderKey, ReceiptBody, RedemptionBinding,
    RedemptionRequest, SignedReceipt, V1,
};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::network::Network;
use crate::providers::{client_for, stored_provider};
use crate::session::Session;

/// A verified bundle, summarised.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BundleView {
    pub provider: String,
    pub provider_key_id: String,
    pub redemption_id: String,
    pub product: String,
    pub amount: String,
    pub fee: String,
    pub currency: String,
    pub receipt_issued_at: DateTime<Utc>,
    pub reason: String,
    pub audit_entries: u32,
    pub acknowledged: bool,
}

/// A verified stored receipt.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReceiptView {
    pub redemption: String,
    pub leg: u32,
    pub provider: String,
    pub provider_redemption_id: String,
    pub product: String,
    pub amount: String,
    pub fee: String,
    pub currency: String,
    pub issued_at: DateTime<Utc>,
    /// Signature valid under the pinned key and bound to the stored request.
    pub verified: bool,
    pub problem: Option<String>,
}

/// One privacy-ledger line.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PrivacyEntryView {
    pub provider: String,
    pub redemption: Option<String>,
    pub purpose: String,
    pub fields: Vec<(String, String)>,
    pub sent_at: DateTime<Utc>,
}

fn not_verified(e: &BundleError) -> AppError {
    AppError::new(ErrorCode::NotVerified, crate::error::sentence(e))
}

/// Verifies a bundle's bytes offline.
pub fn verify_bundle(bytes: &[u8]) -> Result<BundleView, BundleError> {
    let verified = tipvault_evidence::verify(bytes)?;
    let body = verified.receipt;
    Ok(BundleView {
        provider: body.provider_id,
        provider_key_id: body.provider_key_id,
        redemption_id: body.redemption_id,
        product: body.product,
        amount: body.amount.as_str().to_owned(),
        fee: body.fee.as_str().to_owned(),
        currency: body.currency.code().to_owned(),
        receipt_issued_at: body.issued_at,
        reason: serde_json::to_value(verified.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        audit_entries: u32::try_from(verified.audit_entries).unwrap_or(u32::MAX),
        acknowledged: verified.acknowledged,
    })
}

/// Reads and verifies a bundle file.
pub fn verify_bundle_file(path: &Path) -> Result<BundleView, AppError> {
    let bytes = std::fs::read(path).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot read {}: {e}.", path.display()),
        )
    })?;
    verify_bundle(&bytes).map_err(|e| not_verified(&e))
}

/// `not_received`, `wrong_amount`, `wrong_destination`, `duplicate`, `other`.
pub fn parse_reason(text: &str) -> Result<DisputeReason, AppError> {
    serde_json::from_value(json!(text.trim().replace('-', "_"))).map_err(|_| {
        AppError::invalid(format!(
            "{text:?} is not a dispute reason: use not_received, wrong_amount, \
             wrong_destination, duplicate or other."
        ))
    })
}

/// Finds the confirmed leg an id names: a provider redemption id (`rd_…`), or a local
/// redemption (`rx_…`) with exactly one confirmed leg.
fn find_receipt(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<tipvault_vault::StoredReceipt, AppError> {
    let vault = session.vault_at(now);
    if let Some(r) = vault.receipt(id, now)? {
        return Ok(r);
    }
    let mut all = vault.receipts_of(id, now)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => Err(AppError::invalid(format!(
            "There is no confirmed redemption {id:?}."
        ))),
        _ => Err(AppError::invalid(format!(
            "{id} has several confirmed legs; name one: {}.",
            all.iter()
                .map(|r| r.provider_redemption_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Sends a signed dispute for a confirmed redemption leg and writes the evidence bundle to
/// `out`. The bundle is written even when the provider cannot be reached (unacknowledged).
pub fn dispute(
    session: &mut Session,
    net: &Network,
    id: &str,
    reason: DisputeReason,
    out: &Path,
    now: DateTime<Utc>,
) -> Result<BundleView, AppError> {
    let stored = find_receipt(session, id, now)?;
    let provider = stored_provider(session, &stored.provider_id, now)?;
    let r = session
        .vault_at(now)
        .redemption(&stored.redemption_id, now)?
        .ok_or_else(|| {
            AppError::invalid(format!("There is no redemption {}.", stored.redemption_id))
        })?;
    let leg = r
        .legs
        .iter()
        .find(|l| l.seq == stored.seq)
        .ok_or_else(|| AppError::invalid("The receipt's leg is gone."))?;
    let receipt: SignedReceipt = serde_json::from_str(&stored.document).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored receipt does not parse: {e}."),
        )
    })?;
    let key = VerifyingKey::from_bytes(&provider.public_key)
        .map_err(|_| AppError::new(ErrorCode::VaultDamaged, "The pinned key is unusable."))?;
    let audit = audit_excerpt(session, &stored.redemption_id, now)?;
    let evidence = Evidence {
        provider_id: provider.id.clone(),
        provider_key: ProviderKey::new(&provider.key_id, &key),
        device_id: provider.device_id.clone().unwrap_or_default(),
        idempotency_key: leg.idempotency_key.clone(),
        request_body: String::from_utf8_lossy(&leg.body).into_owned(),
        signed_request: stored
            .request
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        receipt,
        audit,
    };
    let request = DisputeRequest {
        v: V1,
        reason,
        evidence_digest: evidence_digest(&evidence)?,
    };
    let client = client_for(session, net, &provider, now)?;
    let dispute_key = tipvault_wire::client::new_idempotency_key()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    session.vault_at(now).privacy_append(
        &tipvault_vault::PrivacyRecord {
            provider_id: provider.id.clone(),
            redemption_id: Some(stored.redemption_id.clone()),
            purpose: "dispute".into(),
            fields: json!({"reason": reason, "evidence_digest": request.evidence_digest})
                .to_string(),
            sent_at: now,
        },
        now,
    )?;
    let sent = net.block_on(client.dispute(&stored.provider_redemption_id, &dispute_key, &request));
    let (acknowledgement, problem) = match sent {
        Ok(ack) => (Some(ack), None),
        Err(e) => (None, Some(AppError::from(e))),
    };
    let bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        evidence,
        dispute: request,
        acknowledgement,
        created_at: now,
    };
    let bytes = serde_json::to_vec_pretty(&bundle)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    // Owner-only: the bundle is plaintext outside the vault (receipts, amounts, the reason).
    write_private(out, &bytes).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot write {}: {e}.", out.display()),
        )
    })?;
    let detail = json!({"redemption": stored.redemption_id,
                        "provider_redemption_id": stored.provider_redemption_id,
                        "reason": reason, "acknowledged": bundle.acknowledgement.is_some()});
    // The risk engine counts disputes from the fixed `risk_state` class (no retention change
    // can erase one and lift the tier); the audit chain records it as well.
    let vault = session.vault_at(now);
    vault.risk_event_append("redemption.disputed", &detail, now)?;
    vault.audit_append(&AuditEvent::new("redemption.disputed", detail)?, now)?;
    if let Some(p) = problem {
        return Err(AppError::new(
            p.code,
            format!(
                "{} The evidence bundle was written to {} anyway.",
                p.message,
                out.display()
            ),
        ));
    }
    verify_bundle(&bytes).map_err(|e| not_verified(&e))
}

/// The contiguous stored audit range from the first to the last entry naming the redemption,
/// exactly as hashed (so it verifies wherever the stored chain now starts).
fn audit_excerpt(
    session: &mut Session,
    redemption_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<AuditLink>, AppError> {
    let links = session
        .vault_at(now)
        .audit_excerpt_naming("redemption", redemption_id)?;
    Ok(links
        .into_iter()
        .map(|l| AuditLink {
            seq: l.seq,
            at: l.at,
            kind: l.kind,
            detail: l.detail,
            prev_hash: hex::encode(l.prev_hash),
            hash: hex::encode(l.hash),
        })
        .collect())
}

/// Verifies every stored receipt of a redemption (or the one named by a provider id) against
/// the pinned key and the stored request.
pub fn receipt_verify(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ReceiptView>, AppError> {
    let vault = session.vault_at(now);
    let receipts = match vault.receipt(id, now)? {
        Some(r) => vec![r],
        None => vault.receipts_of(id, now)?,
    };
    if receipts.is_empty() {
        return Err(AppError::invalid(format!(
            "There is no receipt for {id:?}."
        )));
    }
    let mut out = Vec::new();
    for stored in receipts {
        let provider = stored_provider(session, &stored.provider_id, now)?;
        let leg = session
            .vault_at(now)
            .redemption(&stored.redemption_id, now)?
            .and_then(|r| r.legs.into_iter().find(|l| l.seq == stored.seq));
        let result = (|| -> Result<ReceiptBody, String> {
            let key = VerifyingKey::from_bytes(&provider.public_key).map_err(|e| e.to_string())?;
            let receipt: SignedReceipt =
                serde_json::from_str(&stored.document).map_err(|e| e.to_string())?;
            let leg = leg.ok_or("the leg is gone")?;
            let request: RedemptionRequest =
                protocol::parse("redemption", &leg.body).map_err(|e| e.to_string())?;
            let binding = RedemptionBinding {
                device_id: provider.device_id.as_deref().unwrap_or_default(),
                idempotency_key: &leg.idempotency_key,
                body: &leg.body,
                request: &request,
            };
            receipt
                .verify_for(&key, &binding)
                .map_err(|e| e.to_string())
        })();
        out.push(match result {
            Ok(b) => ReceiptView {
                redemption: stored.redemption_id.clone(),
                leg: stored.seq,
                provider: b.provider_id,
                provider_redemption_id: b.redemption_id,
                product: b.product,
                amount: b.amount.as_str().to_owned(),
                fee: b.fee.as_str().to_owned(),
                currency: b.currency.code().to_owned(),
                issued_at: b.issued_at,
                verified: true,
                problem: None,
            },
            Err(why) => ReceiptView {
                redemption: stored.redemption_id.clone(),
                leg: stored.seq,
                provider: stored.provider_id.clone(),
                provider_redemption_id: stored.provider_redemption_id.clone(),
                product: String::new(),
                amount: String::new(),
                fee: String::new(),
                currency: String::new(),
                issued_at: stored.stored_at,
                verified: false,
                problem: Some(why),
            },
        });
    }
    Ok(out)
}

/// The privacy ledger, newest first.
pub fn privacy_ledger(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<PrivacyEntryView>, AppError> {
    let records = session.vault_at(now).privacy_log(now, 10_000)?;
    records
        .into_iter()
        .map(|r| {
            // What left the computer is never shown as nothing because its record no longer
            // reads: the ledger says it is damaged instead.
            let fields: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&r.fields).map_err(|_| {
                    AppError::new(
                        ErrorCode::VaultDamaged,
                        format!("A privacy record of {} is unreadable.", r.provider_id),
                    )
                })?;
            Ok(PrivacyEntryView {
                provider: r.provider_id,
                redemption: r.redemption_id,
                purpose: r.purpose,
                fields: fields.into_iter().collect(),
                sent_at: r.sent_at,
            })
        })
        .collect()
}

/// Writes `bytes` to `path`, creating it readable by the user only (0600 on Unix; an existing
/// file is tightened too).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = tipvault_vault::files::private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    tipvault_vault::files::restrict_file(&file)?;
    file.write_all(bytes)?;
    file.sync_all()
}
