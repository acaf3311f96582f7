//! Shared builders for the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use tipvault_money::{Currency, Money, Rate};
use tipvault_preview::{
    Catalog, Objective, PlanRequest, Preference, ProductId, ProductKind, Source,
};

pub fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 15, 0, 0)
        .single()
        .expect("valid test date")
}

pub fn now() -> DateTime<Utc> {
    at(24)
}

pub fn krw(minor: i64) -> Money {
    Money::from_minor(minor, Currency::KRW)
}

pub fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

pub fn demo() -> Catalog {
    Catalog::demo(now()).expect("the demo catalog is valid")
}

pub fn id(text: &str) -> ProductId {
    ProductId::new(text).expect("valid id")
}

pub fn kind(k: ProductKind) -> Preference {
    Preference::Kind(k)
}

pub fn product(text: &str) -> Preference {
    Preference::Product(id(text))
}

pub fn request(
    balances: &[Money],
    preferences: Vec<Preference>,
    objective: Objective,
) -> PlanRequest {
    PlanRequest {
        sources: balances
            .iter()
            .enumerate()
            .map(|(i, b)| Source {
                id: format!("source-{i}"),
                balance: *b,
            })
            .collect(),
        preferences,
        objective,
        keep: vec![],
        excluded: vec![],
        rates: vec![],
        used_today: vec![],
        limits: vec![],
        now: now(),
    }
}

pub fn krw_to_usd() -> Rate {
    Rate::new(
        Currency::KRW,
        Currency::USD,
        Decimal::new(71, 5), // 1 KRW = 0.00071 USD (≈ ₩1,408 per dollar)
        "test fixture",
        at(24),
    )
    .expect("valid rate")
}

/// A one-product catalog in JSON, for focused planner tests.
pub fn catalog_json(products: &str) -> String {
    format!(
        r#"{{"format":"tipvault.catalog.v1","provider_id":"test","version":1,
        "issued_at":"2026-11-01T00:00:00Z","stale_after":"2026-12-01T00:00:00Z",
        "expires_at":"2027-11-01T00:00:00Z","products":[{products}]}}"#
    )
}

pub fn denominations(id: &str, currency: &str, values: &[&str], limits: &str) -> String {
    let values: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    format!(
        r#"{{"id":"{id}","name":"{id}","kind":"mobile_top_up","currency":"{currency}",
        "amount":{{"type":"denominations","values":[{}]}},
        "fee":{{"fixed":"0","percent":"0","rounding":"half_up"}},
        "eta":{{"typical_seconds":60,"worst_seconds":600}},"limits":{limits}}}"#,
        values.join(",")
    )
}

pub fn single(product_json: &str) -> Catalog {
    Catalog::parse(&catalog_json(product_json)).expect("valid test catalog")
}
