//! Reconciling a provider account: the provider's signed balance is read, compared with the
//! books per currency, and the difference booked and explained (see `accounts` for the money
//! model and `reconciliation` for what is shown).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_ledger::entry::NewEntry;
use tipvault_ledger::{Entry, EntryKey, EntryKind, Source, SourceId};
use tipvault_money::{Currency, Money};
use tipvault_vault::{
    AuditEvent, BalanceReading, LegState, NewReconciliation, ReconciliationOutcome,
    StoredReconciliation,
};

use crate::accounts::{Books, PROVIDER_PLATFORM, provider_account, provider_source_id, resolve};
use crate::error::{AppError, ErrorCode};
use crate::network::Network;
use crate::providers::{client_for, stored_provider};
use crate::reconciliation::{LegRef, ReconciliationView, leg_json, leg_ref, stored_view};
use crate::session::Session;

/// Reads the provider's signed balance and reconciles each of its currencies (and each
/// currency the books hold there) with the account's running balance. A reading that is not
/// this device's (checked by the client), older than the last one kept, or lists a currency
/// twice is refused before anything is written: the previous reading stays.
pub fn reconcile_account(
    session: &mut Session,
    net: &Network,
    account: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ReconciliationView>, AppError> {
    let books = Books::read(session, now)?;
    let id = resolve(&books, account)?;
    let provider_id = books.provider_of(&SourceId::new(&id)).ok_or_else(|| {
        AppError::invalid(format!(
            "{id} is not held by a paired provider: there is no provider balance to \
                 reconcile it with."
        ))
    })?;
    let provider = stored_provider(session, &provider_id, now)?;
    let client = client_for(session, net, &provider, now)?;
    let (balance, exchange) = net.block_on(client.signed_balance())?;
    let response = json!({
        "status": exchange.response.status(),
        "headers": exchange.response.headers(),
        "body": String::from_utf8_lossy(exchange.response.body()),
    })
    .to_string();
    let mut readings: BTreeMap<Currency, Money> = BTreeMap::new();
    for line in &balance.balances {
        let amount = line.amount.money(line.currency).map_err(|e| {
            AppError::new(
                ErrorCode::Provider,
                format!("{provider_id}'s balance is unusable: {e}."),
            )
        })?;
        if readings.insert(line.currency, amount).is_some() {
            return Err(AppError::new(
                ErrorCode::Provider,
                format!(
                    "{provider_id}'s balance lists {} twice: refused.",
                    line.currency.code()
                ),
            ));
        }
    }
    // A currency the provider does not list is left alone: no reading, nothing booked.
    let books_now = books.redeemable(&provider_id);
    // Refuse before writing anything: every currency's reading must be newer.
    for c in readings.keys() {
        if let Some(last) = session
            .vault_at(now)
            .latest_reading(&provider_id, *c, now)?
            && balance.as_of < last.reading.as_of
        {
            return Err(AppError::new(
                ErrorCode::Provider,
                format!(
                    "{provider_id}'s balance is dated {}, older than the last one kept ({}): \
                     refused as a replay, the previous reading is kept.",
                    balance.as_of.to_rfc3339(),
                    last.reading.as_of.to_rfc3339()
                ),
            ));
        }
    }
    let redemptions = session.vault_at(now).redemptions(now)?;
    // This provider's legs, wherever they sit (a plan across providers has others' too).
    let legs: Vec<&tipvault_vault::StoredLeg> = redemptions
        .iter()
        .flat_map(|r| r.legs.iter())
        .filter(|l| l.provider_id == provider_id)
        .collect();
    // The newest booking from a receipt: a balance dated before it cannot show that charge yet.
    let account_id = provider_source_id(&provider_id);
    let newest_booking = session
        .vault_at(now)
        .history(
            &tipvault_vault::HistoryFilter {
                source: Some(account_id.clone()),
                kinds: vec![EntryKind::Redemption, EntryKind::Fee],
                ..tipvault_vault::HistoryFilter::default()
            },
            None,
            1,
            now,
        )?
        .entries
        .first()
        .map(|e| e.entry.occurred_at());
    let earlier = session
        .vault_at(now)
        .reconciliations(&provider_id, 50, now)?;
    // A currency the provider itself last said the account holds value in must be in the
    // reading: a balance that moved the account to another currency would otherwise make that
    // value vanish from the books without a word. Only the newest reading per currency counts
    // (`earlier` is newest first), so a currency spent to zero may then be left out; a
    // currency the provider never listed (a linked platform account's) is left alone.
    let mut last_read: BTreeMap<Currency, Money> = BTreeMap::new();
    for r in &earlier {
        let last = r.reconciliation.provider;
        last_read.entry(last.currency()).or_insert(last);
    }
    let held: BTreeMap<Currency, Money> = last_read
        .into_iter()
        .filter(|(_, m)| !m.is_zero())
        .collect();
    if let Some((currency, amount)) = held.iter().find(|(c, _)| !readings.contains_key(c)) {
        let listed: Vec<&str> = readings.keys().map(|c| c.code()).collect();
        return Err(AppError::new(
            ErrorCode::Provider,
            format!(
                "{provider_id}'s balance lists {} but no {}, where this account holds {}: \
                 refused as a balance in another currency, the previous reading is kept.",
                if listed.is_empty() {
                    "nothing".to_owned()
                } else {
                    listed.join(", ")
                },
                currency.code(),
                tipvault_money::format::format(amount, tipvault_money::format::Locale::En),
            ),
        ));
    }
    // Everything is decided before anything is written: a refusal writes nothing.
    let mut decided = Vec::new();
    for (currency, reading) in readings {
        let vault = books_now
            .get(&currency)
            .copied()
            .unwrap_or(Money::zero(currency));
        let difference = reading.checked_sub(vault).map_err(|e| {
            AppError::new(
                ErrorCode::Provider,
                format!("{provider_id}'s balance is unusable: {e}."),
            )
        })?;
        let of_currency = |l: &&&tipvault_vault::StoredLeg| l.currency == currency.code();
        let in_flight: Vec<LegRef> = legs
            .iter()
            .filter(of_currency)
            .filter(|l| matches!(l.state, LegState::Sent | LegState::OutcomeUnknown))
            .map(|l| leg_ref(l, currency))
            .collect();
        let missing = difference.negated().to_minor_i128();
        let in_flight_cost: i128 = in_flight.iter().map(|l| i128::from(l.cost.minor)).sum();
        // Only legs confirmed since this currency was last reconciled can explain a new drop
        // (an older one was already in the books the provider agreed with), and only one leg
        // of exactly that cost names itself: several of the same cost are not guessed between.
        let since = earlier
            .iter()
            .find(|r| {
                r.reconciliation.provider.currency() == currency
                    && r.reconciliation.outcome != ReconciliationOutcome::Pending
            })
            .map(|r| r.at);
        let candidates: Vec<LegRef> = if difference.is_negative() {
            legs.iter()
                .filter(of_currency)
                .filter(|l| l.state == LegState::Confirmed)
                .filter(|l| since.is_none_or(|t| l.updated_at >= t))
                .filter(|l| i128::from(l.amount_minor) + i128::from(l.fee_minor) == missing)
                .map(|l| leg_ref(l, currency))
                .collect()
        } else {
            Vec::new()
        };
        let suspect = match candidates.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let predates_a_booking = newest_booking.is_some_and(|at| balance.as_of < at);
        // A shortfall that legs still in flight may explain, or a balance dated before the
        // newest receipt, cannot be booked honestly yet: wait for the legs to settle.
        let outcome = if difference.is_zero() {
            ReconciliationOutcome::Matched
        } else if predates_a_booking
            || (difference.is_negative() && !in_flight.is_empty() && missing <= in_flight_cost)
        {
            ReconciliationOutcome::Pending
        } else if difference.is_positive() {
            ReconciliationOutcome::Credited
        } else if suspect.is_some() {
            ReconciliationOutcome::DoubleCharge
        } else {
            ReconciliationOutcome::Unexplained
        };
        let detail = json!({
            "suspect": suspect.as_ref().map(leg_json),
            "in_flight": in_flight.iter().map(leg_json).collect::<Vec<_>>(),
        })
        .to_string();
        let account_source = provider_account(&provider, currency);
        let adjustment = match outcome {
            ReconciliationOutcome::Matched | ReconciliationOutcome::Pending => Vec::new(),
            _ => vec![adjusting_entry(
                &account_source,
                outcome,
                difference,
                balance.as_of,
            )?],
        };
        let rec = NewReconciliation {
            provider: reading,
            vault,
            outcome,
            detail,
        };
        let event = AuditEvent::new(
            "account.reconciled",
            json!({"account": account_source.id.as_str(), "provider": provider_id,
                   "currency": currency.code(), "provider_balance": reading.to_string(),
                   "vault_balance": vault.to_string(), "outcome": outcome.as_str(),
                   "suspect": suspect.as_ref().and_then(|s| s.provider_redemption_id.clone())}),
        )?;
        decided.push((reading, rec, account_source, adjustment, event));
    }
    let mut out = Vec::new();
    for (reading, rec, account_source, adjustment, event) in decided {
        let row = session.vault_at(now).record_reconciliation(
            &BalanceReading {
                provider_id: provider_id.clone(),
                amount: reading,
                as_of: balance.as_of,
                read_at: now,
                response: response.clone(),
            },
            &rec,
            &account_source,
            &adjustment,
            &event,
            now,
        )?;
        out.push(stored_view(
            &StoredReconciliation {
                id: row,
                provider_id: provider_id.clone(),
                reading_id: None,
                reconciliation: rec,
                at: now,
            },
            account_source.id.as_str(),
        )?);
    }
    Ok(out)
}

/// The entry that brings the books to the provider's balance: a credit found at the provider,
/// or a charge no receipt explains (its own line, so "where did my points go?" has an answer).
fn adjusting_entry(
    account: &Source,
    outcome: ReconciliationOutcome,
    difference: Money,
    at: DateTime<Utc>,
) -> Result<Entry, AppError> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("No randomness available: {e}."),
        )
    })?;
    let kind = match outcome {
        ReconciliationOutcome::Credited => EntryKind::Credit,
        _ => EntryKind::Other,
    };
    Entry::new(NewEntry {
        source: account.id.clone(),
        kind,
        occurred_at: at,
        gross: difference,
        fee: Money::zero(difference.currency()),
        net: difference,
        key: EntryKey::TransactionId {
            platform: PROVIDER_PLATFORM.into(),
            source: account.id.clone(),
            id: format!("reconciliation:{}:{}", outcome.as_str(), hex::encode(nonce)),
        },
        payer: None,
        message: None,
    })
    .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))
}
