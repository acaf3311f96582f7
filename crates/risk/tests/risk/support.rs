//! Builders for histories and claims.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tipvault_money::{Currency, Money};
use tipvault_risk::{
    Claim, ClaimId, ConfirmedClaim, DestinationFingerprint, History, Leg, NetworkHash, ProductKind,
    ProviderId,
};

/// A fixed "now" for tests: 2026-06-01 12:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub fn krw(amount: i64) -> Money {
    Money::from_minor(amount, Currency::KRW)
}

pub fn usd_cents(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

pub fn leg(provider: &str, destination: &str, amount: Money) -> Leg {
    Leg {
        provider: ProviderId::new(provider),
        product: ProductKind::MobileTopUp,
        destination: DestinationFingerprint::new(destination),
        amount,
    }
}

/// A confirmed claim with the habitual provider, destination and network.
pub fn confirmed(at: DateTime<Utc>, amount: Money, verified: bool) -> ConfirmedClaim {
    ConfirmedClaim {
        id: ClaimId::new(format!("c-{}", at.timestamp())),
        at,
        network: NetworkHash::new("net-home"),
        verified,
        legs: vec![leg("telco", "phone-own", amount)],
    }
}

/// A claim with the habitual provider, destination and network.
pub fn claim(at: DateTime<Utc>, amount: Money) -> Claim {
    Claim {
        at,
        network: NetworkHash::new("net-home"),
        total: amount,
        legs: vec![leg("telco", "phone-own", amount)],
    }
}

/// `count` daily claims of `amount`, the last one `last_days_ago` days before [`now`], at noon,
/// none verified but the history's last verification is the newest claim (so the cumulative
/// rule starts from zero).
pub fn daily(count: i64, amount: Money, last_days_ago: i64) -> History {
    let claims: Vec<_> = (0..count)
        .map(|i| {
            confirmed(
                now() - Duration::days(last_days_ago + count - 1 - i),
                amount,
                false,
            )
        })
        .collect();
    let last_verification = claims.last().map(|c| c.at);
    History {
        claims,
        disputes: vec![],
        last_verification,
        provider_verifications: vec![],
    }
}

/// An established user (10 daily claims of ₩10,000, the last yesterday).
pub fn established() -> History {
    daily(10, krw(10_000), 1)
}

/// A trusted user (40 daily claims of ₩10,000, the last yesterday).
pub fn trusted() -> History {
    daily(40, krw(10_000), 1)
}
