//! Use cases on the audit log: read it and check that its hash chain is intact.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::session::Session;
use crate::view::{AuditEntryView, AuditVerifyView};

/// Checks every link of the chain (from the purge anchor on) and says what is wrong, if anything.
pub fn verify_audit_log(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<AuditVerifyView, AppError> {
    Ok(session.vault_at(now).audit_verify()?.into())
}

/// Live entries after `after_seq`, oldest first, at most `limit`.
pub fn audit_entries(
    session: &mut Session,
    now: DateTime<Utc>,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<AuditEntryView>, AppError> {
    let entries = session.vault_at(now).audit_entries(now, after_seq, limit)?;
    Ok(entries.into_iter().map(AuditEntryView::from).collect())
}
