use tipvault_money::{Currency, Money, MoneyError};

#[test]
fn too_many_decimals_says_what_and_what_to_do() {
    let err = Money::parse("12.345", Currency::USD).unwrap_err();
    assert_eq!(
        err,
        MoneyError::TooManyDecimals {
            currency: Currency::USD,
            allowed: 2,
            got: 3
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("USD amounts have at most 2 decimal places, and this one has 3"),
        "{message}"
    );
    assert!(
        message.contains("check the amount and its currency") && !message.contains("RoundingMode"),
        "the message names the fix in words, not a Rust type: {message}"
    );
    let krw = Money::parse("1.5", Currency::KRW).unwrap_err().to_string();
    assert!(
        krw.starts_with("KRW amounts have no decimal places"),
        "{krw}"
    );
}

#[test]
fn messages_name_the_currencies_involved() {
    let err = Money::from_minor(1, Currency::USD)
        .checked_add(Money::from_minor(1, Currency::KRW))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "currency mismatch: expected USD, found KRW: convert one amount with an exchange rate first"
    );
}

#[test]
fn long_input_is_cut_in_messages() {
    let pasted = "x".repeat(10_000);
    let message = Money::parse(&pasted, Currency::USD)
        .unwrap_err()
        .to_string();
    assert!(
        message.len() < 300,
        "a pasted page must not end up in a message"
    );
}
