//! `tipvault totals`: sums per period.

use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;
use crate::verbs::history::FilterArgs;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, by: &str, filter: &FilterArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let tz = tipvault_app::parse_tz(&ctx.tz)?;
    let period = tipvault_app::parse_period(by)?;
    let query = filter.query();
    let totals = ctx
        .with_session(|session| tipvault_app::totals(session, &query, period, tz, clock::now()))?;
    out.value(&totals, || output::totals_table(&totals));
    Ok(())
}
