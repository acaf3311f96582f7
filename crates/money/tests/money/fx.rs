use crate::strategies;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tipvault_money::{Currency, Money, MoneyError, Rate, RoundingMode, convert};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
}

#[test]
fn conversion_carries_rate_source_and_time() {
    let rate = Rate::new(
        Currency::USD,
        Currency::KRW,
        dec!(1380.25),
        "sandbox quote q_1",
        at(),
    )
    .unwrap();
    let c = convert(
        &Money::from_minor(1999, Currency::USD),
        &rate,
        RoundingMode::Floor,
    )
    .unwrap();
    assert_eq!(c.from(), Money::from_minor(1999, Currency::USD));
    assert_eq!(c.unrounded(), dec!(27591.1975));
    assert_eq!(c.to(), Money::from_minor(27591, Currency::KRW));
    assert_eq!(c.rounding_loss(), dec!(0.1975));
    assert_eq!(c.rate().source(), "sandbox quote q_1");
    assert_eq!(c.rate().as_of(), at());
    assert_eq!(c.rounding(), RoundingMode::Floor);
}

#[test]
fn conversion_json_reports_everything() {
    let rate = Rate::new(Currency::KRW, Currency::USD, dec!(0.000725), "s", at()).unwrap();
    let c = convert(
        &Money::from_minor(1300, Currency::KRW),
        &rate,
        RoundingMode::HalfEven,
    )
    .unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["to"]["amount"], "0.94");
    assert_eq!(json["unrounded"], "0.9425");
    assert_eq!(json["rounding_loss"], "0.0025");
    assert_eq!(json["rate"]["rate"], "0.000725");
    assert_eq!(json["rate"]["as_of"], "2026-11-24T14:00:00Z");
    assert_eq!(json["rounding"], "half_even");
}

#[test]
fn rate_json_round_trips_and_validates() {
    let rate = Rate::new(Currency::EUR, Currency::KRW, dec!(1500.5), "ecb", at()).unwrap();
    let json = serde_json::to_string(&rate).unwrap();
    assert_eq!(
        json,
        r#"{"base":"EUR","quote":"KRW","rate":"1500.5","source":"ecb","as_of":"2026-11-24T14:00:00Z"}"#
    );
    assert_eq!(serde_json::from_str::<Rate>(&json).unwrap(), rate);
    for bad in ["\"0\"", "\"-1.5\"", "\"1e3\"", "\"\"", "1.5", "\"1_000\""] {
        let text = json.replace("\"1500.5\"", bad);
        assert!(
            serde_json::from_str::<Rate>(&text).is_err(),
            "rate {bad} must be refused"
        );
    }
}

#[test]
fn precision_and_overflow_are_told_apart() {
    let fine = Rate::new(
        Currency::USD,
        Currency::KRW,
        dec!(0.0000000000000000000000000001),
        "t",
        at(),
    )
    .unwrap();
    let cents = Money::from_minor(1, Currency::USD);
    assert!(matches!(
        convert(&cents, &fine, RoundingMode::HalfEven),
        Err(MoneyError::Precision { .. })
    ));
    let big = Rate::new(
        Currency::USD,
        Currency::KRW,
        dec!(1000000000000000000),
        "t",
        at(),
    )
    .unwrap();
    let lots = Money::from_minor(i64::MAX, Currency::USD);
    assert!(matches!(
        convert(&lots, &big, RoundingMode::HalfEven),
        Err(MoneyError::Overflow { .. })
    ));
}

#[test]
fn rate_mismatch_message_points_at_inverse() {
    let rate = Rate::new(Currency::USD, Currency::KRW, dec!(1380), "t", at()).unwrap();
    let err = convert(
        &Money::from_minor(1, Currency::EUR),
        &rate,
        RoundingMode::HalfEven,
    )
    .unwrap_err();
    assert!(err.to_string().contains("or the inverse rate"), "{err}");
}

proptest! {
    #![proptest_config(crate::strategies::config())]

    #[test]
    fn converted_plus_loss_is_the_exact_value(
        minor in -1_000_000_000_000_000i64..=1_000_000_000_000_000,
        from in strategies::currency(), to in strategies::currency(),
        rate in strategies::rate_value(), mode in strategies::mode(),
    ) {
        prop_assume!(from != to);
        let rate = Rate::new(from, to, rate, "prop", at()).unwrap();
        let money = Money::from_minor(minor, from);
        let c = convert(&money, &rate, mode).unwrap();
        prop_assert_eq!(c.to().amount() + c.rounding_loss(), c.unrounded());
        prop_assert_eq!(c.unrounded(), money.amount() * rate.rate(), "unrounded is the exact product");
        let unit = Decimal::new(1, to.minor_units());
        prop_assert!(c.rounding_loss().abs() < unit);
        if mode.is_nearest() {
            prop_assert!(c.rounding_loss().abs() * dec!(2) <= unit);
        }
        prop_assert_eq!(c.to().currency(), to);
    }

    #[test]
    fn inverse_brackets_the_true_reciprocal(rate in strategies::rate_value(), places in 0u32..=16) {
        let r = Rate::new(Currency::USD, Currency::EUR, rate, "p", at()).unwrap();
        let step = Decimal::new(1, places);
        // Floor gives the largest value at `places` whose product with the rate is <= 1.
        if let Ok(inv) = r.inverse(places, RoundingMode::Floor) {
            prop_assert!(inv.rate() * rate <= Decimal::ONE);
            prop_assert!((inv.rate() + step) * rate > Decimal::ONE);
            let ceil = r.inverse(places, RoundingMode::Ceiling).unwrap();
            prop_assert!(ceil.rate() - inv.rate() <= step);
            prop_assert_eq!(ceil.base(), Currency::EUR);
        }
    }
}
