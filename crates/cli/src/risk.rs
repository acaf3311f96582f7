//! The risk commands: `risk status|explain|limits`, `verify`, `cancel`, `autocashout`. Thin
//! adapters over `tipvault_app`'s risk and auto-cash-out use cases.

use clap::{Args, Subcommand};
use tipvault_app::clock;
use tipvault_app::{
    AppError, AutoCashOutTemplate, IfMissing, NewAutoCashOut, RiskDecisionView, VaultLocation,
};

use crate::output::Output;
use crate::{Access, with_session};

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Your tier, progress to the next, limits and every rule with its threshold.
    Status,
    /// Why a redemption was paused or refused.
    Explain {
        /// The redemption (rx_…).
        id: String,
    },
    /// Show the limits in force, or change one.
    Limits {
        #[command(subcommand)]
        command: Option<LimitsCommand>,
    },
    /// Let step-ups through for SANDBOX providers (demo money) — `on` — or not — `off`.
    /// Demo mode turns it on. Real providers are never affected; pauses and refusals apply.
    SandboxWaiver {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LimitsCommand {
    /// Set a limit: lowering is free; raising needs your security key (`--with-key`, or the
    /// test device given with `--soft-authenticator`).
    Set {
        /// The currency (KRW, USD).
        #[arg(long)]
        currency: String,
        /// per-claim or per-day.
        #[arg(long)]
        kind: String,
        /// The new limit, or `tier` to go back to your tier's.
        amount: String,
        /// Approve a raise with your security key.
        #[arg(long)]
        with_key: bool,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The paused redemption (rx_…).
    id: String,
}

#[derive(Debug, Subcommand)]
pub enum AutoCashOutCommand {
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

fn decision_text(d: &RiskDecisionView) -> String {
    let mut s = format!(
        "Redemption {}: {} — {}\n",
        d.redemption_id, d.outcome, d.summary.en
    );
    for r in &d.reasons {
        s.push_str(&format!("  • [{}] {}\n", r.rule, r.text.en));
    }
    if d.waived {
        s.push_str("  (step-up waived: sandbox provider, demo money)\n");
    }
    if let Some(at) = d.verified_at {
        s.push_str(&format!("  Confirmed with a security key at {at}.\n"));
    }
    if let Some(at) = d.cancelled_at {
        s.push_str(&format!("  Cancelled at {at}.\n"));
    }
    if d.paused {
        s.push_str(&format!(
            "  It waits: `tipvault verify {id}` to confirm it with your security key, or \
             `tipvault cancel {id}`.\n",
            id = d.redemption_id
        ));
    }
    s.push_str(&format!("  Plan digest: {}", d.plan_digest));
    s
}

fn authenticator(
    access: &Access<'_>,
) -> Result<Box<dyn tipvault_app::auth::Authenticator>, AppError> {
    let device = access.authenticator(IfMissing::Refuse)?;
    if !access.is_soft() {
        eprintln!("Touch your security key to approve…");
    }
    Ok(device)
}

pub fn run_risk(
    command: &RiskCommand,
    out: &Output,
    location: &VaultLocation,
    access: &Access<'_>,
) -> Result<(), AppError> {
    match command {
        RiskCommand::Status => {
            let status = with_session(location, access, |s| {
                tipvault_app::risk_status(s, clock::now())
            })?;
            out.value(&status, || {
                let mut text = format!(
                    "Tier: {} ({} confirmed redemptions over {} days, {} disputes). {}\n",
                    status.tier, status.confirmed, status.days, status.disputes, status.progress.en
                );
                if status.sandbox_step_up_waived {
                    text.push_str(
                        "Step-ups are waived for sandbox providers (demo mode); real providers \
                         are checked in full.\n",
                    );
                } else if status.security_key_registered {
                    text.push_str(
                        "A security key is registered: sandbox step-ups ask for it too.\n",
                    );
                }
                for c in &status.currencies {
                    if let Some(l) = &c.limits {
                        text.push_str(&format!(
                            "\n{}: {} per redemption{}, {} per 24 hours{}\n",
                            c.currency,
                            l.per_claim.en,
                            if l.per_claim_set_by_user {
                                " (yours)"
                            } else {
                                ""
                            },
                            l.per_day.en,
                            if l.per_day_set_by_user {
                                " (yours)"
                            } else {
                                ""
                            },
                        ));
                    }
                    for r in &c.rules {
                        text.push_str(&format!(
                            "  {:<32} {:<8} {}\n",
                            r.rule, r.outcome, r.text.en
                        ));
                    }
                }
                for v in &status.verifications {
                    text.push_str(&format!(
                        "\nVerified with {} ({}) until {}{}",
                        v.provider,
                        v.tier,
                        v.expires_at,
                        if v.valid { "" } else { " — NOT VALID" }
                    ));
                }
                text.trim_end().to_owned()
            });
        }
        RiskCommand::Explain { id } => {
            let d = with_session(location, access, |s| {
                tipvault_app::explain_redemption(s, id, clock::now())
            })?;
            out.value(&d, || decision_text(&d));
        }
        RiskCommand::Limits { command: None } => {
            let limits = with_session(location, access, |s| {
                tipvault_app::risk_limits(s, clock::now())
            })?;
            out.value(&limits, || {
                limits
                    .iter()
                    .map(|l| {
                        format!(
                            "{} ({} tier): {} per redemption (tier {}){}, {} per 24 hours (tier {}){}",
                            l.currency,
                            l.tier,
                            l.per_claim.en,
                            l.tier_per_claim.en,
                            if l.per_claim_set_by_user { ", yours" } else { "" },
                            l.per_day.en,
                            l.tier_per_day.en,
                            if l.per_day_set_by_user { ", yours" } else { "" },
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        RiskCommand::Limits {
            command:
                Some(LimitsCommand::Set {
                    currency,
                    kind,
                    amount,
                    with_key,
                }),
        } => {
            let amount = (amount.trim() != "tier").then_some(amount.as_str());
            let changed = with_session(location, access, |s| {
                // A raise is confirmed with the key (`--with-key`, or the named test device) or
                // else with the passphrase this run was given; a lowering needs neither.
                if *with_key || access.soft_device_exists() {
                    let mut device = authenticator(access)?;
                    tipvault_app::set_limit(
                        s,
                        currency,
                        kind,
                        amount,
                        Some(tipvault_app::Proof::SecurityKey(&mut *device)),
                        clock::now(),
                    )
                } else {
                    access.with_proof(|proof| {
                        tipvault_app::set_limit(s, currency, kind, amount, proof, clock::now())
                    })
                }
            })?;
            out.value(&changed, || {
                format!(
                    "{} {} limit: {} → {}{}.",
                    changed.currency,
                    changed.kind,
                    changed.before.en,
                    changed.after.en,
                    if changed.stepped_up {
                        " (raised, confirmed with your security key)"
                    } else {
                        ""
                    }
                )
            });
        }
        RiskCommand::SandboxWaiver { state } => {
            let on = state == "on";
            with_session(location, access, |s| {
                access.with_proof(|proof| {
                    tipvault_app::set_sandbox_step_up_waiver(s, on, proof, clock::now())
                })
            })?;
            out.value(&serde_json::json!({"sandbox_step_up_waived": on}), || {
                if on {
                    "Step-ups are now waived for sandbox providers (demo money only).".into()
                } else {
                    "Sandbox providers now go through the full risk check.".into()
                }
            });
        }
    }
    Ok(())
}

pub fn run_verify(
    args: &VerifyArgs,
    out: &Output,
    location: &VaultLocation,
    access: &Access<'_>,
) -> Result<(), AppError> {
    let net = tipvault_app::Network::new()?;
    let view = with_session(location, access, |s| {
        let mut device = authenticator(access)?;
        tipvault_app::verify_redemption(s, &args.id, &mut *device, clock::now())?;
        tipvault_app::run_outbox(s, &net)?;
        tipvault_app::redemption(s, &args.id, clock::now())
    })?;
    out.value(&view, || {
        format!(
            "Confirmed with your security key and sent.\n{}",
            crate::redeem::describe(&view)
        )
    });
    Ok(())
}

pub fn run_cancel(
    args: &VerifyArgs,
    out: &Output,
    location: &VaultLocation,
    access: &Access<'_>,
) -> Result<(), AppError> {
    let view = with_session(location, access, |s| {
        tipvault_app::cancel_redemption(s, &args.id, clock::now())
    })?;
    out.value(&view, || {
        format!(
            "Cancelled; nothing was sent.\n{}",
            crate::redeem::describe(&view)
        )
    });
    Ok(())
}

pub fn run_autocashout(
    command: &AutoCashOutCommand,
    out: &Output,
    location: &VaultLocation,
    access: &Access<'_>,
) -> Result<(), AppError> {
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
                    destinations: crate::redeem::parse_dest(dest)?,
                    least_fees: false,
                },
            };
            let view = with_session(location, access, |s| {
                tipvault_app::add_auto_cashout(s, &rule, clock::now())
            })?;
            out.value(&view, || {
                format!(
                    "Added {:?}: when {} reaches {}, redeem (judged by the risk check each time).",
                    view.id, view.source, view.threshold.en
                )
            });
        }
        AutoCashOutCommand::List => {
            let list = with_session(location, access, |s| {
                tipvault_app::list_auto_cashouts(s, clock::now())
            })?;
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
                                    f.outcome
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
            with_session(location, access, |s| {
                tipvault_app::remove_auto_cashout(s, id, clock::now())
            })?;
            out.value(&serde_json::json!({"removed": id}), || {
                format!("Removed the automatic cash-out {id:?}.")
            });
        }
        AutoCashOutCommand::Run => {
            let net = tipvault_app::Network::new()?;
            let run = with_session(location, access, |s| {
                let run = tipvault_app::run_auto_cashouts(s, &net, clock::now())?;
                if run.queued_any() {
                    tipvault_app::run_outbox(s, &net)?;
                }
                Ok(run)
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
                            f.outcome,
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
