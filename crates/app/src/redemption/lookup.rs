//! Looking redemptions up: the stored redemption and its legs as the user sees them, with what
//! every request reveals to its provider.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_money::{Currency, Money};
use tipvault_preview::Catalog;
use tipvault_vault::{LegState, StoredLeg, StoredRedemption};
use tipvault_wire::protocol::{self, RedemptionRequest};
use ts_rs::TS;

use crate::catalogs::cached_catalog;
use crate::error::{AppError, ErrorCode};
use crate::risk::decision::{RiskDecisionView, stored_view};
use crate::session::Session;
use crate::view::MoneyView;

/// The stored redemption `id`, or an error naming it.
pub(crate) fn stored_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StoredRedemption, AppError> {
    session
        .vault_at(now)
        .redemption(id, now)?
        .ok_or_else(|| AppError::invalid(format!("There is no redemption {id:?}.")))
}

/// One field that leaves the machine.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RevealedField {
    pub name: String,
    pub value: String,
    /// It identifies a person (the catalog says so).
    pub personal_data: bool,
}

/// One leg (one request) of a redemption.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RedemptionLegView {
    pub seq: u32,
    /// The provider this leg is sent to (in a plan across providers, each leg's own).
    pub provider: String,
    pub product: String,
    pub amount: MoneyView,
    pub fee: MoneyView,
    pub state: LegState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub provider_redemption_id: Option<String>,
    /// Exactly what the request body carries besides the protocol version: product, amount,
    /// currency and the destination fields.
    pub reveals: Vec<RevealedField>,
}

/// What a redemption needs from the user now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Attention {
    /// The risk check holds it (a step-up or a pause): the user confirms it with a security
    /// key, or cancels it.
    WaitsForKey,
    /// The risk check refused it: it can only be cancelled (or left as it is).
    Refused,
}

impl Attention {
    /// What `risk` asks of the user about a redemption whose legs are in `states`: only legs
    /// never approved can still be verified or cancelled.
    fn of(
        risk: Option<&RiskDecisionView>,
        states: impl IntoIterator<Item = LegState>,
    ) -> Option<Self> {
        let risk = risk?;
        if !states.into_iter().any(|s| s == LegState::Planned) {
            return None;
        }
        if risk.paused {
            Some(Attention::WaitsForKey)
        } else if risk.outcome == tipvault_risk::Outcome::Deny && risk.cancelled_at.is_none() {
            Some(Attention::Refused)
        } else {
            None
        }
    }
}

/// A redemption and its legs.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RedemptionView {
    pub id: String,
    pub provider: String,
    pub sandbox: bool,
    pub catalog_version: u64,
    /// The aggregate: the least advanced leg's state (`confirmed` only when all are).
    pub state: LegState,
    pub created_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub legs: Vec<RedemptionLegView>,
    /// The risk check's decision, once it was judged (why it is paused or was refused).
    pub risk: Option<crate::risk::decision::RiskDecisionView>,
    /// What it needs from the user now, if anything.
    pub attention: Option<Attention>,
}

fn state_rank(s: LegState) -> u8 {
    match s {
        LegState::Planned => 0,
        LegState::Approved => 1,
        LegState::Sent => 2,
        LegState::OutcomeUnknown => 3,
        LegState::Failed => 4,
        LegState::Confirmed => 5,
    }
}

pub(crate) fn currency(code: &str) -> Result<Currency, AppError> {
    Currency::from_code(code).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored leg has an unknown currency: {e}."),
        )
    })
}

pub(crate) fn parse_body(leg: &StoredLeg) -> Result<RedemptionRequest, AppError> {
    protocol::parse("redemption", &leg.body).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("A stored request body no longer parses: {e}."),
        )
    })
}

pub(crate) fn reveals(req: &RedemptionRequest, catalog: Option<&Catalog>) -> Vec<RevealedField> {
    let personal = |name: &str| {
        catalog
            .and_then(|c| c.product(&req.product))
            .and_then(|p| p.destination_fields().iter().find(|f| f.name == name))
            .is_none_or(|f| f.personal_data)
    };
    let mut out = vec![
        RevealedField {
            name: "product".into(),
            value: req.product.clone(),
            personal_data: false,
        },
        RevealedField {
            name: "amount".into(),
            value: req.amount.as_str().to_owned(),
            personal_data: false,
        },
        RevealedField {
            name: "currency".into(),
            value: req.currency.code().to_owned(),
            personal_data: false,
        },
    ];
    for (name, value) in &req.destination {
        out.push(RevealedField {
            name: format!("destination.{name}"),
            value: value.clone(),
            personal_data: personal(name),
        });
    }
    out
}

fn leg_view(leg: &StoredLeg, catalog: Option<&Catalog>) -> Result<RedemptionLegView, AppError> {
    let cur = currency(&leg.currency)?;
    let req = parse_body(leg)?;
    Ok(RedemptionLegView {
        seq: leg.seq,
        provider: leg.provider_id.clone(),
        product: leg.product.clone(),
        amount: Money::from_minor(leg.amount_minor, cur).into(),
        fee: Money::from_minor(leg.fee_minor, cur).into(),
        state: leg.state,
        attempts: leg.attempts,
        next_attempt_at: leg.next_attempt_at,
        last_error: leg.last_error.clone(),
        provider_redemption_id: leg.provider_redemption_id.clone(),
        reveals: reveals(&req, catalog),
    })
}

/// What a view of a provider's redemptions needs to know about the provider: its cached
/// catalog (what each field reveals) and whether it is a sandbox.
struct ProviderFacts {
    catalog: Option<Catalog>,
    sandbox: bool,
}

fn provider_facts(
    session: &mut Session,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<ProviderFacts, AppError> {
    Ok(ProviderFacts {
        catalog: cached_catalog(session, provider_id, now)?,
        sandbox: session
            .vault_at(now)
            .provider(provider_id, now)?
            .is_some_and(|p| p.sandbox),
    })
}

/// The facts of every provider `r`'s legs go to, added to `facts` where missing (one catalog
/// parse and provider read per provider, however many redemptions are shown).
fn gather_facts(
    session: &mut Session,
    r: &tipvault_vault::StoredRedemption,
    facts: &mut BTreeMap<String, ProviderFacts>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for leg in &r.legs {
        if !facts.contains_key(&leg.provider_id) {
            let f = provider_facts(session, &leg.provider_id, now)?;
            facts.insert(leg.provider_id.clone(), f);
        }
    }
    Ok(())
}

fn view_of(
    r: &tipvault_vault::StoredRedemption,
    facts: &BTreeMap<String, ProviderFacts>,
    risk: Option<crate::risk::decision::RiskDecisionView>,
) -> Result<RedemptionView, AppError> {
    let state = r
        .legs
        .iter()
        .map(|l| l.state)
        .min_by_key(|s| state_rank(*s))
        .unwrap_or(LegState::Confirmed);
    Ok(RedemptionView {
        id: r.id.clone(),
        provider: r.provider_id.clone(),
        // Demo money only when every provider it goes to is a sandbox.
        sandbox: r
            .legs
            .iter()
            .all(|l| facts.get(&l.provider_id).is_some_and(|f| f.sandbox)),
        catalog_version: r.catalog_version,
        state,
        created_at: r.created_at,
        approved_at: r.approved_at,
        legs: r
            .legs
            .iter()
            .map(|l| {
                let catalog = facts.get(&l.provider_id).and_then(|f| f.catalog.as_ref());
                leg_view(l, catalog)
            })
            .collect::<Result<_, _>>()?,
        attention: Attention::of(risk.as_ref(), r.legs.iter().map(|l| l.state)),
        risk,
    })
}

/// One redemption.
pub fn redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let r = stored_redemption(session, id, now)?;
    let mut facts = BTreeMap::new();
    gather_facts(session, &r, &mut facts, now)?;
    let risk = redemption_risk(session, &r.id, now)?;
    view_of(&r, &facts, risk)
}

/// Every redemption, newest first.
pub fn list_redemptions(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<RedemptionView>, AppError> {
    let all = session.vault_at(now).redemptions(now)?;
    // One catalog parse and provider read per provider, not per redemption.
    let mut facts: BTreeMap<String, ProviderFacts> = BTreeMap::new();
    let mut out = Vec::with_capacity(all.len());
    for r in &all {
        gather_facts(session, r, &mut facts, now)?;
        let risk = redemption_risk(session, &r.id, now)?;
        out.push(view_of(r, &facts, risk)?);
    }
    Ok(out)
}

/// The risk decision on a redemption, if it was judged (for `RedemptionView::risk`).
pub fn redemption_risk(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<RiskDecisionView>, AppError> {
    session
        .vault_at(now)
        .risk_decision(id, now)?
        .as_ref()
        .map(stored_view)
        .transpose()
}
