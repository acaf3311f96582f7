//! `tipvault forecast`: when each source reaches its payout threshold.

use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, window_days: u32) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let forecasts =
        ctx.with_session(|session| tipvault_app::forecast(session, window_days, clock::now()))?;
    out.value(&forecasts, || output::forecast_text(&forecasts));
    Ok(())
}
