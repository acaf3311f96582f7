//! Amount rules of the demo products.

use crate::support::*;

#[test]
fn transit_credit_accepts_500_steps_only() {
    let catalog = demo();
    let rule = catalog
        .product("krw-transit-credit")
        .expect("transit")
        .amount_rule();
    assert!(rule.accepts(krw(1500)));
    assert!(!rule.accepts(krw(1300)));
    assert_eq!(rule.next_above(krw(1000)), Some(krw(1500)));
}
