//! Booking: a confirmed leg's verified receipt becomes the ledger entries of the provider
//! account it drew on, with the provider's redemption id as the de-duplication key.

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_ledger::entry::NewEntry;
use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source};
use tipvault_money::Money;
use tipvault_vault::{AuditEvent, OutboxBatch, StoredLeg, StoredProvider, StoredReceipt};
use tipvault_wire::protocol::{self, ReceiptBody};

use crate::accounts::{PROVIDER_PLATFORM, provider_source_id};
use crate::error::{AppError, ErrorCode};

/// Books the leg in the provider's ledger source (idempotent: the provider's redemption id is
/// the de-duplication key), stores the receipt and marks the leg confirmed, in the batch.
pub(crate) fn record_confirmed(
    batch: &mut OutboxBatch<'_>,
    leg: &StoredLeg,
    (source, entries): &(Source, Vec<Entry>),
    body: &ReceiptBody,
    receipt: &protocol::SignedReceipt,
    request: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    batch.book(source, entries)?;
    batch.confirm(&StoredReceipt {
        provider_redemption_id: body.redemption_id.clone(),
        redemption_id: leg.redemption_id.clone(),
        seq: leg.seq,
        provider_id: leg.provider_id.clone(),
        // Were it ever unwritable, the leg stays unconfirmed (and is reconciled) rather than
        // confirmed with an empty receipt.
        document: protocol::to_text("receipt", receipt)?,
        request,
        stored_at: now,
    })?;
    batch.audit_append(&AuditEvent::new(
        "redemption.leg_confirmed",
        json!({"redemption": leg.redemption_id, "leg": leg.seq,
               "provider_redemption_id": body.redemption_id,
               "amount": body.amount.as_str(), "fee": body.fee.as_str(),
               "currency": body.currency.code(),
               "receipt_digest": protocol::Sha256Digest::of(&protocol::to_bytes("receipt", receipt)?)}),
    )?)?;
    // A receipt is the provider's word on what it charged; a fee other than the one the plan
    // was approved with (from the provider's own signed catalog) is booked as charged, and
    // said: the redemption's page shows it, and the receipt is the evidence for a dispute.
    let charged = body
        .fee
        .money(body.currency)
        .ok()
        .and_then(|m| m.to_minor().ok());
    if let Some(charged) = charged
        && charged != leg.fee_minor
    {
        let money = |minor| Money::from_minor(minor, body.currency).amount().to_string();
        batch.audit_append(&AuditEvent::new(
            "redemption.fee_differs",
            json!({"redemption": leg.redemption_id, "leg": leg.seq,
                   "planned_fee": money(leg.fee_minor), "charged_fee": money(charged),
                   "currency": body.currency.code()}),
        )?)?;
    }
    Ok(())
}

/// The provider's ledger source and the entries a confirmed receipt books in it.
pub(crate) fn booking(
    provider: &StoredProvider,
    body: &ReceiptBody,
) -> Result<(Source, Vec<Entry>), AppError> {
    let source_id = provider_source_id(&provider.id);
    let label = if provider.sandbox {
        format!("{} (sandbox)", provider.id)
    } else {
        provider.id.clone()
    };
    let source = Source {
        id: source_id.clone(),
        label,
        platform: Platform::Generic(PROVIDER_PLATFORM.into()),
        currency: body.currency,
        payout: None,
    };
    let bad = |e: &dyn std::fmt::Display| {
        AppError::new(
            ErrorCode::Provider,
            format!("The receipt's amounts are unusable: {e}."),
        )
    };
    let amount = body.amount.money(body.currency).map_err(|e| bad(&e))?;
    let fee = body.fee.money(body.currency).map_err(|e| bad(&e))?;
    let key = |suffix: &str| EntryKey::TransactionId {
        platform: PROVIDER_PLATFORM.into(),
        source: source_id.clone(),
        id: format!("{}{suffix}", body.redemption_id),
    };
    let entry = |kind, m: Money, k| {
        let out = m.negated();
        Entry::new(NewEntry {
            source: source_id.clone(),
            kind,
            occurred_at: body.issued_at,
            gross: out,
            fee: Money::zero(body.currency),
            net: out,
            key: k,
            payer: None,
            message: None,
        })
        .map_err(|e| bad(&e))
    };
    let mut entries = vec![entry(EntryKind::Redemption, amount, key(""))?];
    if fee.is_positive() {
        entries.push(entry(EntryKind::Fee, fee, key(":fee"))?);
    }
    Ok((source, entries))
}
