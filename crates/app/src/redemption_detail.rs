//! A redemption's own page: what happened to it and when (from the audit chain), each
//! receipt verified again here under the pinned key, the disputes sent about it and whether
//! the provider acknowledged them, and every field that left this computer for it.
//!
//! Nothing here is stored anew: the timeline is read from the audit entries that name the
//! redemption, so it is exactly what the evidence bundle of a dispute would carry.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::error::AppError;
use crate::evidence::{PrivacyEntryView, ReceiptView, privacy_ledger, receipt_verify};
use crate::redemption::lookup::{RedemptionView, redemption};
use crate::session::Session;

/// One step of a redemption's life, as the audit chain recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The preview became a plan of signed requests.
    Planned,
    /// The risk check judged the plan.
    Judged,
    /// The user approved the exact plan with a security key.
    Verified,
    /// The approved plan was queued for sending.
    Approved,
    /// The provider's catalog changed since the preview; the plan was stopped.
    PlanChanged,
    /// A request was queued (again).
    LegQueued,
    /// A request left for the provider.
    LegSent,
    /// The provider confirmed a request with a signed receipt.
    LegConfirmed,
    /// The provider charged another fee than the plan was approved with (its receipt says
    /// how much; the receipt is the evidence for a dispute).
    FeeDiffers,
    /// The provider refused a request (nothing was paid).
    LegRefused,
    /// A request failed for good.
    LegFailed,
    /// Whether the provider applied a request is not known yet (reconciled later).
    LegUnknown,
    /// The risk check refused the redemption.
    Refused,
    /// The user cancelled the redemption.
    Cancelled,
    /// The user disputed a confirmed request.
    Disputed,
}

impl Step {
    fn of(kind: &str) -> Option<Step> {
        Some(match kind {
            "redemption.planned" => Step::Planned,
            "risk.decided" => Step::Judged,
            "risk.verified" => Step::Verified,
            "redemption.approved" => Step::Approved,
            "redemption.plan_mismatch" | "risk.plan_changed" => Step::PlanChanged,
            "redemption.leg_queued" => Step::LegQueued,
            "redemption.leg_sent" => Step::LegSent,
            "redemption.leg_confirmed" => Step::LegConfirmed,
            "redemption.fee_differs" => Step::FeeDiffers,
            "redemption.leg_refused" => Step::LegRefused,
            "redemption.leg_failed" => Step::LegFailed,
            "redemption.leg_unknown" => Step::LegUnknown,
            "redemption.refused" => Step::Refused,
            "redemption.cancelled" => Step::Cancelled,
            "redemption.disputed" => Step::Disputed,
            _ => return None,
        })
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TimelineView {
    pub at: DateTime<Utc>,
    pub step: Step,
    /// The request (leg) it concerns, when it concerns one.
    pub leg: Option<u32>,
}

/// A dispute sent about one confirmed request.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DisputeView {
    pub at: DateTime<Utc>,
    pub provider_redemption_id: String,
    pub reason: tipvault_wire::protocol::DisputeReason,
    /// The provider answered the dispute with a signed acknowledgement.
    pub acknowledged: bool,
}

/// Everything the redemption's page shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RedemptionDetailView {
    pub redemption: RedemptionView,
    /// Oldest first.
    pub timeline: Vec<TimelineView>,
    /// Each stored receipt, verified again now.
    pub receipts: Vec<ReceiptView>,
    pub disputes: Vec<DisputeView>,
    /// What left this computer for it (requests and disputes), oldest first.
    pub sent: Vec<PrivacyEntryView>,
}

/// The page of redemption `id`.
pub fn redemption_detail(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RedemptionDetailView, AppError> {
    let view = redemption(session, id, now)?;
    let mut timeline = Vec::new();
    let mut disputes = Vec::new();
    for link in session
        .vault_at(now)
        .audit_excerpt_naming("redemption", &view.id)?
    {
        // The excerpt is the contiguous stretch of the chain; keep this redemption's entries.
        let Ok(detail) = serde_json::from_str::<serde_json::Value>(&link.detail) else {
            continue;
        };
        if detail.get("redemption").and_then(|v| v.as_str()) != Some(view.id.as_str()) {
            continue;
        }
        let Some(step) = Step::of(&link.kind) else {
            continue;
        };
        let Some(at) = DateTime::from_timestamp(link.at, 0) else {
            continue;
        };
        let leg = detail
            .get("leg")
            .and_then(|v| v.as_u64())
            .and_then(|n| u32::try_from(n).ok());
        if step == Step::Disputed {
            let reason = detail
                .get("reason")
                .cloned()
                .and_then(|r| serde_json::from_value(r).ok());
            if let (Some(reason), Some(pid)) = (
                reason,
                detail
                    .get("provider_redemption_id")
                    .and_then(|v| v.as_str()),
            ) {
                disputes.push(DisputeView {
                    at,
                    provider_redemption_id: pid.to_owned(),
                    reason,
                    acknowledged: detail
                        .get("acknowledged")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                });
            }
        }
        timeline.push(TimelineView { at, step, leg });
    }
    // No receipt stored yet (nothing confirmed): an empty list. Any other failure (a provider
    // record gone, say) is an error, never "no receipt" on an evidence page.
    let stored = session.vault_at(now).receipts_of(&view.id, now)?;
    let receipts = if stored.is_empty() {
        Vec::new()
    } else {
        receipt_verify(session, &view.id, now)?
    };
    let mut sent: Vec<PrivacyEntryView> = privacy_ledger(session, now)?
        .into_iter()
        .filter(|p| p.redemption.as_deref() == Some(view.id.as_str()))
        .collect();
    sent.reverse();
    Ok(RedemptionDetailView {
        redemption: view,
        timeline,
        receipts,
        disputes,
        sent,
    })
}
