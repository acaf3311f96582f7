use crate::strategies::{self, MAX_MINOR};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::cmp::Ordering;
use tipvault_money::{Currency, Money, MoneyError, RoundingMode, round_to_currency};

fn usd(text: &str) -> Result<Money, MoneyError> {
    Money::parse(text, Currency::USD)
}

#[test]
fn parsing_is_exact() {
    assert_eq!(usd("12.3").unwrap().amount().to_string(), "12.30");
    assert_eq!(
        usd("12.30000").unwrap().to_minor().unwrap(),
        1230,
        "trailing zeros are fine"
    );
    assert!(matches!(
        usd("12.345"),
        Err(MoneyError::TooManyDecimals { got: 3, .. })
    ));
    assert!(matches!(
        usd("12.3450"),
        Err(MoneyError::TooManyDecimals { got: 3, .. })
    ));
    assert_eq!(
        Money::parse("1300.0", Currency::KRW)
            .unwrap()
            .to_minor()
            .unwrap(),
        1300
    );
    assert!(matches!(
        Money::parse("1300.5", Currency::KRW),
        Err(MoneyError::TooManyDecimals {
            allowed: 0,
            got: 1,
            ..
        })
    ));
    assert_eq!(
        Money::parse("-0.001", Currency::BHD)
            .unwrap()
            .to_minor()
            .unwrap(),
        -1
    );
    assert_eq!(
        usd("007.50").unwrap().to_minor().unwrap(),
        750,
        "leading zeros are fine"
    );
}

#[test]
fn parsing_past_the_decimal_range_is_overflow() {
    assert!(matches!(
        Money::parse("79228162514264337593543950336", Currency::KRW),
        Err(MoneyError::Overflow { .. })
    ));
    assert!(matches!(
        Money::parse(&"9".repeat(60), Currency::KRW),
        Err(MoneyError::Overflow { .. })
    ));
    assert!(Money::parse("79228162514264337593543950335", Currency::KRW).is_ok());
}

#[test]
fn from_decimal_keeps_value_and_fixes_scale() {
    let m = Money::from_decimal(dec!(5), Currency::BHD).unwrap();
    assert_eq!(m.amount().to_string(), "5.000");
    assert!(matches!(
        Money::from_decimal(dec!(0.001), Currency::USD),
        Err(MoneyError::TooManyDecimals { .. })
    ));
    assert!(matches!(
        Money::from_decimal(Decimal::MAX, Currency::USD),
        Err(MoneyError::Overflow { .. }),
    ));
    let rounded = Money::from_decimal_rounded(dec!(0.005), Currency::USD, RoundingMode::HalfUp);
    assert_eq!(rounded.unwrap().to_minor().unwrap(), 1);
}

#[test]
fn minor_units_beyond_i64_are_an_error_not_a_wrap() {
    let big = Money::from_minor_i128(i128::from(i64::MAX) + 1, Currency::KRW).unwrap();
    assert!(matches!(big.to_minor(), Err(MoneyError::Overflow { .. })));
    assert_eq!(big.to_minor_i128(), i128::from(i64::MAX) + 1);
}

#[test]
fn arithmetic_refuses_mixed_currencies() {
    let a = Money::from_minor(100, Currency::USD);
    let b = Money::from_minor(100, Currency::EUR);
    for result in [a.checked_add(b), a.checked_sub(b)] {
        assert!(matches!(result, Err(MoneyError::CurrencyMismatch { .. })));
    }
    assert!(a.checked_cmp(b).is_err());
    assert!(Money::checked_sum(Currency::USD, [a, b]).is_err());
}

#[test]
fn multiplication_rounds_once_with_the_given_mode() {
    let m = Money::from_minor(1999, Currency::USD); // $19.99
    assert_eq!(
        m.checked_mul(dec!(0.5), RoundingMode::HalfEven)
            .unwrap()
            .to_minor()
            .unwrap(),
        1000
    );
    assert_eq!(
        m.checked_mul(dec!(0.5), RoundingMode::TowardZero)
            .unwrap()
            .to_minor()
            .unwrap(),
        999
    );
    let third = dec!(0.3333333333333333333333333333);
    assert_eq!(
        m.checked_mul(third, RoundingMode::HalfEven)
            .unwrap()
            .to_minor()
            .unwrap(),
        666,
        "a 28-place factor still multiplies exactly"
    );
    assert!(matches!(
        m.checked_mul_exact(third, RoundingMode::HalfEven),
        Err(MoneyError::Precision { .. })
    ));
    let huge = Money::from_minor_i128(MAX_MINOR, Currency::KRW).unwrap();
    assert!(matches!(
        huge.checked_mul(dec!(2), RoundingMode::HalfEven),
        Err(MoneyError::Overflow { .. })
    ));
}

#[test]
fn json_shape_is_amount_string_and_code() {
    let m = Money::from_minor(1250, Currency::USD);
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        r#"{"amount":"12.50","currency":"USD"}"#
    );
    let krw = Money::from_minor(1300, Currency::KRW);
    assert_eq!(
        serde_json::to_string(&krw).unwrap(),
        r#"{"amount":"1300","currency":"KRW"}"#
    );
    let back: Money = serde_json::from_str(r#"{"amount":"12.5","currency":"USD"}"#).unwrap();
    assert_eq!(back, m);
}

#[test]
fn json_validation_rejects_bad_money() {
    let bad = [
        (
            r#"{"amount":"12.345","currency":"USD"}"#,
            "too many decimals",
        ),
        (r#"{"amount":"12.50","currency":"XYZ"}"#, "unknown currency"),
        (
            r#"{"amount":12.5,"currency":"USD"}"#,
            "a JSON number could be a float",
        ),
        (r#"{"amount":"12.50"}"#, "missing currency"),
        (
            r#"{"amount":"12.50","currency":"USD","x":1}"#,
            "unknown field",
        ),
        (
            r#"{"amount":"1,250","currency":"USD"}"#,
            "grouping is for people",
        ),
    ];
    for (json, why) in bad {
        assert!(
            serde_json::from_str::<Money>(json).is_err(),
            "{why}: {json}"
        );
    }
}

#[test]
fn sign_helpers() {
    let m = Money::from_minor(-5, Currency::USD);
    assert!(m.is_negative() && !m.is_positive() && !m.is_zero());
    assert_eq!(m.abs(), -m);
    assert_eq!(
        Money::from_minor(1, Currency::USD).checked_cmp(Money::from_minor(2, Currency::USD)),
        Ok(Ordering::Less)
    );
}

proptest! {
    #![proptest_config(crate::strategies::config())]

    #[test]
    fn add_then_sub_round_trips((a, b) in strategies::money_pair()) {
        let sum = a.checked_add(b).unwrap();
        prop_assert_eq!(sum.checked_sub(b).unwrap(), a);
        prop_assert_eq!(a.checked_sub(b).unwrap().checked_add(b).unwrap(), a);
        prop_assert_eq!(sum, b.checked_add(a).unwrap(), "addition commutes");
        prop_assert_eq!(sum.amount().scale(), a.currency().minor_units());
    }

    #[test]
    fn negation_is_an_involution_and_sums_to_zero(m in strategies::any_size_money()) {
        prop_assert_eq!(-(-m), m);
        prop_assert!(m.checked_add(-m).unwrap().is_zero());
    }

    #[test]
    fn add_near_the_limit_is_an_error_or_exact(
        a in -MAX_MINOR..=MAX_MINOR, b in -MAX_MINOR..=MAX_MINOR,
    ) {
        let x = Money::from_minor_i128(a, Currency::KRW).unwrap();
        let y = Money::from_minor_i128(b, Currency::KRW).unwrap();
        match x.checked_add(y) {
            Ok(sum) => prop_assert_eq!(sum.to_minor_i128(), a + b),
            Err(e) => {
                prop_assert!(matches!(e, MoneyError::Overflow { .. }), "{e:?}");
                prop_assert!((a + b).abs() > MAX_MINOR);
            }
        }
    }

    #[test]
    fn minor_units_round_trip(minor in any::<i64>(), currency in strategies::currency()) {
        let m = Money::from_minor(minor, currency);
        prop_assert_eq!(m.to_minor().unwrap(), minor);
        prop_assert_eq!(m.amount().scale(), currency.minor_units());
    }

    #[test]
    fn machine_text_and_json_round_trip(m in strategies::any_size_money()) {
        prop_assert_eq!(m.to_string().parse::<Money>().unwrap(), m);
        let json = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }

    #[test]
    fn from_decimal_is_exact_or_refuses(d in strategies::decimal(), currency in strategies::currency()) {
        match Money::from_decimal(d, currency) {
            Ok(m) => prop_assert_eq!(m.amount(), d, "accepted values are kept exactly"),
            Err(e) => {
                prop_assert!(matches!(e, MoneyError::TooManyDecimals { .. }), "{e:?}");
                prop_assert!(d.normalize().scale() > currency.minor_units());
            }
        }
    }

    #[test]
    fn checked_mul_equals_rounding_the_exact_product(
        minor in any::<i32>(), factor in (any::<i32>(), 0u32..=20), mode in strategies::mode(),
        currency in strategies::currency(),
    ) {
        // 32-bit mantissas and at most 24 places: rust_decimal's own product is exact here.
        let m = Money::from_minor(i64::from(minor), currency);
        let factor = Decimal::new(i64::from(factor.0), factor.1);
        let exact = m.amount() * factor;
        prop_assert_eq!(exact.scale(), m.amount().scale() + factor.scale());
        let expected = round_to_currency(exact, currency, mode).unwrap().money;
        prop_assert_eq!(m.checked_mul(factor, mode).unwrap(), expected);
    }
}
