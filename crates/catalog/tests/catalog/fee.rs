//! The fee model: net is the face, gross = net + fee.

use crate::support::*;

#[test]
fn a_5000_gift_card_costs_5100() {
    let catalog = demo();
    let card = catalog.product("krw-gift-card").expect("gift card");
    let fee = card.fee_rule().fee_for(krw(5000)).expect("fee");
    assert_eq!(fee, krw(100));
    assert_eq!(
        krw(5000).checked_add(fee),
        Ok(krw(5100)),
        "the balance pays face + fee"
    );
}

#[test]
fn fees_never_decrease_with_the_amount() {
    // The planner's binary search relies on this.
    let catalog = demo();
    for product in catalog.products() {
        let c = product.currency();
        let mut previous = None;
        for minor in (0..20_000).step_by(37) {
            let fee = product
                .fee_rule()
                .fee_for(tipvault_money::Money::from_minor(minor, c))
                .expect("fee")
                .to_minor_i128();
            if let Some(p) = previous {
                assert!(fee >= p, "{} fee fell at {minor}", product.id());
            }
            previous = Some(fee);
        }
    }
}
