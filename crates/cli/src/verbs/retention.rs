//! `tipvault retention`: how long each class of record is kept.

use std::time::Duration;

use clap::Subcommand;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::{self, days};

#[derive(Debug, Subcommand)]
pub(crate) enum RetentionCommand {
    /// List the retention classes and their durations.
    Show,
    /// Set how long records of CLASS live, e.g. `retention set draft 12h` or `request_log 30d`.
    Set {
        class: String,
        /// A duration such as 12h, 30d, 26weeks, 2y.
        #[arg(value_parser = humantime::parse_duration)]
        duration: Duration,
    },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &RetentionCommand) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    match command {
        RetentionCommand::Show => {
            let classes =
                ctx.with_session(|session| tipvault_app::retention_classes(session, clock::now()))?;
            out.value(&classes, || output::retention_table(&classes));
        }
        RetentionCommand::Set { class, duration } => {
            let change = ctx.with_session(|session| {
                access.with_proof(|proof| {
                    tipvault_app::set_retention(session, class, *duration, proof, clock::now())
                })
            })?;
            out.value(&change, || {
            format!(
                "{} records are now kept for {} (was {}); {} existing records will expire sooner.",
                change.class,
                days(change.seconds),
                days(change.previous_seconds),
                change.records_shortened
            )
        });
        }
    }
    Ok(())
}
