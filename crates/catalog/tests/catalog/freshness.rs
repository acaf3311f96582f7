//! Freshness of a catalog as a function of `now`, and re-issuing one.

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use tipvault_catalog::{Catalog, DEMO_CATALOG_JSON, Freshness};

#[test]
fn the_demo_catalog_is_fresh_then_stale_then_expired_from_when_it_was_issued() {
    let catalog = demo();
    assert_eq!(catalog.issued_at(), now(), "issued when it was loaded");
    assert_eq!(catalog.freshness(now()), Freshness::Fresh);
    let stale = now() + Duration::days(30);
    assert_eq!(
        catalog.freshness(stale - Duration::seconds(1)),
        Freshness::Fresh
    );
    assert_eq!(catalog.freshness(stale), Freshness::Stale);
    let expiry = now() + Duration::days(365);
    assert_eq!(
        catalog.freshness(expiry - Duration::seconds(1)),
        Freshness::Stale
    );
    assert_eq!(
        catalog.freshness(expiry),
        Freshness::Expired,
        "expiry instant is expired"
    );
    assert!(!Freshness::Expired.allows_redemption());
}

#[test]
fn the_demo_catalog_is_fresh_whenever_it_is_loaded() {
    // Far from the day the file was written, in both directions: its dates are a template.
    for text in [
        "1999-06-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        "2027-11-01T00:00:00Z",
        "2041-03-15T12:00:00Z",
        "2099-12-31T23:59:59Z",
    ] {
        let day: DateTime<Utc> = text.parse().expect("date");
        let catalog = Catalog::demo(day).expect("valid");
        assert_eq!(catalog.freshness(day), Freshness::Fresh, "{text}");
    }
    // Read without re-issuing, the template is long expired: nothing can use it by mistake.
    let template = Catalog::parse(DEMO_CATALOG_JSON).expect("valid");
    assert_eq!(template.freshness(now()), Freshness::Expired);
}

#[test]
fn a_reissued_catalog_keeps_its_offer_and_spans() {
    let first = demo();
    let later = now() + Duration::days(400);
    let again = first.reissued_at(later);
    assert!(again.same_offer(&first) && first.same_offer(&again));
    assert_ne!(again, first, "the dates differ");
    assert_eq!(again.issued_at(), later);
    assert_eq!(
        again.stale_after() - again.issued_at(),
        first.stale_after() - first.issued_at()
    );
    assert_eq!(
        again.expires_at() - again.issued_at(),
        first.expires_at() - first.issued_at()
    );
    assert_ne!(again.canonical_json(), first.canonical_json());
}

#[test]
fn a_changed_product_or_version_is_another_offer() {
    let first = demo();
    let mut doc = serde_json::to_value(&first).expect("serialises");
    doc["products"][0]["fee"]["fixed"] = serde_json::json!("100");
    let changed: Catalog = serde_json::from_value(doc).expect("valid");
    assert!(!changed.same_offer(&first), "a fee change");
    let mut doc = serde_json::to_value(&first).expect("serialises");
    doc["version"] = serde_json::json!(2);
    let newer: Catalog = serde_json::from_value(doc).expect("valid");
    assert!(!newer.same_offer(&first), "a version change");
}
