//! What the risk gate keeps (migration v7): each redemption's decision, the network it was
//! approved from, the salt that hashes destinations and networks, the user's own limits,
//! auto-cash-out rules and providers' verification tokens.
//!
//! The one decision to know: **nothing here is a profile**. The risk engine recomputes the
//! user's habits from the redemptions themselves on every decision; this module stores only
//! what the engine cannot derive (the decision shown to the user and the plan digest it is
//! bound to, the network hash, the user's settings, the provider's signed token). Values are
//! plain text and integers: what they mean is the app's (`tipvault-app`'s `risk` module),
//! which validates before writing. The network hash lives 30 days (class
//! `network_fingerprint`), apart from the 5-year decision, so the redemption keeps its reasons
//! while the network it came from is forgotten on time.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, named_params};
use zeroize::Zeroizing;

use crate::columns::unix_time;
use crate::error::StoreError;
use crate::secret_row::SecretRow;
use crate::{Vault, retention};

/// Retention class of a redemption's decision: that of the redemption.
pub const DECISION_CLASS: &str = "receipt";
/// Retention class of network hashes (30 days).
pub const NETWORK_CLASS: &str = "network_fingerprint";
/// Retention class of the salt, limits and auto-cash-out rules: until deleted.
pub const SETTINGS_CLASS: &str = crate::retention::RISK_STATE_CLASS;
/// Retention class of providers' verification tokens.
pub const VERIFICATION_CLASS: &str = "verification_token";

/// A redemption's risk decision as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRiskDecision {
    /// The redemption.
    pub redemption_id: String,
    /// `allow`, `step_up`, `pause` or `deny`.
    pub outcome: String,
    /// The decision as the app shows it (JSON).
    pub decision: String,
    /// SHA-256 of the plan it judged (hex).
    pub plan_digest: String,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// Decided for an auto-cash-out run (nobody present).
    pub unattended: bool,
    /// When the user confirmed the plan with an authenticator.
    pub verified_at: Option<DateTime<Utc>>,
    /// The credential that confirmed it (base64url).
    pub credential_id: Option<String>,
    /// When the user cancelled it.
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// A user limit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLimit {
    /// ISO 4217 code.
    pub currency: String,
    /// `per_claim` or `per_day`.
    pub kind: String,
    /// The limit, minor units (> 0).
    pub amount_minor: i64,
}

/// An auto-cash-out rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAutoCashOut {
    /// The user's name for it.
    pub id: String,
    /// The source watched.
    pub source_id: String,
    /// ISO 4217 code of the threshold.
    pub currency: String,
    /// Fire at this balance, minor units (> 0).
    pub threshold_minor: i64,
    /// The plan template (the app's JSON).
    pub template: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A provider's verification token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVerification {
    /// The provider.
    pub provider_id: String,
    /// The signed document exactly as received.
    pub token: String,
    /// The granted tier (`verified`, `enhanced`).
    pub tier: String,
    /// When the provider issued it.
    pub issued_at: DateTime<Utc>,
    /// When the token expires.
    pub token_expires_at: DateTime<Utc>,
}

fn decision_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRiskDecision> {
    Ok(StoredRiskDecision {
        redemption_id: r.get(0)?,
        outcome: r.get(1)?,
        decision: r.get(2)?,
        plan_digest: r.get(3)?,
        decided_at: unix_time(4, r.get(4)?)?,
        unattended: r.get::<_, i64>(5)? != 0,
        verified_at: r
            .get::<_, Option<i64>>(6)?
            .map(|at| unix_time(6, at))
            .transpose()?,
        credential_id: r.get(7)?,
        cancelled_at: r
            .get::<_, Option<i64>>(8)?
            .map(|at| unix_time(8, at))
            .transpose()?,
    })
}

const DECISION_COLUMNS: &str = "redemption_id, outcome, decision, plan_digest, decided_at, \
     unattended, verified_at, credential_id, cancelled_at FROM redemption_risk";

/// Where the risk salt lives.
const SALT_ROW: SecretRow = SecretRow {
    table: "risk_secret",
    column: "salt",
    class: SETTINGS_CLASS,
    what: "the risk salt",
};

impl Vault {
    /// The vault's risk salt (32 random bytes, made on first use): destinations and networks
    /// are hashed with it, so their fingerprints mean nothing outside this vault.
    pub fn risk_salt(&mut self, now: DateTime<Utc>) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        self.secret_row(&SALT_ROW, now)
    }

    /// Records (or replaces) a redemption's decision. A verification or cancellation already
    /// recorded is kept.
    pub fn risk_decision_put(
        &mut self,
        d: &StoredRiskDecision,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let exp = retention::expires_at(conn, DECISION_CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX);
        conn.execute(
            "INSERT INTO redemption_risk (redemption_id, outcome, decision, plan_digest,
                 decided_at, unattended, created_at, expires_at, retention_class)
             VALUES (:id, :outcome, :decision, :digest, :at, :unattended, :now, :exp, :class)
             ON CONFLICT (redemption_id) DO UPDATE SET outcome = excluded.outcome,
                 decision = excluded.decision, plan_digest = excluded.plan_digest,
                 decided_at = excluded.decided_at, unattended = excluded.unattended",
            named_params! {":id": d.redemption_id, ":outcome": d.outcome,
            ":decision": d.decision, ":digest": d.plan_digest,
            ":at": d.decided_at.timestamp(), ":unattended": i64::from(d.unattended),
            ":now": now.timestamp(), ":exp": exp, ":class": DECISION_CLASS},
        )
        .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// Records that the user confirmed the redemption's plan (digest `plan_digest`) with the
    /// credential `credential_id`. Returns false when there is no decision for it, or the
    /// decision judged another plan.
    pub fn risk_decision_verified(
        &mut self,
        redemption_id: &str,
        plan_digest: &str,
        credential_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE redemption_risk SET verified_at = :now, credential_id = :cred
                 WHERE redemption_id = :id AND plan_digest = :digest AND cancelled_at IS NULL",
                named_params! {":now": now.timestamp(), ":cred": credential_id,
                ":id": redemption_id, ":digest": plan_digest},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// A redemption's live decision.
    pub fn risk_decision(
        &self,
        redemption_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredRiskDecision>, StoreError> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {DECISION_COLUMNS} WHERE redemption_id = :id AND {}",
                    retention::LIVE
                ),
                named_params! {":id": redemption_id, ":now": now.timestamp()},
                decision_from_row,
            )
            .optional()
            .map_err(|e| self.sql_err(e))
    }

    /// Every live decision.
    pub fn risk_decisions(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredRiskDecision>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DECISION_COLUMNS} WHERE {} ORDER BY decided_at, redemption_id",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, decision_from_row)
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    /// Cancels a redemption that was never approved: its `planned` legs become `failed` with
    /// `reason`, and its decision (if any) records the cancellation, in one transaction.
    /// Returns how many legs changed (0: nothing was left to cancel).
    pub fn risk_cancel(
        &mut self,
        redemption_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let dir = self.dir().to_path_buf();
        let err = |e| StoreError::from_sql(e, &dir);
        let tx = self.conn_mut().transaction().map_err(err)?;
        let n = tx
            .execute(
                "UPDATE redemption_leg SET state = 'failed', last_error = :why, updated_at = :now
                 WHERE redemption_id = :id AND state = 'planned'",
                named_params! {":why": reason, ":now": now.timestamp(), ":id": redemption_id},
            )
            .map_err(err)?;
        if n > 0 {
            tx.execute(
                "UPDATE redemption_risk SET cancelled_at = :now WHERE redemption_id = :id",
                named_params! {":now": now.timestamp(), ":id": redemption_id},
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(n as u64)
    }

    /// Records the (salted, hashed) network a redemption is approved from; kept 30 days.
    pub fn risk_network_put(
        &mut self,
        redemption_id: &str,
        network_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let exp = retention::expires_at(conn, NETWORK_CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX);
        conn.execute(
            "INSERT INTO redemption_network (redemption_id, network_hash, created_at, expires_at,
                                             retention_class)
             VALUES (:id, :hash, :now, :exp, :class)
             ON CONFLICT (redemption_id) DO UPDATE SET network_hash = excluded.network_hash,
                 created_at = excluded.created_at, expires_at = excluded.expires_at",
            named_params! {":id": redemption_id, ":hash": network_hash,
            ":now": now.timestamp(), ":exp": exp, ":class": NETWORK_CLASS},
        )
        .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// The live network hashes, by redemption.
    pub fn risk_networks(&self, now: DateTime<Utc>) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT redemption_id, network_hash FROM redemption_network WHERE {}",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    /// The user's own limits.
    pub fn risk_limits(&self, now: DateTime<Utc>) -> Result<Vec<StoredLimit>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT currency, kind, amount_minor FROM risk_limit WHERE {}
                 ORDER BY currency, kind",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, |r| {
                Ok(StoredLimit {
                    currency: r.get(0)?,
                    kind: r.get(1)?,
                    amount_minor: r.get(2)?,
                })
            })
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    /// Sets (`Some`) or removes (`None`) one of the user's limits. The app checks that a raise
    /// was approved before calling.
    pub fn risk_limit_set(
        &mut self,
        currency: &str,
        kind: &str,
        amount_minor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        match amount_minor {
            None => {
                conn.execute(
                    "DELETE FROM risk_limit WHERE currency = :cur AND kind = :kind",
                    named_params! {":cur": currency, ":kind": kind},
                )
                .map_err(|e| self.sql_err(e))?;
            }
            Some(amount) => {
                let exp = retention::expires_at(conn, SETTINGS_CLASS, now)
                    .map_err(|e| self.sql_err(e))?
                    .unwrap_or(i64::MAX);
                conn.execute(
                    "INSERT INTO risk_limit (currency, kind, amount_minor, created_at, expires_at,
                                             retention_class)
                     VALUES (:cur, :kind, :amount, :now, :exp, :class)
                     ON CONFLICT (currency, kind) DO UPDATE SET amount_minor = excluded.amount_minor",
                    named_params! {":cur": currency, ":kind": kind, ":amount": amount,
                    ":now": now.timestamp(), ":exp": exp, ":class": SETTINGS_CLASS},
                )
                .map_err(|e| self.sql_err(e))?;
            }
        }
        Ok(())
    }

    /// The auto-cash-out rules, oldest first.
    pub fn auto_cash_outs(&self, now: DateTime<Utc>) -> Result<Vec<StoredAutoCashOut>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT id, source_id, currency, threshold_minor, template, created_at
                 FROM auto_cash_out WHERE {} ORDER BY created_at, id",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, |r| {
                Ok(StoredAutoCashOut {
                    id: r.get(0)?,
                    source_id: r.get(1)?,
                    currency: r.get(2)?,
                    threshold_minor: r.get(3)?,
                    template: r.get(4)?,
                    created_at: unix_time(5, r.get(5)?)?,
                })
            })
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    /// Adds a rule; false if one with its id exists.
    pub fn auto_cash_out_add(
        &mut self,
        rule: &StoredAutoCashOut,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let exp = retention::expires_at(conn, SETTINGS_CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX);
        let n = conn
            .execute(
                "INSERT OR IGNORE INTO auto_cash_out (id, source_id, currency, threshold_minor,
                     template, created_at, expires_at, retention_class)
                 VALUES (:id, :source, :cur, :threshold, :template, :now, :exp, :class)",
                named_params! {":id": rule.id, ":source": rule.source_id, ":cur": rule.currency,
                ":threshold": rule.threshold_minor, ":template": rule.template,
                ":now": now.timestamp(), ":exp": exp, ":class": SETTINGS_CLASS},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// Removes a rule; false if there was none.
    pub fn auto_cash_out_remove(&mut self, id: &str) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "DELETE FROM auto_cash_out WHERE id = :id",
                named_params! {":id": id},
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n > 0)
    }

    /// Keeps a provider's verification token (replacing the previous one). The row expires
    /// with the token, or earlier under its class.
    pub fn provider_verification_put(
        &mut self,
        v: &StoredVerification,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let exp = retention::expires_at(conn, VERIFICATION_CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .unwrap_or(i64::MAX)
            .min(v.token_expires_at.timestamp());
        conn.execute(
            "INSERT INTO provider_verification (provider_id, token, tier, issued_at,
                 token_expires_at, created_at, expires_at, retention_class)
             VALUES (:p, :token, :tier, :issued, :texp, :now, :exp, :class)
             ON CONFLICT (provider_id) DO UPDATE SET token = excluded.token,
                 tier = excluded.tier, issued_at = excluded.issued_at,
                 token_expires_at = excluded.token_expires_at, created_at = excluded.created_at,
                 expires_at = excluded.expires_at",
            named_params! {":p": v.provider_id, ":token": v.token, ":tier": v.tier,
            ":issued": v.issued_at.timestamp(), ":texp": v.token_expires_at.timestamp(),
            ":now": now.timestamp(), ":exp": exp, ":class": VERIFICATION_CLASS},
        )
        .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// The live verification tokens.
    pub fn provider_verifications(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredVerification>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT provider_id, token, tier, issued_at, token_expires_at
                 FROM provider_verification WHERE {} ORDER BY provider_id",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(named_params! {":now": now.timestamp()}, |r| {
                Ok(StoredVerification {
                    provider_id: r.get(0)?,
                    token: r.get(1)?,
                    tier: r.get(2)?,
                    issued_at: unix_time(3, r.get(3)?)?,
                    token_expires_at: unix_time(4, r.get(4)?)?,
                })
            })
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }

    /// Records an event the risk engine counts (a dispute, an automatic cash-out firing) in
    /// the fixed `risk_state` class, where no retention change or purge of another class
    /// reaches it. The audit log records it too; this copy is what the engine reads.
    pub fn risk_event_append(
        &mut self,
        kind: &str,
        detail: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let exp = retention::expires_at(conn, SETTINGS_CLASS, now)
            .map_err(|e| self.sql_err(e))?
            .ok_or_else(|| StoreError::Damaged {
                reason: "the risk_state retention class is missing".into(),
            })?;
        conn.execute(
            "INSERT INTO risk_event (kind, at, detail, created_at, expires_at, retention_class)
             VALUES (:kind, :now, :detail, :now, :exp, :class)",
            named_params! {":kind": kind, ":now": now.timestamp(), ":detail": detail.to_string(),
            ":exp": exp, ":class": SETTINGS_CLASS},
        )
        .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// The risk events of `kind` (time and JSON detail), oldest first.
    pub fn risk_events_of_kind(
        &self,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT at, detail FROM risk_event WHERE kind = :kind AND {} ORDER BY seq",
                retention::LIVE
            ))
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(
                named_params! {":kind": kind, ":now": now.timestamp()},
                |r| Ok((unix_time(0, r.get(0)?)?, r.get(1)?)),
            )
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql_err(e))
    }
}
