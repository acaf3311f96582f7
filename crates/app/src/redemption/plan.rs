//! Planning: a preview's best plan becomes one redemption of `planned` legs, each with its exact
//! request body and idempotency key, before anything is approved or sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use tipvault_money::Money;
use tipvault_vault::{AuditEvent, LegProvider, NewLeg, NewRedemption};
use tipvault_wire::protocol::{self, Amount, RedemptionRequest, V1};
use ts_rs::TS;

use crate::accounts::provider_source_id;
use crate::catalogs::cached_catalog;
use crate::error::{AppError, ErrorCode, Hint};
use crate::preview::BalancePreviewQuery;
use crate::preview::PreviewQuery;
use crate::providers::{chosen_provider, stored_provider};
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
    let catalog = paired_catalog(session, &provider, now)?;
    // Planned within what the risk gate will allow: never a plan that is refused after review.
    let headroom = crate::risk::standing::cash_out_headroom(session, now)?;
    let preview = crate::preview::preview_query_within(&catalog, &request.query, &headroom, now)?;
    let plan = &preview.preview.best;
    redeemable(session, &provider_id, plan, now)?;
    let destinations = Destinations::new(&request.destinations, &[(&provider_id, plan)])?;
    let legs = legs_of(&catalog, plan, &destinations, None)?;
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
    store(session, &new, now)
}

/// What the user asks to redeem from every paired provider's account at once: a preview of
/// them all ([`crate::preview_across_providers`]) plus each product's destination, keyed by
/// product id, or by `provider/product` where two providers' plans use the same id.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RedeemAcrossRequest {
    pub query: BalancePreviewQuery,
    #[serde(default)]
    pub destinations: BTreeMap<String, BTreeMap<String, String>>,
}

/// Plans one redemption across every paired provider holding a balance (or the accounts
/// `request.query.sources` names): each provider's part of the preview becomes legs sent to
/// that provider only, drawing on its account only. One redemption, so one approval: the risk
/// gate judges it whole and a step-up binds every leg with its provider. Nothing is sent.
pub fn plan_redemption_across(
    session: &mut Session,
    request: &RedeemAcrossRequest,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let across = crate::preview::preview_across_providers(session, &request.query, now)?;
    let parts: Vec<&crate::preview::PreviewResult> = across
        .parts
        .iter()
        .filter(|p| !p.preview.best.legs.is_empty())
        .collect();
    let mut catalogs = Vec::with_capacity(parts.len());
    for part in &parts {
        let provider = stored_provider(session, &part.provider, now)?;
        let catalog = paired_catalog(session, &provider, now)?;
        redeemable(session, &part.provider, &part.preview.best, now)?;
        catalogs.push(catalog);
    }
    let plans: Vec<(&str, &tipvault_preview::Plan)> = parts
        .iter()
        .map(|p| (p.provider.as_str(), &p.preview.best))
        .collect();
    let destinations = Destinations::new(&request.destinations, &plans)?;
    let mut legs = Vec::new();
    for (part, catalog) in parts.iter().zip(&catalogs) {
        let at = LegProvider {
            provider_id: part.provider.clone(),
            account_id: provider_source_id(&part.provider).to_string(),
        };
        legs.extend(legs_of(
            catalog,
            &part.preview.best,
            &destinations,
            Some(&at),
        )?);
    }
    let (Some(lead), Some(lead_catalog)) = (parts.first(), catalogs.first()) else {
        return Err(AppError::invalid(
            "This preview redeems nothing: there is no request to send.",
        ));
    };
    // The redemption is filed under the provider whose part comes first (the cheapest); every
    // leg names its own provider and account.
    let new = NewRedemption {
        id: new_id("rx_")?,
        provider_id: lead.provider.clone(),
        account_id: provider_source_id(&lead.provider).to_string(),
        catalog_version: lead_catalog.version(),
        legs,
    };
    store(session, &new, now)
}

/// `provider`'s cached catalog, provided this device is paired with it.
fn paired_catalog(
    session: &mut Session,
    provider: &tipvault_vault::StoredProvider,
    now: DateTime<Utc>,
) -> Result<tipvault_preview::Catalog, AppError> {
    let provider_id = &provider.id;
    if provider.device_id.is_none() {
        return Err(AppError::invalid(format!(
            "This device is not paired with {provider_id} yet."
        ))
        .with_hint(Hint::PairProvider {
            provider: provider_id.clone(),
        }));
    }
    cached_catalog(session, provider_id, now)?.ok_or_else(|| {
        AppError::invalid(format!(
            "There is no cached catalog of {provider_id}; add the provider again."
        ))
    })
}

/// Refuses a plan made over an expired catalog, or one `provider`'s account cannot cover.
fn redeemable(
    session: &mut Session,
    provider_id: &str,
    plan: &tipvault_preview::Plan,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !plan.redeemable {
        return Err(AppError::new(
            ErrorCode::PlanChanged,
            format!("The catalog of {provider_id} has expired: refresh it before redeeming."),
        ));
    }
    crate::accounts::check_covered(
        session,
        provider_id,
        &crate::accounts::plan_debit(plan),
        None,
        now,
    )
}

/// Stores `new` (legs `planned`), audits it and returns its view.
fn store(
    session: &mut Session,
    new: &NewRedemption,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let providers: std::collections::BTreeSet<&str> = new
        .legs
        .iter()
        .map(|l| {
            l.provider
                .as_ref()
                .map_or(new.provider_id.as_str(), |p| p.provider_id.as_str())
        })
        .collect();
    let vault = session.vault_at(now);
    vault.outbox_insert(new, now)?;
    vault.audit_append(
        &AuditEvent::new(
            "redemption.planned",
            json!({"redemption": new.id, "provider": new.provider_id, "providers": providers,
                   "legs": new.legs.len(), "catalog_version": new.catalog_version}),
        )?,
        now,
    )?;
    redemption(session, &new.id, now)
}

/// The destinations the user gave, keyed by product id (`"krw-mobile-top-up"`) or, where
/// several providers' plans use one product id, by `provider/product`; every key must name a
/// product a plan uses.
struct Destinations<'a> {
    given: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl<'a> Destinations<'a> {
    fn new(
        given: &'a BTreeMap<String, BTreeMap<String, String>>,
        plans: &[(&str, &tipvault_preview::Plan)],
    ) -> Result<Self, AppError> {
        for key in given.keys() {
            let used = plans.iter().any(|(provider, plan)| {
                plan.legs.iter().any(|l| {
                    let product = l.product_id.as_str();
                    key == product || *key == format!("{provider}/{product}")
                })
            });
            if !used {
                return Err(AppError::invalid(format!(
                    "A destination was given for {key:?}, which this plan does not use."
                )));
            }
        }
        Ok(Destinations { given })
    }

    /// The fields given for `product` at `provider`: its qualified key first, else its id.
    fn of(&self, provider: &str, product: &str) -> BTreeMap<String, String> {
        self.given
            .get(&format!("{provider}/{product}"))
            .or_else(|| self.given.get(product))
            .cloned()
            .unwrap_or_default()
    }
}

/// The outbox legs of `plan` over `catalog`: one request per redemption, carrying exactly the
/// destination fields its product declares; `provider` names the provider and account of
/// each leg in a plan across providers.
fn legs_of(
    catalog: &tipvault_preview::Catalog,
    plan: &tipvault_preview::Plan,
    destinations: &Destinations<'_>,
    provider: Option<&LegProvider>,
) -> Result<Vec<NewLeg>, AppError> {
    let provider_id = catalog.provider_id();
    let mut legs = Vec::new();
    for leg in &plan.legs {
        let product = catalog.product(leg.product_id.as_str()).ok_or_else(|| {
            AppError::invalid(format!("Unknown product {}.", leg.product_id.as_str()))
        })?;
        let given = destinations.of(provider_id, leg.product_id.as_str());
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
                provider: provider.cloned(),
            });
        }
    }
    Ok(legs)
}

fn minor(m: Money) -> Result<i64, AppError> {
    m.to_minor()
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, format!("{e}.")))
}
