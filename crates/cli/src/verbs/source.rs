//! `tipvault source`: the accounts tips arrive in (add, list, thresholds, platforms).

use clap::Subcommand;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Subcommand)]
pub(crate) enum SourceCommand {
    /// Add a source, e.g. `source add kofi-main --platform kofi --currency USD --label "Ko-fi"`.
    Add {
        /// A stable id (a-z, 0-9, '.', '_', '-'): part of every imported entry's identity.
        id: String,
        /// What you call it (default: the id).
        #[arg(long)]
        label: Option<String>,
        /// kofi, paypal, stripe, github-sponsors, patreon, buymeacoffee, twitch, toonation,
        /// twip, soop, chzzk or generic:NAME.
        #[arg(long)]
        platform: String,
        /// The account's currency (ISO 4217, e.g. USD, KRW).
        #[arg(long)]
        currency: String,
        /// The balance at which the platform pays out, in the source's currency (e.g. 50.00),
        /// or `none`. Default: the platform's published threshold (Toonation ₩40,000, Twip
        /// ₩50,000, Patreon $10, Buy Me a Coffee $10, Twitch $50) in its currency.
        #[arg(long, value_name = "AMOUNT")]
        threshold: Option<String>,
        /// The payout schedule in words (e.g. "request 1st-10th, paid at month end").
        #[arg(long)]
        schedule: Option<String>,
    },
    /// List the sources.
    List,
    /// Change a source's payout threshold (`none` removes it).
    SetThreshold {
        id: String,
        /// The new threshold in the source's currency, or `none`.
        #[arg(value_name = "AMOUNT")]
        threshold: String,
        /// The payout schedule in words (default: keep the current one).
        #[arg(long)]
        schedule: Option<String>,
    },
    /// The platforms and their published payout thresholds.
    Platforms,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &SourceCommand) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    match command {
        SourceCommand::Add {
            id,
            label,
            platform,
            currency,
            threshold,
            schedule,
        } => {
            let new = tipvault_app::NewSource {
                id: id.clone(),
                label: label.clone().unwrap_or_else(|| id.clone()),
                platform: platform.clone(),
                currency: currency.clone(),
                payout_threshold: threshold.clone(),
                payout_schedule: schedule.clone(),
            };
            let source =
                ctx.with_session(|session| tipvault_app::add_source(session, &new, clock::now()))?;
            out.value(&source, || {
                format!(
                    "Added source {} ({}, {}).",
                    source.id, source.platform_name, source.currency
                )
            });
        }
        SourceCommand::SetThreshold {
            id,
            threshold,
            schedule,
        } => {
            let source = ctx.with_session(|session| {
                tipvault_app::set_payout_threshold(
                    session,
                    id,
                    threshold,
                    schedule.as_deref(),
                    clock::now(),
                )
            })?;
            out.value(&source, || match &source.payout_threshold {
                Some(t) => format!("{}: payout threshold {}.", source.id, t.en),
                None => format!("{}: no payout threshold.", source.id),
            });
        }
        SourceCommand::Platforms => {
            let platforms = tipvault_app::platforms();
            out.value(&platforms, || output::platforms_table(&platforms));
        }
        SourceCommand::List => {
            let sources =
                ctx.with_session(|session| tipvault_app::list_sources(session, clock::now()))?;
            out.value(&sources, || output::sources_table(&sources));
        }
    }
    Ok(())
}
