//! Use cases on expiry: see and shorten retention classes, and purge what has expired.
//!
//! The vault enforces the rules (reads never return expired rows; lengthening a class applies
//! to new records only); this module only shapes the results for the front ends.

use std::time::Duration;
use ts_rs::TS;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::AppError;
use crate::reauth::{Proof, Sensitive};
use crate::session::Session;
use crate::view::{PurgeView, RetentionView};

/// Every retention class with its current and default duration.
pub fn retention_classes(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<RetentionView>, AppError> {
    let classes = session.vault_at(now).retention_classes()?;
    Ok(classes.into_iter().map(RetentionView::from).collect())
}

/// What changing a class did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RetentionChanged {
    pub class: String,
    pub previous_seconds: u64,
    pub seconds: u64,
    /// Existing records whose expiry moved earlier.
    pub records_shortened: u64,
}

/// Sets how long records of `class` live. Shortening deletes records sooner, so it is a
/// sensitive change: `proof` is checked first (lengthening needs none). The vault refuses a
/// duration below the class's floor.
pub fn set_retention(
    session: &mut Session,
    class: &str,
    duration: Duration,
    proof: Option<Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<RetentionChanged, AppError> {
    let current = session
        .vault_at(now)
        .retention_classes()?
        .into_iter()
        .find(|c| c.name == class.trim())
        .map(|c| c.duration);
    if current.is_some_and(|current| duration < current) {
        // The floor is checked before the proof, so nobody types a passphrase for a refusal.
        session
            .vault_at(now)
            .check_retention(class.trim(), duration)?;
        crate::reauth::confirm(
            session,
            proof,
            &Sensitive::ShortenRetention {
                class: class.trim().to_owned(),
                seconds: duration.as_secs(),
            },
            now,
        )?;
    }
    let change = session.vault_at(now).set_retention(class, duration, now)?;
    Ok(RetentionChanged {
        class: change.class,
        previous_seconds: change.previous.as_secs(),
        seconds: change.current.as_secs(),
        records_shortened: change.rows_shortened,
    })
}

/// Deletes every expired record now (or only counts them, with `dry_run`).
pub fn purge_expired(
    session: &mut Session,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<PurgeView, AppError> {
    Ok(session.vault_at(now).purge(now, dry_run)?.into())
}

/// The periodic purge while the vault is open: like [`purge_expired`], but it is not user
/// activity, so it does not postpone the auto-lock.
pub fn purge_expired_unattended(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<PurgeView, AppError> {
    Ok(session.vault_unattended().purge(now, false)?.into())
}
