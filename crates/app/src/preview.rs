//! Use cases on previews: where a balance would go, computed locally from a provider catalog.
//!
//! Nothing here sends anything: a preview is pure arithmetic over a catalog the app already
//! holds (today the demo catalog that ships with the app; provider catalogs arrive with the
//! provider protocol). Names a person types ("topup", "donation") are turned into planner
//! preferences here, once, for every front end.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_money::{Currency, Locale, Money};
use tipvault_preview::{
    Catalog, Objective, PlanRequest, Preference, Preview, ProductId, ProductKind, Source,
};

use crate::error::{AppError, ErrorCode};

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
