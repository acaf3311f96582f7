//! Every rule can explain itself in English and Korean, with its numbers.

use crate::support::{claim, confirmed, daily, established, krw, leg, now, usd_cents};
use chrono::Duration;
use std::collections::BTreeMap;
use tipvault_money::{Currency, Money};
use tipvault_risk::{Decision, History, NetworkHash, Reason, RuleId, Settings, assess};

/// Decisions that, between them, fire every rule.
fn decisions() -> Vec<Decision> {
    let s = Settings::default();
    let mut out = vec![
        assess(&History::default(), &s, &claim(now(), krw(130_000))), // new tier, limits
        assess(&established(), &s, &claim(now(), krw(25_000))),       // above usual
        assess(&established(), &s, &claim(now(), usd_cents(5_00))),   // no usual range
        assess(
            &History::default(),
            &s,
            &claim(now(), Money::from_minor(1, Currency::EUR)),
        ),
    ];
    let mut malformed = claim(now(), krw(10_000));
    malformed.legs.clear();
    out.push(assess(&established(), &s, &malformed));
    let mut novel = claim(now(), krw(10_000));
    novel.network = NetworkHash::new("net-new");
    novel.legs = vec![leg("newco", "phone-new", krw(10_000))];
    out.push(assess(&established(), &s, &novel).unattended());
    let newest = established().newest().unwrap();
    out.push(assess(
        &established(),
        &s,
        &claim(newest - Duration::hours(1), krw(10_000)),
    ));
    let mut bursty = established();
    for m in [40, 30, 20] {
        bursty
            .claims
            .push(confirmed(now() - Duration::minutes(m), krw(10_000), false));
    }
    out.push(assess(&bursty, &s, &claim(now(), krw(10_000))));
    let mut long = daily(6, krw(1_000), 0); // still new: first claim 5 days ago
    long.last_verification = None;
    out.push(assess(&long, &s, &claim(now(), krw(10_000)))); // cumulative, new-tier count 5
    out
}

#[test]
fn every_rule_fires_somewhere_with_both_languages_and_its_numbers() {
    let mut seen: BTreeMap<RuleId, Reason> = BTreeMap::new();
    for d in decisions() {
        for r in d.reasons {
            seen.entry(r.rule).or_insert(r);
        }
    }
    for rule in RuleId::ALL {
        let reason = seen
            .get(&rule)
            .unwrap_or_else(|| panic!("{rule:?} never fired"));
        let hangul = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
        assert!(
            !reason.text.en.chars().any(hangul),
            "{rule:?}: {}",
            reason.text.en
        );
        assert!(reason.text.en.len() > 20, "{rule:?}: {}", reason.text.en);
        assert!(
            reason.text.ko.chars().any(hangul),
            "{rule:?}: Korean text must be Korean: {}",
            reason.text.ko
        );
        assert_ne!(reason.text.en, reason.text.ko);
    }
}

#[test]
fn amounts_and_thresholds_are_formatted_for_each_language() {
    let d = assess(
        &established(),
        &Settings::default(),
        &claim(now(), krw(25_000)),
    );
    let text = &d.reasons[0].text;
    assert!(
        text.en.contains("₩25,000") && text.en.contains("₩20,000"),
        "{}",
        text.en
    );
    assert!(
        text.ko.contains("25,000원") && text.ko.contains("20,000원"),
        "{}",
        text.ko
    );
    let over = assess(
        &History::default(),
        &Settings::default(),
        &claim(now(), krw(30_001)),
    );
    let limit = over
        .reasons
        .iter()
        .find(|r| r.rule == RuleId::OverClaimLimit)
        .unwrap();
    assert!(limit.text.en.contains("₩30,001") && limit.text.en.contains("₩30,000"));
    assert!(limit.text.ko.contains("30,001원") && limit.text.ko.contains("30,000원"));
    let usd = assess(
        &History::default(),
        &Settings::default(),
        &claim(now(), usd_cents(25_01)),
    );
    let limit = usd
        .reasons
        .iter()
        .find(|r| r.rule == RuleId::OverClaimLimit)
        .unwrap();
    assert!(limit.text.en.contains("$25.01") && limit.text.ko.contains("$25.00"));
}

#[test]
fn fingerprints_are_shortened_in_text() {
    let mut c = claim(now(), krw(10_000));
    c.legs = vec![leg("telco", "fp-0123456789abcdef", krw(10_000))];
    let d = assess(&established(), &Settings::default(), &c);
    let text = &d.reasons[0].text;
    assert!(
        text.en.contains("…cdef") && !text.en.contains("0123456789"),
        "{}",
        text.en
    );
    // The reason names what is sent there, in both languages.
    assert!(
        text.en
            .starts_with("This sends a mobile top-up to a destination"),
        "{}",
        text.en
    );
    assert!(text.ko.starts_with("모바일 충전:"), "{}", text.ko);
    let mut gift = c.clone();
    gift.legs[0].product = tipvault_risk::ProductKind::GiftCard;
    let d = assess(&established(), &Settings::default(), &gift);
    assert!(
        d.reasons[0]
            .text
            .en
            .starts_with("This sends a gift card to"),
        "{}",
        d.reasons[0].text.en
    );
}

#[test]
fn too_few_redemptions_reads_naturally_for_none_and_one() {
    let no_range = |history: &History| {
        let d = assess(
            history,
            &Settings::default(),
            &claim(now(), usd_cents(5_00)),
        );
        d.reasons
            .into_iter()
            .find(|r| r.rule == RuleId::AboveUsualRange)
            .expect("no usual range yet")
            .text
    };
    let none = no_range(&established());
    assert!(
        none.en
            .starts_with("You have no redemptions in this currency yet"),
        "{}",
        none.en
    );
    assert!(none.ko.contains("아직 없어"), "{}", none.ko);

    let mut one = established();
    one.claims
        .push(confirmed(now() - Duration::days(2), usd_cents(4_00), false));
    let one = no_range(&one);
    assert!(
        one.en.starts_with("There is only 1 redemption in"),
        "{}",
        one.en
    );
    assert!(one.ko.contains("1건뿐"), "{}", one.ko);
}

#[test]
fn english_counts_are_singular_for_one() {
    use tipvault_risk::reason::count_en;
    assert_eq!(count_en(1u32, "redemption", "redemptions"), "1 redemption");
    assert_eq!(count_en(0u32, "redemption", "redemptions"), "0 redemptions");
    assert_eq!(count_en(2i64, "more day", "more days"), "2 more days");
    // A new account's first reason: nothing confirmed yet, and the counts to go.
    let d = assess(
        &History::default(),
        &Settings::default(),
        &claim(now(), krw(1_000)),
    );
    let text = d
        .reasons
        .iter()
        .find(|r| r.rule == RuleId::NewTier)
        .map(|r| r.text.en.clone())
        .unwrap();
    assert!(text.contains("(0 confirmed redemptions so far)"), "{text}");
    assert!(!text.contains(" 1 more days"), "{text}");
}
