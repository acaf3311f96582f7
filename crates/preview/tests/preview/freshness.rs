//! Freshness of the demo catalog as a function of `now`.

use crate::support::*;
use chrono::{TimeZone, Utc};
use tipvault_preview::Freshness;

#[test]
fn the_demo_catalog_is_fresh_then_stale_then_expired() {
    let catalog = demo();
    assert_eq!(catalog.freshness(at(24)), Freshness::Fresh);
    let december = Utc
        .with_ymd_and_hms(2026, 12, 15, 0, 0, 0)
        .single()
        .expect("date");
    assert_eq!(catalog.freshness(december), Freshness::Stale);
    let later = Utc
        .with_ymd_and_hms(2027, 11, 1, 0, 0, 0)
        .single()
        .expect("date");
    assert_eq!(
        catalog.freshness(later),
        Freshness::Expired,
        "expiry instant is expired"
    );
    assert!(!Freshness::Expired.allows_redemption());
}
