//! `tipvault verify`: approves a held redemption with a security key, then sends it.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::describe;

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The paused redemption (rx_…).
    pub(crate) id: String,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &VerifyArgs) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    let net = tipvault_app::Network::new()?;
    let view = ctx.with_session(|s| {
        let mut device = access.approving_authenticator()?;
        tipvault_app::verify_redemption(s, &args.id, &mut *device, clock::now())?;
        tipvault_app::run_outbox(s, &net)?;
        tipvault_app::redemption(s, &args.id, clock::now())
    })?;
    out.value(&view, || {
        format!(
            "Confirmed with your security key and sent.\n{}",
            describe(&view)
        )
    });
    Ok(())
}
