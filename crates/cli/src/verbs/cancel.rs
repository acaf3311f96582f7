//! `tipvault cancel`: ends a held redemption; nothing is sent. With `--provider`, cancels only
//! the requests still waiting for that provider (one that is down); the others carry on.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::describe;

#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// The redemption that was not sent (rx_…).
    id: String,
    /// Only the requests still queued for this provider (a redemption across providers whose
    /// provider is down); what reached a provider is reconciled, never cancelled.
    #[arg(long)]
    provider: Option<String>,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &CancelArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let view = ctx.with_session(|s| match &args.provider {
        Some(provider) => tipvault_app::cancel_provider_legs(s, &args.id, provider, clock::now()),
        None => tipvault_app::cancel_redemption(s, &args.id, clock::now()),
    })?;
    out.value(&view, || match &args.provider {
        Some(provider) => format!(
            "Cancelled what was waiting for {provider}; nothing more goes to it.\n{}",
            describe(&view)
        ),
        None => format!("Cancelled; nothing was sent.\n{}", describe(&view)),
    });
    Ok(())
}
