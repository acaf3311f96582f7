//! Automatic cash-outs: "when this source reaches X, run this plan template".
//!
//! The decisions to know:
//! - **Trusted tier only** (`tipvault_risk::add_rule` / `firing`): below it rules are kept but
//!   neither added nor run.
//! - **Every run still passes the risk gate, unattended**: nobody is there to confirm, so a
//!   step-up becomes a pause (`Decision::unattended`) and the redemption waits for
//!   `verify` like any other. Each firing and each skipped run is recorded in the audit chain.
//! - **A rule fires at most once per [`REFIRE_AFTER_HOURS`]**, counted from its last firing in
//!   the audit chain: the source's balance does not drop when a provider balance is redeemed,
//!   so without this every run would cash out again.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tipvault_ledger::SourceId;
use tipvault_money::{Currency, Money};
use tipvault_risk::{AutoCashOutError, AutoCashOutRule, SourceBalance, Tier};
use tipvault_vault::{LegState, StoredAutoCashOut};
use ts_rs::TS;

use crate::audit;
use crate::error::{AppError, ErrorCode, Hint, sentence};
use crate::network::Network;
use crate::preview::{PreviewObjective, PreviewQuery};
use crate::redemption::plan::RedeemRequest;
use crate::session::Session;
use crate::view::MoneyView;

/// A rule does not fire again within this many hours of its last firing.
pub const REFIRE_AFTER_HOURS: i64 = 24;

/// What to redeem when a rule fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AutoCashOutTemplate {
    /// The amount to redeem, in the source's currency; none: the source's whole balance.
    #[serde(default)]
    pub amount: Option<String>,
    /// Destinations in order of preference (as for a preview).
    #[serde(default)]
    pub prefer: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The provider (default: the only one).
    #[serde(default)]
    pub provider: Option<String>,
    /// `product → field → value`.
    #[serde(default)]
    pub destinations: BTreeMap<String, BTreeMap<String, String>>,
    /// Optimise fees instead of the first preference.
    #[serde(default)]
    pub least_fees: bool,
}

/// A rule to add.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct NewAutoCashOut {
    /// The user's name for it, unique.
    pub id: String,
    /// The source watched.
    pub source: String,
    /// Fire at this balance, in the source's currency (e.g. `50000`).
    pub threshold: String,
    pub template: AutoCashOutTemplate,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AutoCashOutView {
    pub id: String,
    pub source: String,
    pub threshold: MoneyView,
    pub template: AutoCashOutTemplate,
    pub created_at: DateTime<Utc>,
    /// When it last fired and what came of it; none if it never fired (or that audit entry
    /// has expired).
    pub last_fired: Option<AutoCashOutLastFiredView>,
}

/// What became of a rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "AutoCashOutOutcome")]
pub enum FiredOutcome {
    /// Planned and approved: its legs wait in the outbox to be sent.
    Approved,
    /// Planned, and held by the risk check until the user verifies or cancels it.
    Paused,
    /// Planned, and refused by the risk check.
    Refused,
    /// Could not be planned (or approved for another reason).
    Failed,
    /// Fired within the last day: not fired again (not a firing, so never recorded).
    Waiting,
}

/// A rule's last firing, read back from the audit chain (the one record of firings, so it
/// survives restarts and expires with the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AutoCashOutLastFiredView {
    pub at: DateTime<Utc>,
    /// Never `waiting`: that is not a firing. None: recorded by a newer version, with an
    /// outcome this one does not know (it still counts as a firing).
    pub outcome: Option<FiredOutcome>,
    pub redemption_id: Option<String>,
}

/// One rule that fired in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AutoCashOutFiredView {
    pub rule: String,
    pub redemption_id: Option<String>,
    pub outcome: FiredOutcome,
    pub message: Option<String>,
    /// What to do next about it (a paused rule's redemption: verify or cancel it).
    pub hint: Option<Hint>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AutoCashOutRunView {
    pub tier: Tier,
    /// Why nothing ran (below the trusted tier), if so.
    pub skipped: Option<String>,
    pub fired: Vec<AutoCashOutFiredView>,
}

impl AutoCashOutRunView {
    /// Whether a rule's redemption was approved: its legs wait in the outbox to be sent.
    #[must_use]
    pub fn queued_any(&self) -> bool {
        self.fired
            .iter()
            .any(|f| f.outcome == FiredOutcome::Approved)
    }

    /// Whether a rule did something the user should hear of (a rule that fired within the last
    /// day only says so again: that is not news).
    #[must_use]
    pub fn did_anything(&self) -> bool {
        self.fired
            .iter()
            .any(|f| f.outcome != FiredOutcome::Waiting)
    }
}

/// Whether a background trigger (an unlock, an import) should run the rules: some exist and the
/// tier lets them fire. Below the trusted tier no rule can fire and the page says why; running
/// anyway would only add a "skipped" audit entry on every unlock and import.
pub fn auto_cashouts_may_fire(session: &mut Session, now: DateTime<Utc>) -> Result<bool, AppError> {
    // No rules (the common case): one read, no network.
    if session.vault_at(now).auto_cash_outs(now)?.is_empty() {
        return Ok(false);
    }
    Ok(crate::risk::standing::risk_status(session, now)?.auto_cash_outs_allowed)
}

fn damaged() -> AppError {
    AppError::new(
        ErrorCode::VaultDamaged,
        "A stored automatic cash-out rule is unreadable.",
    )
}

fn view(
    stored: &StoredAutoCashOut,
    firings: &BTreeMap<String, AutoCashOutLastFiredView>,
) -> Result<AutoCashOutView, AppError> {
    let currency = Currency::from_code(&stored.currency).map_err(|_| damaged())?;
    Ok(AutoCashOutView {
        id: stored.id.clone(),
        source: stored.source_id.clone(),
        threshold: (&Money::from_minor(stored.threshold_minor, currency)).into(),
        template: serde_json::from_str(&stored.template).map_err(|_| damaged())?,
        created_at: stored.created_at,
        last_fired: firings.get(&stored.id).cloned(),
    })
}

fn engine_rule(stored: &StoredAutoCashOut) -> Result<AutoCashOutRule, AppError> {
    let currency = Currency::from_code(&stored.currency).map_err(|_| damaged())?;
    Ok(AutoCashOutRule {
        id: stored.id.clone(),
        source: tipvault_risk::SourceId::new(&stored.source_id),
        threshold: Money::from_minor(stored.threshold_minor, currency),
        template: stored.id.clone(),
    })
}

/// The rules, oldest first.
pub fn list_auto_cashouts(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<AutoCashOutView>, AppError> {
    let firings = last_firings(session, now)?;
    session
        .vault_at(now)
        .auto_cash_outs(now)?
        .iter()
        .map(|stored| view(stored, &firings))
        .collect()
}

fn not_trusted(e: &AutoCashOutError) -> AppError {
    AppError::new(ErrorCode::InvalidInput, sentence(e))
}

/// Adds a rule (trusted tier only; refusals audited).
pub fn add_auto_cashout(
    session: &mut Session,
    rule: &NewAutoCashOut,
    now: DateTime<Utc>,
) -> Result<AutoCashOutView, AppError> {
    let id = rule.id.trim();
    if id.is_empty() || id.len() > 64 {
        return Err(AppError::invalid(
            "Give the rule a name of 1 to 64 characters.",
        ));
    }
    let source = session
        .vault_at(now)
        .source(&SourceId::new(rule.source.trim()), now)?
        .ok_or_else(|| AppError::invalid(format!("There is no source {:?}.", rule.source)))?;
    let threshold = tipvault_money::read(&rule.threshold, source.currency)
        .map_err(|e| AppError::invalid(format!("The rule's threshold: {e}")))?;
    if let Some(amount) = &rule.template.amount {
        tipvault_money::read(amount, source.currency)
            .map_err(|e| AppError::invalid(format!("The rule's amount: {e}")))?;
    }
    let tier = crate::risk::verification::tier_now(session, now)?;
    let stored: Vec<StoredAutoCashOut> = session.vault_at(now).auto_cash_outs(now)?;
    let mut rules = stored
        .iter()
        .map(engine_rule)
        .collect::<Result<Vec<_>, _>>()?;
    let new = AutoCashOutRule {
        id: id.to_owned(),
        source: tipvault_risk::SourceId::new(source.id.as_str()),
        threshold,
        template: id.to_owned(),
    };
    if let Err(e) = tipvault_risk::add_rule(&mut rules, new, tier) {
        let error = not_trusted(&e);
        audit::append(
            session.vault_at(now),
            "autocashout.refused",
            json!({"rule": id, "tier": tier.name().0, "message": error.message}),
            now,
        )?;
        return Err(error);
    }
    let row = StoredAutoCashOut {
        id: id.to_owned(),
        source_id: source.id.as_str().to_owned(),
        currency: source.currency.code().to_owned(),
        threshold_minor: threshold
            .to_minor()
            .map_err(|e| AppError::invalid(sentence(&e)))?,
        template: serde_json::to_string(&rule.template)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?,
        created_at: now,
    };
    if !session.vault_at(now).auto_cash_out_add(&row, now)? {
        return Err(AppError::invalid(format!(
            "A rule named {id:?} exists already."
        )));
    }
    audit::append(
        session.vault_at(now),
        "autocashout.added",
        json!({"rule": id, "source": row.source_id, "threshold": threshold.amount().to_string(),
               "currency": row.currency}),
        now,
    )?;
    // A rule re-added under a removed one's name keeps its last firing (and its 24-hour wait).
    let firings = last_firings(session, now)?;
    view(&row, &firings)
}

/// Removes a rule.
pub fn remove_auto_cashout(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !session.vault_at(now).auto_cash_out_remove(id.trim())? {
        return Err(AppError::invalid(format!(
            "There is no automatic cash-out rule {id:?}."
        )));
    }
    audit::append(
        session.vault_at(now),
        "autocashout.removed",
        json!({"rule": id.trim()}),
        now,
    )
}

/// A rule fired: recorded where the once-a-day guard reads it (the fixed `risk_state` class,
/// which no retention change reaches) and in the audit chain.
fn fired(
    session: &mut Session,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    session
        .vault_at(now)
        .risk_event_append(FIRED, &detail, now)?;
    audit::append(session.vault_at(now), FIRED, detail, now)
}

const FIRED: &str = "autocashout.fired";

/// Each rule's last firing, from its `autocashout.fired` risk events (oldest first, so the
/// last one read wins).
fn last_firings(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, AutoCashOutLastFiredView>, AppError> {
    let mut out = BTreeMap::new();
    for (at, detail) in session.vault_at(now).risk_events_of_kind(FIRED, now)? {
        if let Some((rule, firing)) = firing_of(at, &detail) {
            out.insert(rule, firing);
        }
    }
    Ok(out)
}

/// One recorded firing: its rule and what came of it. Every firing that names its rule counts,
/// also one whose outcome this version cannot read (written by a newer one): the day's guard
/// against firing twice must never fail open.
fn firing_of(at: DateTime<Utc>, detail: &str) -> Option<(String, AutoCashOutLastFiredView)> {
    let detail = serde_json::from_str::<serde_json::Value>(detail).ok()?;
    let rule = detail["rule"].as_str()?.to_owned();
    let outcome = serde_json::from_value::<FiredOutcome>(detail["outcome"].clone()).ok();
    let redemption_id = detail["redemption"].as_str().map(str::to_owned);
    Some((
        rule,
        AutoCashOutLastFiredView {
            at,
            outcome,
            redemption_id,
        },
    ))
}

/// The debit of a stored redemption's legs that are not `failed` (refused, or cancelled before
/// sending): what it has taken, or may still take, from its money.
fn committed_minor(r: &tipvault_vault::StoredRedemption) -> i128 {
    r.legs
        .iter()
        .filter(|l| l.state != LegState::Failed)
        .map(|l| i128::from(l.amount_minor) + i128::from(l.fee_minor))
        .sum()
}

/// What each rule's account has left, in minor units of the rule's currency, keyed by the
/// rule's source: the running balance of the provider account that holds the source's money
/// (every confirmed leg and fee is booked there, so it falls the moment a receipt arrives)
/// less what is on its way out of that account and not booked yet — legs approved, sent or of
/// unknown outcome, and legs held for the user's key (planned under a pause or step-up that
/// was neither verified nor cancelled). A source no paired provider holds has nothing to draw
/// on. Sources held by one provider share one account, so `account` maps each to it.
///
/// So a rule never fires again on money it already took (the balance fell), nor on money any
/// redemption, manual or automatic, is spending.
struct Headroom {
    /// Rule source → account key (`provider:CUR`).
    account: BTreeMap<String, String>,
    /// Account key → what is left.
    left: BTreeMap<String, Money>,
}

fn headroom(
    session: &mut Session,
    stored: &[StoredAutoCashOut],
    now: DateTime<Utc>,
) -> Result<Headroom, AppError> {
    let accounts = crate::accounts::drawable(session, now)?;
    let pending = crate::accounts::on_its_way_out(session, None, now)?;
    let mut out = Headroom {
        account: BTreeMap::new(),
        left: BTreeMap::new(),
    };
    for rule in stored {
        let currency = Currency::from_code(&rule.currency).map_err(|_| damaged())?;
        let (key, left) = match accounts.holder.get(&SourceId::new(&rule.source_id)) {
            Some(provider) => {
                let balance = accounts
                    .balances
                    .get(&(provider.clone(), currency))
                    .map_or(0, |m| m.to_minor_i128());
                let out_now = pending
                    .get(&(provider.clone(), rule.currency.clone()))
                    .copied()
                    .unwrap_or(0);
                (format!("{provider}:{}", rule.currency), balance - out_now)
            }
            None => (format!("{}:{}", rule.source_id, rule.currency), 0),
        };
        let left = Money::from_minor_i128(left.max(0), currency)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
        out.account.insert(rule.source_id.clone(), key.clone());
        out.left.insert(key, left);
    }
    Ok(out)
}

/// Runs every rule that fires now: plans its template, judges it unattended (a step-up
/// becomes a pause) and approves what the gate allows. Queued legs go out with the next
/// `run_outbox`. Each firing, and a run skipped below the trusted tier, is audited.
pub fn run_auto_cashouts(
    session: &mut Session,
    net: &Network,
    now: DateTime<Utc>,
) -> Result<AutoCashOutRunView, AppError> {
    let stored = session.vault_at(now).auto_cash_outs(now)?;
    let tier = crate::risk::verification::tier_now(session, now)?;
    let mut run = AutoCashOutRunView {
        tier,
        skipped: None,
        fired: Vec::new(),
    };
    if stored.is_empty() {
        return Ok(run);
    }
    let rules = stored
        .iter()
        .map(engine_rule)
        .collect::<Result<Vec<_>, _>>()?;
    let Headroom { account, mut left } = headroom(session, &stored, now)?;
    let balances: Vec<SourceBalance> = account
        .iter()
        .filter_map(|(source, key)| {
            Some(SourceBalance {
                source: tipvault_risk::SourceId::new(source),
                balance: *left.get(key)?,
            })
        })
        .collect();
    let firing = match tipvault_risk::firing(&rules, &balances, tier) {
        Ok(firing) => firing,
        Err(e) => {
            let message = sentence(&e);
            audit::append(
                session.vault_at(now),
                "autocashout.run",
                json!({"skipped": "not_trusted", "tier": tier.name().0}),
                now,
            )?;
            run.skipped = Some(message);
            return Ok(run);
        }
    };
    let last = last_firings(session, now)?;
    let network = net.identity();
    for fire in firing {
        if last
            .get(&fire.rule)
            .is_some_and(|f| now - f.at < Duration::hours(REFIRE_AFTER_HOURS))
        {
            run.fired.push(AutoCashOutFiredView {
                rule: fire.rule,
                redemption_id: None,
                outcome: FiredOutcome::Waiting,
                message: Some(format!(
                    "It fired less than {REFIRE_AFTER_HOURS} hours ago."
                )),
                hint: None,
            });
            continue;
        }
        let Some(row) = stored.iter().find(|s| s.id == fire.rule) else {
            continue;
        };
        // An earlier rule in this run may have taken this account's money.
        let key = account.get(&row.source_id).cloned().unwrap_or_default();
        let balance = left.get(&key).copied().unwrap_or(fire.balance);
        if balance.to_minor_i128() < i128::from(row.threshold_minor) {
            continue;
        }
        let template: AutoCashOutTemplate =
            serde_json::from_str(&row.template).map_err(|_| damaged())?;
        let holder = key.split_once(':').map(|(p, _)| p.to_owned());
        if let (Some(named), Some(held)) = (&template.provider, &holder)
            && named != held
        {
            let message = format!(
                "Its plan names {named}, but the money of {} is at {held}: nothing was planned.",
                row.source_id
            );
            fired(
                session,
                json!({"rule": fire.rule, "redemption": null, "outcome": FiredOutcome::Failed,
                       "source": row.source_id, "reason": message}),
                now,
            )?;
            run.fired.push(AutoCashOutFiredView {
                rule: fire.rule,
                redemption_id: None,
                outcome: FiredOutcome::Failed,
                message: Some(message),
                hint: None,
            });
            continue;
        }
        let request = RedeemRequest {
            query: PreviewQuery {
                amount: template
                    .amount
                    .clone()
                    .unwrap_or_else(|| balance.amount().to_string()),
                currency: balance.currency().code().to_owned(),
                prefer: template.prefer.clone(),
                objective: if template.least_fees {
                    PreviewObjective::LeastFees
                } else {
                    PreviewObjective::FirstPreference
                },
                keep: None,
                exclude: template.exclude.clone(),
                // The headroom was worked out for the provider holding the rule's source: the
                // plan draws on that account and no other.
                provider: holder.clone(),
            },
            destinations: template.destinations.clone(),
        };
        let (redemption_id, outcome, error) =
            match crate::redemption::plan::plan_redemption(session, &request, now) {
                Err(e) => (None, FiredOutcome::Failed, Some(e)),
                Ok(planned) => {
                    match crate::redemption::approval::approve_unattended(
                        session,
                        &planned.id,
                        &network,
                        now,
                    ) {
                        Ok(_) => (Some(planned.id), FiredOutcome::Approved, None),
                        Err(e) => {
                            let outcome = match e.code {
                                ErrorCode::Paused | ErrorCode::StepUpRequired => {
                                    FiredOutcome::Paused
                                }
                                ErrorCode::RiskRefused => FiredOutcome::Refused,
                                _ => FiredOutcome::Failed,
                            };
                            (Some(planned.id), outcome, Some(e))
                        }
                    }
                }
            };
        if let (Some(id), FiredOutcome::Approved | FiredOutcome::Paused) = (&redemption_id, outcome)
            && let Some(r) = session.vault_at(now).redemption(id, now)?
            && let Some(left) = left.get_mut(&key)
        {
            let rest = left.to_minor_i128() - committed_minor(&r);
            *left = Money::from_minor_i128(rest, left.currency())
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
        }
        fired(
            session,
            json!({"rule": fire.rule, "redemption": redemption_id, "outcome": outcome,
                   "source": row.source_id,
                   "balance": balance.amount().to_string(),
                   "currency": balance.currency().code()}),
            now,
        )?;
        run.fired.push(AutoCashOutFiredView {
            rule: fire.rule,
            redemption_id,
            outcome,
            message: error.as_ref().map(|e| e.message.clone()),
            hint: error.and_then(|e| e.hint).map(|h| *h),
        });
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firing_counts_even_when_its_outcome_is_unknown_here() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let (rule, known) = firing_of(
            at,
            r#"{"rule":"daily","outcome":"approved","redemption":"rx_1"}"#,
        )
        .unwrap();
        assert_eq!(rule, "daily");
        assert_eq!(known.outcome, Some(FiredOutcome::Approved));
        assert_eq!(known.redemption_id.as_deref(), Some("rx_1"));
        // Written by a newer version: still a firing at `at`, so it still blocks a second one.
        let (_, newer) = firing_of(at, r#"{"rule":"daily","outcome":"deferred"}"#).unwrap();
        assert_eq!((newer.at, newer.outcome), (at, None));
        assert!(
            firing_of(at, r#"{"outcome":"approved"}"#).is_none(),
            "no rule: not a firing"
        );
        assert!(firing_of(at, "not json").is_none());
    }
}
