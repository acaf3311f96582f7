use tipvault_money::{Currency, MoneyError};

#[test]
fn minor_units_match_iso_4217() {
    let cases = [
        ("KRW", 0),
        ("JPY", 0),
        ("VND", 0),
        ("CLP", 0),
        ("ISK", 0),
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("BHD", 3),
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("IQD", 3),
        ("LYD", 3),
        ("CLF", 4),
        ("UYW", 4),
    ];
    for (code, minor) in cases {
        assert_eq!(
            Currency::from_code(code).unwrap().minor_units(),
            minor,
            "{code}"
        );
    }
}

#[test]
fn the_table_has_every_iso_code_with_a_minor_unit() {
    // ISO 4217 List One (2026-11) less the codes whose minor unit is "N.A.": update this count
    // together with the table when ISO amends the list, never to make a lost row pass.
    assert_eq!(Currency::all().len(), 166);
}

#[test]
fn unknown_and_withdrawn_codes_are_typed_errors() {
    for code in ["XYZ", "HRK", "BGN", "ANG", "XAU", "XTS", "US", "usd1", "원"] {
        assert!(
            matches!(
                Currency::from_code(code),
                Err(MoneyError::UnknownCurrency { .. })
            ),
            "{code} must be unknown"
        );
    }
}

#[test]
fn display_symbol_and_numeric() {
    assert_eq!(Currency::KRW.to_string(), "KRW");
    assert_eq!(Currency::KRW.symbol(), Some("₩"));
    assert_eq!(Currency::USD.symbol(), Some("$"));
    assert_eq!(
        Currency::CAD.symbol(),
        Some("CA$"),
        "only USD gets the bare dollar sign"
    );
    assert_eq!(Currency::BHD.symbol(), None);
    assert_eq!(Currency::from_numeric(410), Some(Currency::KRW));
    assert_eq!(Currency::KRW.name(), "Won");
}

#[test]
fn currency_is_copy_and_compares_by_code() {
    let a = Currency::USD;
    let b = a;
    assert_eq!(a, b);
    assert_eq!("usd".parse::<Currency>().unwrap(), Currency::USD);
    assert!(Currency::EUR < Currency::USD);
}

#[test]
fn serde_is_the_code() {
    assert_eq!(serde_json::to_string(&Currency::KRW).unwrap(), "\"KRW\"");
    assert_eq!(
        serde_json::from_str::<Currency>("\"JPY\"").unwrap(),
        Currency::JPY
    );
    assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
}
