//! `tipvault verify`: approves a held redemption with a security key, then sends it.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::describe;

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The paused redemption (rx_…).
    id: String,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &VerifyArgs) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    let net = tipvault_app::Network::new()?;
    let view = ctx.with_session(|s| {
        let mut device = access.approving_authenticator()?;
        let mut no_progress = |_: &tipvault_app::LegProgress| {};
        tipvault_app::verify_and_send(
            s,
            &net,
            &mut *device,
            &args.id,
            None,
            &mut no_progress,
            clock::now(),
        )
    })?;
    out.value(&view, || {
        format!(
            "Confirmed with your security key and sent.\n{}",
            describe(&view)
        )
    });
    Ok(())
}
