//! The display forms: proportions worked out for the window (which does no money arithmetic).

use proptest::prelude::*;
use tipvault_app::{WHOLE_BP, share_bp, split_bp};

#[test]
fn a_share_is_exact_rounded_down_and_clamped() {
    assert_eq!(share_bp(0, 100), 0);
    assert_eq!(share_bp(50, 100), 5_000);
    assert_eq!(share_bp(1, 3), 3_333, "rounded down, never up");
    assert_eq!(share_bp(2, 3), 6_666);
    assert_eq!(share_bp(100, 100), WHOLE_BP);
    assert_eq!(
        share_bp(150, 100),
        WHOLE_BP,
        "more than the whole is all of it"
    );
    assert_eq!(share_bp(-5, 100), 0, "a debt draws nothing");
    assert_eq!(share_bp(5, 0), 0, "nothing of nothing");
    assert_eq!(share_bp(5, -10), 0);
    assert_eq!(
        share_bp(i128::MAX / 2, i128::MAX),
        4_999,
        "no overflow at the edge"
    );
}

#[test]
fn a_split_adds_up_exactly_and_gives_nothing_to_nothing() {
    // ₩1,000 + ₩300 of ₩1,300: 7692.3 and 2307.7 points; the leftover point goes to the larger
    // remainder, and the empty "stays" part gets none.
    assert_eq!(split_bp(&[1_000, 300, 0], WHOLE_BP), [7_692, 2_308, 0]);
    assert_eq!(
        split_bp(&[1, 1, 1], WHOLE_BP),
        [3_334, 3_333, 3_333],
        "ties: the first"
    );
    assert_eq!(split_bp(&[0, 0], WHOLE_BP), [0, 0]);
    assert!(split_bp(&[], WHOLE_BP).is_empty());
    assert_eq!(
        split_bp(&[5, -3], 100),
        [100, 0],
        "a negative part counts as nothing"
    );
}

proptest! {
    /// Whatever the parts, the widths add up to the total exactly, each within one point of its
    /// exact share, and a zero part is never drawn.
    #[test]
    fn a_split_is_exact_and_fair(
        parts in proptest::collection::vec(0i128..1_000_000_000_000_000, 1..10),
        total in 1u16..=10_000,
    ) {
        let whole: i128 = parts.iter().sum();
        prop_assume!(whole > 0);
        let split = split_bp(&parts, total);
        prop_assert_eq!(split.iter().map(|w| u32::from(*w)).sum::<u32>(), u32::from(total));
        for (part, width) in parts.iter().zip(&split) {
            let floor = part * i128::from(total) / whole;
            let width = i128::from(*width);
            prop_assert!(width == floor || width == floor + 1, "{part} of {whole}: {width}");
            if *part == 0 {
                prop_assert_eq!(width, 0);
            }
        }
    }

    /// Parts of a whole never draw wider than the whole, and lose less than one basis point
    /// each to rounding.
    #[test]
    fn shares_of_parts_add_up_to_at_most_the_whole(
        parts in proptest::collection::vec(0i128..1_000_000_000_000, 1..8),
    ) {
        let whole: i128 = parts.iter().sum();
        prop_assume!(whole > 0);
        let total: u32 = parts.iter().map(|p| u32::from(share_bp(*p, whole))).sum();
        prop_assert!(total <= u32::from(WHOLE_BP));
        let len = u32::try_from(parts.len()).unwrap();
        prop_assert!(total + len >= u32::from(WHOLE_BP), "{total} of {parts:?}");
    }
}
