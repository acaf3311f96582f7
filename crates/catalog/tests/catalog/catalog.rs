//! Catalog v1: the demo catalog, validation at the edge, canonical JSON.

use crate::support::*;
use serde_json::{Value, json};
use tipvault_catalog::{AmountRule, Catalog, CatalogError, DEMO_CATALOG_JSON, ProductKind};
use tipvault_money::Currency;

/// The demo document as issued at the tests' `now` (the file's own dates are a template).
fn demo_value() -> Value {
    serde_json::to_value(demo()).expect("demo serialises")
}

/// Applies `edit` to the demo document and validates it.
fn parse_edited(edit: impl FnOnce(&mut Value)) -> Result<Catalog, CatalogError> {
    let mut doc = demo_value();
    edit(&mut doc);
    Catalog::parse(&doc.to_string())
}

fn product_mut(doc: &mut Value, index: usize) -> &mut Value {
    &mut doc["products"][index]
}

#[test]
fn the_demo_catalog_has_the_products_the_app_demonstrates() {
    let catalog = demo();
    assert_eq!(catalog.provider_id(), "demo-provider");
    let top_up = catalog.product("krw-mobile-top-up").expect("top-up");
    assert_eq!(top_up.kind(), ProductKind::MobileTopUp);
    assert_eq!(
        top_up.amount_rule(),
        &AmountRule::Denominations(vec![krw(1000), krw(3000), krw(5000), krw(10_000)])
    );
    assert_eq!(top_up.destination_fields()[0].name, "phone_number");
    assert!(top_up.destination_fields()[0].personal_data);
    let donation = catalog
        .product("krw-donation-green-earth")
        .expect("donation");
    assert!(
        donation.destination_fields().is_empty(),
        "a listed charity needs no destination data"
    );
    assert_eq!(donation.amount_rule().smallest(), Some(krw(100)));
    let gift = catalog.product("krw-gift-card").expect("gift card");
    assert_eq!(gift.fee_rule().fee_for(krw(5000)), Ok(krw(100)), "2% fee");
    let payout = catalog.product("krw-bank-payout").expect("payout");
    assert_eq!(payout.fee_rule().fee_for(krw(10_000)), Ok(krw(500)));
    assert_eq!(payout.destination_fields()[0].name, "account_token");
    assert_eq!(
        payout.eta().worst.as_secs(),
        3 * 86_400,
        "1-3 business days, as hours"
    );
    let transit = catalog.product("krw-transit-credit").expect("transit");
    assert_eq!(
        transit.eta().typical.as_secs(),
        0,
        "transit credit is instant"
    );
    let usd_products: Vec<_> = catalog
        .products()
        .iter()
        .filter(|p| p.currency() == Currency::USD)
        .map(|p| p.kind())
        .collect();
    assert_eq!(
        usd_products,
        vec![ProductKind::GiftCard, ProductKind::BankPayout]
    );
    assert_eq!(
        catalog
            .product("usd-bank-payout")
            .map(|p| p.fee_rule().fixed()),
        Some(usd(25))
    );
}

#[test]
fn a_negative_fee_is_refused_naming_the_product() {
    let err = parse_edited(|d| product_mut(d, 3)["fee"]["fixed"] = json!("-100"));
    assert!(
        matches!(&err, Err(CatalogError::NegativeFee { product, field: "fee.fixed", .. }) if product == "krw-gift-card"),
        "{err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 3)["fee"]["maximum"] = json!("-1"));
    assert!(
        matches!(
            err,
            Err(CatalogError::NegativeFee {
                field: "fee.maximum",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn a_zero_or_negative_step_is_refused() {
    for step in ["0", "-500"] {
        let err = parse_edited(|d| product_mut(d, 2)["amount"]["step"] = json!(step));
        assert!(
            matches!(&err, Err(CatalogError::NonPositiveStep { product, .. }) if product == "krw-transit-credit"),
            "step {step}: {err:?}"
        );
    }
}

#[test]
fn min_above_max_is_refused() {
    let err = parse_edited(|d| product_mut(d, 2)["amount"]["max"] = json!("400"));
    assert!(
        matches!(err, Err(CatalogError::MinAboveMax { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| {
        product_mut(d, 4)["fee"]["minimum"] = json!("600");
        product_mut(d, 4)["fee"]["maximum"] = json!("500");
    });
    assert!(
        matches!(err, Err(CatalogError::FeeMinAboveMax { .. })),
        "{err:?}"
    );
}

#[test]
fn duplicate_and_unsorted_denominations_are_refused() {
    let err =
        parse_edited(|d| product_mut(d, 0)["amount"]["values"] = json!(["1000", "3000", "3000"]));
    assert!(
        matches!(&err, Err(CatalogError::DuplicateDenomination { value, .. }) if value == "3000"),
        "{err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 0)["amount"]["values"] = json!(["3000", "1000"]));
    assert!(
        matches!(err, Err(CatalogError::UnsortedDenominations { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 0)["amount"]["values"] = json!([]));
    assert!(
        matches!(err, Err(CatalogError::NoDenominations { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 0)["amount"]["values"] = json!(["0", "1000"]));
    assert!(
        matches!(err, Err(CatalogError::NonPositiveAmount { .. })),
        "{err:?}"
    );
}

#[test]
fn a_percent_outside_0_to_100_is_refused() {
    for percent in ["100.01", "-1", "250"] {
        let err = parse_edited(|d| product_mut(d, 3)["fee"]["percent"] = json!(percent));
        assert!(
            matches!(&err, Err(CatalogError::PercentOutOfRange { product, .. }) if product == "krw-gift-card"),
            "{percent}: {err:?}"
        );
    }
    assert!(parse_edited(|d| product_mut(d, 3)["fee"]["percent"] = json!("100")).is_ok());
}

#[test]
fn an_unknown_currency_is_refused_naming_the_product() {
    let err = parse_edited(|d| product_mut(d, 5)["currency"] = json!("XYZ"));
    assert!(
        matches!(&err, Err(CatalogError::UnknownCurrency { product, code }) if product == "usd-gift-card" && code == "XYZ"),
        "{err:?}"
    );
}

#[test]
fn amounts_finer_than_the_currency_are_refused() {
    let err = parse_edited(|d| product_mut(d, 0)["amount"]["values"] = json!(["1000.5"]));
    assert!(
        matches!(&err, Err(CatalogError::TooManyDecimals { currency, allowed: 0, .. }) if *currency == Currency::KRW),
        "won has no minor unit: {err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 6)["fee"]["fixed"] = json!("0.255"));
    assert!(
        matches!(
            &err,
            Err(CatalogError::TooManyDecimals {
                field: "fee.fixed",
                allowed: 2,
                ..
            })
        ),
        "{err:?}"
    );
    assert!(
        parse_edited(|d| product_mut(d, 0)["amount"]["values"] = json!(["1000.0"])).is_ok(),
        "trailing zeros are exact"
    );
}

#[test]
fn an_expiry_before_issue_is_refused() {
    let err = parse_edited(|d| d["expires_at"] = json!("2026-10-01T00:00:00Z"));
    assert!(
        matches!(err, Err(CatalogError::DatesOutOfOrder { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| d["stale_after"] = json!("2028-01-01T00:00:00Z"));
    assert!(
        matches!(err, Err(CatalogError::DatesOutOfOrder { .. })),
        "stale after expiry: {err:?}"
    );
}

#[test]
fn duplicate_product_ids_are_refused() {
    let err = parse_edited(|d| product_mut(d, 1)["id"] = json!("krw-mobile-top-up"));
    assert!(
        matches!(&err, Err(CatalogError::DuplicateProductId { product }) if product == "krw-mobile-top-up"),
        "{err:?}"
    );
}

#[test]
fn other_malformed_documents_get_their_own_errors() {
    assert!(matches!(
        Catalog::parse("{"),
        Err(CatalogError::Malformed { .. })
    ));
    let err = parse_edited(|d| d["format"] = json!("tipvault.catalog.v2"));
    assert!(
        matches!(err, Err(CatalogError::UnsupportedFormat { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 0)["eta"]["typical_seconds"] = json!(99_999));
    assert!(
        matches!(err, Err(CatalogError::EtaOutOfOrder { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 0)["limits"]["per_day_count"] = json!(0));
    assert!(
        matches!(err, Err(CatalogError::ZeroLimit { .. })),
        "{err:?}"
    );
    let err = parse_edited(|d| {
        product_mut(d, 0)["destination_fields"][0]["name"] = json!("Phone Number")
    });
    assert!(
        matches!(err, Err(CatalogError::InvalidDestinationField { .. })),
        "{err:?}"
    );
    for name in [json!(""), json!("   "), json!("x".repeat(201))] {
        let mut doc = demo_value();
        product_mut(&mut doc, 0)["name"] = name.clone();
        let err = Catalog::parse(&doc.to_string());
        assert!(
            matches!(err, Err(CatalogError::UnusableName { .. })),
            "{name}: {err:?}"
        );
        // A copy stored before the rule existed is read as it was accepted then.
        let stored = Catalog::parse_stored(&doc.to_string()).expect("a stored copy loads");
        assert_eq!(stored.products()[0].name(), name.as_str().unwrap());
    }
    let err = parse_edited(|d| product_mut(d, 0)["fee"]["surprise"] = json!(1));
    assert!(
        matches!(err, Err(CatalogError::Malformed { .. })),
        "a fee rule is closed: {err:?}"
    );
    let err = parse_edited(|d| product_mut(d, 0)["amount"]["type"] = json!("share_of_balance"));
    assert!(
        matches!(err, Err(CatalogError::Malformed { .. })),
        "an amount rule this version does not know is v2 (PROTOCOL.md §9.3): {err:?}"
    );
}

/// PROTOCOL.md §9.2: a provider may add optional members to the catalog and its products; a
/// v1 client reads the catalog as if they were not there.
#[test]
fn unknown_members_of_the_catalog_and_its_products_are_ignored() {
    let plain = demo();
    let extended = parse_edited(|d| {
        d["publisher_note"] = json!("informational");
        product_mut(d, 0)["icon"] = json!("https://provider.example/top-up.png");
    })
    .expect("ignored, not refused");
    assert!(extended.same_offer(&plain));
    assert_eq!(extended.canonical_json(), plain.canonical_json());
}

/// A provider's own file is read strictly: a misspelt member is refused, not ignored.
#[test]
fn a_providers_own_file_is_read_strictly() {
    // Every member this version writes is known to the strict reader.
    let canonical = demo().canonical_json();
    assert!(canonical.contains("\"names\"") && canonical.contains("\"per_day_count\""));
    Catalog::parse_strict(&canonical).expect("every member the catalog writes is known");
    type Edit = fn(&mut Value);
    let misspelt: [(Edit, &str); 2] = [
        (|d| d["publisher_note"] = json!(1), "the catalog"),
        (
            |d| product_mut(d, 0)["destinaton_fields"] = json!([]),
            "product 1",
        ),
    ];
    for (edit, at) in misspelt {
        let mut doc = demo_value();
        edit(&mut doc);
        let err = Catalog::parse_strict(&doc.to_string()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("unknown member") && text.contains(at),
            "{text}"
        );
        assert!(
            Catalog::parse(&doc.to_string()).is_ok(),
            "a client ignores it"
        );
    }
}

#[test]
fn canonical_json_ignores_key_order_spacing_and_amount_spelling() {
    let catalog = demo();
    let canonical = catalog.canonical_json();
    assert!(
        !canonical.contains(' ') || canonical.contains("\"name\""),
        "no insignificant spaces"
    );
    assert!(!canonical.contains('\n'));
    // Same catalog written differently: keys reversed, pretty-printed, "1000.0" for "1000".
    let mut doc = demo_value();
    product_mut(&mut doc, 0)["amount"]["values"] = json!(["1000.0", "3000", "5000", "10000"]);
    let pretty = serde_json::to_string_pretty(&doc).expect("serialises");
    let respelled = Catalog::parse(&pretty).expect("still valid");
    assert_eq!(respelled.canonical_json(), canonical);
    // Canonical text is itself a valid catalog that round-trips to the same value and bytes.
    let again = Catalog::parse(&canonical).expect("canonical text parses");
    assert_eq!(again, catalog);
    assert_eq!(again.canonical_json(), canonical);
    // Keys appear sorted.
    let expires = canonical.find("\"expires_at\"").expect("key");
    let format = canonical.find("\"format\"").expect("key");
    let issued = canonical.find("\"issued_at\"").expect("key");
    assert!(
        expires < format && format < issued,
        "top-level keys in byte order"
    );
    assert!(canonical.contains("\"issued_at\":\"2026-11-24T15:00:00Z\""));
}

#[test]
fn a_changed_fee_changes_the_canonical_bytes() {
    let changed =
        parse_edited(|d| product_mut(d, 3)["fee"]["percent"] = json!("2.5")).expect("valid");
    assert_ne!(
        changed.canonical_json(),
        demo().canonical_json(),
        "a signature must cover fees"
    );
}

#[test]
fn serde_deserialisation_validates_too() {
    let ok: Result<Catalog, _> = serde_json::from_str(DEMO_CATALOG_JSON);
    assert!(ok.is_ok(), "the file itself is a valid (template) catalog");
    let mut doc = demo_value();
    product_mut(&mut doc, 3)["fee"]["percent"] = json!("101");
    let bad: Result<Catalog, _> = serde_json::from_value(doc);
    assert!(
        bad.is_err(),
        "deserialising a Catalog must not bypass validation"
    );
}

#[test]
fn products_may_carry_their_name_in_other_languages() {
    let demo = Catalog::parse(DEMO_CATALOG_JSON).expect("valid");
    let top_up = demo.product("krw-mobile-top-up").expect("listed");
    assert_eq!(top_up.name_in("ko"), "휴대폰 충전");
    // A language the provider did not list shows the product's own name.
    assert_eq!(top_up.name_in("fr"), "Mobile top-up");
    // The names survive the catalog's round trip (what the vault stores and signs).
    let again = Catalog::parse(&serde_json::to_string(&demo).unwrap()).unwrap();
    assert_eq!(
        again.product("krw-mobile-top-up").unwrap().name_in("ko"),
        "휴대폰 충전"
    );
    // A catalog without names is read as before (the field is optional and additive).
    let without = DEMO_CATALOG_JSON.replace("\"names\": { \"ko\": \"휴대폰 충전\" },", "");
    assert_eq!(
        Catalog::parse(&without)
            .unwrap()
            .product("krw-mobile-top-up")
            .unwrap()
            .name_in("ko"),
        "Mobile top-up"
    );
    for bad in [r#""names": { "KO": "x" },"#, r#""names": { "ko": "  " },"#] {
        let text = DEMO_CATALOG_JSON.replace("\"names\": { \"ko\": \"휴대폰 충전\" },", bad);
        assert!(
            matches!(Catalog::parse(&text), Err(CatalogError::InvalidName { .. })),
            "{bad}"
        );
    }
}
