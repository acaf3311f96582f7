//! `tipvault balance`: the balance of every source.

use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let balances = ctx.with_session(|session| tipvault_app::balances(session, clock::now()))?;
    out.value(&balances, || output::balances_table(&balances));
    Ok(())
}
