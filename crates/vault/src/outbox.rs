//! The redemption outbox: each redemption and its legs (one provider request each) as a
//! durable state machine.
//!
//! ```text
//! planned ──approve──► approved ──(committed, then sent)──► sent ──► confirmed
//!                         ▲  (offline: not sent)             │ └──► failed (signed refusal)
//!                         └──────────────────────────────────┘ └──► outcome_unknown ──reconcile──► confirmed
//! ```
//!
//! The one decision to know: a leg's idempotency key and its exact request body are written
//! when the redemption is planned, and the leg is moved to `sent` (with its attempt count
//! raised) in a committed transaction **before** the request leaves. A crash at any point
//! therefore leaves either a leg that certainly never left (`planned`/`approved`) or one that
//! may have (`sent`/`outcome_unknown`), and the latter is only ever retried with the same key
//! and the same bytes, which the provider answers with the same receipt instead of paying
//! twice. Confirming a leg stores its receipt in the same transaction.

use chrono::{DateTime, Utc};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, named_params};

use crate::columns::unix_time;
use crate::error::StoreError;
use crate::{Vault, retention};

/// Retention class of redemptions, legs and receipts: financial records.
pub const CLASS: &str = "receipt";

/// Where a leg is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum LegState {
    /// Stored, not yet approved by the user.
    Planned,
    /// Approved; queued to be sent (or sent before and certainly not applied).
    Approved,
    /// Committed as leaving; the outcome is not known yet (a crash leaves it here).
    Sent,
    /// The provider's signed receipt is stored.
    Confirmed,
    /// The provider refused it with a signed error: not applied.
    Failed,
    /// The provider may have applied it: reconcile with the same key.
    OutcomeUnknown,
}

impl LegState {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LegState::Planned => "planned",
            LegState::Approved => "approved",
            LegState::Sent => "sent",
            LegState::Confirmed => "confirmed",
            LegState::Failed => "failed",
            LegState::OutcomeUnknown => "outcome_unknown",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<LegState> {
        Some(match s {
            "planned" => LegState::Planned,
            "approved" => LegState::Approved,
            "sent" => LegState::Sent,
            "confirmed" => LegState::Confirmed,
            "failed" => LegState::Failed,
            "outcome_unknown" => LegState::OutcomeUnknown,
            _ => return None,
        })
    }

    /// Confirmed or failed: nothing more will happen.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, LegState::Confirmed | LegState::Failed)
    }
}

/// One leg to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeg {
    /// Product id.
    pub product: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Face amount, minor units.
    pub amount_minor: i64,
    /// Fee the plan expects, minor units.
    pub fee_minor: i64,
    /// The exact JSON body that will be sent (every retry sends these bytes).
    pub body: Vec<u8>,
    /// The idempotency key (random, unique).
    pub idempotency_key: String,
    /// Where this leg is sent and what it draws on, when not the redemption's own provider
    /// and account (a redemption across providers); `None`: the redemption's.
    pub provider: Option<LegProvider>,
}

/// A leg's own provider and the account at that provider it draws on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegProvider {
    /// The provider the leg is sent to (and only that provider).
    pub provider_id: String,
    /// The provider account it draws on.
    pub account_id: String,
}

/// A redemption to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRedemption {
    /// Local id.
    pub id: String,
    /// Provider.
    pub provider_id: String,
    /// The provider account it draws on (the ledger source every leg and fee is booked in).
    pub account_id: String,
    /// The catalog version the plan was made with.
    pub catalog_version: u64,
    /// Legs, in order.
    pub legs: Vec<NewLeg>,
}

/// A stored leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLeg {
    /// Its redemption.
    pub redemption_id: String,
    /// Position (from 0).
    pub seq: u32,
    /// The redemption's provider.
    pub provider_id: String,
    /// The account its redemption draws on.
    pub account_id: Option<String>,
    /// Product id.
    pub product: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Face amount, minor units.
    pub amount_minor: i64,
    /// Planned fee, minor units.
    pub fee_minor: i64,
    /// The exact request body.
    pub body: Vec<u8>,
    /// The idempotency key.
    pub idempotency_key: String,
    /// State.
    pub state: LegState,
    /// Requests sent so far.
    pub attempts: u32,
    /// Not before this time.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure, for people.
    pub last_error: Option<String>,
    /// The provider's redemption id (known from the device id and the key).
    pub provider_redemption_id: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A stored redemption with its legs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRedemption {
    /// Local id.
    pub id: String,
    /// Provider.
    pub provider_id: String,
    /// The account it draws on.
    pub account_id: Option<String>,
    /// Catalog version of the plan.
    pub catalog_version: u64,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// When the user approved it.
    pub approved_at: Option<DateTime<Utc>>,
    /// Legs, by seq.
    pub legs: Vec<StoredLeg>,
}

/// A state change of one leg after an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegUpdate {
    /// New state (never `confirmed`: use [`Vault::outbox_confirm`]).
    pub state: LegState,
    /// Not before.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Failure text.
    pub last_error: Option<String>,
}

fn leg_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredLeg> {
    let state: String = r.get(8)?;
    Ok(StoredLeg {
        redemption_id: r.get(0)?,
        seq: r.get(1)?,
        product: r.get(2)?,
        currency: r.get(3)?,
        amount_minor: r.get(4)?,
        fee_minor: r.get(5)?,
        body: r.get(6)?,
        idempotency_key: r.get(7)?,
        state: LegState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                8,
                rusqlite::types::Type::Text,
                format!("unknown leg state {state}").into(),
            )
        })?,
        attempts: r.get(9)?,
        next_attempt_at: r
            .get::<_, Option<i64>>(10)?
            .map(|at| unix_time(10, at))
            .transpose()?,
        last_error: r.get(11)?,
        provider_redemption_id: r.get(12)?,
        updated_at: unix_time(13, r.get(13)?)?,
        provider_id: r.get(14)?,
        account_id: r.get(15)?,
    })
}

const LEG_COLUMNS: &str = "redemption_id, seq, product, currency, amount_minor, fee_minor, body, \
     idempotency_key, state, attempts, next_attempt_at, last_error, provider_redemption_id, \
     updated_at, \
     COALESCE(provider_id, (SELECT provider_id FROM redemption WHERE redemption.id = redemption_id)), \
     COALESCE(account_id, (SELECT account_id FROM redemption WHERE redemption.id = redemption_id)) \
     FROM redemption_leg";

fn mark_sending(
    conn: &Connection,
    id: &str,
    seq: u32,
    provider_redemption_id: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<u32> {
    conn.query_row(
        "UPDATE redemption_leg SET state = 'sent', attempts = attempts + 1,
             provider_redemption_id = :pid, updated_at = :now
         WHERE redemption_id = :id AND seq = :seq
           AND state IN ('approved', 'sent', 'outcome_unknown')
         RETURNING attempts",
        named_params! {":id": id, ":seq": seq, ":pid": provider_redemption_id,
        ":now": now.timestamp()},
        |r| r.get(0),
    )
}

fn update_leg(
    conn: &Connection,
    id: &str,
    seq: u32,
    update: &LegUpdate,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE redemption_leg SET state = :state, next_attempt_at = :next,
             last_error = :err, updated_at = :now
         WHERE redemption_id = :id AND seq = :seq AND state != 'confirmed'",
        named_params! {":state": update.state.as_str(),
        ":next": update.next_attempt_at.map(|t| t.timestamp()),
        ":err": update.last_error, ":now": now.timestamp(),
        ":id": id, ":seq": seq},
    )?;
    Ok(n > 0)
}

fn confirm_leg(
    conn: &Connection,
    receipt: &crate::StoredReceipt,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    crate::receipt::insert(conn, receipt, now)?;
    conn.execute(
        "UPDATE redemption_leg SET state = 'confirmed', next_attempt_at = NULL,
             last_error = NULL, provider_redemption_id = :pid, updated_at = :now
         WHERE redemption_id = :id AND seq = :seq",
        named_params! {":pid": receipt.provider_redemption_id, ":now": now.timestamp(),
        ":id": receipt.redemption_id, ":seq": receipt.seq},
    )?;
    Ok(())
}

/// Outbox writes committed together, in one write transaction (one fsync), so a run that
/// sends many independent legs pays for durability once per step rather than once per leg
/// per step. The guarantees of the single-write methods hold for the batch as a whole: every
/// leg marked as leaving in a batch is durable before [`OutboxBatch::commit`] returns, so the
/// caller sends none of them before that; dropping the batch writes nothing.
pub struct OutboxBatch<'v> {
    tx: rusqlite::Transaction<'v>,
    dir: &'v Path,
    now: DateTime<Utc>,
}

impl std::fmt::Debug for OutboxBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxBatch")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl OutboxBatch<'_> {
    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sql(e, self.dir)
    }

    /// See [`Vault::privacy_append`].
    pub fn privacy_append(&mut self, r: &crate::PrivacyRecord) -> Result<(), StoreError> {
        crate::privacy::insert(&self.tx, r, self.now).map_err(|e| self.err(e))
    }

    /// See [`Vault::outbox_mark_sending`].
    pub fn mark_sending(
        &mut self,
        id: &str,
        seq: u32,
        provider_redemption_id: &str,
    ) -> Result<u32, StoreError> {
        mark_sending(&self.tx, id, seq, provider_redemption_id, self.now).map_err(|e| self.err(e))
    }

    /// See [`Vault::outbox_update`].
    pub fn update(&mut self, id: &str, seq: u32, update: &LegUpdate) -> Result<bool, StoreError> {
        update_leg(&self.tx, id, seq, update, self.now).map_err(|e| self.err(e))
    }

    /// See [`Vault::outbox_confirm`].
    pub fn confirm(&mut self, receipt: &crate::StoredReceipt) -> Result<(), StoreError> {
        confirm_leg(&self.tx, receipt, self.now).map_err(|e| self.err(e))
    }

    /// Books entries into `source` (added first if it is not in the vault), de-duplicated by
    /// key like any import; balances are updated in the same transaction.
    pub fn book(
        &mut self,
        source: &tipvault_ledger::Source,
        entries: &[tipvault_ledger::Entry],
    ) -> Result<crate::ImportOutcome, crate::LedgerError> {
        let store = |e| crate::LedgerError::Store(StoreError::from_sql(e, self.dir));
        if crate::source::get(&self.tx, &source.id, self.now)
            .map_err(store)?
            .is_none()
        {
            crate::source::insert(&self.tx, source, self.now)?;
        }
        let mut writer =
            crate::entry::EntryWriter::begin(&self.tx, self.dir, &source.id, self.now)?;
        writer.insert(&self.tx, self.dir, entries)?;
        writer.finish(&self.tx).map_err(store)
    }

    /// See [`Vault::audit_append`].
    pub fn audit_append(&mut self, event: &crate::AuditEvent) -> Result<u64, StoreError> {
        crate::audit::append_in(&self.tx, event, self.now).map_err(|e| self.err(e))
    }

    /// Commits every write of the batch at once.
    pub fn commit(self) -> Result<(), StoreError> {
        let dir = self.dir;
        self.tx.commit().map_err(|e| StoreError::from_sql(e, dir))
    }
}

impl Vault {
    /// Stores a planned redemption with its legs (state `planned`) in one transaction.
    pub fn outbox_insert(
        &mut self,
        r: &NewRedemption,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let dir = self.dir().to_path_buf();
        let err = |e| StoreError::from_sql(e, &dir);
        // Immediate: the retention is read, then the rows written (see `audit::append`).
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let exp = retention::expires_at(&tx, CLASS, now)
            .map_err(err)?
            .unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO redemption (id, provider_id, account_id, catalog_version, created_at,
                                     expires_at, retention_class)
             VALUES (:id, :p, :account, :v, :now, :exp, :class)",
            named_params! {":id": r.id, ":p": r.provider_id, ":account": r.account_id,
            ":v": i64::try_from(r.catalog_version).unwrap_or(i64::MAX),
            ":now": now.timestamp(), ":exp": exp, ":class": CLASS},
        )
        .map_err(err)?;
        for (seq, leg) in r.legs.iter().enumerate() {
            tx.execute(
                "INSERT INTO redemption_leg (redemption_id, seq, product, currency, amount_minor,
                     fee_minor, body, idempotency_key, state, updated_at, created_at, expires_at,
                     retention_class, provider_id, account_id)
                 VALUES (:id, :seq, :product, :cur, :amount, :fee, :body, :key, 'planned', :now,
                         :now, :exp, :class, :provider, :account)",
                named_params! {":id": r.id, ":seq": seq as i64, ":product": leg.product,
                ":cur": leg.currency, ":amount": leg.amount_minor,
                ":fee": leg.fee_minor, ":body": leg.body,
                ":key": leg.idempotency_key, ":now": now.timestamp(),
                ":exp": exp, ":class": CLASS,
                ":provider": leg.provider.as_ref().map(|p| p.provider_id.as_str()),
                ":account": leg.provider.as_ref().map(|p| p.account_id.as_str())},
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Approves a planned redemption: its `planned` legs become `approved` (queued). Returns how
    /// many legs changed.
    pub fn outbox_approve(&mut self, id: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let dir = self.dir().to_path_buf();
        let err = |e| StoreError::from_sql(e, &dir);
        let tx = self.conn_mut().transaction().map_err(err)?;
        tx.execute(
            "UPDATE redemption SET approved_at = :now WHERE id = :id AND approved_at IS NULL",
            named_params! {":id": id, ":now": now.timestamp()},
        )
        .map_err(err)?;
        let n = tx
            .execute(
                "UPDATE redemption_leg SET state = 'approved', updated_at = :now
                 WHERE redemption_id = :id AND state = 'planned'",
                named_params! {":id": id, ":now": now.timestamp()},
            )
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(n as u64)
    }

    /// Withdraws the legs of redemption `id` that are queued for `provider_id` and never
    /// reached it (state `approved`: a leg that left is `sent` or `outcome_unknown` and can
    /// only be reconciled): they become `failed` with `reason`. The other providers' legs are
    /// untouched. Returns how many legs changed.
    pub fn outbox_withdraw(
        &mut self,
        id: &str,
        provider_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE redemption_leg SET state = 'failed', last_error = :why,
                     next_attempt_at = NULL, updated_at = :now
                 WHERE redemption_id = :id AND state = 'approved'
                   AND COALESCE(provider_id,
                                (SELECT provider_id FROM redemption WHERE id = :id)) = :provider",
                named_params! {":id": id, ":provider": provider_id, ":why": reason,
                ":now": now.timestamp()},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n as u64)
    }

    /// Commits that a leg is leaving: state `sent`, attempts + 1, the provider redemption id
    /// recorded. Call before the request is sent; returns the new attempt count.
    pub fn outbox_mark_sending(
        &mut self,
        id: &str,
        seq: u32,
        provider_redemption_id: &str,
        now: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        mark_sending(self.conn(), id, seq, provider_redemption_id, now).map_err(|e| self.sql_err(e))
    }

    /// Records the outcome of an exchange that did not confirm the leg. A confirmed leg is
    /// never changed (false is returned).
    pub fn outbox_update(
        &mut self,
        id: &str,
        seq: u32,
        update: &LegUpdate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        update_leg(self.conn(), id, seq, update, now).map_err(|e| self.sql_err(e))
    }

    /// Confirms a leg and stores its receipt in one transaction (idempotent: a second
    /// confirmation of the same receipt changes nothing).
    pub fn outbox_confirm(
        &mut self,
        receipt: &crate::StoredReceipt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let dir = self.dir().to_path_buf();
        let err = |e| StoreError::from_sql(e, &dir);
        // Immediate: the leg is read (already confirmed?), then written (see `audit::append`).
        let tx = self
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        confirm_leg(&tx, receipt, now).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Starts a batch of outbox writes committed together: see [`OutboxBatch`].
    pub fn outbox_batch(&mut self, now: DateTime<Utc>) -> Result<OutboxBatch<'_>, StoreError> {
        let (conn, dir) = self.parts_mut();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sql(e, dir))?;
        Ok(OutboxBatch { tx, dir, now })
    }

    /// One live redemption with its legs.
    pub fn redemption(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredRedemption>, StoreError> {
        type Head = (String, String, i64, i64, Option<i64>, Option<String>);
        let head: Option<Head> = self
            .conn()
            .query_row(
                &format!(
                    "SELECT id, provider_id, catalog_version, created_at, approved_at, account_id
                     FROM redemption WHERE id = :id AND {}",
                    retention::LIVE
                ),
                named_params! {":id": id, ":now": now.timestamp()},
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.sql_err(e))?;
        let Some((id, provider_id, version, created, approved, account_id)) = head else {
            return Ok(None);
        };
        let legs = self.legs_where("redemption_id = :id", &id, now)?;
        Ok(Some(StoredRedemption {
            id,
            provider_id,
            account_id,
            catalog_version: u64::try_from(version).unwrap_or(0),
            created_at: unix_time(3, created).map_err(|e| self.sql_err(e))?,
            approved_at: approved
                .map(|at| unix_time(4, at))
                .transpose()
                .map_err(|e| self.sql_err(e))?,
            legs,
        }))
    }

    /// Every live redemption, newest first (two queries, however many there are).
    pub fn redemptions(&self, now: DateTime<Utc>) -> Result<Vec<StoredRedemption>, StoreError> {
        let mut out: Vec<StoredRedemption> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT id, provider_id, catalog_version, created_at, approved_at, account_id
                     FROM redemption WHERE {} ORDER BY created_at DESC, id",
                    retention::LIVE
                ))
                .map_err(|e| self.sql_err(e))?;
            let rows = stmt
                .query_map(named_params! {":now": now.timestamp()}, |r| {
                    Ok(StoredRedemption {
                        id: r.get(0)?,
                        provider_id: r.get(1)?,
                        catalog_version: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                        created_at: unix_time(3, r.get(3)?)?,
                        approved_at: r
                            .get::<_, Option<i64>>(4)?
                            .map(|at| unix_time(4, at))
                            .transpose()?,
                        account_id: r.get(5)?,
                        legs: Vec::new(),
                    })
                })
                .map_err(|e| self.sql_err(e))?;
            rows.collect::<Result<_, _>>()
                .map_err(|e| self.sql_err(e))?
        };
        let index: std::collections::HashMap<String, usize> = out
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        for leg in self.legs_where("1 = 1", "", now)? {
            if let Some(&i) = index.get(&leg.redemption_id) {
                out[i].legs.push(leg);
            }
        }
        Ok(out)
    }

    /// Legs with work left (`approved`, `sent`, `outcome_unknown`) of approved redemptions,
    /// oldest first, regardless of their next-attempt time (the caller decides).
    pub fn outbox_pending(&self, now: DateTime<Utc>) -> Result<Vec<StoredLeg>, StoreError> {
        self.legs_where("state IN ('approved', 'sent', 'outcome_unknown')", "", now)
    }

    fn legs_where(
        &self,
        condition: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredLeg>, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {LEG_COLUMNS} WHERE {condition} AND {} ORDER BY created_at, redemption_id, seq",
            retention::LIVE
        );
        let mut stmt = conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let rows = if condition.contains(":id") {
            stmt.query_map(
                named_params! {":id": id, ":now": now.timestamp()},
                leg_from_row,
            )
        } else {
            stmt.query_map(named_params! {":now": now.timestamp()}, leg_from_row)
        }
        .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }
}
