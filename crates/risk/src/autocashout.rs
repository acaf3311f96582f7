//! Auto-cash-out rules: "when this source reaches X, run this plan template".
//!
//! Decision: this module only says *which* rules fire. It never approves a redemption: the app
//! builds the claim from the template, runs [`assess`](crate::assess) on it and applies
//! [`Decision::unattended`](crate::Decision::unattended) (nobody is there to confirm, so a
//! step-up becomes a pause), then records the run in the audit chain. Rules are for the trusted
//! tier only; below it they are kept but do not fire.

use crate::error::AutoCashOutError;
use crate::history::SourceId;
use crate::tier::Tier;
use serde::{Deserialize, Serialize};
use tipvault_money::Money;

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoCashOutRule {
    /// The user's name for it, unique.
    pub id: String,
    /// The source watched.
    pub source: SourceId,
    /// Fire when the source's balance reaches this (same currency).
    pub threshold: Money,
    /// The plan template to run (the app's id for it).
    pub template: String,
}

/// A source's balance now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBalance {
    /// The source.
    pub source: SourceId,
    /// Its balance.
    pub balance: Money,
}

/// A rule that fires now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Firing {
    /// The rule's id.
    pub rule: String,
    /// The source.
    pub source: SourceId,
    /// Its balance, at or above the threshold.
    pub balance: Money,
    /// The template to run.
    pub template: String,
}

/// Adds `rule` to `rules`; trusted tier only, thresholds above zero, ids unique.
pub fn add_rule(
    rules: &mut Vec<AutoCashOutRule>,
    rule: AutoCashOutRule,
    tier: Tier,
) -> Result<(), AutoCashOutError> {
    if !tier.allows_auto_cash_out() {
        return Err(AutoCashOutError::NotTrusted { tier });
    }
    if !rule.threshold.is_positive() {
        return Err(AutoCashOutError::NotPositive);
    }
    if rules.iter().any(|r| r.id == rule.id) {
        return Err(AutoCashOutError::Duplicate { id: rule.id });
    }
    rules.push(rule);
    Ok(())
}

/// The rules that fire for `balances` at `tier`, in rule order: a rule fires when its source's
/// balance, in the threshold's currency, is at least the threshold. Below the trusted tier
/// nothing fires ([`AutoCashOutError::NotTrusted`]), so a demoted user's rules wait.
pub fn firing(
    rules: &[AutoCashOutRule],
    balances: &[SourceBalance],
    tier: Tier,
) -> Result<Vec<Firing>, AutoCashOutError> {
    if !tier.allows_auto_cash_out() {
        return Err(AutoCashOutError::NotTrusted { tier });
    }
    Ok(rules
        .iter()
        .filter_map(|rule| {
            let balance = balances.iter().find(|b| {
                b.source == rule.source && b.balance.currency() == rule.threshold.currency()
            })?;
            (balance.balance.to_minor_i128() >= rule.threshold.to_minor_i128()).then(|| Firing {
                rule: rule.id.clone(),
                source: rule.source.clone(),
                balance: balance.balance,
                template: rule.template.clone(),
            })
        })
        .collect())
}
