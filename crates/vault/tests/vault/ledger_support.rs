//! Helpers for the ledger tests: a source and hand-built entries.

use chrono::{DateTime, Duration, Utc};
use tipvault_ledger::entry::NewEntry;
use tipvault_ledger::{Entry, EntryKey, EntryKind, PayoutRule, Platform, Source, SourceId};
use tipvault_money::{Currency, Money};
use tipvault_vault::Vault;

use crate::support::t0;

pub fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

pub fn kofi(id: &str) -> Source {
    Source {
        id: SourceId::new(id),
        label: format!("Ko-fi {id}"),
        platform: Platform::KoFi,
        currency: usd(),
        payout: Some(PayoutRule {
            threshold: Money::from_minor(5000, usd()),
            schedule: "on request".into(),
        }),
    }
}

/// A USD tip in `source`, `hours` after t0, with transaction id `tx`.
pub fn tip(source: &str, tx: &str, hours: i64, gross: i64, fee: i64) -> Entry {
    tip_with(source, tx, hours, gross, fee, None, None)
}

pub fn tip_with(
    source: &str,
    tx: &str,
    hours: i64,
    gross: i64,
    fee: i64,
    payer: Option<&str>,
    message: Option<&str>,
) -> Entry {
    entry_in(
        source,
        tx,
        EntryKind::Tip,
        t0() - Duration::days(30) + Duration::hours(hours),
        Money::from_minor(gross, usd()),
        Money::from_minor(fee, usd()),
        payer,
        message,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn entry_in(
    source: &str,
    tx: &str,
    kind: EntryKind,
    at: DateTime<Utc>,
    gross: Money,
    fee: Money,
    payer: Option<&str>,
    message: Option<&str>,
) -> Entry {
    Entry::new(NewEntry {
        source: SourceId::new(source),
        kind,
        occurred_at: at,
        gross,
        fee,
        net: gross.checked_sub(fee).unwrap(),
        key: EntryKey::TransactionId {
            platform: "kofi".into(),
            source: SourceId::new(source),
            id: tx.into(),
        },
        payer: payer.map(str::to_owned),
        message: message.map(str::to_owned),
    })
    .unwrap()
}

/// A vault with the Ko-fi source `main`.
pub fn vault_with_source() -> (tempfile::TempDir, Vault) {
    let (tmp, mut vault) = crate::support::new_vault();
    vault.add_source(&kofi("main"), t0()).unwrap();
    (tmp, vault)
}

/// Balances must always equal the sums recomputed from live entries.
pub fn assert_balances_consistent(vault: &Vault, now: DateTime<Utc>) {
    assert_eq!(
        vault.balances(now).unwrap(),
        vault.balances_recomputed(now).unwrap(),
        "the maintained balances drifted from the live entries"
    );
}
