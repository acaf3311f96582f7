//! `tipvault audit`: the audit log (verify its chain, show entries).

use clap::Subcommand;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check that no entry was edited, removed, inserted or reordered.
    Verify,
    /// List entries, oldest first.
    Show {
        /// Show entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Show at most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &AuditCommand) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    match command {
        AuditCommand::Verify => {
            let report =
                ctx.with_session(|session| tipvault_app::verify_audit_log(session, clock::now()))?;
            out.value(&report, || match &report.problem {
                None => format!(
                    "The audit log is intact ({} entries checked).",
                    report.checked
                ),
                Some(problem) => format!("The audit log is BROKEN: {problem}."),
            });
            if !report.intact {
                return Err(AppError::new(
                    ErrorCode::VaultDamaged,
                    "The audit log's hash chain does not verify.",
                ));
            }
        }
        AuditCommand::Show { after, limit } => {
            let entries = ctx.with_session(|session| {
                tipvault_app::audit_entries(session, clock::now(), *after, *limit)
            })?;
            out.value(&entries, || output::audit_table(&entries));
        }
    }
    Ok(())
}
