//! `tipvault redemptions`: every redemption and its legs.

use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::describe;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let list = ctx.with_session(|s| tipvault_app::list_redemptions(s, clock::now()))?;
    out.value(&list, || {
        if list.is_empty() {
            "No redemptions yet.".into()
        } else {
            list.iter().map(describe).collect::<Vec<_>>().join("\n")
        }
    });
    Ok(())
}
