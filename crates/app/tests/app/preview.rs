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

#[test]
fn a_preview_across_providers_draws_each_account_through_its_own_catalog() {
    let (dir, _loc, mut session) = super::support::new_vault();
    let net = tipvault_app::Network::new().unwrap();
    let _edu = super::support::paired_provider(
        &mut session,
        &net,
        dir.path(),
        super::support::catalog_of("edu-points", "3"),
        "1111-2222",
        20_000,
        false,
    );
    let _telco = super::support::paired_provider(
        &mut session,
        &net,
        dir.path(),
        super::support::catalog_of("telco-points", "0"),
        "3333-4444",
        15_000,
        false,
    );
    let now = Utc::now();
    let query = tipvault_app::BalancePreviewQuery {
        prefer: vec!["donation".into()],
        objective: Some(tipvault_app::preview::PreviewObjective::FirstPreference),
        ..Default::default()
    };
    let across = tipvault_app::preview_across_providers(&mut session, &query, now).unwrap();
    let providers: Vec<&str> = across.parts.iter().map(|p| p.provider.as_str()).collect();
    // The cheaper provider first (against the ids' order, the tie-break).
    assert_eq!(providers, ["telco-points", "edu-points"]);
    let mut total = 0;
    for part in &across.parts {
        let plan = &part.preview.best;
        let account = format!("provider-{}", part.provider);
        // Each account only through its own provider, and conserved to the unit.
        for outcome in &plan.sources {
            assert_eq!(outcome.source_id, account);
            assert_eq!(
                outcome.debited.checked_add(outcome.left).unwrap(),
                outcome.balance
            );
            total += outcome.debited.to_minor_i128();
        }
        for leg in &plan.legs {
            assert!(leg.sources.iter().all(|d| d.source_id == account));
        }
    }
    assert_eq!(
        across
            .debited
            .iter()
            .map(|m| i128::from(m.minor))
            .sum::<i128>(),
        total
    );
    // A new vault may cash out ₩30,000 at once: shared, spent by the cheaper provider first.
    assert!(total <= 30_000, "{total}");
    assert_eq!(
        across.parts[0].preview.best.sources[0]
            .debited
            .to_minor_i128(),
        15_000,
        "the cheaper provider's whole balance"
    );
    assert_eq!(
        total, 30_000,
        "the rest of the limit through the dearer one"
    );

    // Both catalogs use the same product ids: naming one is ambiguous, so it is refused.
    let by_id = tipvault_app::BalancePreviewQuery {
        prefer: vec!["krw-donation-green-earth".into()],
        ..Default::default()
    };
    let err = tipvault_app::preview_across_providers(&mut session, &by_id, now).unwrap_err();
    assert_eq!(err.code, tipvault_app::ErrorCode::InvalidInput);
    assert!(err.message.contains("several providers"), "{}", err.message);
}
