//! `tipvault dispute`: a signed dispute of a confirmed leg, and its evidence bundle.

use std::path::PathBuf;

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;

#[derive(Debug, Args)]
pub(crate) struct DisputeArgs {
    /// The redemption (rx_… with one leg) or provider redemption id (rd_…).
    id: String,
    /// not_received, wrong_amount, wrong_destination, duplicate or other.
    #[arg(long)]
    reason: String,
    /// Where to write the evidence bundle.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &DisputeArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let reason = tipvault_app::parse_reason(&args.reason)?;
    let net = tipvault_app::Network::new()?;
    let view = ctx.with_session(|s| {
        tipvault_app::dispute(s, &net, &args.id, reason, &args.out, clock::now())
    })?;
    out.value(&view, || {
        format!(
            "Disputed {} ({}); the provider {} it. Evidence bundle: {}.",
            view.redemption_id,
            view.reason,
            if view.acknowledged {
                "acknowledged"
            } else {
                "did not acknowledge"
            },
            args.out.display()
        )
    });
    Ok(())
}
