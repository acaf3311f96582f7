//! Explanations in English and Korean.

use crate::support::*;
use tipvault_money::Locale;
use tipvault_preview::{Objective, ProductKind, explain, plan};

#[test]
fn the_issue_example_reads_the_same_in_both_languages() {
    let r = request(
        &[krw(1300)],
        vec![kind(ProductKind::MobileTopUp), kind(ProductKind::Donation)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    assert_eq!(
        explain(&p, Locale::En),
        "Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit. Done in about 2 minutes, at worst in 1 day."
    );
    assert_eq!(
        explain(&p, Locale::Ko),
        "1,300원은 휴대폰 충전 1,000원 + 기부 300원으로 바뀝니다. 보통 2분, 늦어도 1일 안에 완료됩니다."
    );
}

#[test]
fn fees_remainders_and_unlocks_are_spelled_out() {
    let r = request(
        &[krw(5300)],
        vec![kind(ProductKind::GiftCard)],
        Objective::FirstPreference,
    );
    let p = plan(&demo(), &r).expect("plans");
    let en = explain(&p, Locale::En);
    assert!(
        en.starts_with(
            "Your ₩5,300 will be: ₩5,000 gift card (fee ₩100). ₩200 stays in your balance."
        ),
        "{en}"
    );
    let ko = explain(&p, Locale::Ko);
    assert!(
        ko.starts_with(
            "5,300원은 상품권 5,000원(수수료 100원)(으)로 바뀝니다. 200원은 잔액에 남습니다."
        ),
        "{ko}"
    );
}

#[test]
fn an_empty_plan_says_nothing_converts() {
    let r = request(&[krw(50)], vec![], Objective::LeastFees);
    let p = plan(&demo(), &r).expect("plans");
    let en = explain(&p, Locale::En);
    assert!(en.starts_with("Nothing can be converted from your ₩50 right now. ₩50 stays in your balance. ₩50 more and this becomes a ₩100 donation credit."), "{en}");
    let ko = explain(&p, Locale::Ko);
    assert!(
        ko.contains("50원을 더 모으면 기부 100원으로 바꿀 수 있습니다."),
        "{ko}"
    );
}
