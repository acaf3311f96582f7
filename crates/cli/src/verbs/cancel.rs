//! `tipvault cancel`: ends a held redemption; nothing is sent.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::describe;

#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// The redemption that was not sent (rx_…).
    id: String,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &CancelArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let view = ctx.with_session(|s| tipvault_app::cancel_redemption(s, &args.id, clock::now()))?;
    out.value(&view, || {
        format!("Cancelled; nothing was sent.\n{}", describe(&view))
    });
    Ok(())
}
