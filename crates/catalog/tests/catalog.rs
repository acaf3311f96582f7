//! Integration tests of tipvault-catalog; modules mirror `src/` (plus `support`).

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests read fixtures and measure nothing else: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

#[path = "catalog/amount_rule.rs"]
mod amount_rule;
#[path = "catalog/catalog.rs"]
mod catalog;
#[path = "catalog/fee.rs"]
mod fee;
#[path = "catalog/freshness.rs"]
mod freshness;
#[path = "catalog/support.rs"]
mod support;
