//! Planning: a preview's best plan becomes one redemption of `planned` legs, each with its exact
//! request body and idempotency key, before anything is approved or sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tipvault_money::Money;
use tipvault_vault::{AuditEvent, NewLeg, NewRedemption};
use tipvault_wire::protocol::{self, Amount, RedemptionRequest, V1};
use ts_rs::TS;

use crate::accounts::provider_source_id;
use crate::catalogs::cached_catalog;
use crate::error::{AppError, ErrorCode, Hint};
use crate::preview::PreviewQuery;
use crate::providers::chosen_provider;
use crate::redemption::lookup::{RedemptionView, redemption};
use crate::session::Session;

/// What the user asks to redeem: a preview query plus the destination of each product
/// (`product → field → value`).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RedeemRequest {
    pub query: PreviewQuery,
    #[serde(default)]
    pub destinations: BTreeMap<String, BTreeMap<String, String>>,
}

fn new_id(prefix: &str) -> Result<String, AppError> {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("No randomness available: {e}."),
        )
    })?;
    Ok(format!("{prefix}{}", hex::encode(b)))
}

/// Plans a redemption from a preview of `request.query` over the provider's cached catalog:
/// stores the legs (state `planned`, keys and bodies committed) and returns what each request
/// reveals. Nothing is sent.
pub fn plan_redemption(
    session: &mut Session,
    request: &RedeemRequest,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let provider = chosen_provider(session, request.query.provider.as_deref(), now)?;
    let provider_id = provider.id.clone();
    if provider.device_id.is_none() {
        return Err(AppError::invalid(format!(
            "This device is not paired with {provider_id} yet."
        ))
        .with_hint(Hint::PairProvider {
            provider: provider_id.clone(),
        }));
    }
    let catalog = cached_catalog(session, &provider_id, now)?.ok_or_else(|| {
        AppError::invalid(format!(
            "There is no cached catalog of {provider_id}; add the provider again."
        ))
    })?;
    // Planned within what the risk gate will allow: never a plan that is refused after review.
    let headroom = crate::risk::standing::cash_out_headroom(session, now)?;
    let preview = crate::preview::preview_query_within(&catalog, &request.query, &headroom, now)?;
    let plan = &preview.preview.best;
    if !plan.redeemable {
        return Err(AppError::new(
            ErrorCode::PlanChanged,
            format!("The catalog of {provider_id} has expired: refresh it before redeeming."),
        ));
    }
    crate::accounts::check_covered(
        session,
        &provider_id,
        &crate::accounts::plan_debit(plan),
        None,
        now,
    )?;
    for product in request.destinations.keys() {
        if !plan.legs.iter().any(|l| l.product_id.as_str() == product) {
            return Err(AppError::invalid(format!(
                "A destination was given for {product:?}, which this plan does not use."
            )));
        }
    }
    let mut legs = Vec::new();
    for leg in &plan.legs {
        let product = catalog.product(leg.product_id.as_str()).ok_or_else(|| {
            AppError::invalid(format!("Unknown product {}.", leg.product_id.as_str()))
        })?;
        let given = request
            .destinations
            .get(leg.product_id.as_str())
            .cloned()
            .unwrap_or_default();
        let declared: Vec<&str> = product
            .destination_fields()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        // Minimal data: exactly the declared fields leave, nothing else.
        if let Some(extra) = given.keys().find(|k| !declared.contains(&k.as_str())) {
            return Err(AppError::invalid(format!(
                "{} does not ask for {extra:?}; it needs only: {}.",
                leg.product_id.as_str(),
                if declared.is_empty() {
                    "nothing".to_owned()
                } else {
                    declared.join(", ")
                }
            )));
        }
        if let Some(missing) = declared
            .iter()
            .find(|d| given.get(**d).is_none_or(|v| v.trim().is_empty()))
        {
            return Err(AppError::invalid(format!(
                "{} needs a destination {missing:?}.",
                leg.product_id.as_str(),
            ))
            .with_hint(Hint::GiveDestination {
                product: leg.product_id.as_str().to_owned(),
                field: (*missing).to_owned(),
            }));
        }
        let destination: BTreeMap<String, String> = given
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect();
        for r in &leg.redemptions {
            let body = RedemptionRequest {
                v: V1,
                product: leg.product_id.as_str().to_owned(),
                amount: Amount::from_money(r.net),
                currency: r.net.currency(),
                destination: destination.clone(),
            };
            legs.push(NewLeg {
                product: body.product.clone(),
                currency: r.net.currency().code().to_owned(),
                amount_minor: minor(r.net)?,
                fee_minor: minor(r.fee)?,
                body: protocol::to_bytes("redemption request", &body)?,
                idempotency_key: tipvault_wire::client::new_idempotency_key()
                    .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?,
                provider: None,
            });
        }
    }
    if legs.is_empty() {
        return Err(AppError::invalid(
            "This preview redeems nothing: there is no request to send.",
        ));
    }
    let new = NewRedemption {
        id: new_id("rx_")?,
        provider_id: provider_id.clone(),
        account_id: provider_source_id(&provider_id).to_string(),
        catalog_version: catalog.version(),
        legs,
    };
    let vault = session.vault_at(now);
    vault.outbox_insert(&new, now)?;
    vault.audit_append(
        &AuditEvent::new(
            "redemption.planned",
            json!({"redemption": new.id, "provider": provider_id, "legs": new.legs.len(),
                   "catalog_version": catalog.version()}),
        )?,
        now,
    )?;
    redemption(session, &new.id, now)
}

fn minor(m: Money) -> Result<i64, AppError> {
    m.to_minor()
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, format!("{e}.")))
}
