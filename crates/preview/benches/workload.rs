//! The benchmark workload: 50 products (mixed denominations and ranges, fees and limits) and
//! 10 sources, generated deterministically (a fixed LCG, no randomness at run time).

// A benchmark stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use tipvault_money::{Currency, Money, Rate};
use tipvault_preview::{Catalog, Objective, PlanRequest, Preference, ProductKind, Source};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

const KINDS: [&str; 5] = [
    "mobile_top_up",
    "donation",
    "transit_credit",
    "gift_card",
    "bank_payout",
];

/// 50 products; `usd` of them in USD, the rest in KRW. With `percent_on_ranges` false, range
/// products have flat fees (fixed or none), as donations, transit credit and bank payouts do in
/// practice, and percentages stay on denominations (gift cards); with it true, fine-step ranges
/// may carry a percentage too (the adversarial case).
pub fn catalog(usd: usize, percent_on_ranges: bool) -> Catalog {
    let mut rng = Lcg(0x7157_7a17);
    let mut products = Vec::new();
    for i in 0..50 {
        let is_usd = i < usd;
        let (currency, unit) = if is_usd { ("USD", 100) } else { ("KRW", 1000) };
        let money = |minor: u64| {
            let c = Currency::from_code(currency).expect("known");
            Money::from_minor(minor as i64, c).amount().to_string()
        };
        let kind = KINDS[i % 5];
        let amount = if i % 2 == 0 {
            let mut values: Vec<u64> = (0..1 + rng.next(4))
                .map(|_| (1 + rng.next(30)) * unit)
                .collect();
            values.sort_unstable();
            values.dedup();
            let values: Vec<String> = values
                .into_iter()
                .map(|v| format!("\"{}\"", money(v)))
                .collect();
            format!(
                r#"{{"type":"denominations","values":[{}]}}"#,
                values.join(",")
            )
        } else {
            let step = [1, 100, 500, 1000][rng.next(4) as usize];
            let min = (1 + rng.next(10)) * unit;
            format!(
                r#"{{"type":"range","min":"{}","max":"{}","step":"{}"}}"#,
                money(min),
                money(min + step * (1 + rng.next(2000))),
                money(step)
            )
        };
        let mut percent = ["0", "0", "1", "2", "2.5"][rng.next(5) as usize];
        if i % 2 == 1 && !percent_on_ranges {
            percent = "0";
        }
        let fixed = [0, 0, unit / 10, unit / 2][rng.next(4) as usize];
        let limits = match rng.next(3) {
            0 => "{}".to_owned(),
            1 => format!(r#"{{"per_day_count":{}}}"#, 1 + rng.next(5)),
            _ => format!(
                r#"{{"per_day_count":{},"per_day_sum":"{}"}}"#,
                1 + rng.next(10),
                money((10 + rng.next(100)) * unit)
            ),
        };
        products.push(format!(
            r#"{{"id":"p{i:02}","name":"Product {i}","kind":"{kind}","currency":"{currency}",
            "amount":{amount},
            "fee":{{"fixed":"{}","percent":"{percent}","rounding":"half_even"}},
            "eta":{{"typical_seconds":{},"worst_seconds":{}}},"limits":{limits}}}"#,
            money(fixed),
            60 * rng.next(60),
            3600 + 3600 * rng.next(72)
        ));
    }
    let json = format!(
        r#"{{"format":"tipvault.catalog.v1","provider_id":"bench","version":1,
        "issued_at":"2026-11-01T00:00:00Z","stale_after":"2026-12-01T00:00:00Z",
        "expires_at":"2027-11-01T00:00:00Z","products":[{}]}}"#,
        products.join(",")
    );
    Catalog::parse(&json).expect("the bench catalog is valid")
}

/// 10 sources in KRW (and `usd_sources` of them in USD) adding up to about `total` won.
pub fn request(
    total: i64,
    usd_sources: usize,
    objective: Objective,
    preferences: bool,
) -> PlanRequest {
    let mut rng = Lcg(0x5eed);
    let sources = (0..10)
        .map(|i| {
            let share = total / 10 + (rng.next(1000) as i64) * 7;
            let balance = if i < usd_sources {
                Money::from_minor(share / 14, Currency::USD) // ≈ same value in cents
            } else {
                Money::from_minor(share, Currency::KRW)
            };
            Source {
                id: format!("source-{i}"),
                balance,
            }
        })
        .collect();
    let now = bench_now();
    PlanRequest {
        sources,
        preferences: if preferences {
            vec![
                Preference::Kind(ProductKind::MobileTopUp),
                Preference::Kind(ProductKind::GiftCard),
                Preference::Kind(ProductKind::Donation),
            ]
        } else {
            vec![]
        },
        objective,
        keep: vec![],
        excluded: vec![],
        rates: if usd_sources > 0 {
            vec![
                Rate::new(
                    Currency::KRW,
                    Currency::USD,
                    Decimal::new(71, 5),
                    "bench",
                    now,
                )
                .expect("rate"),
            ]
        } else {
            vec![]
        },
        used_today: vec![],
        limits: vec![],
        now,
    }
}

/// The fixed moment every scenario is planned at (plans are pure functions of it).
fn bench_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 15, 0, 0)
        .single()
        .expect("date")
}

/// The scenarios reported in docs/BENCHMARKS.md.
pub fn scenarios() -> Vec<(&'static str, Catalog, PlanRequest)> {
    let demo = Catalog::demo(bench_now()).expect("demo");
    vec![
        (
            "A 50 KRW products, ₩350k, 3 preferences",
            catalog(0, false),
            request(350_000, 0, Objective::FirstPreference, true),
        ),
        (
            "B 50 KRW products, ₩350k, least fees, all products",
            catalog(0, false),
            request(350_000, 0, Objective::LeastFees, false),
        ),
        (
            "C 50 KRW products, ₩3.5M, least fees, all products",
            catalog(0, false),
            request(3_500_000, 0, Objective::LeastFees, false),
        ),
        (
            "D 50 KRW products, ₩35M, first preference",
            catalog(0, false),
            request(35_000_000, 0, Objective::FirstPreference, true),
        ),
        (
            "E demo catalog, ₩1M + $700, FX, all products",
            demo.clone(),
            request(1_000_000, 3, Objective::LeastFees, false),
        ),
        (
            "F 40 KRW + 10 USD products, ₩350k + USD, FX",
            catalog(10, false),
            request(350_000, 3, Objective::FirstPreference, true),
        ),
        (
            "H demo catalog, ₩87,300 in 10 sources, top-up then donation",
            demo.clone(),
            {
                let mut r = request(87_300, 0, Objective::FirstPreference, true);
                r.preferences = vec![
                    Preference::Kind(ProductKind::MobileTopUp),
                    Preference::Kind(ProductKind::Donation),
                ];
                r
            },
        ),
        (
            "I demo catalog, ₩10M in 10 sources, least fees, all products",
            demo.clone(),
            request(10_000_000, 0, Objective::LeastFees, false),
        ),
        (
            "G adversarial: % fees on fine-step ranges, ₩350k",
            catalog(0, true),
            request(350_000, 0, Objective::LeastFees, false),
        ),
    ]
}
