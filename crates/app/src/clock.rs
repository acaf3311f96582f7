//! The front ends' clock: the one place the app's callers read the time, which every use case
//! then takes as a parameter (and the network signs with).
//!
//! Builds with the `test-hooks` feature honour `TIPVAULT_TEST_CLOCK_OFFSET_SECS` (whole seconds
//! added to the system clock), so process tests of the CLI and WebDriver tests of the desktop
//! can let days pass: the SIGKILL soak (`tests/redeem.rs`) moves to the next day when a new
//! vault's daily limit is used up. A provider must share the offset or it rejects the
//! signatures' `created` time. Other builds (the README's, releases) ignore the variable.

use chrono::{DateTime, TimeDelta, Utc};

/// The test hook's variable (see the module docs).
pub const OFFSET_ENV: &str = "TIPVAULT_TEST_CLOCK_OFFSET_SECS";

/// Now (see the module docs for the test-only offset).
#[must_use]
pub fn now() -> DateTime<Utc> {
    Utc::now() + offset()
}

#[cfg(feature = "test-hooks")]
fn offset() -> TimeDelta {
    std::env::var(OFFSET_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(TimeDelta::try_seconds)
        .unwrap_or_default()
}

#[cfg(not(feature = "test-hooks"))]
fn offset() -> TimeDelta {
    TimeDelta::zero()
}
