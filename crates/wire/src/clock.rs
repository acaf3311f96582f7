//! The protocol's clock: Unix seconds, as signatures' `created` and `expires` carry them.
//! Injectable so tests can skew either side's clock; both the client and the sandbox provider
//! take one.

use std::sync::Arc;

/// Reads Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}
