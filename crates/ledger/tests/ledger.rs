//! Integration tests of `tipvault-ledger`, one module per `src/` module.

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
