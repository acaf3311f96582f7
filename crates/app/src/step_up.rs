//! The plan a step-up binds for a stored redemption: its legs read from the committed request
//! bodies (the bytes that will be sent, not a preview), the [`StepUpPlan`] built from them
//! ([`plan_of`], the one mapping) and the digest a security key signs ([`digest`]). The risk
//! gate judges and records that digest; the dialog that shows the plan to the user is
//! [`crate::redemption::verification`].

use tipvault_auth::{PlanAmount, PlanLeg, StepUpPlan};
use tipvault_money::{Currency, Money};
use tipvault_vault::{StoredLeg, StoredRedemption};
use tipvault_wire::protocol::{self, RedemptionRequest};

use crate::error::{AppError, ErrorCode, sentence};

pub(crate) fn damaged(what: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::VaultDamaged,
        format!("A stored redemption request cannot be approved: {what}."),
    )
}

/// One leg's request body, checked against the leg's own columns.
fn request(leg: &StoredLeg) -> Result<(RedemptionRequest, Money, Money), AppError> {
    let req: RedemptionRequest = protocol::parse("redemption", &leg.body).map_err(damaged)?;
    let currency = Currency::from_code(&leg.currency).map_err(damaged)?;
    let net = req.amount.money(req.currency).map_err(damaged)?;
    if req.product != leg.product || net != Money::from_minor(leg.amount_minor, currency) {
        return Err(damaged(format!(
            "request {} does not match its body",
            leg.seq + 1
        )));
    }
    Ok((req, net, Money::from_minor(leg.fee_minor, currency)))
}

fn minor(m: Money) -> Result<i64, AppError> {
    m.to_minor().map_err(damaged)
}

fn amount(m: Money) -> Result<PlanAmount, AppError> {
    Ok(PlanAmount::new(m.currency().code(), minor(m)?))
}

/// One leg as it will be sent: the request, its fee and gross (`net + fee`, which is also the
/// debit: a leg is paid in its product's currency).
pub(crate) struct SentLeg {
    pub(crate) seq: u32,
    /// The provider it is sent to (the redemption's, or its own in a plan across providers).
    pub(crate) provider_id: String,
    pub(crate) request: RedemptionRequest,
    pub(crate) net: Money,
    pub(crate) fee: Money,
    pub(crate) gross: Money,
}

/// Every leg of `r` from its committed request body, checked against the leg's columns.
pub(crate) fn legs(r: &StoredRedemption) -> Result<Vec<SentLeg>, AppError> {
    r.legs
        .iter()
        .map(|leg| {
            let (request, net, fee) = request(leg)?;
            let gross = net.checked_add(fee).map_err(damaged)?;
            Ok(SentLeg {
                seq: leg.seq,
                provider_id: leg.provider_id.clone(),
                request,
                net,
                fee,
                gross,
            })
        })
        .collect()
}

/// The plan of `r` whose digest a key signs, from its legs as they will be sent. The risk gate
/// judges the same plan (`crate::risk::claim::judge` calls this), so the digest it records is the one
/// the dialog shows.
pub(crate) fn plan_of(r: &StoredRedemption, sent: &[SentLeg]) -> Result<StepUpPlan, AppError> {
    let legs = sent
        .iter()
        .map(|leg| {
            Ok(PlanLeg {
                product_id: leg.request.product.clone(),
                net: amount(leg.net)?,
                fee: amount(leg.fee)?,
                gross: amount(leg.gross)?,
                debit: amount(leg.gross)?,
                destination: leg
                    .request
                    .destination
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                // A leg sent elsewhere than the redemption's provider names its own, so the
                // key signs where every request goes.
                provider_id: (leg.provider_id != r.provider_id).then(|| leg.provider_id.clone()),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(StepUpPlan {
        provider_id: r.provider_id.clone(),
        catalog_version: r.catalog_version,
        legs,
    })
}

pub(crate) fn digest(plan: &StepUpPlan) -> Result<String, AppError> {
    plan.digest()
        .map(|d| d.to_hex())
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, sentence(&e)))
}
