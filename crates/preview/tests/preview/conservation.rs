//! The conservation lines a user reads: nothing disappears into a zero fee.

use crate::support::*;
use rust_decimal::Decimal;
use tipvault_money::Locale;
use tipvault_money::{Currency, Rate};
use tipvault_preview::{Objective, ProductKind, conservation, conservation_lines, plan};

#[test]
fn dollars_paying_for_won_products_show_their_fx_cost_on_a_line_of_its_own() {
    // The seed's case: $305.00 of tips at ₩1,380.50 per dollar, into a top-up and a donation.
    let mut req = request(
        &[usd(30_500)],
        vec![kind(ProductKind::MobileTopUp), kind(ProductKind::Donation)],
        Objective::FirstPreference,
    );
    req.rates.push(
        Rate::new(
            Currency::USD,
            Currency::KRW,
            Decimal::new(138_050, 2),
            "typed by the user",
            now(),
        )
        .expect("rate"),
    );
    let p = plan(&demo(), &req).expect("a plan");
    let lines = conservation(&p);
    assert_eq!(lines.len(), 1);
    let usd_line = &lines[0];
    assert!(usd_line.balances(), "{usd_line:?}");
    assert_eq!(usd_line.balance, usd(30_500));
    let [won] = usd_line.arrivals.as_slice() else {
        panic!("one destination currency: {:?}", usd_line.arrivals)
    };
    assert_eq!(won.currency, Currency::KRW);
    assert!(won.rate.is_some());
    // Everything that left, converted exactly, is accounted for to the fraction of a won.
    assert_eq!(
        won.converted,
        usd_line.leaves.amount() * Decimal::new(138_050, 2)
    );
    let cost = won.fx_granularity.amount() + won.rounding;
    assert_eq!(
        won.converted - won.received.amount() - won.fees.amount(),
        cost
    );
    assert!(
        won.fees.is_zero(),
        "the demo's top-up and donation are free"
    );
    assert!(
        cost > Decimal::ZERO,
        "dollars never convert into exact won amounts here: the difference is shown ({cost})"
    );
    let redemptions: usize = p.legs.iter().map(|l| l.redemptions.len()).sum();
    assert!(won.rounding < Decimal::from(redemptions));
    // The same lines in both languages, each naming the FX cost.
    let en = conservation_lines(&p, Locale::En);
    assert_eq!(
        en[0], "Leaves the balance: $305.00. Stays: $0.00.",
        "{en:?}"
    );
    assert!(
        en[1].starts_with("$305.00 × 1380.5 = ₩421,052.5: ₩"),
        "{en:?}"
    );
    assert!(en[1].contains("FX granularity"), "{en:?}");
    let ko = conservation_lines(&p, Locale::Ko);
    assert_eq!(ko.len(), en.len());
    assert!(ko[1].contains("환전 단위 차이"), "{ko:?}");
    assert!(ko[1].contains("421,052.5원"), "{ko:?}");
}

#[test]
fn a_same_currency_plan_has_no_fx_lines_and_what_stays_is_named() {
    let mut req = request(
        &[krw(1_300)],
        vec![kind(ProductKind::MobileTopUp)],
        Objective::FirstPreference,
    );
    req.keep.push(krw(100));
    let p = plan(&demo(), &req).expect("a plan");
    let [line] = conservation(&p).try_into().expect("one currency");
    assert!(line.balances());
    assert_eq!(line.leaves, krw(1_000), "a ₩1,000 top-up");
    assert_eq!(line.stays, krw(300));
    assert_eq!(line.kept, krw(100));
    let [won] = line.arrivals.as_slice() else {
        panic!("{:?}", line.arrivals)
    };
    assert!(won.rate.is_none() && won.fx_granularity.is_zero() && won.rounding.is_zero());
    assert_eq!(won.converted, Decimal::from(1_000));
}

#[test]
fn a_limit_holds_back_what_may_not_leave_now_on_a_line_of_its_own() {
    let mut req = request(
        &[krw(87_300)],
        vec![kind(ProductKind::MobileTopUp), kind(ProductKind::Donation)],
        Objective::FirstPreference,
    );
    req.limits.push(krw(30_000));
    let p = plan(&demo(), &req).expect("a plan");
    let spent: i64 = p.legs.iter().map(|l| l.debit.to_minor().unwrap()).sum();
    assert_eq!(spent, 30_000, "up to the limit, no more");
    assert_eq!(p.held, vec![krw(57_300)]);
    let [line] = conservation(&p).try_into().expect("one currency");
    assert!(line.balances());
    assert_eq!((line.leaves, line.held), (krw(30_000), krw(57_300)));
    let en = conservation_lines(&p, Locale::En);
    assert_eq!(
        en[0],
        "Leaves the balance: ₩30,000. Stays: ₩57,300 (of which ₩57,300 waiting for your limit)."
    );
    let explained = tipvault_preview::explain(&p, Locale::En);
    assert!(
        explained.contains("₩57,300 waits: you can cash out up to ₩30,000 now."),
        "{explained}"
    );
    assert!(tipvault_preview::explain(&p, Locale::Ko).contains("57,300원은 기다립니다"));
}
