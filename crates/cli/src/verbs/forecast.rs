//! `tipvault forecast`: when each source reaches its payout threshold.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub(crate) struct ForecastArgs {
    /// Base the rate on the net income of this many trailing days.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    window_days: u32,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &ForecastArgs) -> Result<(), AppError> {
    let window_days = args.window_days;
    let Ctx { out, .. } = ctx;
    let forecasts =
        ctx.with_session(|session| tipvault_app::forecast(session, window_days, clock::now()))?;
    out.value(&forecasts, || output::forecast_text(&forecasts));
    Ok(())
}
