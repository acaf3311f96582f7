//! Integration tests of the sandbox provider and the wire client over real loopback HTTP.
//! Modules: `support` (start, pair), `server` (what the provider enforces), `conformance`
//! (the conformance kit against honest and hostile sandboxes), `faults`
//! (injected failures, restart), `hostile` (a lying provider against the client),
//! `protocol` (the published specification's schemas and examples against a real exchange),
//! `demo_providers` (the demo providers' catalogs in `demo/providers`).

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "sandbox/conformance.rs"]
mod conformance;
#[path = "sandbox/demo_providers.rs"]
mod demo_providers;
#[path = "sandbox/faults.rs"]
mod faults;
#[path = "sandbox/hostile.rs"]
mod hostile;
#[path = "sandbox/protocol.rs"]
mod protocol;
#[path = "sandbox/server.rs"]
mod server;
#[path = "sandbox/support.rs"]
mod support;
