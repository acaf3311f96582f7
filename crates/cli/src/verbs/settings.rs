//! `tipvault settings`: the vault's settings (auto-lock).

use std::time::Duration;

use clap::Subcommand;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;

#[derive(Debug, Subcommand)]
pub(crate) enum SettingsCommand {
    /// List the settings.
    Show,
    /// Lock the desktop app after this long without use, e.g. `10m` (1 minute to 8 hours).
    AutoLock {
        #[arg(value_parser = humantime::parse_duration)]
        after: Duration,
    },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &SettingsCommand) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    let settings = ctx.with_session(|session| match command {
        SettingsCommand::Show => tipvault_app::settings(session, clock::now()),
        SettingsCommand::AutoLock { after } => access
            .with_proof(|proof| tipvault_app::set_auto_lock(session, *after, proof, clock::now())),
    })?;
    out.value(&settings, || {
        format!(
            "auto-lock after {}",
            humantime::format_duration(Duration::from_secs(settings.auto_lock_secs))
        )
    });
    Ok(())
}
