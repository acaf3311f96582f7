//! Auto-cash-out rules: trusted only, fire at the threshold, each run still judged.

use crate::support::{claim, established, krw, now, trusted, usd_cents};
use tipvault_money::Currency;
use tipvault_risk::{
    AutoCashOutError, AutoCashOutRule, Outcome, Profile, Settings, SourceBalance, SourceId, Tier,
    add_rule, assess, firing, tier::tier_of,
};

fn rule(id: &str, source: &str, threshold: tipvault_money::Money) -> AutoCashOutRule {
    AutoCashOutRule {
        id: id.into(),
        source: SourceId::new(source),
        threshold,
        template: format!("template-{id}"),
    }
}

fn balance(source: &str, amount: tipvault_money::Money) -> SourceBalance {
    SourceBalance {
        source: SourceId::new(source),
        balance: amount,
    }
}

#[test]
fn only_trusted_users_may_add_or_run_rules() {
    let mut rules = Vec::new();
    for tier in [Tier::New, Tier::Established] {
        assert_eq!(
            add_rule(&mut rules, rule("a", "tips", krw(10_000)), tier),
            Err(AutoCashOutError::NotTrusted { tier })
        );
        assert!(firing(&rules, &[], tier).is_err());
    }
    add_rule(&mut rules, rule("a", "tips", krw(10_000)), Tier::Trusted).unwrap();
    assert_eq!(
        add_rule(&mut rules, rule("a", "tips", krw(5_000)), Tier::Trusted),
        Err(AutoCashOutError::Duplicate { id: "a".into() })
    );
    assert_eq!(
        add_rule(&mut rules, rule("b", "tips", krw(0)), Tier::Trusted),
        Err(AutoCashOutError::NotPositive)
    );
    // Kept but silent after a demotion.
    assert!(matches!(
        firing(&rules, &[balance("tips", krw(99_000))], Tier::Established),
        Err(AutoCashOutError::NotTrusted { .. })
    ));
}

#[test]
fn a_rule_fires_at_its_threshold_in_its_currency() {
    let rules = vec![
        rule("tips", "tips", krw(10_000)),
        rule("points", "points", krw(5_000)),
        rule("dollars", "tips", usd_cents(20_00)),
    ];
    let balances = [balance("tips", krw(10_000)), balance("points", krw(4_999))];
    let fired = firing(&rules, &balances, Tier::Trusted).unwrap();
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(
        (fired[0].rule.as_str(), fired[0].template.as_str()),
        ("tips", "template-tips")
    );
    assert_eq!(fired[0].balance, krw(10_000));
}

#[test]
fn each_firing_still_passes_the_risk_check_unattended() {
    let history = trusted();
    let profile = Profile::learn(&history, Currency::KRW, now());
    let tier = tier_of(&profile);
    assert_eq!(tier, Tier::Trusted);
    let rules = vec![rule("tips", "tips", krw(10_000))];
    let fired = firing(&rules, &[balance("tips", krw(12_000))], tier).unwrap();
    assert_eq!(fired.len(), 1);
    // The app turns the template into a claim; a usual one goes through…
    let usual = assess(&history, &Settings::default(), &claim(now(), krw(10_000))).unattended();
    assert_eq!(usual.outcome, Outcome::Allow);
    // …an unusual one waits for the user instead of asking nobody.
    let unusual = assess(&history, &Settings::default(), &claim(now(), krw(25_000))).unattended();
    assert_eq!(unusual.outcome, Outcome::Pause);
    // And an established user's template never runs at all.
    assert!(
        firing(
            &rules,
            &[],
            tier_of(&Profile::learn(&established(), Currency::KRW, now()))
        )
        .is_err()
    );
}
