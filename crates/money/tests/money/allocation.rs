use crate::strategies;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use tipvault_money::{
    Currency, Money, MoneyError, RoundingMode, allocate, allocate_evenly, percent_of,
};

fn minor(parts: &[Money]) -> Vec<i64> {
    parts.iter().map(|m| m.to_minor().unwrap()).collect()
}

#[test]
fn design_example_splits_1300_won() {
    // DESIGN.md: "₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit".
    let balance = Money::from_minor(1300, Currency::KRW);
    let parts = allocate(balance, &[dec!(1000), dec!(300)]).unwrap();
    assert_eq!(minor(&parts), [1000, 300]);
}

#[test]
fn percentages_that_do_not_sum_to_100_still_conserve() {
    let m = Money::from_minor(10_000, Currency::USD);
    let parts = allocate(m, &[dec!(33.3), dec!(33.3), dec!(33.3)]).unwrap();
    assert_eq!(minor(&parts), [3334, 3333, 3333]);
}

#[test]
fn a_single_part_gets_everything() {
    let m = Money::from_minor(-7, Currency::JPY);
    assert_eq!(minor(&allocate(m, &[dec!(0.0001)]).unwrap()), [-7]);
    assert_eq!(minor(&allocate_evenly(m, 1).unwrap()), [-7]);
}

#[test]
fn percent_of_negative_and_large_percentages() {
    let m = Money::from_minor(1000, Currency::KRW);
    let p = percent_of(m, dec!(-10), RoundingMode::HalfEven).unwrap();
    assert_eq!(p.part.to_minor().unwrap(), -100);
    assert_eq!(p.rest.to_minor().unwrap(), 1100);
    let p = percent_of(m, dec!(250), RoundingMode::HalfEven).unwrap();
    assert_eq!(p.part.to_minor().unwrap(), 2500);
}

fn ratios() -> impl Strategy<Value = Vec<Decimal>> {
    prop::collection::vec((0u64..=1_000_000_000, 0u32..=12), 1..12)
        .prop_map(|raw| {
            raw.into_iter()
                .map(|(m, s)| Decimal::new(m as i64, s))
                .collect()
        })
        .prop_filter("at least one positive ratio", |r: &Vec<Decimal>| {
            r.iter().any(|d| !d.is_zero())
        })
}

proptest! {
    #![proptest_config(crate::strategies::config())]

    #[test]
    fn allocation_conserves_every_unit(m in strategies::any_size_money(), ratios in ratios()) {
        let parts = allocate(m, &ratios).unwrap();
        prop_assert_eq!(parts.len(), ratios.len());
        prop_assert_eq!(Money::checked_sum(m.currency(), parts.iter().copied()).unwrap(), m);
        let total: Decimal = ratios.iter().sum();
        for (part, ratio) in parts.iter().zip(&ratios) {
            prop_assert!(part.is_zero() || part.is_negative() == m.is_negative(), "parts keep the sign");
            if ratio.is_zero() {
                prop_assert!(part.is_zero(), "a zero ratio gets nothing");
            }
            // Each part is within one unit of its exact share (checked where Decimal can hold it).
            let units = u64::try_from(m.to_minor_i128().unsigned_abs());
            let share = units
                .ok()
                .and_then(|units| Decimal::from(units).checked_mul(*ratio))
                .and_then(|x| x.checked_div(total));
            if let Some(share) = share {
                let got = Decimal::from(part.to_minor_i128().abs());
                // <= rather than <: the share itself is rounded at 28 digits here.
                prop_assert!((got - share).abs() <= Decimal::ONE, "part {} vs share {}", got, share);
            }
        }
    }

    #[test]
    fn full_width_ratios_conserve_or_overflow_but_never_panic(
        m in strategies::any_size_money(),
        raw in prop::collection::vec((0u128..=strategies::MAX_MINOR as u128, 0u32..=28), 1..8),
    ) {
        let ratios: Vec<Decimal> = raw
            .iter()
            .map(|&(mantissa, scale)| Decimal::from_i128_with_scale(mantissa as i128, scale))
            .collect();
        match allocate(m, &ratios) {
            Ok(parts) => prop_assert_eq!(Money::checked_sum(m.currency(), parts).unwrap(), m),
            Err(e) => prop_assert!(
                matches!(e, MoneyError::Overflow { .. } | MoneyError::InvalidAllocation { .. }),
                "{e:?}"
            ),
        }
        // At one shared scale, any 96-bit ratios fit and must always succeed.
        let same_scale: Vec<Decimal> = raw
            .iter()
            .map(|&(mantissa, _)| Decimal::from_i128_with_scale(mantissa as i128, 5))
            .collect();
        if same_scale.iter().any(|r| !r.is_zero()) {
            let parts = allocate(m, &same_scale).unwrap();
            prop_assert_eq!(Money::checked_sum(m.currency(), parts).unwrap(), m);
        }
    }

    #[test]
    fn even_allocation_conserves_and_differs_by_at_most_one_unit(
        m in strategies::any_size_money(), n in 1usize..50,
    ) {
        let parts = allocate_evenly(m, n).unwrap();
        prop_assert_eq!(parts.len(), n);
        prop_assert_eq!(Money::checked_sum(m.currency(), parts.iter().copied()).unwrap(), m);
        let units: Vec<i128> = parts.iter().map(|p| p.to_minor_i128()).collect();
        let spread = units.iter().max().unwrap() - units.iter().min().unwrap();
        prop_assert!(spread <= 1);
        prop_assert_eq!(allocate(m, &vec![Decimal::ONE; n]).unwrap(), parts, "same tie rule as allocate");
    }

    #[test]
    fn percent_of_conserves(m in strategies::money(), percent in (-100_000i64..=100_000, 0u32..=4), mode in strategies::mode()) {
        let percent = Decimal::new(percent.0, percent.1);
        let p = percent_of(m, percent, mode).unwrap();
        prop_assert_eq!(p.part.checked_add(p.rest).unwrap(), m);
        prop_assert_eq!(p.part.amount() + p.rounding_loss, p.exact);
        prop_assert_eq!(p.exact, m.amount() * percent / dec!(100));
    }
}
