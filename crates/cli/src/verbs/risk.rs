//! `tipvault risk`: standing, limits, and why a redemption was held.

use clap::Subcommand;
use tipvault_app::code_of;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output::decision_text;

#[derive(Debug, Subcommand)]
pub(crate) enum RiskCommand {
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
pub(crate) enum LimitsCommand {
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

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &RiskCommand) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    match command {
        RiskCommand::Status => {
            let status = ctx.with_session(|s| tipvault_app::risk_status(s, clock::now()))?;
            out.value(&status, || {
                let mut text = format!(
                    "Tier: {} ({} confirmed redemptions over {} days, {} disputes). {}\n",
                    code_of(&status.tier),
                    status.confirmed,
                    status.days,
                    status.disputes,
                    status.progress.en
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
                            code_of(&r.rule),
                            code_of(&r.outcome),
                            r.text.en
                        ));
                    }
                }
                for v in &status.verifications {
                    text.push_str(&format!(
                        "\nVerified with {} ({}) until {}{}",
                        v.provider,
                        code_of(&v.tier),
                        v.expires_at,
                        if v.valid { "" } else { " — NOT VALID" }
                    ));
                }
                text.trim_end().to_owned()
            });
        }
        RiskCommand::Explain { id } => {
            let d = ctx.with_session(|s| tipvault_app::explain_redemption(s, id, clock::now()))?;
            out.value(&d, || decision_text(&d));
        }
        RiskCommand::Limits { command: None } => {
            let limits = ctx.with_session(|s| tipvault_app::risk_limits(s, clock::now()))?;
            out.value(&limits, || {
                limits
                    .iter()
                    .map(|l| {
                        format!(
                            "{} ({} tier): {} per redemption (tier {}){}, {} per 24 hours (tier {}){}",
                            l.currency,
                            code_of(&l.tier),
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
            let kind = tipvault_app::parse_limit_kind(kind)?;
            let changed = ctx.with_session(|s| {
                // A raise is confirmed with the key (`--with-key`, or the named test device) or
                // else with the passphrase this run was given; a lowering needs neither.
                if *with_key || access.soft_device_exists() {
                    let mut device = access.approving_authenticator()?;
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
                    code_of(&changed.kind),
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
            ctx.with_session(|s| {
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
