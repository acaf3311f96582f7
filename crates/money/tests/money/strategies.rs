//! Shared proptest strategies.

use proptest::prelude::*;
use rust_decimal::Decimal;
use tipvault_money::{Currency, Money, RoundingMode};

/// The largest mantissa a `Decimal` holds.
pub const MAX_MINOR: i128 = (1i128 << 96) - 1;

pub fn currency() -> impl Strategy<Value = Currency> {
    proptest::sample::select(Currency::all().collect::<Vec<_>>())
}

pub fn mode() -> impl Strategy<Value = RoundingMode> {
    proptest::sample::select(RoundingMode::ALL.to_vec())
}

/// Money across the whole i64 range of minor units, in any currency.
pub fn money() -> impl Strategy<Value = Money> {
    (any::<i64>(), currency()).prop_map(|(minor, c)| Money::from_minor(minor, c))
}

/// Money in one currency, for arithmetic between two amounts.
pub fn money_pair() -> impl Strategy<Value = (Money, Money)> {
    (any::<i64>(), any::<i64>(), currency())
        .prop_map(|(a, b, c)| (Money::from_minor(a, c), Money::from_minor(b, c)))
}

/// Money across the whole decimal range.
pub fn any_size_money() -> impl Strategy<Value = Money> {
    (-MAX_MINOR..=MAX_MINOR, currency())
        .prop_map(|(minor, c)| Money::from_minor_i128(minor, c).unwrap())
}

/// Any decimal with up to 28 places and a 64-bit mantissa.
pub fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s))
}

/// A positive rate as exchanges quote them: up to 10 significant digits, up to 12 places.
pub fn rate_value() -> impl Strategy<Value = Decimal> {
    (1i64..=9_999_999_999, 0u32..=12).prop_map(|(m, s)| Decimal::new(m, s))
}

/// Proptest settings for this binary: failing seeds are saved beside each test file (e.g.
/// `fx.proptest-regressions`) to be committed, because proptest's default location needs a
/// `lib.rs` above the test source and finds none under `tests/`.
pub fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    }
}
