//! User settings kept in the vault, with their meaning and valid ranges.
//!
//! The vault stores text under a key and audits changes; this module owns what each key means
//! and refuses values outside their range before anything is written.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_vault::SettingError;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::session::{DEFAULT_IDLE_LIMIT, Session};

const AUTO_LOCK_KEY: &str = "auto_lock_secs";
/// Shortest auto-lock: less would lock while the user reads a page.
pub const MIN_AUTO_LOCK: Duration = Duration::from_secs(60);
/// Longest auto-lock: an open vault left for a working day is long enough.
pub const MAX_AUTO_LOCK: Duration = Duration::from_secs(8 * 3600);

/// The settings as the front ends show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Settings {
    /// Lock the vault after this many seconds without use.
    pub auto_lock_secs: u64,
}

impl From<SettingError> for AppError {
    fn from(err: SettingError) -> Self {
        match err {
            SettingError::Store(e) => e.into(),
            other => AppError::new(ErrorCode::InvalidInput, other.to_string()),
        }
    }
}

/// How long the vault may sit unused before it locks itself.
pub fn auto_lock_after(session: &mut Session, now: DateTime<Utc>) -> Result<Duration, AppError> {
    let stored = session.vault_at(now).setting(AUTO_LOCK_KEY)?;
    // Only this module writes the value, inside the encrypted vault; anything unreadable falls
    // back to the default rather than to "never".
    Ok(stored
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
        .filter(|d| (MIN_AUTO_LOCK..=MAX_AUTO_LOCK).contains(d))
        .unwrap_or(DEFAULT_IDLE_LIMIT))
}

/// The current settings.
pub fn settings(session: &mut Session, now: DateTime<Utc>) -> Result<Settings, AppError> {
    Ok(Settings {
        auto_lock_secs: auto_lock_after(session, now)?.as_secs(),
    })
}

/// Sets the auto-lock time (between one minute and eight hours). Longer than the default (5
/// minutes) leaves an unattended vault open longer, so it is a sensitive change: `proof` is
/// checked first; a shorter one needs none.
pub fn set_auto_lock(
    session: &mut Session,
    after: Duration,
    proof: Option<crate::reauth::Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<Settings, AppError> {
    if !(MIN_AUTO_LOCK..=MAX_AUTO_LOCK).contains(&after) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Choose an auto-lock time between 1 minute and 8 hours.",
        ));
    }
    if after > DEFAULT_IDLE_LIMIT {
        crate::reauth::confirm(
            session,
            proof,
            &crate::reauth::Sensitive::AutoLock {
                seconds: after.as_secs(),
            },
            now,
        )?;
    }
    // Whole seconds: sub-second precision means nothing for an idle timer.
    let secs = after.as_secs();
    session
        .vault_at(now)
        .set_setting(AUTO_LOCK_KEY, &secs.to_string(), now)?;
    Ok(Settings {
        auto_lock_secs: secs,
    })
}
