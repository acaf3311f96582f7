//! A risk decision as stored, shown and audited: the engine's reasons in both languages and
//! the error a held plan answers with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tipvault_risk::{Decision, Outcome, RuleId, Tier};
use tipvault_vault::StoredRiskDecision;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Hint};

/// Text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskText {
    pub en: String,
    pub ko: String,
}

impl From<&tipvault_risk::Text> for RiskText {
    fn from(t: &tipvault_risk::Text) -> Self {
        RiskText {
            en: t.en.clone(),
            ko: t.ko.clone(),
        }
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskReasonView {
    pub rule: RuleId,
    /// What it asks for: `step_up`, `pause` or `deny`.
    pub outcome: Outcome,
    pub text: RiskText,
}

/// Why a redemption was allowed, paused or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskDecisionView {
    pub redemption_id: String,
    pub outcome: Outcome,
    pub tier: Tier,
    pub summary: RiskText,
    /// Every rule that fired, in check order.
    pub reasons: Vec<RiskReasonView>,
    /// SHA-256 of the exact plan judged (hex): what a step-up must approve.
    pub plan_digest: String,
    pub decided_at: DateTime<Utc>,
    /// Decided for an automatic cash-out (nobody present: a step-up became a pause).
    pub unattended: bool,
    /// A sandbox provider's step-up let through by the demo waiver.
    pub waived: bool,
    /// Waiting for `verify` or `cancel`.
    pub paused: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

pub(crate) fn decision_view(
    redemption_id: &str,
    d: &Decision,
    plan_digest: &str,
    now: DateTime<Utc>,
    unattended: bool,
    waived: bool,
) -> RiskDecisionView {
    RiskDecisionView {
        redemption_id: redemption_id.to_owned(),
        outcome: d.outcome,
        tier: d.tier,
        summary: (&d.summary).into(),
        reasons: d
            .reasons
            .iter()
            .map(|r| RiskReasonView {
                rule: r.rule,
                outcome: r.outcome,
                text: (&r.text).into(),
            })
            .collect(),
        plan_digest: plan_digest.to_owned(),
        decided_at: now,
        unattended,
        waived,
        paused: matches!(d.outcome, Outcome::StepUp | Outcome::Pause) && !waived,
        verified_at: None,
        cancelled_at: None,
    }
}

pub(crate) fn stored_view(stored: &StoredRiskDecision) -> Result<RiskDecisionView, AppError> {
    let mut view: RiskDecisionView = serde_json::from_str(&stored.decision).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored risk decision is unreadable: {e}."),
        )
    })?;
    view.verified_at = stored.verified_at;
    view.cancelled_at = stored.cancelled_at;
    view.paused = view.paused && view.verified_at.is_none() && view.cancelled_at.is_none();
    Ok(view)
}

/// The error a front end receives for a decision that stops the redemption.
pub(crate) fn decision_error(view: &RiskDecisionView) -> AppError {
    let reasons: Vec<&str> = view.reasons.iter().map(|r| r.text.en.as_str()).collect();
    let (code, next, hint) = match view.outcome {
        Outcome::Deny => (ErrorCode::RiskRefused, "Nothing was sent or queued.", None),
        outcome => (
            if outcome == Outcome::Pause {
                ErrorCode::Paused
            } else {
                ErrorCode::StepUpRequired
            },
            "Nothing was sent: it waits for you. Confirm it with your security key or cancel it.",
            Some(Hint::VerifyOrCancel {
                redemption: view.redemption_id.clone(),
            }),
        ),
    };
    let error = AppError::new(
        code,
        format!("{} {} {next}", view.summary.en, reasons.join(" ")),
    );
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}
