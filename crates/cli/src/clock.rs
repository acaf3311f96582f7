//! The command line's clock: the one place it reads the time, which every use case then takes
//! as a parameter (and the network signs with).
//!
//! Builds with the `test-hooks` feature honour `TIPVAULT_TEST_CLOCK_OFFSET_SECS` (whole seconds added to the system
//! clock), so process tests can let days pass: the SIGKILL soak (`tests/redeem.rs`) moves to
//! the next day when a new vault's daily limit is used up, keeping every round on the send
//! path. The provider must share the offset or it rejects the signatures' `created` time.
//! Other builds (the README's, releases) ignore it, like `TIPVAULT_TEST_NETWORK`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tipvault_app::{AppError, Network};

/// Now (see the module docs for the test-only offset).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now() + offset()
}

/// The network on this clock, with real sleeps.
pub(crate) fn network() -> Result<Network, AppError> {
    Ok(Network::new()?.with_clock(Arc::new(now), Arc::new(std::thread::sleep)))
}

#[cfg(feature = "test-hooks")]
fn offset() -> chrono::TimeDelta {
    std::env::var("TIPVAULT_TEST_CLOCK_OFFSET_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(chrono::TimeDelta::try_seconds)
        .unwrap_or_default()
}

#[cfg(not(feature = "test-hooks"))]
fn offset() -> chrono::TimeDelta {
    chrono::TimeDelta::zero()
}
