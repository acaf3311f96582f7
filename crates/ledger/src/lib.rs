//! Tipvault's ledger: the sources value arrives from, the entries that record it, importing
//! platform exports (Ko-fi, PayPal, Stripe, GitHub Sponsors, any CSV through a saved mapping),
//! writing exports (CSV, JSON, Beancount, hledger) and pure review totals and forecasts.
//!
//! # Decisions a caller must know
//!
//! - **Money is exact.** Every amount is a [`tipvault_money::Money`]; nothing here uses `f64`.
//!   An [`Entry`] always satisfies `net = gross − fee` in one currency ([`Entry::new`] checks).
//! - **Signs follow the source's balance.** Value arriving (a tip) has a positive gross; value
//!   leaving (a payout, a refund, a stand-alone fee) a negative one. `fee` is what the platform
//!   kept, normally positive.
//! - **Privacy on import.** E-mail addresses are never kept, from any column of any format;
//!   payer names and messages only when [`ImportOptions`] opt in. What was dropped is counted
//!   in [`DroppedSummary`] so the UI can say so.
//! - **All or nothing is the caller's choice.** An import returns every good entry, every bad
//!   row with its line and reason, and every skipped row; never half a row. The vault commits
//!   all good rows in one transaction or none.
//! - **No clock, no files.** Time (`now`) is passed in; input is any `Read`, output any `Write`.
//!   The one file read is the system's time zone database, when a [`Zone`] is looked up by name.

#![deny(clippy::float_arithmetic)]
#![warn(missing_docs)]

pub mod entry;
pub mod export;
pub mod import;
pub mod review;
pub mod source;
pub mod zone;

pub use entry::{Entry, EntryError, EntryKey, EntryKind, Fingerprint};
pub use import::{
    DroppedSummary, Format, FormatChoice, ImportError, ImportOptions, ImportReport, ImportRequest,
    MappingProfile, Progress, RowError, Stream, TextEncoding, import, import_streaming,
    import_streaming_parallel,
};
pub use source::{PayoutRule, Platform, Source, SourceId, Whereabouts};
pub use zone::{UnknownZone, Zone};
