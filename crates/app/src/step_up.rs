//! Step-up for a redemption: the exact plan a security key approves for a stored redemption,
//! the view of it the step-up dialog shows, and the verification of what was shown.
//!
//! The decision to know: [`redemption_plan`] is the one mapping from a redemption in the
//! outbox to the [`StepUpPlan`] whose digest the key signs, and it reads the committed request
//! bodies (the bytes that will be sent), not a preview. The dialog is given the plan's digest
//! with the plan ([`StepUpPlanView::plan_digest`]) and hands it back to
//! [`verify_redemption_as_shown`]: if the redemption's plan changed in between, no key is asked
//! and nothing is approved, so what the user read is what the key signs. The approval itself
//! is the risk gate's ([`crate::risk::verify_redemption`]): recorded on the redemption, then its
//! legs are queued; there is no other way for a front end to approve a held redemption.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_auth::{Authenticator, PlanAmount, PlanLeg, StepUpPlan};
use tipvault_money::{Currency, Money};
use tipvault_preview::Catalog;
use tipvault_vault::{StoredLeg, StoredRedemption};
use tipvault_wire::protocol::{self, RedemptionRequest};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, sentence};
use crate::redeem::{RedemptionView, RevealedField};
use crate::session::Session;
use crate::view::MoneyView;

/// One request of the plan being approved.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct StepUpLegView {
    pub seq: u32,
    pub product: String,
    /// What the destination receives.
    pub net: MoneyView,
    pub fee: MoneyView,
    /// `net + fee`.
    pub gross: MoneyView,
    /// What leaves the balance.
    pub debit: MoneyView,
    /// The destination fields the request carries, with the catalog's personal-data mark.
    pub destination: Vec<RevealedField>,
}

/// The plan's sums in one currency.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct StepUpTotalView {
    pub net: MoneyView,
    pub fee: MoneyView,
    pub gross: MoneyView,
    pub debit: MoneyView,
}

/// Exactly what a step-up for a redemption approves, for the dialog.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct StepUpPlanView {
    pub redemption_id: String,
    pub provider: String,
    /// The provider is the sandbox (demo money).
    pub sandbox: bool,
    pub catalog_version: u64,
    pub legs: Vec<StepUpLegView>,
    /// One per currency, in currency-code order.
    pub totals: Vec<StepUpTotalView>,
    /// SHA-256 of the plan's canonical encoding (hex): give it back to approve this plan.
    pub plan_digest: String,
}

fn damaged(what: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::VaultDamaged,
        format!("A stored redemption request cannot be approved: {what}."),
    )
}

fn stored(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StoredRedemption, AppError> {
    session
        .vault_at(now)
        .redemption(id, now)?
        .ok_or_else(|| AppError::invalid(format!("There is no redemption {id:?}.")))
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
                request,
                net,
                fee,
                gross,
            })
        })
        .collect()
}

/// The plan a step-up for redemption `id` approves: its provider, catalog version and every
/// leg's product, amounts and destination fields, from the committed request bodies.
pub fn redemption_plan(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StepUpPlan, AppError> {
    let r = stored(session, id, now)?;
    plan_of(&r, &legs(&r)?)
}

/// The plan of `r` whose digest a key signs, from its legs as they will be sent. The risk gate
/// judges the same plan (`crate::risk::judge` calls this), so the digest it records is the one
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

/// What a step-up for redemption `id` would approve, for the dialog, with the digest to give
/// back to [`step_up_for_redemption`].
pub fn step_up_plan_view(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StepUpPlanView, AppError> {
    let r = stored(session, id, now)?;
    let sent = legs(&r)?;
    let plan_digest = digest(&plan_of(&r, &sent)?)?;
    let vault = session.vault_at(now);
    let catalog = vault
        .catalog(&r.provider_id, now)?
        .and_then(|c| Catalog::parse(&c.document).ok());
    let sandbox = vault
        .provider(&r.provider_id, now)?
        .is_some_and(|p| p.sandbox);
    // A field the catalog does not describe (or no catalog at all) counts as personal data.
    let personal = |product: &str, name: &str| {
        catalog
            .as_ref()
            .and_then(|c| c.product(product))
            .and_then(|p| p.destination_fields().iter().find(|f| f.name == name))
            .is_none_or(|f| f.personal_data)
    };
    let mut totals: BTreeMap<String, [Money; 3]> = BTreeMap::new();
    let mut leg_views = Vec::new();
    for SentLeg {
        seq,
        request: req,
        net,
        fee,
        gross,
    } in sent
    {
        let sums = totals
            .entry(net.currency().code().to_owned())
            .or_insert([Money::zero(net.currency()); 3]);
        for (sum, add) in sums.iter_mut().zip([net, fee, gross]) {
            *sum = sum.checked_add(add).map_err(damaged)?;
        }
        leg_views.push(StepUpLegView {
            seq,
            destination: req
                .destination
                .iter()
                .map(|(name, value)| RevealedField {
                    name: name.clone(),
                    value: value.clone(),
                    personal_data: personal(&req.product, name),
                })
                .collect(),
            product: req.product,
            net: net.into(),
            fee: fee.into(),
            gross: gross.into(),
            debit: gross.into(),
        });
    }
    Ok(StepUpPlanView {
        redemption_id: r.id.clone(),
        provider: r.provider_id.clone(),
        sandbox,
        catalog_version: r.catalog_version,
        legs: leg_views,
        totals: totals
            .into_values()
            .map(|[net, fee, gross]| StepUpTotalView {
                net: net.into(),
                fee: fee.into(),
                gross: gross.into(),
                debit: gross.into(),
            })
            .collect(),
        plan_digest,
    })
}

/// Confirms redemption `id`, which the risk check holds, with `authenticator`, provided its plan
/// is still the one the user was shown (`shown_digest`, from [`step_up_plan_view`]); a changed
/// plan is refused before any key is asked. Then [`crate::risk::verify_redemption`] asks the
/// key to approve exactly that plan, records the approval and queues the legs (the caller runs
/// the outbox). Every approval and refusal is audited there.
pub fn verify_redemption_as_shown(
    session: &mut Session,
    authenticator: &mut dyn Authenticator,
    id: &str,
    shown_digest: &str,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let plan = redemption_plan(session, id, now)?;
    if digest(&plan)? != shown_digest.trim() {
        return Err(AppError::new(
            ErrorCode::PlanChanged,
            "This redemption changed after it was shown to you; nothing was approved. Review it \
             again.",
        ));
    }
    crate::risk::verify_redemption(session, id, authenticator, now)
}
