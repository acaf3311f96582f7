//! Integration tests of `tipvault-ledger`, one module per `src/` module.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests read fixture files: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

#[path = "ledger/common.rs"]
mod common;
#[path = "ledger/entry.rs"]
mod entry;
#[path = "ledger/export.rs"]
mod export;
#[path = "ledger/import.rs"]
mod import;
#[path = "ledger/memory.rs"]
mod memory;
#[path = "ledger/review.rs"]
mod review;
#[path = "ledger/source.rs"]
mod source;
