//! Shared builders for the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use tipvault_catalog::{Catalog, ProductId};
use tipvault_money::{Currency, Money};

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
