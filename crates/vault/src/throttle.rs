//! Unlock throttling: after repeated wrong passphrases, further attempts must wait.
//!
//! The decisions to know:
//! - The state lives in its own small file (`unlock-throttle.json`) so a wrong passphrase never
//!   writes to the database or the sidecar. It slows down guessing through the app; it cannot
//!   stop an attacker who copies the files (Argon2 is the defence there).
//! - **An attempt is counted before the key is derived**, under an exclusive lock on
//!   `unlock-throttle.lock`: parallel attempts wait for each other and each sees the others'
//!   count, and killing the process mid-derivation (to learn the answer without the count)
//!   leaves the failure counted. A success sets the count back to zero.
//! - **A clock set back does not shorten a wait.** When the last failure lies in the future, the
//!   elapsed time is unknown, so the whole delay is served again from now (and the record is
//!   moved to now at the next attempt, so the owner is not locked out until the clock catches up).
//! - **A deleted counter does not reset it.** Vaults written by this version keep the file at all
//!   times (zero failures after a success) and say so in the sidecar (`throttle_file`); a
//!   missing or unreadable counter then counts as the maximum delay, served once from the moment
//!   it is noticed.
//!
//! Time is always passed in; the module never reads a clock.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// File name of the throttle state inside a vault directory.
pub const FILE_NAME: &str = "unlock-throttle.json";
/// The lock file that serialises attempts (its content is irrelevant).
pub const LOCK_FILE_NAME: &str = "unlock-throttle.lock";

/// Failures allowed before any delay: typos should not be punished.
const FREE_FAILURES: u32 = 3;
/// First delay after the free failures; doubles with each further failure.
const BASE_DELAY: Duration = Duration::from_secs(1);
/// Longest delay between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// The count a missing counter is taken for: enough failures for the longest delay.
const MISSING_COUNTS_AS: u32 = FREE_FAILURES + 11;

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

/// The stored state, `None` when the file is missing or unreadable.
fn read(dir: &Path) -> Option<State> {
    std::fs::read(path(dir))
        .ok()
        .and_then(|bytes| parse(&bytes))
}

/// The state in a counter file's bytes, `None` when they are not one.
fn parse(bytes: &[u8]) -> Option<State> {
    serde_json::from_slice(bytes).ok()
}

/// When a counter file holding `bytes` allows the next attempt (for the fuzz target: the file
/// is outside input, anyone with the folder can write it).
#[cfg(feature = "fuzzing")]
pub fn retry_after_bytes(bytes: &[u8], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    wait_until(&parse(bytes)?, now)
}

/// The state to judge by. `expected` says the vault keeps its counter at all times (the
/// sidecar's `throttle_file`): then a missing counter fails closed; for an older vault that
/// never had one it means "no failures".
fn effective(dir: &Path, expected: bool, now: DateTime<Utc>) -> State {
    match read(dir) {
        Some(state) => state,
        None if expected => State {
            failures: MISSING_COUNTS_AS,
            last_failure_unix: now.timestamp(),
        },
        None => State::default(),
    }
}

fn write(dir: &Path, state: &State) -> io::Result<()> {
    let bytes = serde_json::to_vec(state).map_err(io::Error::other)?;
    crate::atomic::replace(&path(dir), &bytes)
}

/// When `state` allows the next attempt, if that is after `now`. A last failure in the future
/// (the clock was set back) serves the whole delay from `now`.
fn wait_until(state: &State, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let delay = chrono::Duration::from_std(delay_after(state.failures)).ok()?;
    if delay.is_zero() {
        return None;
    }
    let last = DateTime::<Utc>::from_timestamp(state.last_failure_unix, 0)?;
    let until = if last > now {
        now + delay
    } else {
        last + delay
    };
    (until > now).then_some(until)
}

/// When the next attempt is allowed, if that is after `now` (read only: for the vault status).
pub(crate) fn retry_after(dir: &Path, expected: bool, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    wait_until(&effective(dir, expected, now), now)
}

/// Why an attempt may not start.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Wait until then.
    Wait(DateTime<Utc>),
    /// The counter (or its lock file) could not be opened, locked or written: no attempt
    /// without counting it.
    Io(PathBuf, io::Error),
}

/// One passphrase attempt, already counted as a failure. Holding it holds the lock, so a
/// parallel attempt waits until this one is settled.
#[derive(Debug)]
pub(crate) struct Attempt {
    dir: PathBuf,
    failures: u32,
    now: DateTime<Utc>,
    _lock: File,
}

/// Starts a passphrase attempt: waits for any other attempt on this vault, refuses if a delay
/// is due, then counts this attempt as a failure (written before any key is derived).
pub(crate) fn begin(dir: &Path, expected: bool, now: DateTime<Utc>) -> Result<Attempt, Refused> {
    let lock_path = dir.join(LOCK_FILE_NAME);
    let lock_err = |e| Refused::Io(lock_path.clone(), e);
    let lock = crate::files::private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(lock_err)?;
    crate::files::restrict_file(&lock).map_err(lock_err)?;
    lock.lock().map_err(lock_err)?;
    let write_err = |e| Refused::Io(path(dir), e);
    let mut state = effective(dir, expected, now);
    if DateTime::<Utc>::from_timestamp(state.last_failure_unix, 0).is_some_and(|last| last > now) {
        // The clock went back: serve the whole delay from now, and remember that.
        state.last_failure_unix = now.timestamp();
        write(dir, &state).map_err(write_err)?;
    }
    if let Some(until) = wait_until(&state, now) {
        if read(dir).is_none() {
            // Record the noticed deletion, so the wait does not move with every look.
            write(dir, &state).map_err(write_err)?;
        }
        return Err(Refused::Wait(until));
    }
    state.failures = state.failures.saturating_add(1);
    state.last_failure_unix = now.timestamp();
    write(dir, &state).map_err(write_err)?;
    Ok(Attempt {
        dir: dir.to_path_buf(),
        failures: state.failures,
        now,
        _lock: lock,
    })
}

impl Attempt {
    /// The passphrase was right: forget every failure (the file stays, with a zero count).
    pub(crate) fn succeeded(self) -> io::Result<()> {
        write(&self.dir, &State::default())
    }

    /// The passphrase was wrong (already counted): when the next attempt is allowed, if delayed.
    pub(crate) fn failed(self) -> Option<DateTime<Utc>> {
        let delay = chrono::Duration::from_std(delay_after(self.failures)).ok()?;
        (!delay.is_zero()).then(|| self.now + delay)
    }
}

/// Creates the counter with no failures (a new vault, or an older one at its first unlock).
pub(crate) fn create(dir: &Path) -> io::Result<()> {
    write(dir, &State::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    fn fail(dir: &Path, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        begin(dir, true, now).unwrap().failed()
    }

    #[test]
    fn delay_is_free_then_exponential_then_capped() {
        assert_eq!(delay_after(0), Duration::ZERO);
        assert_eq!(delay_after(3), Duration::ZERO, "three typos are free");
        assert_eq!(delay_after(4), Duration::from_secs(1));
        assert_eq!(delay_after(5), Duration::from_secs(2));
        assert_eq!(delay_after(6), Duration::from_secs(4));
        assert_eq!(delay_after(30), MAX_DELAY);
        assert_eq!(delay_after(MISSING_COUNTS_AS), MAX_DELAY);
        assert_eq!(
            delay_after(u32::MAX),
            MAX_DELAY,
            "no overflow at the extreme"
        );
    }

    #[test]
    fn failures_persist_and_success_resets() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path()).unwrap();
        for _ in 0..3 {
            assert_eq!(fail(dir.path(), t0()), None);
        }
        assert_eq!(
            fail(dir.path(), t0()),
            Some(t0() + chrono::Duration::seconds(1))
        );
        assert_eq!(
            retry_after(dir.path(), true, t0()),
            Some(t0() + chrono::Duration::seconds(1))
        );
        assert!(matches!(
            begin(dir.path(), true, t0()),
            Err(Refused::Wait(_))
        ));
        let later = t0() + chrono::Duration::seconds(1);
        assert_eq!(retry_after(dir.path(), true, later), None);
        begin(dir.path(), true, later).unwrap().succeeded().unwrap();
        assert_eq!(retry_after(dir.path(), true, later), None);
        assert!(path(dir.path()).exists(), "the counter stays, at zero");
    }

    #[test]
    fn an_attempt_is_counted_before_its_outcome_is_known() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path()).unwrap();
        // Four attempts whose process died mid-derivation (the Attempt is dropped unsettled).
        for _ in 0..4 {
            drop(begin(dir.path(), true, t0()).unwrap());
        }
        assert_eq!(
            retry_after(dir.path(), true, t0()),
            Some(t0() + chrono::Duration::seconds(1)),
            "attempts never settled still count"
        );
    }

    #[test]
    fn parallel_attempts_are_all_counted() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path()).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.path().to_path_buf();
                std::thread::spawn(move || match begin(&dir, true, t0()) {
                    Ok(attempt) => {
                        // Hold the lock as a key derivation would.
                        std::thread::sleep(Duration::from_millis(20));
                        attempt.failed();
                        true
                    }
                    Err(Refused::Wait(_)) => false,
                    Err(Refused::Io(path, e)) => panic!("{}: {e}", path.display()),
                })
            })
            .collect();
        let attempted = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&ran| ran)
            .count();
        assert_eq!(
            attempted, 4,
            "three free attempts and the fourth; the rest wait instead of racing past the count"
        );
        assert_eq!(read(dir.path()).unwrap().failures, 4);
    }

    #[test]
    fn a_clock_set_back_serves_the_whole_delay_then_lets_the_owner_in() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path()).unwrap();
        for _ in 0..10 {
            let _ = begin(dir.path(), true, t0()).map(Attempt::failed);
        }
        let delay = chrono::Duration::from_std(delay_after(4)).unwrap();
        assert_eq!(
            retry_after(dir.path(), true, t0()),
            Some(t0() + delay),
            "four counted, the rest refused"
        );
        let back = t0() - chrono::Duration::days(1);
        assert_eq!(
            retry_after(dir.path(), true, back),
            Some(back + delay),
            "moving the clock back a day does not skip the wait"
        );
        assert!(matches!(
            begin(dir.path(), true, back),
            Err(Refused::Wait(_))
        ));
        // After the delay on the moved clock, the owner may try again.
        assert!(begin(dir.path(), true, back + delay).is_ok());
    }

    #[test]
    fn a_deleted_counter_fails_closed_once() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path()).unwrap();
        std::fs::remove_file(path(dir.path())).unwrap();
        let until = t0() + chrono::Duration::from_std(MAX_DELAY).unwrap();
        match begin(dir.path(), true, t0()) {
            Err(Refused::Wait(at)) => assert_eq!(at, until),
            other => panic!("expected a wait, got {other:?}"),
        }
        assert_eq!(
            retry_after(dir.path(), true, t0() + chrono::Duration::minutes(5)),
            Some(until),
            "the wait is recorded when noticed, not moved by every look"
        );
        assert!(begin(dir.path(), true, until).is_ok());

        // A vault from before version 2 never had the file: no failures.
        let old = tempfile::tempdir().unwrap();
        assert_eq!(retry_after(old.path(), false, t0()), None);
        assert!(begin(old.path(), false, t0()).is_ok());
    }
}
