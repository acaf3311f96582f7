//! `tipvault purge`: deletes every expired record now.

use clap::Args;
use tipvault_app::{AppError, LockReason, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub(crate) struct PurgeArgs {
    /// Only count what would be deleted.
    #[arg(long)]
    dry_run: bool,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &PurgeArgs) -> Result<(), AppError> {
    let dry_run = args.dry_run;
    let Ctx {
        location,
        access,
        out,
        ..
    } = ctx;
    // Every unlock purges first (nothing expired outlives an open vault), so what a
    // purge finds here is what expired after that; the unlock's own deletions are
    // reported beside it, never hidden behind a "0".
    let (mut session, unlocked) = access.unlock(location)?;
    let result = tipvault_app::purge_expired(&mut session, clock::now(), dry_run);
    let locked = session.lock(clock::now(), LockReason::Exit);
    let report = output::PurgeRun {
        report: result?,
        deleted_on_unlock: unlocked.purged,
    };
    locked?;
    out.value(&report, || output::purge_text(&report));
    Ok(())
}
