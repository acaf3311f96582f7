//! Integration tests of tipvault-preview; modules mirror `src/` (plus `support`, `oracle`).

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests read fixtures and measure nothing else: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

#[path = "preview/across.rs"]
mod across;
#[path = "preview/conservation.rs"]
mod conservation;
#[path = "preview/explain.rs"]
mod explain;
#[path = "preview/oracle.rs"]
mod oracle;
#[path = "preview/plan.rs"]
mod plan;
#[path = "preview/planner.rs"]
mod planner;
#[path = "preview/support.rs"]
mod support;
