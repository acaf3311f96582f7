//! Errors say what to do next as data ([`Hint`]), which each front end renders its own way.
//! That no message names a command-line command or flag (the desktop shows messages) is
//! checked over every crate's sources by `tests/error_texts.rs`.

use tipvault_app::{AppError, ErrorCode, Hint};

#[test]
fn a_hint_travels_with_the_error_as_data() {
    let err = AppError::invalid("No provider is set up.").with_hint(Hint::AddProvider);
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["hint"], serde_json::json!({ "kind": "add_provider" }));
    let json = serde_json::to_value(AppError::invalid("x").with_hint(Hint::GiveDestination {
        product: "krw-mobile-top-up".into(),
        field: "phone_number".into(),
    }))
    .unwrap();
    assert_eq!(
        json["hint"],
        serde_json::json!({ "kind": "give_destination", "product": "krw-mobile-top-up", "field": "phone_number" })
    );
    assert_eq!(
        serde_json::to_value(AppError::invalid("x")).unwrap()["hint"],
        serde_json::Value::Null
    );
}
