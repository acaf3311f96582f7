//! `tipvault receipt verify`: every receipt of a redemption, verified under the pinned key.

use clap::Subcommand;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::Ctx;

#[derive(Debug, Subcommand)]
pub(crate) enum ReceiptCommand {
    /// Verify the receipts of a redemption (rx_…) or one receipt (rd_…).
    Verify {
        /// Redemption or provider redemption id.
        id: String,
    },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &ReceiptCommand) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let ReceiptCommand::Verify { id } = command;
    let list = ctx.with_session(|s| tipvault_app::receipt_verify(s, id, clock::now()))?;
    let bad = list.iter().filter(|r| !r.verified).count();
    out.value(&list, || {
        list.iter()
            .map(|r| {
                if r.verified {
                    format!(
                        "✓ {} leg {}: {} {} {} (fee {}), signed by {} at {}",
                        r.provider_redemption_id,
                        r.leg,
                        r.product,
                        r.amount,
                        r.currency,
                        r.fee,
                        r.provider,
                        r.issued_at
                    )
                } else {
                    format!(
                        "✗ {} leg {}: {}",
                        r.provider_redemption_id,
                        r.leg,
                        r.problem.as_deref().unwrap_or("")
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    if bad > 0 {
        return Err(AppError::new(
            ErrorCode::NotVerified,
            format!("{bad} receipt(s) do not verify."),
        ));
    }
    Ok(())
}
