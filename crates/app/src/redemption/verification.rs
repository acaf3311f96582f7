//! The plan a held redemption is verified against, as the step-up dialog shows it (every leg,
//! every revealed field, the totals), and verifying that shown plan.
//!
//! The decision to know: the dialog is given the plan's digest with the plan
//! ([`StepUpPlanView::plan_digest`]) and hands it back to [`verify_redemption_as_shown`]: if the
//! redemption's plan changed in between, no key is asked and nothing is approved, so what the
//! user read is what the key signs. The approval itself is
//! [`crate::redemption::held::verify_redemption`]'s: recorded on the redemption, then its legs
//! are queued; there is no other way for a front end to approve a held redemption.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_auth::{Authenticator, StepUpPlan};
use tipvault_money::Money;
use ts_rs::TS;

use crate::catalogs::{all_sandboxes, leg_catalogs};
use crate::error::{AppError, ErrorCode};
use crate::redemption::lookup::{RedemptionView, RevealedField, stored_redemption};
use crate::session::Session;
use crate::step_up::{SentLeg, damaged, digest, legs, plan_of};
use crate::view::MoneyView;

/// One request of the plan being approved.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct StepUpLegView {
    pub seq: u32,
    /// The provider this request goes to (in a plan across providers, each leg's own).
    pub provider: String,
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
    /// Every provider the plan sends to is a sandbox (demo money).
    pub sandbox: bool,
    pub catalog_version: u64,
    pub legs: Vec<StepUpLegView>,
    /// One per currency, in currency-code order.
    pub totals: Vec<StepUpTotalView>,
    /// SHA-256 of the plan's canonical encoding (hex): give it back to approve this plan.
    pub plan_digest: String,
}

/// The plan a step-up for redemption `id` approves: its provider, catalog version and every
/// leg's product, amounts and destination fields, from the committed request bodies.
pub fn redemption_plan(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StepUpPlan, AppError> {
    let r = stored_redemption(session, id, now)?;
    plan_of(&r, &legs(&r)?)
}

/// What a step-up for redemption `id` would approve, for the dialog, with the digest to give
/// back to [`verify_redemption_as_shown`].
pub fn step_up_plan_view(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StepUpPlanView, AppError> {
    let r = stored_redemption(session, id, now)?;
    let sent = legs(&r)?;
    let plan_digest = digest(&plan_of(&r, &sent)?)?;
    let catalogs = leg_catalogs(session, &r, now)?;
    let sandbox = all_sandboxes(session, &catalogs, now)?;
    // A field the leg's catalog does not describe (or no catalog at all) counts as personal
    // data.
    let personal = |provider: &str, product: &str, name: &str| {
        catalogs
            .get(provider)
            .and_then(Option::as_ref)
            .and_then(|c| c.product(product))
            .and_then(|p| p.destination_fields().iter().find(|f| f.name == name))
            .is_none_or(|f| f.personal_data)
    };
    let mut totals: BTreeMap<String, [Money; 3]> = BTreeMap::new();
    let mut leg_views = Vec::new();
    for SentLeg {
        seq,
        provider_id,
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
                    personal_data: personal(&provider_id, &req.product, name),
                })
                .collect(),
            provider: provider_id,
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
/// plan is refused before any key is asked. Then [`crate::redemption::held::verify_redemption`] asks the
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
    crate::redemption::held::verify_redemption(session, id, authenticator, now)
}
