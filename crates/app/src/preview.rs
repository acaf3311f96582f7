//! Use cases on previews: where a balance would go, computed locally from a provider catalog.
//!
//! Nothing here sends anything: a preview is pure arithmetic over a catalog the app already
//! holds (today the demo catalog that ships with the app; provider catalogs arrive with the
//! provider protocol). Names a person types ("topup", "donation") are turned into planner
//! preferences here, once, for every front end.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tipvault_money::{Currency, Locale, Money};
use tipvault_preview::{
    Catalog, Objective, Plan, PlanRequest, Preference, Preview, ProductId, ProductKind, Source,
};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::view::MoneyView;

pub use tipvault_preview::{Catalog as ProviderCatalog, Objective as PreviewObjective};

/// The catalog shipped with the app for demos and offline previews.
pub fn demo_catalog() -> Result<Catalog, AppError> {
    Catalog::demo().map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("The built-in demo catalog is invalid: {e}"),
        )
    })
}

/// Turns what a person typed into a preference: a kind's name (`topup`, `donation`,
/// `transit`, `gift-card`, `bank-payout`, with common spellings) or a product id in `catalog`.
pub fn parse_preference(catalog: &Catalog, text: &str) -> Result<Preference, AppError> {
    let key = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let kind = match key.as_str() {
        "topup" | "top-up" | "mobile" | "mobile-top-up" => Some(ProductKind::MobileTopUp),
        "donation" | "donate" => Some(ProductKind::Donation),
        "transit" | "transit-credit" => Some(ProductKind::TransitCredit),
        "gift-card" | "giftcard" | "gift" => Some(ProductKind::GiftCard),
        "bank" | "bank-payout" | "payout" => Some(ProductKind::BankPayout),
        _ => None,
    };
    if let Some(kind) = kind {
        return Ok(Preference::Kind(kind));
    }
    match catalog.product(text.trim()) {
        Some(product) => Ok(Preference::Product(product.id().clone())),
        None => Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "There is no destination or product called {text:?}. Use topup, donation, transit, gift-card, bank-payout, or a product id from `tipvault catalog list`."
            ),
        )),
    }
}

/// Turns a product id a person typed into a validated id in `catalog`.
pub fn parse_product(catalog: &Catalog, text: &str) -> Result<ProductId, AppError> {
    catalog
        .product(text.trim())
        .map(|p| p.id().clone())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidInput,
                format!(
                    "There is no product {text:?} in the catalog; see `tipvault catalog list`."
                ),
            )
        })
}

/// Parses an amount a person typed in a currency (exactly: no rounding, no sign).
pub fn parse_amount(text: &str, currency: &str) -> Result<Money, AppError> {
    let currency = Currency::from_code(currency)
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let amount = Money::parse(text.trim(), currency)
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))?;
    if amount.is_negative() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "A balance cannot be negative.",
        ));
    }
    Ok(amount)
}

/// What the user asks to preview.
#[derive(Debug, Clone)]
pub struct PreviewInput {
    pub balance: Money,
    pub preferences: Vec<Preference>,
    pub objective: Objective,
    pub keep: Option<Money>,
    pub excluded: Vec<ProductId>,
}

/// A preview with its plain-language explanations.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewResult {
    pub provider: String,
    #[serde(flatten)]
    pub preview: Preview,
    pub explanation: Explanations,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanations {
    pub en: String,
    pub ko: String,
}

/// Plans how `input.balance` would be cashed out through `catalog`, with up to two alternatives.
pub fn preview_balance(
    catalog: &Catalog,
    input: PreviewInput,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    let request = PlanRequest {
        sources: vec![Source {
            id: "balance".to_owned(),
            balance: input.balance,
        }],
        preferences: input.preferences,
        objective: input.objective,
        keep: input.keep.into_iter().collect(),
        excluded: input.excluded,
        rates: Vec::new(),
        used_today: Vec::new(),
        now,
    };
    let preview = tipvault_preview::preview(catalog, &request)
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let explanation = Explanations {
        en: tipvault_preview::explain(&preview.best, Locale::En),
        ko: tipvault_preview::explain(&preview.best, Locale::Ko),
    };
    Ok(PreviewResult {
        provider: catalog.provider_id().to_owned(),
        preview,
        explanation,
    })
}

/// A preview as a person asks for it: amounts and names as typed, parsed here for every front
/// end (the CLI's flags and the desktop's form both become one of these).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct PreviewQuery {
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub prefer: Vec<String>,
    /// `least_fees` or `first_preference`.
    #[ts(type = "'least_fees' | 'first_preference'")]
    pub objective: Objective,
    #[serde(default)]
    pub keep: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// Parses `query` against `catalog` and previews it.
pub fn preview_query(
    catalog: &Catalog,
    query: &PreviewQuery,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    let balance = parse_amount(&query.amount, &query.currency)?;
    let keep = query
        .keep
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .map(|k| parse_amount(k, &query.currency))
        .transpose()?;
    let preferences = query
        .prefer
        .iter()
        .map(|p| parse_preference(catalog, p))
        .collect::<Result<Vec<_>, _>>()?;
    let excluded = query
        .exclude
        .iter()
        .map(|p| parse_product(catalog, p))
        .collect::<Result<Vec<_>, _>>()?;
    let input = PreviewInput {
        balance,
        preferences,
        objective: query.objective,
        keep,
        excluded,
    };
    preview_balance(catalog, input, now)
}

fn views(money: &[Money]) -> Vec<MoneyView> {
    money.iter().map(MoneyView::from).collect()
}

/// One destination of a plan.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LegView {
    pub product_id: String,
    pub product_name: String,
    pub kind: String,
    pub kind_en: String,
    pub kind_ko: String,
    /// What leaves the balance (net + fee).
    pub gross: MoneyView,
    pub fee: MoneyView,
    /// What the destination receives.
    pub net: MoneyView,
    pub redemptions: u32,
    pub eta_typical_seconds: u64,
    pub eta_worst_seconds: u64,
}

/// A plan for display.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PlanView {
    pub balance: Vec<MoneyView>,
    pub legs: Vec<LegView>,
    pub kept: Vec<MoneyView>,
    pub remainder: Vec<MoneyView>,
    pub fees: Vec<MoneyView>,
    pub eta_typical_seconds: u64,
    pub eta_worst_seconds: u64,
    /// False when the catalog has expired: it may be previewed but not redeemed.
    pub redeemable: bool,
    pub freshness: String,
    pub explanation_en: String,
    pub explanation_ko: String,
}

/// The best plan and its alternatives, for display.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PreviewView {
    pub provider: String,
    pub best: PlanView,
    pub alternatives: Vec<PlanView>,
}

fn snake<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn plan_view(plan: &Plan) -> PlanView {
    PlanView {
        balance: views(&plan.balance),
        legs: plan
            .legs
            .iter()
            .map(|leg| LegView {
                product_id: leg.product_id.as_str().to_owned(),
                product_name: leg.product_name.clone(),
                kind: snake(leg.kind),
                kind_en: tipvault_preview::kind_name(leg.kind, Locale::En).to_owned(),
                kind_ko: tipvault_preview::kind_name(leg.kind, Locale::Ko).to_owned(),
                gross: (&leg.gross).into(),
                fee: (&leg.fee).into(),
                net: (&leg.net).into(),
                redemptions: u32::try_from(leg.redemptions.len()).unwrap_or(u32::MAX),
                eta_typical_seconds: leg.eta_typical_seconds,
                eta_worst_seconds: leg.eta_worst_seconds,
            })
            .collect(),
        kept: views(&plan.kept),
        remainder: views(&plan.remainder),
        fees: views(&plan.fees()),
        eta_typical_seconds: plan.eta_typical_seconds,
        eta_worst_seconds: plan.eta_worst_seconds,
        redeemable: plan.redeemable,
        freshness: snake(plan.freshness),
        explanation_en: tipvault_preview::explain(plan, Locale::En),
        explanation_ko: tipvault_preview::explain(plan, Locale::Ko),
    }
}

/// The display form of a preview.
pub fn preview_view(result: &PreviewResult) -> PreviewView {
    PreviewView {
        provider: result.provider.clone(),
        best: plan_view(&result.preview.best),
        alternatives: result.preview.alternatives.iter().map(plan_view).collect(),
    }
}
