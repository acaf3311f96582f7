//! Numbered, add-only schema migrations tracked in `PRAGMA user_version`.
//!
//! The one decision to know: a migration that has shipped is never edited — add a new entry at
//! the end instead. `tests/vault/migration.rs` opens a committed fixture vault of every earlier
//! version and compares the final schema with a committed snapshot, so an accidental change to
//! a shipped migration fails CI.
//!
//! Every user-data table must have `created_at`, `expires_at` (unix seconds) and
//! `retention_class` columns: purge and retention discover tables by those columns, and a test
//! fails for any table that lacks them (except the few listed in [`INTERNAL_TABLES`]).

use rusqlite::Connection;

/// Tables that hold vault configuration rather than user data, so they carry no expiry.
///
/// `security_key` holds registered security keys' credential records: configuration whose
/// lifetime is that of its unlock slot in the sidecar (see `security_key.rs`), so no expiry.
/// `balance` is derived data: the running sums of live `entry` rows per source and currency,
/// kept by triggers, and a row is deleted with the last entry it sums, so it never outlives
/// what it summarises. `entry_fts*` are the full-text index over `entry_detail` and its shadow
/// tables; the index rows are removed by a trigger whenever a detail row is deleted.
pub const INTERNAL_TABLES: &[&str] = &[
    "vault_meta",
    "retention_class",
    "audit_anchor",
    "setting",
    "security_key",
    "balance",
    "entry_fts",
    "entry_fts_config",
    "entry_fts_data",
    "entry_fts_docsize",
    "entry_fts_idx",
];

/// Schema migrations; entry `i` upgrades a database from version `i` to `i + 1`. Public so the
/// benchmark can build the identical schema in a plain SQLite file.
#[doc(hidden)]
pub const MIGRATIONS: &[&str] = &[
    // v1: the vault's own tables. Retention durations in seconds; "5 years" is 1826 days so it
    // always covers five calendar years including a leap day.
    r#"
CREATE TABLE vault_meta (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    vault_id    BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE retention_class (
    name           TEXT PRIMARY KEY,
    default_secs   INTEGER NOT NULL CHECK (default_secs > 0),
    duration_secs  INTEGER NOT NULL CHECK (duration_secs > 0),
    updated_at     INTEGER NOT NULL
) STRICT;

INSERT INTO retention_class (name, default_secs, duration_secs, updated_at) VALUES
    ('receipt',             157766400, 157766400, 0),
    ('imported_tip',        157766400, 157766400, 0),
    ('request_log',           7776000,   7776000, 0),
    ('risk_observation',     15552000,  15552000, 0),
    ('network_fingerprint',   2592000,   2592000, 0),
    ('draft',                   86400,     86400, 0),
    ('audit',               157766400, 157766400, 0);

CREATE TABLE audit_log (
    seq              INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    detail           TEXT NOT NULL,
    prev_hash        BLOB NOT NULL,
    hash             BLOB NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'audit' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX audit_log_expires_at ON audit_log (expires_at);

CREATE TABLE audit_anchor (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seq         INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE draft (
    id               INTEGER PRIMARY KEY,
    body             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'draft' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX draft_expires_at ON draft (expires_at);
"#,
    // v2: user settings (auto-lock and later preferences). Configuration, not user data: a
    // setting lives until it is changed, like a retention class.
    r#"
CREATE TABLE setting (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
"#,
    // v3: the ledger (issue 4). See `ledger.rs` for the decisions: sources live "until deleted"
    // (class `source`, 100 years); entries are `imported_tip` (5 years); payer names and
    // messages sit in `entry_detail` under their own, shorter class `payer_detail` (90 days) so
    // they can expire before the amounts do; `entry_fts` indexes only that table; `balance` is
    // kept in the same transaction as every insert (by the import) and delete (by a trigger).
    r#"
INSERT INTO retention_class (name, default_secs, duration_secs, updated_at) VALUES
    ('source',       3162240000, 3162240000, 0),
    ('payer_detail',    7776000,    7776000, 0);

CREATE TABLE source (
    id                      TEXT PRIMARY KEY,
    label                   TEXT NOT NULL,
    platform                TEXT NOT NULL,
    currency                TEXT NOT NULL,
    payout_threshold_minor  INTEGER,
    payout_schedule         TEXT,
    created_at              INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL,
    retention_class         TEXT NOT NULL DEFAULT 'source' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX source_expires_at ON source (expires_at);

CREATE TABLE entry (
    id               INTEGER PRIMARY KEY,
    source_id        TEXT NOT NULL REFERENCES source (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    occurred_at      INTEGER NOT NULL,
    occurred_nanos   INTEGER NOT NULL DEFAULT 0 CHECK (occurred_nanos BETWEEN 0 AND 1999999999),
    currency         TEXT NOT NULL,
    gross_minor      INTEGER NOT NULL,
    fee_minor        INTEGER NOT NULL,
    net_minor        INTEGER NOT NULL CHECK (net_minor = gross_minor - fee_minor),
    dedup_key        TEXT NOT NULL UNIQUE,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'imported_tip' REFERENCES retention_class (name)
) STRICT;
-- History pages are keyed by (occurred_at, id): every index entry already ends with the rowid
-- (`id`), so naming it again would only store it twice.
CREATE INDEX entry_occurred ON entry (occurred_at);
CREATE INDEX entry_source_occurred ON entry (source_id, occurred_at);
CREATE INDEX entry_kind_occurred ON entry (kind, occurred_at);
CREATE INDEX entry_expires_at ON entry (expires_at);

CREATE TABLE entry_detail (
    entry_id         INTEGER PRIMARY KEY REFERENCES entry (id) ON DELETE CASCADE,
    payer            TEXT,
    message          TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'payer_detail' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX entry_detail_expires_at ON entry_detail (expires_at);

CREATE VIRTUAL TABLE entry_fts USING fts5 (
    payer, message,
    content = 'entry_detail', content_rowid = 'entry_id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER entry_detail_fts_insert AFTER INSERT ON entry_detail BEGIN
    INSERT INTO entry_fts (rowid, payer, message) VALUES (new.entry_id, new.payer, new.message);
END;
CREATE TRIGGER entry_detail_fts_delete AFTER DELETE ON entry_detail BEGIN
    INSERT INTO entry_fts (entry_fts, rowid, payer, message)
    VALUES ('delete', old.entry_id, old.payer, old.message);
END;

CREATE TABLE balance (
    source_id    TEXT NOT NULL,
    currency     TEXT NOT NULL,
    entry_count  INTEGER NOT NULL,
    gross_minor  INTEGER NOT NULL,
    fee_minor    INTEGER NOT NULL,
    net_minor    INTEGER NOT NULL,
    PRIMARY KEY (source_id, currency)
) STRICT, WITHOUT ROWID;
-- Inserts add to `balance` once per import and currency, inside the import's transaction
-- (`entry.rs`): a per-row trigger halved import throughput. Deletes (purges, cascades) are
-- adjusted per row here, whatever path deletes.
CREATE TRIGGER entry_balance_delete AFTER DELETE ON entry BEGIN
    UPDATE balance SET
        entry_count = entry_count - 1,
        gross_minor = gross_minor - old.gross_minor,
        fee_minor = fee_minor - old.fee_minor,
        net_minor = net_minor - old.net_minor
    WHERE source_id = old.source_id AND currency = old.currency;
    DELETE FROM balance
    WHERE source_id = old.source_id AND currency = old.currency AND entry_count = 0;
END;
"#,
    // v4: provider catalogs cached for offline previews (issue 5); see `catalog.rs`. One row
    // per provider; the row expires under the `catalog` class (1 year after it was stored),
    // independently of the document's own stale/expiry dates.
    r#"
INSERT INTO retention_class (name, default_secs, duration_secs, updated_at) VALUES
    ('catalog', 31622400, 31622400, 0);

CREATE TABLE catalog (
    provider_id      TEXT PRIMARY KEY,
    version          INTEGER NOT NULL CHECK (version >= 0),
    document         TEXT NOT NULL,
    issued_at        INTEGER NOT NULL,
    stale_after      INTEGER NOT NULL,
    doc_expires_at   INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'catalog' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX catalog_expires_at ON catalog (expires_at);
"#,
    // v5: security keys (issue 7): WebAuthn credential records, see `security_key.rs`. Vault
    // configuration without expiry (listed in INTERNAL_TABLES); the record is the app's JSON.
    // The trigger backs up the Rust check: a stored signature counter never goes down, so a
    // cloned key's older counter can never be written back.
    r#"
CREATE TABLE security_key (
    credential_id  BLOB PRIMARY KEY,
    record         TEXT NOT NULL,
    sign_count     INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE TRIGGER security_key_counter_never_decreases
BEFORE UPDATE OF sign_count ON security_key
WHEN new.sign_count < old.sign_count
BEGIN
    SELECT RAISE(ABORT, 'a security key signature counter may not go backwards');
END;
"#,
    // v6: the redemption engine (issue 6); see `device.rs`, `provider.rs`, `outbox.rs`,
    // `receipt.rs`, `privacy.rs`. The device key and providers live "until deleted" (class
    // `source`); redemptions, their legs and receipts are financial records (class `receipt`,
    // 5 years); the privacy ledger is a request log (class `request_log`, 90 days). A leg's
    // idempotency key and exact request body are stored before the request leaves, so a
    // retry or a reconcile after a crash repeats the very same request.
    r#"
CREATE TABLE device_key (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    secret           BLOB NOT NULL CHECK (length(secret) = 32),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'source' REFERENCES retention_class (name)
) STRICT;

CREATE TABLE provider (
    id               TEXT PRIMARY KEY,
    base_url         TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    public_key       BLOB NOT NULL CHECK (length(public_key) = 32),
    device_id        TEXT,
    paired_at        INTEGER,
    sandbox          INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'source' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX provider_expires_at ON provider (expires_at);

CREATE TABLE redemption (
    id               TEXT PRIMARY KEY,
    provider_id      TEXT NOT NULL,
    catalog_version  INTEGER NOT NULL,
    approved_at      INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'receipt' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX redemption_expires_at ON redemption (expires_at);

CREATE TABLE redemption_leg (
    redemption_id           TEXT NOT NULL REFERENCES redemption (id) ON DELETE CASCADE,
    seq                     INTEGER NOT NULL,
    product                 TEXT NOT NULL,
    currency                TEXT NOT NULL,
    amount_minor            INTEGER NOT NULL CHECK (amount_minor > 0),
    fee_minor               INTEGER NOT NULL CHECK (fee_minor >= 0),
    body                    BLOB NOT NULL,
    idempotency_key         TEXT NOT NULL UNIQUE,
    state                   TEXT NOT NULL CHECK (state IN
                                ('planned', 'approved', 'sent', 'confirmed', 'failed',
                                 'outcome_unknown')),
    attempts                INTEGER NOT NULL DEFAULT 0,
    next_attempt_at         INTEGER,
    last_error              TEXT,
    provider_redemption_id  TEXT,
    updated_at              INTEGER NOT NULL,
    created_at              INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL,
    retention_class         TEXT NOT NULL DEFAULT 'receipt' REFERENCES retention_class (name),
    PRIMARY KEY (redemption_id, seq)
) STRICT;
CREATE INDEX redemption_leg_state ON redemption_leg (state, next_attempt_at);
CREATE INDEX redemption_leg_expires_at ON redemption_leg (expires_at);

CREATE TABLE receipt (
    provider_redemption_id  TEXT PRIMARY KEY,
    redemption_id           TEXT NOT NULL,
    seq                     INTEGER NOT NULL,
    provider_id             TEXT NOT NULL,
    document                TEXT NOT NULL,
    request                 TEXT,
    created_at              INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL,
    retention_class         TEXT NOT NULL DEFAULT 'receipt' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX receipt_redemption ON receipt (redemption_id, seq);
CREATE INDEX receipt_expires_at ON receipt (expires_at);

CREATE TABLE privacy_log (
    id               INTEGER PRIMARY KEY,
    provider_id      TEXT NOT NULL,
    redemption_id    TEXT,
    purpose          TEXT NOT NULL,
    fields           TEXT NOT NULL,
    sent_at          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'request_log' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX privacy_log_sent_at ON privacy_log (sent_at);
CREATE INDEX privacy_log_expires_at ON privacy_log (expires_at);
"#,
    // v7: the risk gate (issue 7); see `risk.rs`. A redemption's risk decision (its reasons
    // and the digest of the plan it judged) lives as long as the redemption (class `receipt`);
    // the network a redemption was approved from is a salted hash kept 30 days (class
    // `network_fingerprint`, from v1); the salt, the user's limits and auto-cash-out rules
    // (their plan templates hold destinations) live until deleted (class `source`); a
    // provider's verification token is kept under its own class `verification_token` (1 year)
    // and never past its own expiry.
    r#"
INSERT INTO retention_class (name, default_secs, duration_secs, updated_at) VALUES
    ('verification_token', 31622400, 31622400, 0);

CREATE TABLE risk_secret (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    salt             BLOB NOT NULL CHECK (length(salt) = 32),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'source' REFERENCES retention_class (name)
) STRICT;

CREATE TABLE redemption_risk (
    redemption_id    TEXT PRIMARY KEY REFERENCES redemption (id) ON DELETE CASCADE,
    outcome          TEXT NOT NULL CHECK (outcome IN ('allow', 'step_up', 'pause', 'deny')),
    decision         TEXT NOT NULL,
    plan_digest      TEXT NOT NULL,
    decided_at       INTEGER NOT NULL,
    unattended       INTEGER NOT NULL DEFAULT 0 CHECK (unattended IN (0, 1)),
    verified_at      INTEGER,
    credential_id    TEXT,
    cancelled_at     INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'receipt' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX redemption_risk_expires_at ON redemption_risk (expires_at);

CREATE TABLE redemption_network (
    redemption_id    TEXT PRIMARY KEY REFERENCES redemption (id) ON DELETE CASCADE,
    network_hash     TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'network_fingerprint' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX redemption_network_expires_at ON redemption_network (expires_at);

CREATE TABLE risk_limit (
    currency         TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('per_claim', 'per_day')),
    amount_minor     INTEGER NOT NULL CHECK (amount_minor > 0),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'source' REFERENCES retention_class (name),
    PRIMARY KEY (currency, kind)
) STRICT;

CREATE TABLE auto_cash_out (
    id               TEXT PRIMARY KEY,
    source_id        TEXT NOT NULL,
    currency         TEXT NOT NULL,
    threshold_minor  INTEGER NOT NULL CHECK (threshold_minor > 0),
    template         TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'source' REFERENCES retention_class (name)
) STRICT;

CREATE TABLE provider_verification (
    provider_id       TEXT PRIMARY KEY,
    token             TEXT NOT NULL,
    tier              TEXT NOT NULL,
    issued_at         INTEGER NOT NULL,
    token_expires_at  INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    retention_class   TEXT NOT NULL DEFAULT 'verification_token' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX provider_verification_expires_at ON provider_verification (expires_at);
"#,
    // v8: accounts (issue 13); see `account.rs`. A provider account is the ledger source
    // `provider-<id>` the receipts already book into; its balance at the provider is mirrored
    // from the provider's signed `GET /v1/balance` (one row per reading and currency, class
    // `receipt`: it is the evidence a reconciliation and a dispute rest on), and every
    // comparison of that reading with the vault's running balance is kept (same class). A
    // platform account may name the provider that holds its money (`held_by_provider`). A
    // redemption names the account it draws on; redemptions stored before v8 drew on their
    // provider's account, the only one they could have drawn on, so that is filled in.
    r#"
ALTER TABLE source ADD COLUMN held_by_provider TEXT;
ALTER TABLE redemption ADD COLUMN account_id TEXT;
UPDATE redemption SET account_id = 'provider-' || provider_id;

CREATE TABLE balance_reading (
    id               INTEGER PRIMARY KEY,
    provider_id      TEXT NOT NULL,
    currency         TEXT NOT NULL,
    amount_minor     INTEGER NOT NULL,
    as_of            INTEGER NOT NULL,
    read_at          INTEGER NOT NULL,
    response         TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'receipt' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX balance_reading_account ON balance_reading (provider_id, currency, as_of);
CREATE INDEX balance_reading_expires_at ON balance_reading (expires_at);

CREATE TABLE reconciliation (
    id               INTEGER PRIMARY KEY,
    provider_id      TEXT NOT NULL,
    currency         TEXT NOT NULL,
    reading_id       INTEGER REFERENCES balance_reading (id) ON DELETE SET NULL,
    provider_minor   INTEGER NOT NULL,
    vault_minor      INTEGER NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN
                         ('matched', 'credited', 'pending', 'unexplained', 'double_charge')),
    detail           TEXT NOT NULL,
    at               INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'receipt' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX reconciliation_account ON reconciliation (provider_id, currency, at);
CREATE INDEX reconciliation_expires_at ON reconciliation (expires_at);
"#,
    // v9: demo money out of the real books (issue 13). Before the demo vault existed, demo
    // mode ran inside the user's vault: its sandbox provider, the demo tips
    // (`sandbox-demo-tips`), the sandbox's redemptions and their receipts, readings and
    // reconciliations, and the step-up waiver sat beside real money and counted in its
    // balances, history, exports and risk tier. A real vault (one without the demo mark
    // `vault.demo`) now drops all of that in this one transaction; a demo vault keeps it. What
    // was dropped is noted under `vault.demo_retired` for the unlock that follows to write into
    // the audit chain (a migration cannot append to the hash chain itself). The privacy ledger
    // keeps its lines: what left the machine did leave it. Temporary tables only: the schema is
    // unchanged.
    r#"
CREATE TEMP TABLE v9_demo_provider AS
    SELECT id FROM provider
    WHERE sandbox = 1 AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'vault.demo');
CREATE TEMP TABLE v9_demo_source AS
    SELECT id FROM source
    WHERE (id = 'sandbox-demo-tips' OR id IN (SELECT 'provider-' || id FROM v9_demo_provider))
      AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'vault.demo');

INSERT INTO setting (key, value, updated_at)
SELECT 'vault.demo_retired', json_object(
        'providers', json((SELECT json_group_array(id)
                           FROM (SELECT id FROM v9_demo_provider ORDER BY id))),
        'sources', json((SELECT json_group_array(id)
                         FROM (SELECT id FROM v9_demo_source ORDER BY id))),
        'entries', (SELECT count(*) FROM entry WHERE source_id IN (SELECT id FROM v9_demo_source)),
        'redemptions', (SELECT count(*) FROM redemption
                        WHERE provider_id IN (SELECT id FROM v9_demo_provider))), 0
WHERE EXISTS (SELECT 1 FROM v9_demo_provider) OR EXISTS (SELECT 1 FROM v9_demo_source);

DELETE FROM entry_detail WHERE entry_id IN
    (SELECT id FROM entry WHERE source_id IN (SELECT id FROM v9_demo_source));
DELETE FROM entry WHERE source_id IN (SELECT id FROM v9_demo_source);
DELETE FROM auto_cash_out WHERE source_id IN (SELECT id FROM v9_demo_source);
DELETE FROM source WHERE id IN (SELECT id FROM v9_demo_source);
UPDATE source SET held_by_provider = NULL
    WHERE held_by_provider IN (SELECT id FROM v9_demo_provider);

DELETE FROM redemption_network WHERE redemption_id IN
    (SELECT id FROM redemption WHERE provider_id IN (SELECT id FROM v9_demo_provider));
DELETE FROM redemption_risk WHERE redemption_id IN
    (SELECT id FROM redemption WHERE provider_id IN (SELECT id FROM v9_demo_provider));
DELETE FROM redemption_leg WHERE redemption_id IN
    (SELECT id FROM redemption WHERE provider_id IN (SELECT id FROM v9_demo_provider));
DELETE FROM receipt WHERE provider_id IN (SELECT id FROM v9_demo_provider);
DELETE FROM redemption WHERE provider_id IN (SELECT id FROM v9_demo_provider);
DELETE FROM reconciliation WHERE provider_id IN (SELECT id FROM v9_demo_provider);
DELETE FROM balance_reading WHERE provider_id IN (SELECT id FROM v9_demo_provider);
DELETE FROM catalog WHERE provider_id IN (SELECT id FROM v9_demo_provider);
DELETE FROM provider_verification WHERE provider_id IN (SELECT id FROM v9_demo_provider);
DELETE FROM provider WHERE id IN (SELECT id FROM v9_demo_provider);
DELETE FROM setting WHERE key = 'risk.sandbox_step_up'
    AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'vault.demo');

DROP TABLE v9_demo_source;
DROP TABLE v9_demo_provider;
"#,
    // v10: search newest first without sorting every match (issue 13's performance goal).
    // A kept detail carries its entry's time, indexed, so a search walks the kept details from
    // the newest and stops at a page: only rows that have a kept name or message can match,
    // and their class (`payer_detail`, 90 days by default) keeps that walk short. Filled for
    // the details already stored; written by every import from now on.
    r#"
ALTER TABLE entry_detail ADD COLUMN occurred_at INTEGER;
UPDATE entry_detail
    SET occurred_at = (SELECT e.occurred_at FROM entry AS e WHERE e.id = entry_detail.entry_id);
CREATE INDEX entry_detail_occurred ON entry_detail (occurred_at);
"#,
    // v11: retention floors (issue 14). What the risk engine and automatic cash-outs depend on
    // moves to a class of its own, `risk_state`, which cannot be shortened: the user's limits
    // (purged, they would revert to the tier's ceiling), the automatic cash-out rules, the
    // risk salt, and the events the engine counts (disputes, which hold the tier back, and
    // automatic cash-out firings, which stop a rule firing twice a day). Those events were
    // read from the audit log, whose class the user could shorten to a minute; they are
    // copied into `risk_event` from it. The audit log and receipts keep at least two years
    // (`retention::floor`): classes set shorter are raised to it.
    r#"
INSERT INTO retention_class (name, default_secs, duration_secs, updated_at) VALUES
    ('risk_state', 3162240000, 3162240000, 0);

CREATE TABLE risk_event (
    seq              INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    at               INTEGER NOT NULL,
    detail           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'risk_state' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX risk_event_kind ON risk_event (kind, at);

INSERT INTO risk_event (kind, at, detail, created_at, expires_at, retention_class)
    SELECT kind, at, detail, at, at + 3162240000, 'risk_state' FROM audit_log
    WHERE kind IN ('redemption.disputed', 'autocashout.fired') ORDER BY seq;

UPDATE risk_limit SET retention_class = 'risk_state', expires_at = created_at + 3162240000;
UPDATE auto_cash_out SET retention_class = 'risk_state', expires_at = created_at + 3162240000;
UPDATE risk_secret SET retention_class = 'risk_state', expires_at = created_at + 3162240000;

UPDATE retention_class SET duration_secs = 63158400
    WHERE name IN ('audit', 'receipt') AND duration_secs < 63158400;
"#,
    // v12: the file each imported entry came from (issue 17's history detail). One row per
    // import, holding the file's name only (never its folder), kept as long as the entries it
    // brought (`imported_tip`); an entry keeps the link until either expires. Entries written
    // by Tipvault itself (booked redemptions, reconciliations) and those imported before this
    // version have none.
    r#"
CREATE TABLE import_file (
    id               INTEGER PRIMARY KEY,
    file_name        TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    retention_class  TEXT NOT NULL DEFAULT 'imported_tip' REFERENCES retention_class (name)
) STRICT;
CREATE INDEX import_file_expires_at ON import_file (expires_at);
ALTER TABLE entry ADD COLUMN import_id INTEGER REFERENCES import_file (id) ON DELETE SET NULL;
"#,
    // v13: a leg names its own provider and account (issue 18: one redemption across several
    // providers, each provider sent only its own legs). NULL means the redemption's, which is
    // what every leg written before this version meant.
    r#"
ALTER TABLE redemption_leg ADD COLUMN provider_id TEXT;
ALTER TABLE redemption_leg ADD COLUMN account_id TEXT;
"#,
    // v14: which device key a pairing was made with. `own`: the key this device has for that
    // provider alone (derived from the device secret and the provider id); NULL: the one key
    // every pairing shared before this version, which such a pairing keeps until it is paired
    // again (the provider knows only that key).
    r#"
ALTER TABLE provider ADD COLUMN device_key TEXT CHECK (device_key IS NULL OR device_key = 'own');
"#,
];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Errors from reading or upgrading the schema.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database was written by a newer build.
    #[error(
        "the vault's schema version {found} is newer than this build supports ({supported}); update Tipvault"
    )]
    TooNew {
        /// Version found in the database.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
    /// A migration failed; the transaction was rolled back, the vault is unchanged.
    #[error("upgrading the vault schema to version {to} failed: {source}")]
    Failed {
        /// Version being migrated to.
        to: u32,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

/// Current `user_version` of the database.
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Applies pending migrations; returns `(from, to)` when anything ran.
pub(crate) fn migrate(conn: &mut Connection) -> Result<Option<(u32, u32)>, MigrationError> {
    let from = version(conn).map_err(|source| MigrationError::Failed { to: 0, source })?;
    if from > SCHEMA_VERSION {
        return Err(MigrationError::TooNew {
            found: from,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let to = index as u32 + 1;
        let fail = |source| MigrationError::Failed { to, source };
        // One transaction per step: user_version lives in the header page, so the schema change
        // and the version bump commit or roll back together.
        let tx = conn.transaction().map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", to).map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok((from < SCHEMA_VERSION).then_some((from, SCHEMA_VERSION)))
}

/// The schema as SQLite stores it, one statement per entry, in a stable order: what the schema
/// snapshot test compares.
pub(crate) fn schema_sql(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name")?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    rows.collect()
}

/// Names of every user-data table: those with an `expires_at` column.
pub(crate) fn expiring_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT m.name FROM sqlite_master AS m
         WHERE m.type = 'table'
           AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) AS c WHERE c.name = 'expires_at')
         ORDER BY m.name",
    )?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Some((0, SCHEMA_VERSION)));
        assert_eq!(
            migrate(&mut conn).unwrap(),
            None,
            "a second run must do nothing"
        );
        assert_eq!(version(&conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn v8_attaches_every_stored_redemption_to_its_providers_account() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        conn.execute_batch(
            "INSERT INTO redemption (id, provider_id, catalog_version, created_at, expires_at)
             VALUES ('rx_a', 'edupoints', 1, 0, 99), ('rx_b', 'telco', 2, 0, 99);",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), Some((7, SCHEMA_VERSION)));
        let accounts: Vec<(String, String)> = conn
            .prepare("SELECT id, account_id FROM redemption ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            accounts,
            [
                ("rx_a".to_owned(), "provider-edupoints".to_owned()),
                ("rx_b".to_owned(), "provider-telco".to_owned())
            ]
        );
    }

    /// A v8 vault holding real money beside what demo mode left in it before the demo vault
    /// existed; `demo` marks it as the demo vault.
    fn v8_with_demo_leftovers(demo: bool) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in &MIGRATIONS[..8] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        if demo {
            conn.execute_batch("INSERT INTO setting VALUES ('vault.demo', 'sandbox', 0);")
                .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO setting VALUES ('risk.sandbox_step_up', 'waived', 0);
             INSERT INTO provider (id, base_url, key_id, public_key, sandbox, created_at, expires_at)
             VALUES ('demo-provider', 'http://127.0.0.1:1/', 'k', zeroblob(32), 1, 0, 99),
                    ('edupoints', 'https://edu.example/', 'k', zeroblob(32), 0, 0, 99);
             INSERT INTO source (id, label, platform, currency, held_by_provider, created_at, expires_at)
             VALUES ('sandbox-demo-tips', 'Demo tips (sandbox)', 'sandbox-demo', 'KRW', NULL, 0, 99),
                    ('provider-demo-provider', 'demo', 'provider', 'KRW', NULL, 0, 99),
                    ('toonation', 'Toonation', 'toonation', 'KRW', 'demo-provider', 0, 99),
                    ('provider-edupoints', 'EduPoints', 'provider', 'KRW', NULL, 0, 99);
             INSERT INTO entry (id, source_id, kind, occurred_at, currency, gross_minor, fee_minor,
                                net_minor, dedup_key, created_at, expires_at)
             VALUES (1, 'sandbox-demo-tips', 'tip', 0, 'KRW', 87300, 0, 87300, 'a', 0, 99),
                    (2, 'provider-demo-provider', 'redemption', 0, 'KRW', -1300, 0, -1300, 'b', 0, 99),
                    (3, 'toonation', 'tip', 0, 'KRW', 5000, 0, 5000, 'c', 0, 99),
                    (4, 'provider-edupoints', 'redemption', 0, 'KRW', -700, 0, -700, 'd', 0, 99);
             INSERT INTO entry_detail (entry_id, payer, message, created_at, expires_at)
             VALUES (1, 'Demo fan', 'demo', 0, 99), (3, 'Real fan', 'thanks', 0, 99);
             INSERT INTO balance VALUES ('sandbox-demo-tips', 'KRW', 1, 87300, 0, 87300),
                    ('provider-demo-provider', 'KRW', 1, -1300, 0, -1300),
                    ('toonation', 'KRW', 1, 5000, 0, 5000),
                    ('provider-edupoints', 'KRW', 1, -700, 0, -700);
             INSERT INTO redemption (id, provider_id, catalog_version, created_at, expires_at, account_id)
             VALUES ('rx_demo', 'demo-provider', 1, 0, 99, 'provider-demo-provider'),
                    ('rx_real', 'edupoints', 1, 0, 99, 'provider-edupoints');
             INSERT INTO redemption_leg (redemption_id, seq, product, currency, amount_minor,
                    fee_minor, body, idempotency_key, state, updated_at, created_at, expires_at)
             VALUES ('rx_demo', 0, 'p', 'KRW', 1300, 0, x'00', 'i1', 'confirmed', 0, 0, 99),
                    ('rx_real', 0, 'p', 'KRW', 700, 0, x'00', 'i2', 'confirmed', 0, 0, 99);
             INSERT INTO receipt (provider_redemption_id, redemption_id, seq, provider_id, document,
                    created_at, expires_at)
             VALUES ('pr_1', 'rx_demo', 0, 'demo-provider', '{}', 0, 99),
                    ('pr_2', 'rx_real', 0, 'edupoints', '{}', 0, 99);
             INSERT INTO balance_reading (provider_id, currency, amount_minor, as_of, read_at,
                    response, created_at, expires_at)
             VALUES ('demo-provider', 'KRW', 86000, 0, 0, '{}', 0, 99),
                    ('edupoints', 'KRW', 9300, 0, 0, '{}', 0, 99);
             INSERT INTO catalog (provider_id, version, document, issued_at, stale_after,
                    doc_expires_at, created_at, expires_at)
             VALUES ('demo-provider', 1, '{}', 0, 9, 99, 0, 99), ('edupoints', 1, '{}', 0, 9, 99, 0, 99);
             INSERT INTO privacy_log (provider_id, redemption_id, purpose, fields, sent_at,
                    created_at, expires_at)
             VALUES ('demo-provider', 'rx_demo', 'redeem', '[]', 0, 0, 99);",
        )
        .unwrap();
        conn
    }

    fn ids(conn: &Connection, sql: &str) -> Vec<String> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn v9_takes_the_old_demo_money_out_of_a_real_vault_and_notes_what_it_took() {
        let mut conn = v8_with_demo_leftovers(false);
        assert_eq!(migrate(&mut conn).unwrap(), Some((8, SCHEMA_VERSION)));
        assert_eq!(ids(&conn, "SELECT id FROM provider"), ["edupoints"]);
        assert_eq!(
            ids(&conn, "SELECT id FROM source ORDER BY id"),
            ["provider-edupoints", "toonation"]
        );
        assert_eq!(
            ids(
                &conn,
                "SELECT source_id || ':' || net_minor FROM balance ORDER BY 1"
            ),
            ["provider-edupoints:-700", "toonation:5000"]
        );
        assert_eq!(ids(&conn, "SELECT id FROM redemption"), ["rx_real"]);
        assert_eq!(
            ids(&conn, "SELECT redemption_id FROM redemption_leg"),
            ["rx_real"]
        );
        assert_eq!(ids(&conn, "SELECT redemption_id FROM receipt"), ["rx_real"]);
        assert_eq!(
            ids(&conn, "SELECT provider_id FROM balance_reading"),
            ["edupoints"]
        );
        assert_eq!(ids(&conn, "SELECT provider_id FROM catalog"), ["edupoints"]);
        // A platform account linked to the demo sandbox is unlinked, not dropped.
        assert_eq!(
            ids(
                &conn,
                "SELECT coalesce(held_by_provider, '-') FROM source WHERE id = 'toonation'"
            ),
            ["-"]
        );
        // Full-text search finds only the real payer.
        assert_eq!(
            ids(
                &conn,
                "SELECT payer FROM entry_fts WHERE entry_fts MATCH 'fan'"
            ),
            ["Real fan"]
        );
        // What left the machine stays on record; the waiver is gone.
        assert_eq!(
            ids(&conn, "SELECT provider_id FROM privacy_log"),
            ["demo-provider"]
        );
        assert_eq!(
            ids(&conn, "SELECT key FROM setting WHERE key LIKE 'risk.%'"),
            Vec::<String>::new()
        );
        let noted: serde_json::Value = serde_json::from_str(
            &ids(
                &conn,
                "SELECT value FROM setting WHERE key = 'vault.demo_retired'",
            )[0],
        )
        .unwrap();
        assert_eq!(
            noted,
            serde_json::json!({"providers": ["demo-provider"],
                               "sources": ["provider-demo-provider", "sandbox-demo-tips"],
                               "entries": 2, "redemptions": 1})
        );
        // No temporary table outlives the migration.
        assert!(ids(&conn, "SELECT name FROM sqlite_temp_master").is_empty());
    }

    #[test]
    fn v9_leaves_a_demo_vault_and_a_vault_without_demo_money_alone() {
        let mut demo = v8_with_demo_leftovers(true);
        migrate(&mut demo).unwrap();
        assert_eq!(
            ids(&demo, "SELECT id FROM provider ORDER BY id"),
            ["demo-provider", "edupoints"]
        );
        assert_eq!(ids(&demo, "SELECT count(*) || '' FROM entry"), ["4"]);
        assert_eq!(
            ids(
                &demo,
                "SELECT value FROM setting WHERE key = 'risk.sandbox_step_up'"
            ),
            ["waived"]
        );
        assert!(
            ids(
                &demo,
                "SELECT key FROM setting WHERE key = 'vault.demo_retired'"
            )
            .is_empty()
        );

        let mut clean = Connection::open_in_memory().unwrap();
        migrate(&mut clean).unwrap();
        assert!(ids(&clean, "SELECT key FROM setting").is_empty());
    }

    #[test]
    fn v10_gives_every_kept_detail_its_entrys_time() {
        // A detail stored before v10 (the real one; v9 drops the demo's).
        let mut old = v8_with_demo_leftovers(false);
        old.execute_batch("UPDATE entry SET occurred_at = 1700000000 WHERE id = 3;")
            .unwrap();
        migrate(&mut old).unwrap();
        assert_eq!(
            ids(
                &old,
                "SELECT entry_id || ':' || occurred_at FROM entry_detail"
            ),
            ["3:1700000000"]
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(MigrationError::TooNew { found, .. }) if found == SCHEMA_VERSION + 1
        ));
    }

    #[test]
    fn every_table_is_internal_or_carries_expiry_columns() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for table in tables
            .iter()
            .filter(|t| !INTERNAL_TABLES.contains(&t.as_str()))
        {
            let cols: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for needed in ["created_at", "expires_at", "retention_class"] {
                assert!(
                    cols.iter().any(|c| c == needed),
                    "user-data table {table} lacks {needed}: purge and retention rely on it"
                );
            }
        }
        assert_eq!(
            expiring_tables(&conn).unwrap(),
            vec![
                "audit_log",
                "auto_cash_out",
                "balance_reading",
                "catalog",
                "device_key",
                "draft",
                "entry",
                "entry_detail",
                "import_file",
                "privacy_log",
                "provider",
                "provider_verification",
                "receipt",
                "reconciliation",
                "redemption",
                "redemption_leg",
                "redemption_network",
                "redemption_risk",
                "risk_event",
                "risk_limit",
                "risk_secret",
                "source"
            ]
        );
    }
}
