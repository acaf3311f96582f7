//! A reconciliation as the front ends show it: the provider's signed balance against the books,
//! the difference, and its explanation in both languages (credited, charged twice, unexplained,
//! or pending while legs are in flight), read back from what the vault stored.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_money::{Currency, Money};
use tipvault_vault::{LegState, ReconciliationOutcome, StoredReconciliation};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::view::MoneyView;

/// A redemption leg a reconciliation points at.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LegRef {
    pub redemption_id: String,
    pub seq: u32,
    pub provider_redemption_id: Option<String>,
    pub product: String,
    /// Amount + fee: what the leg took from the account.
    pub cost: MoneyView,
    pub state: LegState,
}

/// One comparison of a provider's signed balance with the books.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReconciliationView {
    pub account: String,
    pub provider: String,
    pub currency: String,
    /// What the provider's signed balance said.
    pub provider_balance: MoneyView,
    /// The running balance of the books before this reconciliation.
    pub vault_balance: MoneyView,
    /// Provider − books.
    pub difference: MoneyView,
    pub outcome: ReconciliationOutcome,
    pub explanation_en: String,
    pub explanation_ko: String,
    /// The leg that looks charged twice (`double_charge`).
    pub suspect: Option<LegRef>,
    /// Legs whose charge may not be booked yet (`pending`).
    pub in_flight: Vec<LegRef>,
    /// The dispute to open for a double charge: the provider redemption id to name.
    pub dispute: Option<String>,
    pub at: DateTime<Utc>,
}

pub(crate) fn leg_ref(leg: &tipvault_vault::StoredLeg, currency: Currency) -> LegRef {
    LegRef {
        redemption_id: leg.redemption_id.clone(),
        seq: leg.seq,
        provider_redemption_id: leg.provider_redemption_id.clone(),
        product: leg.product.clone(),
        cost: MoneyView::from(&Money::from_minor(
            leg.amount_minor.saturating_add(leg.fee_minor),
            currency,
        )),
        state: leg.state,
    }
}

fn explain(
    outcome: ReconciliationOutcome,
    difference: Money,
    suspect: Option<&LegRef>,
) -> (String, String) {
    let abs = if difference.is_negative() {
        difference.negated()
    } else {
        difference
    };
    let view = MoneyView::from(&abs);
    let (en, ko) = (view.en, view.ko);
    match outcome {
        ReconciliationOutcome::Matched => (
            "The provider's balance equals your books to the unit.".into(),
            "제공자 잔액이 장부와 정확히 같습니다.".into(),
        ),
        ReconciliationOutcome::Credited => (
            format!(
                "The provider holds {en} more than your books: booked as a credit at the provider."
            ),
            format!("제공자가 장부보다 {ko} 더 보관하고 있어 제공자 적립으로 기록했습니다."),
        ),
        ReconciliationOutcome::Pending => (
            format!(
                "{en} apart from your books while legs are still in flight: nothing is booked \
                 until they settle; reconcile again then."
            ),
            format!("처리 중인 요청이 있어 장부와 {ko} 차이가 납니다. 정산 후 다시 대조하세요."),
        ),
        ReconciliationOutcome::DoubleCharge => {
            let (leg, pid) = suspect.map_or((String::new(), String::new()), |s| {
                (
                    format!("{} leg {}", s.redemption_id, s.seq + 1),
                    s.provider_redemption_id.clone().unwrap_or_default(),
                )
            });
            (
                format!(
                    "The provider took {en} more than your receipts say: exactly what {leg} \
                     ({pid}) cost, so it looks charged twice. It is booked as its own line; \
                     dispute it as a duplicate."
                ),
                format!(
                    "영수증보다 {ko}이(가) 더 빠져나갔습니다. {leg} ({pid})의 금액과 같아 \
                     이중 청구로 보입니다. 중복으로 이의를 제기하세요."
                ),
            )
        }
        ReconciliationOutcome::Unexplained => (
            format!(
                "The provider holds {en} less than your books and no leg explains it. It is \
                 booked as an unexplained charge; ask the provider."
            ),
            format!("제공자 잔액이 장부보다 {ko} 적고 이를 설명하는 요청이 없습니다."),
        ),
    }
}

pub(crate) fn stored_view(
    r: &StoredReconciliation,
    account: &str,
) -> Result<ReconciliationView, AppError> {
    let rec = &r.reconciliation;
    // Written by this program: a detail that no longer reads would explain the difference
    // wrongly (no suspect, nothing in flight), so it is reported instead.
    let damaged = || {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!(
                "A stored reconciliation of {} is unreadable.",
                r.provider_id
            ),
        )
    };
    let detail: serde_json::Value = serde_json::from_str(&rec.detail).map_err(|_| damaged())?;
    let member = |name: &str| detail.get(name).filter(|v| !v.is_null()).cloned();
    let suspect: Option<LegRef> = member("suspect")
        .map(serde_json::from_value)
        .transpose()
        .map_err(|_| damaged())?;
    let in_flight: Vec<LegRef> = member("in_flight")
        .map(serde_json::from_value)
        .transpose()
        .map_err(|_| damaged())?
        .unwrap_or_default();
    let difference = rec
        .provider
        .checked_sub(rec.vault)
        .unwrap_or(Money::zero(rec.provider.currency()));
    let (explanation_en, explanation_ko) = explain(rec.outcome, difference, suspect.as_ref());
    Ok(ReconciliationView {
        account: account.to_owned(),
        provider: r.provider_id.clone(),
        currency: rec.provider.currency().code().to_owned(),
        provider_balance: MoneyView::from(&rec.provider),
        vault_balance: MoneyView::from(&rec.vault),
        difference: MoneyView::from(&difference),
        outcome: rec.outcome,
        explanation_en,
        explanation_ko,
        dispute: suspect
            .as_ref()
            .and_then(|s| s.provider_redemption_id.clone())
            .filter(|_| rec.outcome == ReconciliationOutcome::DoubleCharge),
        suspect,
        in_flight,
        at: r.at,
    })
}

impl<'de> serde::Deserialize<'de> for LegRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            redemption_id: String,
            seq: u32,
            provider_redemption_id: Option<String>,
            product: String,
            cost_minor: i64,
            currency: String,
            state: LegState,
        }
        let r = Raw::deserialize(d)?;
        let currency = Currency::from_code(&r.currency).map_err(serde::de::Error::custom)?;
        Ok(LegRef {
            redemption_id: r.redemption_id,
            seq: r.seq,
            provider_redemption_id: r.provider_redemption_id,
            product: r.product,
            cost: MoneyView::from(&Money::from_minor(r.cost_minor, currency)),
            state: r.state,
        })
    }
}

pub(crate) fn leg_json(l: &LegRef) -> serde_json::Value {
    json!({"redemption_id": l.redemption_id, "seq": l.seq,
           "provider_redemption_id": l.provider_redemption_id, "product": l.product,
           "cost_minor": l.cost.minor, "currency": l.cost.currency, "state": l.state})
}
