//! `tipvault totals`: sums per period.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;
use crate::verbs::history::FilterArgs;

#[derive(Debug, Args)]
pub(crate) struct TotalsArgs {
    /// The period: day, week (ISO) or month.
    #[arg(long, default_value = "month", value_name = "PERIOD")]
    by: String,
    #[command(flatten)]
    filter: FilterArgs,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &TotalsArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let tz = tipvault_app::parse_tz(&ctx.tz)?;
    let period = tipvault_app::parse_period(&args.by)?;
    let query = args.filter.query();
    let totals = ctx
        .with_session(|session| tipvault_app::totals(session, &query, period, &tz, clock::now()))?;
    out.value(&totals, || output::totals_table(&totals));
    Ok(())
}
