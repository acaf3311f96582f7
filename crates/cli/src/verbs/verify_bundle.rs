//! `tipvault verify-bundle`: checks an evidence bundle offline.

use std::path::PathBuf;

use clap::Args;
use tipvault_app::AppError;

use crate::context::Ctx;

#[derive(Debug, Args)]
pub(crate) struct VerifyBundleArgs {
    /// The bundle file.
    file: PathBuf,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &VerifyBundleArgs) -> Result<(), AppError> {
    let file = args.file.as_path();
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
