//! Integration tests of `tipvault-vault`, one module per source module (see `vault/`).
//! Every test works on a real vault in a temporary directory.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "vault/ledger_support.rs"]
mod ledger_support;
#[path = "vault/support.rs"]
mod support;

#[path = "vault/account.rs"]
mod account;
#[path = "vault/audit.rs"]
mod audit;
#[path = "vault/balance.rs"]
mod balance;
#[path = "vault/catalog.rs"]
mod catalog;
#[path = "vault/check.rs"]
mod check;
#[path = "vault/entry.rs"]
mod entry;
#[path = "vault/history.rs"]
mod history;
#[path = "vault/kdf.rs"]
mod kdf;
#[path = "vault/migration.rs"]
mod migration;
#[path = "vault/outbox.rs"]
mod outbox;
#[path = "vault/purge.rs"]
mod purge;
#[path = "vault/retention.rs"]
mod retention;
#[path = "vault/risk.rs"]
mod risk;
#[path = "vault/security_key.rs"]
mod security_key;
#[path = "vault/setting.rs"]
mod setting;
#[path = "vault/sidecar.rs"]
mod sidecar;
#[path = "vault/source.rs"]
mod source;
#[path = "vault/store.rs"]
mod store;
#[path = "vault/throttle.rs"]
mod throttle;
#[path = "vault/vault.rs"]
mod vault;
