//! `tipvault check`: the vault's full consistency check.

use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let report = ctx.with_session(|session| tipvault_app::check_vault(session, clock::now()))?;
    out.value(&report, || {
        if report.consistent {
            format!(
                "The vault is consistent: pages, structure, search index, balances \
                 ({} entries) and audit log ({} entries) all check out.",
                report.entries, report.audit_entries
            )
        } else {
            format!(
                "The vault is NOT consistent:\n- {}",
                report.problems.join("\n- ")
            )
        }
    });
    if !report.consistent {
        return Err(AppError::new(
            ErrorCode::VaultDamaged,
            "The vault's consistency check failed.",
        ));
    }
    Ok(())
}
