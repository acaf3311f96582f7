//! `tipvault autocashout`: rules that cash out on their own, and running them.

use clap::Subcommand;
use tipvault_app::code_of;
use tipvault_app::{AppError, AutoCashOutTemplate, NewAutoCashOut, clock};

use crate::context::Ctx;
use crate::input::parse_dest;

#[derive(Debug, Subcommand)]
pub(crate) enum AutoCashOutCommand {
    /// Add a rule (trusted tier only): when SOURCE reaches THRESHOLD, redeem.
    Add {
        /// A name for the rule.
        id: String,
        /// The source watched.
        #[arg(long)]
        source: String,
        /// Fire at this balance (in the source's currency).
        #[arg(long)]
        threshold: String,
        /// Redeem this amount (default: the whole balance).
        #[arg(long)]
        amount: Option<String>,
        /// Destinations in order of preference (comma-separated).
        #[arg(long, value_delimiter = ',')]
        prefer: Vec<String>,
        /// The provider (default: the only one).
        #[arg(long)]
        provider: Option<String>,
        /// A destination field: PRODUCT.FIELD=VALUE (repeatable).
        #[arg(long = "dest", value_name = "PRODUCT.FIELD=VALUE")]
        dest: Vec<String>,
    },
    /// List the rules.
    List,
    /// Remove a rule.
    Remove { id: String },
    /// Run the rules that fire now (each judged unattended: a step-up pauses), then send.
    Run,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &AutoCashOutCommand) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    match command {
        AutoCashOutCommand::Add {
            id,
            source,
            threshold,
            amount,
            prefer,
            provider,
            dest,
        } => {
            let rule = NewAutoCashOut {
                id: id.clone(),
                source: source.clone(),
                threshold: threshold.clone(),
                template: AutoCashOutTemplate {
                    amount: amount.clone(),
                    prefer: prefer.clone(),
                    exclude: vec![],
                    provider: provider.clone(),
                    destinations: parse_dest(dest)?,
                    least_fees: false,
                },
            };
            let view =
                ctx.with_session(|s| tipvault_app::add_auto_cashout(s, &rule, clock::now()))?;
            out.value(&view, || {
                format!(
                    "Added {:?}: when {} reaches {}, redeem (judged by the risk check each time).",
                    view.id, view.source, view.threshold.en
                )
            });
        }
        AutoCashOutCommand::List => {
            let list = ctx.with_session(|s| tipvault_app::list_auto_cashouts(s, clock::now()))?;
            out.value(&list, || {
                if list.is_empty() {
                    return "No automatic cash-outs.".into();
                }
                list.iter()
                    .map(|r| {
                        let last = r.last_fired.as_ref().map_or_else(
                            || "not run yet".to_owned(),
                            |f| {
                                format!(
                                    "last ran {} ({})",
                                    f.at.format("%Y-%m-%d %H:%M UTC"),
                                    f.outcome.map_or_else(
                                        || "outcome unknown".to_owned(),
                                        |o| code_of(&o)
                                    )
                                )
                            },
                        );
                        format!(
                            "{}: when {} reaches {} → {} ({}); {last}",
                            r.id,
                            r.source,
                            r.threshold.en,
                            r.template.amount.as_deref().unwrap_or("the whole balance"),
                            r.template.prefer.join(",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AutoCashOutCommand::Remove { id } => {
            ctx.with_session(|s| tipvault_app::remove_auto_cashout(s, id, clock::now()))?;
            out.value(&serde_json::json!({"removed": id}), || {
                format!("Removed the automatic cash-out {id:?}.")
            });
        }
        AutoCashOutCommand::Run => {
            let net = tipvault_app::Network::new()?;
            let run = ctx.with_session(|s| {
                tipvault_app::run_auto_cashouts_and_send(s, &net, &mut |_| {}, clock::now())
            })?;
            out.value(&run, || {
                if let Some(why) = &run.skipped {
                    return format!("Nothing ran: {why}");
                }
                if run.fired.is_empty() {
                    return "No rule fires now.".into();
                }
                run.fired
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {}{}{}{}",
                            f.rule,
                            code_of(&f.outcome),
                            f.redemption_id
                                .as_deref()
                                .map(|r| format!(" ({r})"))
                                .unwrap_or_default(),
                            f.message
                                .as_deref()
                                .map(|m| format!(" — {m}"))
                                .unwrap_or_default(),
                            f.hint
                                .as_ref()
                                .map(|h| format!(" Next: {}.", crate::output::next_step(h)))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}
