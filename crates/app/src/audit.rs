//! Use cases on the audit log and the vault's integrity: read the log, check that its hash
//! chain is intact, and check the whole vault (`tipvault check`).

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::session::Session;
use serde::Serialize;
use tipvault_vault::{AuditEvent, Inconsistency, Vault};
use ts_rs::TS;

use crate::view::{AuditEntryView, AuditVerifyView, audit_problem_text};

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

/// The vault's consistency check: pages, structure, references, search index, balances and
/// the audit chain (see `tipvault_vault::ConsistencyReport`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct VaultCheckView {
    /// True when every part holds.
    pub consistent: bool,
    /// Live entries whose balances were summed again.
    pub entries: u64,
    /// Audit entries whose hashes were checked.
    pub audit_entries: u64,
    /// What does not hold, in words (empty when consistent).
    pub problems: Vec<String>,
}

/// Checks the open vault at `now`; it only reads.
pub fn check_vault(session: &mut Session, now: DateTime<Utc>) -> Result<VaultCheckView, AppError> {
    let report = session.vault_at(now).check_consistency(now)?;
    Ok(VaultCheckView {
        consistent: report.is_consistent(),
        entries: report.entries,
        audit_entries: report.audit_entries,
        problems: report
            .problems
            .into_iter()
            .map(|p| match p {
                Inconsistency::Audit(problem) => {
                    format!(
                        "the audit log's hash chain is broken: {}",
                        audit_problem_text(problem)
                    )
                }
                other => other.to_string(),
            })
            .collect(),
    })
}

/// Appends one event to the vault's audit chain: what every use case records its steps and
/// refusals with.
pub(crate) fn append(
    vault: &mut Vault,
    kind: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    vault.audit_append(&AuditEvent::new(kind, detail)?, now)?;
    Ok(())
}
