//! Order statistics: nearest-rank percentiles, median, MAD.

use proptest::prelude::*;
use tipvault_risk::stats::{Summary, mad, median, percentile};

#[test]
fn nearest_rank_on_one_to_ten() {
    let values: Vec<i128> = (1..=10).collect();
    assert_eq!(percentile(&values, 0), Some(1));
    assert_eq!(percentile(&values, 10), Some(1));
    assert_eq!(percentile(&values, 11), Some(2));
    assert_eq!(
        percentile(&values, 50),
        Some(5),
        "lower middle for an even count"
    );
    assert_eq!(percentile(&values, 90), Some(9));
    assert_eq!(percentile(&values, 91), Some(10));
    assert_eq!(percentile(&values, 100), Some(10));
    assert_eq!(percentile(&values, 250), Some(10), "above 100 is 100");
}

#[test]
fn empty_input_has_no_statistics() {
    assert_eq!(percentile(&[], 50), None);
    assert_eq!(median(&[]), None);
    assert_eq!(mad(&[]), None);
    assert_eq!(Summary::of(&[]), None);
}

#[test]
fn one_outlier_moves_neither_median_nor_mad() {
    let usual = [10_000i128, 10_000, 12_000, 9_000, 10_000, 11_000, 10_000];
    let mut with_outlier = usual.to_vec();
    with_outlier.push(1_000_000);
    assert_eq!(median(&usual), median(&with_outlier));
    assert_eq!(mad(&usual), Some(0));
    assert_eq!(mad(&with_outlier), Some(0));
}

fn amounts() -> impl Strategy<Value = Vec<i128>> {
    prop::collection::vec(0i128..10_000_000, 1..60)
}

proptest! {
    #[test]
    fn a_percentile_lies_within_min_and_max_and_is_observed(values in amounts(), p in 0u32..=100) {
        let v = percentile(&values, p).unwrap();
        let min = *values.iter().min().unwrap();
        let max = *values.iter().max().unwrap();
        prop_assert!(min <= v && v <= max);
        prop_assert!(values.contains(&v), "nearest rank returns an observed amount");
    }

    #[test]
    fn percentiles_rise_with_the_rank(values in amounts(), a in 0u32..=100, b in 0u32..=100) {
        let (low, high) = (a.min(b), a.max(b));
        prop_assert!(percentile(&values, low) <= percentile(&values, high));
    }

    #[test]
    fn order_of_input_does_not_matter(mut values in amounts(), p in 0u32..=100) {
        let before = percentile(&values, p);
        values.reverse();
        prop_assert_eq!(before, percentile(&values, p));
    }

    #[test]
    fn adding_a_value_never_decreases_the_max(values in amounts(), extra in 0i128..10_000_000) {
        let before = Summary::of(&values).unwrap();
        let mut more = values.clone();
        more.push(extra);
        let after = Summary::of(&more).unwrap();
        prop_assert!(after.max >= before.max);
        prop_assert!(after.min <= before.min);
        prop_assert_eq!(after.count, before.count + 1);
    }

    #[test]
    fn adding_a_new_largest_value_decreases_no_percentile(values in amounts(), p in 0u32..=100) {
        let mut more = values.clone();
        more.push(values.iter().max().unwrap() + 1);
        prop_assert!(percentile(&more, p) >= percentile(&values, p));
    }

    #[test]
    fn summary_is_ordered(values in amounts()) {
        let s = Summary::of(&values).unwrap();
        prop_assert!(s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3);
        prop_assert!(s.q3 <= s.p90 && s.p90 <= s.max);
        prop_assert!(s.mad >= 0 && s.iqr() >= 0);
        prop_assert!(s.mad <= s.max - s.min, "no typical deviation beyond the spread");
    }

    #[test]
    fn a_constant_has_itself_as_every_statistic(v in 0i128..10_000_000, n in 1usize..30) {
        let s = Summary::of(&vec![v; n]).unwrap();
        prop_assert_eq!((s.min, s.median, s.p90, s.max, s.mad), (v, v, v, v, 0));
    }
}
