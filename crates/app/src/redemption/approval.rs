//! Approval: the plan is re-checked against the cached catalog, judged by the risk gate, and
//! its legs queued; the only way into the send queue.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_money::{Currency, Money};
use tipvault_preview::{Catalog, Freshness};
use tipvault_vault::{AuditEvent, LegState, StoredLeg};

use crate::accounts::provider_source_id;
use crate::catalogs::leg_catalogs;
use crate::error::{AppError, ErrorCode};
use crate::network::NetworkIdentity;
use crate::redemption::lookup::{RedemptionView, currency, redemption, stored_redemption};
use crate::session::Session;

/// Why a leg may not be sent under the current catalog, if it may not.
pub(crate) fn recheck(
    leg: &StoredLeg,
    catalog: Option<&Catalog>,
    now: DateTime<Utc>,
) -> Option<String> {
    // A redemption draws on exactly one provider account: only that account's provider may
    // send it (a redemption stored before accounts existed drew on its own provider's).
    let account = provider_source_id(&leg.provider_id);
    if let Some(drawn) = &leg.account_id
        && drawn != account.as_str()
    {
        return Some(format!(
            "it draws on the account {drawn}, which {} does not hold",
            leg.provider_id
        ));
    }
    let Some(catalog) = catalog else {
        return Some("the provider's catalog is no longer in the vault".into());
    };
    if catalog.freshness(now) == Freshness::Expired {
        return Some(format!(
            "the catalog of {} expired on {}",
            catalog.provider_id(),
            catalog.expires_at().format("%Y-%m-%d %H:%M UTC")
        ));
    }
    let Some(product) = catalog.product(&leg.product) else {
        return Some(format!("{} is no longer offered", leg.product));
    };
    let cur = Currency::from_code(&leg.currency).ok()?;
    let amount = Money::from_minor(leg.amount_minor, cur);
    if product.currency() != cur || !product.amount_rule().accepts(amount) {
        return Some(format!(
            "{} no longer accepts {}",
            leg.product,
            amount.amount()
        ));
    }
    match product.fee_rule().fee_for(amount) {
        Ok(fee) if fee == Money::from_minor(leg.fee_minor, cur) => None,
        Ok(fee) => Some(format!(
            "the fee of {} changed from {} to {} {}",
            leg.product,
            Money::from_minor(leg.fee_minor, cur).amount(),
            fee.amount(),
            cur.code()
        )),
        Err(e) => Some(e.to_string()),
    }
}

/// Approves a planned redemption after re-checking every leg against the current cached
/// catalog: a changed fee, a withdrawn product or an expired catalog refuses it (nothing is
/// sent, nothing is queued). Then the risk check judges it from this machine's network
/// ([`NetworkIdentity::local`]); see [`approve_redemption_from`].
pub fn approve_redemption(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    approve_redemption_from(session, id, &NetworkIdentity::local(), now)
}

/// [`approve_redemption`] from the network `network` (the CLI passes `Network::identity`).
/// After the catalog re-check, the risk gate (`crate::risk`) judges the plan: allowed → the
/// legs are queued; a step-up or pause → they stay `planned` and the redemption waits
/// (`step_up_required` / `paused`, durable, until `verify_redemption` or
/// `cancel_redemption`); refused → `risk_refused`, nothing queued.
pub fn approve_redemption_from(
    session: &mut Session,
    id: &str,
    network: &NetworkIdentity,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    approve_with(
        session,
        id,
        network,
        crate::risk::gate::Attendance::Attended,
        now,
    )
}

/// The approval of an automatic cash-out: nobody is there to confirm, so a step-up pauses.
pub(crate) fn approve_unattended(
    session: &mut Session,
    id: &str,
    network: &NetworkIdentity,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    approve_with(
        session,
        id,
        network,
        crate::risk::gate::Attendance::Unattended,
        now,
    )
}

fn approve_with(
    session: &mut Session,
    id: &str,
    network: &NetworkIdentity,
    attendance: crate::risk::gate::Attendance,
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    let r = stored_redemption(session, id, now)?;
    // Each leg against its own provider's catalog (a plan across providers has several).
    let catalogs = leg_catalogs(session, &r, now)?;
    for leg in r.legs.iter().filter(|l| l.state == LegState::Planned) {
        let catalog = catalogs.get(&leg.provider_id).and_then(Option::as_ref);
        if let Some(why) = recheck(leg, catalog, now) {
            let vault = session.vault_at(now);
            vault.audit_append(
                &AuditEvent::new(
                    "redemption.refused",
                    json!({"redemption": id, "reason": why}),
                )?,
                now,
            )?;
            return Err(AppError::new(
                ErrorCode::PlanChanged,
                format!("Not sent: {why}. Preview again to see the current offer."),
            ));
        }
    }
    // Other redemptions may have drawn on the accounts since this one was planned: each
    // provider's account must still cover its own legs.
    let mut debit: BTreeMap<&str, BTreeMap<Currency, i128>> = BTreeMap::new();
    for leg in r.legs.iter().filter(|l| l.state == LegState::Planned) {
        *debit
            .entry(leg.provider_id.as_str())
            .or_default()
            .entry(currency(&leg.currency)?)
            .or_default() += i128::from(leg.amount_minor) + i128::from(leg.fee_minor);
    }
    for (provider, debit) in &debit {
        crate::accounts::check_covered(session, provider, debit, Some(id), now)?;
    }
    crate::risk::gate::gate(session, &r, network, attendance, now)?;
    let vault = session.vault_at(now);
    let changed = vault.outbox_approve(id, now)?;
    if changed > 0 {
        vault.audit_append(
            &AuditEvent::new(
                "redemption.approved",
                json!({"redemption": id, "legs": changed}),
            )?,
            now,
        )?;
    }
    redemption(session, id, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(provider: &str, account: Option<&str>) -> StoredLeg {
        StoredLeg {
            redemption_id: "rx_1".into(),
            seq: 0,
            provider_id: provider.into(),
            account_id: account.map(str::to_owned),
            product: "krw-mobile-top-up".into(),
            currency: "KRW".into(),
            amount_minor: 1000,
            fee_minor: 0,
            body: Vec::new(),
            idempotency_key: "k".into(),
            state: LegState::Approved,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            provider_redemption_id: None,
            updated_at: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn only_the_provider_holding_the_account_may_send_a_leg() {
        let now = Utc::now();
        let catalog = crate::catalogs::demo_catalog(now).unwrap();
        let own = leg("demo-provider", Some("provider-demo-provider"));
        assert_eq!(recheck(&own, Some(&catalog), now), None);
        // Stored before accounts existed: it drew on its own provider's account.
        assert_eq!(
            recheck(&leg("demo-provider", None), Some(&catalog), now),
            None
        );
        let other = leg("demo-provider", Some("provider-edupoints"));
        let refused = recheck(&other, Some(&catalog), now).expect("refused before sending");
        assert!(refused.contains("provider-edupoints"), "{refused}");
    }
}
