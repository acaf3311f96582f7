//! `tipvault verify-bundle`: checks an evidence bundle offline.

use tipvault_app::AppError;

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, file: &std::path::Path) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let view = tipvault_app::verify_bundle_file(file)?;
    out.value(&view, || {
        format!(
            "✓ The bundle verifies: {} {} {} (fee {}) for {} at {}, signed by {} ({}); \
             dispute: {}{}; {} audit entries linked.",
            view.product,
            view.amount,
            view.currency,
            view.fee,
            view.redemption_id,
            view.receipt_issued_at,
            view.provider,
            view.provider_key_id,
            view.reason,
            if view.acknowledged {
                ", acknowledged"
            } else {
                ""
            },
            view.audit_entries
        )
    });
    Ok(())
}
