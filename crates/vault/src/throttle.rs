//! Unlock throttling: after repeated wrong passphrases, further attempts must wait.
//!
//! The one decision to know: the state lives in its own small file (`unlock-throttle.json`) so a
//! wrong passphrase never writes to the database or the sidecar. It slows down guessing through
//! the app; it cannot stop an attacker who copies the files (Argon2 is the defence there). Time
//! is always passed in; the module never reads a clock.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// File name of the throttle state inside a vault directory.
pub const FILE_NAME: &str = "unlock-throttle.json";

/// Failures allowed before any delay: typos should not be punished.
const FREE_FAILURES: u32 = 3;
/// First delay after the free failures; doubles with each further failure.
const BASE_DELAY: Duration = Duration::from_secs(1);
/// Longest delay between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    failures: u32,
    last_failure_unix: i64,
}

/// How long to wait after `failures` consecutive wrong passphrases.
pub fn delay_after(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(20);
    BASE_DELAY.saturating_mul(1u32 << doublings).min(MAX_DELAY)
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

fn read(dir: &Path) -> State {
    // A missing or unreadable file means "no recorded failures": anyone able to damage it could
    // also delete it, so failing closed here would only lock out the owner.
    std::fs::read(path(dir))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// When the next attempt is allowed, if that is after `now`.
pub(crate) fn retry_after(dir: &Path, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let state = read(dir);
    let delay = delay_after(state.failures);
    if delay.is_zero() {
        return None;
    }
    let last = DateTime::<Utc>::from_timestamp(state.last_failure_unix, 0)?;
    if last > now {
        // The clock went backwards; we cannot reason about elapsed time, so do not lock the
        // owner out indefinitely.
        return None;
    }
    let until = last + chrono::Duration::from_std(delay).ok()?;
    (until > now).then_some(until)
}

/// Records one more wrong passphrase; returns when the next attempt is allowed, if delayed.
pub(crate) fn record_failure(dir: &Path, now: DateTime<Utc>) -> io::Result<Option<DateTime<Utc>>> {
    let mut state = read(dir);
    state.failures = state.failures.saturating_add(1);
    state.last_failure_unix = now.timestamp();
    let bytes = serde_json::to_vec(&state).map_err(io::Error::other)?;
    crate::atomic::replace(&path(dir), &bytes)?;
    let delay = delay_after(state.failures);
    Ok((!delay.is_zero())
        .then(|| chrono::Duration::from_std(delay).ok().map(|d| now + d))
        .flatten())
}

/// Forgets all failures after a successful unlock.
pub(crate) fn reset(dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(path(dir)) {
        Ok(()) => crate::atomic::sync_dir(dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn delay_is_free_then_exponential_then_capped() {
        assert_eq!(delay_after(0), Duration::ZERO);
        assert_eq!(delay_after(3), Duration::ZERO, "three typos are free");
        assert_eq!(delay_after(4), Duration::from_secs(1));
        assert_eq!(delay_after(5), Duration::from_secs(2));
        assert_eq!(delay_after(6), Duration::from_secs(4));
        assert_eq!(delay_after(30), MAX_DELAY);
        assert_eq!(
            delay_after(u32::MAX),
            MAX_DELAY,
            "no overflow at the extreme"
        );
    }

    #[test]
    fn failures_persist_and_success_resets() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for _ in 0..4 {
            record_failure(dir.path(), t0).unwrap();
        }
        assert_eq!(
            retry_after(dir.path(), t0),
            Some(t0 + chrono::Duration::seconds(1))
        );
        assert_eq!(
            retry_after(dir.path(), t0 + chrono::Duration::seconds(1)),
            None
        );
        reset(dir.path()).unwrap();
        assert_eq!(retry_after(dir.path(), t0), None);
        assert!(!path(dir.path()).exists());
    }

    #[test]
    fn a_clock_that_went_backwards_does_not_lock_out_forever() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for _ in 0..10 {
            record_failure(dir.path(), t0).unwrap();
        }
        assert!(retry_after(dir.path(), t0).is_some());
        assert_eq!(
            retry_after(dir.path(), t0 - chrono::Duration::days(1)),
            None
        );
    }
}
