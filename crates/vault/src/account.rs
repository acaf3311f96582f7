//! Provider accounts in the vault: the provider's signed balance readings, the reconciliations
//! of those readings with the vault's running balance, and the link from a platform account to
//! the provider that holds its money (migration v8).
//!
//! The one decision to know: a reconciliation is written in **one transaction** with the
//! reading it compares and the entry that makes the books equal to the provider (a credit the
//! vault had no entry for, or a charge no leg explains). So an account's running balance — the
//! sum of its live entries, kept by `balance.rs` — always equals the last reading once no leg is
//! in flight, and its history holds a line for every unit that moved, explained or not.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, named_params};
use tipvault_money::{Currency, Money};

use crate::columns::unix_time;
use crate::error::{LedgerError, StoreError};
use crate::{AuditEvent, Vault, retention};

/// Retention class of readings and reconciliations: evidence of what the provider held, kept
/// like receipts.
pub const CLASS: &str = "receipt";

/// One currency of a provider's signed balance, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceReading {
    /// The provider.
    pub provider_id: String,
    /// What it holds for this device's account.
    pub amount: Money,
    /// The provider's time of the snapshot.
    pub as_of: DateTime<Utc>,
    /// When this device read it.
    pub read_at: DateTime<Utc>,
    /// The signed response as received (headers and body), for evidence.
    pub response: String,
}

/// A stored reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReading {
    /// Row id.
    pub id: i64,
    /// The reading.
    pub reading: BalanceReading,
}

/// How a reading compared with the vault's running balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(export, rename = "ReconciliationOutcome")
)]
pub enum Outcome {
    /// Equal to the unit.
    Matched,
    /// The provider holds more: credit the vault had no entry for (booked as a credit).
    Credited,
    /// The difference is exactly what legs still in flight may have taken: nothing booked yet.
    Pending,
    /// The provider holds less and no leg explains it (booked as an unexplained charge).
    Unexplained,
    /// The provider holds less by exactly what a confirmed leg cost: it looks charged twice.
    DoubleCharge,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Matched => "matched",
            Outcome::Credited => "credited",
            Outcome::Pending => "pending",
            Outcome::Unexplained => "unexplained",
            Outcome::DoubleCharge => "double_charge",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Matched,
            Outcome::Credited,
            Outcome::Pending,
            Outcome::Unexplained,
            Outcome::DoubleCharge,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// A reconciliation to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReconciliation {
    /// The provider's signed balance.
    pub provider: Money,
    /// The vault's running balance of the account before any adjustment.
    pub vault: Money,
    /// The comparison.
    pub outcome: Outcome,
    /// What explains the difference, as JSON (suspect legs, legs in flight).
    pub detail: String,
}

/// A stored reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReconciliation {
    /// Row id.
    pub id: i64,
    /// The provider.
    pub provider_id: String,
    /// The reading it compared (gone once the reading expired).
    pub reading_id: Option<i64>,
    /// The comparison.
    pub reconciliation: NewReconciliation,
    /// When it was made.
    pub at: DateTime<Utc>,
}

fn money(minor: i64, code: &str, col: usize) -> rusqlite::Result<Money> {
    let currency = Currency::from_code(code).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Money::from_minor(minor, currency))
}

fn reading_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReading> {
    let code: String = r.get(2)?;
    Ok(StoredReading {
        id: r.get(0)?,
        reading: BalanceReading {
            provider_id: r.get(1)?,
            amount: money(r.get(3)?, &code, 2)?,
            as_of: unix_time(4, r.get(4)?)?,
            read_at: unix_time(5, r.get(5)?)?,
            response: r.get(6)?,
        },
    })
}

fn reconciliation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReconciliation> {
    let code: String = r.get(2)?;
    let outcome: String = r.get(6)?;
    Ok(StoredReconciliation {
        id: r.get(0)?,
        provider_id: r.get(1)?,
        reading_id: r.get(3)?,
        reconciliation: NewReconciliation {
            provider: money(r.get(4)?, &code, 4)?,
            vault: money(r.get(5)?, &code, 5)?,
            outcome: Outcome::parse(&outcome).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    format!("unknown reconciliation outcome {outcome:?}").into(),
                )
            })?,
            detail: r.get(7)?,
        },
        at: unix_time(8, r.get(8)?)?,
    })
}

const READING_COLUMNS: &str =
    "id, provider_id, currency, amount_minor, as_of, read_at, response FROM balance_reading";
const RECONCILIATION_COLUMNS: &str = "id, provider_id, currency, reading_id, provider_minor, \
     vault_minor, outcome, detail, at FROM reconciliation";

impl Vault {
    /// The latest live reading of a provider's balance in `currency` (latest by the provider's
    /// own time, then by row).
    pub fn latest_reading(
        &self,
        provider_id: &str,
        currency: Currency,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredReading>, StoreError> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {READING_COLUMNS} WHERE provider_id = :p AND currency = :c AND {}
                     ORDER BY as_of DESC, id DESC LIMIT 1",
                    retention::LIVE
                ),
                named_params! {":p": provider_id, ":c": currency.code(), ":now": now.timestamp()},
                reading_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// A provider's live reconciliations, newest first (at most `limit`).
    pub fn reconciliations(
        &self,
        provider_id: &str,
        limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredReconciliation>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {RECONCILIATION_COLUMNS} WHERE provider_id = :p AND {}
                 ORDER BY at DESC, id DESC LIMIT :limit",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(
                named_params! {":p": provider_id, ":now": now.timestamp(), ":limit": limit},
                reconciliation_row,
            )
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.sql_err(e))
    }

    /// Records a reading, its reconciliation, the entries that bring the account's books to
    /// the reading (booked into `account`, added first if new) and an audit event, in one
    /// transaction. Returns the reconciliation's row id.
    pub fn record_reconciliation(
        &mut self,
        reading: &BalanceReading,
        reconciliation: &NewReconciliation,
        account: &tipvault_ledger::Source,
        adjustment: &[tipvault_ledger::Entry],
        audit: &AuditEvent,
        now: DateTime<Utc>,
    ) -> Result<i64, LedgerError> {
        let dir = self.dir().to_path_buf();
        let store = |e| LedgerError::Store(StoreError::from_sql(e, &dir));
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(store)?;
        // Compare-and-set: the books this reconciliation compared with the provider's balance
        // must still be the books, inside this write transaction. Another window or command
        // (a CLI outbox run beside the desktop) may have booked a receipt into the account
        // since they were read; recording then would book that charge a second time.
        let books = account_books(&tx, &reading.provider_id, reading.amount.currency(), now)
            .map_err(store)?;
        if Some(books) != reconciliation.vault.to_minor().ok() {
            return Err(LedgerError::BooksChanged);
        }
        let exp = retention::expires_at(&tx, CLASS, now)
            .map_err(store)?
            .unwrap_or(i64::MAX);
        let code = reading.amount.currency().code();
        let minor = |m: Money| {
            m.to_minor()
                .map_err(|e| LedgerError::AmountTooLarge(e.to_string()))
        };
        let (read, provider, vault) = (
            minor(reading.amount)?,
            minor(reconciliation.provider)?,
            minor(reconciliation.vault)?,
        );
        tx.execute(
            "INSERT INTO balance_reading (provider_id, currency, amount_minor, as_of, read_at,
                 response, created_at, expires_at, retention_class)
             VALUES (:p, :c, :amount, :as_of, :read_at, :response, :now, :exp, :class)",
            named_params! {":p": reading.provider_id, ":c": code,
            ":amount": read, ":as_of": reading.as_of.timestamp(),
            ":read_at": reading.read_at.timestamp(), ":response": reading.response,
            ":now": now.timestamp(), ":exp": exp, ":class": CLASS},
        )
        .map_err(store)?;
        let reading_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO reconciliation (provider_id, currency, reading_id, provider_minor,
                 vault_minor, outcome, detail, at, created_at, expires_at, retention_class)
             VALUES (:p, :c, :reading, :provider, :vault, :outcome, :detail, :now, :now, :exp,
                     :class)",
            named_params! {":p": reading.provider_id, ":c": code, ":reading": reading_id,
            ":provider": provider, ":vault": vault,
            ":outcome": reconciliation.outcome.as_str(), ":detail": reconciliation.detail,
            ":now": now.timestamp(), ":exp": exp, ":class": CLASS},
        )
        .map_err(store)?;
        let id = tx.last_insert_rowid();
        if crate::source::get(&tx, &account.id, now)
            .map_err(store)?
            .is_none()
        {
            crate::source::insert(&tx, account, now)?;
        }
        if !adjustment.is_empty() {
            let mut writer = crate::entry::EntryWriter::begin(&tx, &dir, &account.id, now)?;
            writer.insert(&tx, &dir, adjustment)?;
            writer.finish(&tx).map_err(store)?;
        }
        crate::audit::append_in(&tx, audit, now).map_err(store)?;
        tx.commit().map_err(store)?;
        Ok(id)
    }

    /// Links a platform account to the provider that holds its money (`None` unlinks).
    /// Returns false when the source is unknown.
    pub fn set_source_holder(
        &mut self,
        source: &tipvault_ledger::SourceId,
        provider_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                &format!(
                    "UPDATE source SET held_by_provider = :p WHERE id = :id AND {}",
                    retention::LIVE
                ),
                named_params! {":p": provider_id, ":id": source.as_str(),
                ":now": now.timestamp()},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// The provider holding each linked platform account's money: `(source, provider)`.
    pub fn source_holders(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(tipvault_ledger::SourceId, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT id, held_by_provider FROM source
                 WHERE held_by_provider IS NOT NULL AND {} ORDER BY id",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, |r| {
                Ok((
                    tipvault_ledger::SourceId::new(r.get::<_, String>(0)?),
                    r.get::<_, String>(1)?,
                ))
            })
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.sql_err(e))
    }
}

/// A provider account's running balance in `currency`, minor units: its own entries
/// (`provider-<id>`) and those of the live platform accounts linked to it — what
/// `tipvault_app::accounts` compares with the provider's balance.
fn account_books(
    conn: &rusqlite::Connection,
    provider_id: &str,
    currency: Currency,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id FROM source WHERE held_by_provider = :p AND {}",
        retention::LIVE
    ))?;
    let linked: Vec<String> = stmt
        .query_map(
            named_params! {":p": provider_id, ":now": now.timestamp()},
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let own = format!("provider-{provider_id}");
    let mut sum: i64 = 0;
    for b in crate::balance::list(conn, now)? {
        let source = b.source.as_str();
        if b.currency == currency && (source == own || linked.iter().any(|l| l == source)) {
            let minor = b.net.to_minor().map_err(|e| {
                rusqlite::Error::ToSqlConversionFailure(Box::new(std::io::Error::other(
                    e.to_string(),
                )))
            })?;
            sum = sum
                .checked_add(minor)
                .ok_or(rusqlite::Error::IntegralValueOutOfRange(0, minor))?;
        }
    }
    Ok(sum)
}
