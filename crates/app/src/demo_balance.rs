//! Demo money: the sandbox tips a demo vault starts with (₩87,300), so a newcomer can preview
//! and redeem end to end, and what starting demo mode reports. Only ever in the demo vault
//! ([`crate::demo::require_demo`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_vault::AuditEvent;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::providers::ProviderView;
use crate::session::Session;

/// The demo tips, KRW: they add up to [`DEMO_BALANCE_KRW`].
pub const DEMO_TIPS_KRW: [i64; 3] = [50_000, 30_000, 7_300];

/// What the demo sandbox holds for the user at the start (KRW): the demo tips, so the
/// provider's signed balance and the books agree to the unit from the first reconciliation.
pub const DEMO_BALANCE_KRW: i64 = DEMO_TIPS_KRW[0] + DEMO_TIPS_KRW[1] + DEMO_TIPS_KRW[2];

/// Demo mode: a source of sandbox tips (₩87,300) when the vault holds no balance yet, so a
/// newcomer can preview and redeem end to end. Returns whether it imported anything.
///
/// The sandbox step-up waiver stays off: a demo redemption that needs a step-up asks for the
/// demo's test device, or for the user to turn the waiver on (a confirmed, audited choice in
/// Security & limits or `risk sandbox-waiver on`).
pub fn import_demo_balance(session: &mut Session, now: DateTime<Utc>) -> Result<bool, AppError> {
    use tipvault_ledger::entry::NewEntry;
    use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source, SourceId};
    use tipvault_money::{Currency, Money};
    crate::demo::require_demo(session, "Demo money")?;
    let vault = session.vault_at(now);
    if !vault.balances(now)?.is_empty() {
        return Ok(false);
    }
    let id = SourceId::new("sandbox-demo-tips");
    if vault.source(&id, now)?.is_none() {
        vault.add_source(
            &Source {
                id: id.clone(),
                label: "Demo tips (sandbox)".into(),
                platform: Platform::Generic("sandbox-demo".into()),
                currency: Currency::KRW,
                payout: None,
            },
            now,
        )?;
    }
    let entries = DEMO_TIPS_KRW
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            let m = Money::from_minor(*amount, Currency::KRW);
            Entry::new(NewEntry {
                source: id.clone(),
                kind: EntryKind::Tip,
                occurred_at: now - chrono::Duration::days(i64::try_from(i).unwrap_or(0) + 1),
                gross: m,
                fee: Money::zero(Currency::KRW),
                net: m,
                key: EntryKey::TransactionId {
                    platform: "sandbox-demo".into(),
                    source: id.clone(),
                    id: format!("demo-tip-{i}"),
                },
                payer: None,
                message: None,
            })
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    vault.import_entries(&id, &entries, now)?;
    // The demo tips arrived at the sandbox, which holds them: they are that provider
    // account's income (and the sandbox is started with exactly this balance).
    vault.set_source_holder(&id, Some(crate::catalogs::DEMO_PROVIDER_ID), now)?;
    vault.audit_append(
        &AuditEvent::new("demo.balance_imported", json!({"source": id.as_str()}))?,
        now,
    )?;
    Ok(true)
}

/// What starting demo mode did: the sandbox provider (added and paired), where it listens,
/// whether a demo balance was imported, and the other demo providers.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DemoStarted {
    pub provider: ProviderView,
    pub url: String,
    pub demo_balance_imported: bool,
    /// The other demo providers, added and paired beside it (a plan across providers).
    pub others: Vec<ProviderView>,
}
