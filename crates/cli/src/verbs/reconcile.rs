//! `tipvault reconcile`: asks providers about every leg not final, and sends what is queued.

use tipvault_app::AppError;

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let net = tipvault_app::Network::new()?;
    let run = ctx.with_session(|s| tipvault_app::reconcile(s, &net))?;
    out.value(&run, || {
        let mut text = format!(
            "Confirmed {}, failed {}, outcome unknown {}, still queued {} ({} requests sent).",
            run.confirmed, run.failed, run.outcome_unknown, run.queued, run.requests_sent
        );
        if !run.reconciliations.is_empty() {
            text.push('\n');
            text.push_str(&crate::output::reconciliations_text(&run.reconciliations));
        }
        text
    });
    Ok(())
}
