//! Previews as the front ends receive them: the value path's widths come worked out.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use tipvault_app::preview::PlanView;
use tipvault_app::{PreviewQuery, WHOLE_BP, demo_catalog, preview_query, share_bp};

fn plans(amount: &str) -> Vec<PlanView> {
    let now = Utc.with_ymd_and_hms(2030, 6, 1, 12, 0, 0).unwrap();
    let catalog = demo_catalog(now).unwrap();
    let query = PreviewQuery {
        amount: amount.to_owned(),
        currency: "KRW".to_owned(),
        prefer: Vec::new(),
        objective: tipvault_app::preview::PreviewObjective::LeastFees,
        keep: None,
        exclude: Vec::new(),
        provider: None,
    };
    let view = tipvault_app::preview_view(&preview_query(&catalog, &query, now).unwrap());
    std::iter::once(view.best)
        .chain(view.alternatives)
        .collect()
}

#[test]
fn an_empty_balance_draws_no_path() {
    for plan in plans("0") {
        assert!(plan.legs.is_empty());
        assert_eq!(plan.stays_bp, 0);
    }
}

proptest! {
    /// Every plan's path fills the bar exactly: each leg within a point of its share of the
    /// balance, what stays the rest, and a leg's fee tail its share of that leg.
    #[test]
    fn the_value_path_is_the_balance_split_exactly(won in 1u64..2_000_000) {
        for plan in plans(&won.to_string()) {
            let balance = i128::from(plan.balance[0].minor);
            let mut used = 0u32;
            for leg in &plan.legs {
                let exact = share_bp(i128::from(leg.gross.minor), balance);
                prop_assert!(leg.path_bp == exact || leg.path_bp == exact + 1, "{} vs {exact}", leg.path_bp);
                prop_assert_eq!(
                    leg.fee_of_leg_bp,
                    share_bp(i128::from(leg.fee.minor), i128::from(leg.gross.minor))
                );
                used += u32::from(leg.path_bp);
            }
            prop_assert_eq!(used + u32::from(plan.stays_bp), u32::from(WHOLE_BP));
            if plan.remainder.is_empty() && plan.kept.is_empty() {
                prop_assert_eq!(plan.stays_bp, 0, "nothing stays: no sliver drawn for it");
            }
        }
    }
}
