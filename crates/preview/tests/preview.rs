//! Integration tests of tipvault-preview; modules mirror `src/` (plus `support`, `oracle`).

#[path = "preview/amount_rule.rs"]
mod amount_rule;
#[path = "preview/catalog.rs"]
mod catalog;
#[path = "preview/conservation.rs"]
mod conservation;
#[path = "preview/explain.rs"]
mod explain;
#[path = "preview/fee.rs"]
mod fee;
#[path = "preview/freshness.rs"]
mod freshness;
#[path = "preview/oracle.rs"]
mod oracle;
#[path = "preview/plan.rs"]
mod plan;
#[path = "preview/planner.rs"]
mod planner;
#[path = "preview/support.rs"]
mod support;
