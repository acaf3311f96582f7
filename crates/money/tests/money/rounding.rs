use crate::strategies;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use rust_decimal_macros::dec;
use tipvault_money::{Currency, RoundingMode, round_to_currency};

#[test]
fn modes_map_onto_rust_decimal_strategies() {
    assert_eq!(
        RoundingMode::HalfEven.to_strategy(),
        RoundingStrategy::MidpointNearestEven
    );
    assert_eq!(
        RoundingMode::HalfUp.to_strategy(),
        RoundingStrategy::MidpointAwayFromZero
    );
    assert_eq!(
        RoundingMode::HalfDown.to_strategy(),
        RoundingStrategy::MidpointTowardZero
    );
    assert_eq!(
        RoundingMode::TowardZero.to_strategy(),
        RoundingStrategy::ToZero
    );
    assert_eq!(
        RoundingMode::AwayFromZero.to_strategy(),
        RoundingStrategy::AwayFromZero
    );
    assert_eq!(
        RoundingMode::Floor.to_strategy(),
        RoundingStrategy::ToNegativeInfinity
    );
    assert_eq!(
        RoundingMode::Ceiling.to_strategy(),
        RoundingStrategy::ToPositiveInfinity
    );
}

#[test]
fn half_modes_on_a_cent_tie() {
    let tie = dec!(0.125);
    let cents = |mode| {
        round_to_currency(tie, Currency::USD, mode)
            .unwrap()
            .money
            .to_minor()
            .unwrap()
    };
    assert_eq!(cents(RoundingMode::HalfEven), 12);
    assert_eq!(cents(RoundingMode::HalfUp), 13);
    assert_eq!(cents(RoundingMode::HalfDown), 12);
}

#[test]
fn modes_serialise_in_snake_case() {
    assert_eq!(
        serde_json::to_string(&RoundingMode::HalfEven).unwrap(),
        "\"half_even\""
    );
    assert_eq!(
        serde_json::from_str::<RoundingMode>("\"toward_zero\"").unwrap(),
        RoundingMode::TowardZero
    );
}

proptest! {
    #![proptest_config(crate::strategies::config())]

    #[test]
    fn rounding_moves_a_value_by_less_than_one_unit(
        value in strategies::decimal(), currency in strategies::currency(), mode in strategies::mode(),
    ) {
        let rounded = round_to_currency(value, currency, mode).unwrap();
        let unit = Decimal::new(1, currency.minor_units());
        prop_assert_eq!(rounded.money.amount() + rounded.remainder, value, "nothing is lost");
        prop_assert_eq!(rounded.money.amount().scale(), currency.minor_units());
        prop_assert!(rounded.remainder.abs() < unit, "moved by {} >= one unit", rounded.remainder);
        if mode.is_nearest() {
            // At most half: exactly half happens on a tie, e.g. 0.125 → 0.12.
            prop_assert!(rounded.remainder.abs() * dec!(2) <= unit);
        }
        match mode {
            RoundingMode::Floor => prop_assert!(rounded.money.amount() <= value),
            RoundingMode::Ceiling => prop_assert!(rounded.money.amount() >= value),
            RoundingMode::TowardZero => prop_assert!(rounded.money.amount().abs() <= value.abs()),
            RoundingMode::AwayFromZero => prop_assert!(rounded.money.amount().abs() >= value.abs()),
            _ => {}
        }
    }

    #[test]
    fn values_already_in_units_are_untouched(
        minor in any::<i64>(), currency in strategies::currency(), mode in strategies::mode(),
    ) {
        let value = Decimal::new(minor, currency.minor_units());
        let rounded = round_to_currency(value, currency, mode).unwrap();
        prop_assert_eq!(rounded.money.amount(), value);
        prop_assert!(rounded.remainder.is_zero());
    }
}
