//! `tipvault provider`: add, pair and list providers (and verify a tier with one), and check
//! a provider against the published protocol (the conformance kit, docs/PROTOCOL.md §10).

use clap::Subcommand;
use tipvault_app::providers::ProviderKind;
use tipvault_app::{
    AppError, ConformanceCheck, ConformanceOutcome, ConformanceReport, ErrorCode, clock, code_of,
};

use crate::context::Ctx;
use crate::prompt::confirm_key;

#[derive(Debug, Subcommand)]
pub(crate) enum ProviderCommand {
    /// Add a provider by its address: fetches and verifies its signed catalog, pins its key.
    Add {
        /// `https://provider.example` (or the sandbox's `http://127.0.0.1:PORT`).
        url: String,
        /// It is a sandbox (demo money): label it as one everywhere. A provider cannot
        /// label itself; once marked, it stays a sandbox. Only on loopback, in the demo vault.
        #[arg(long)]
        sandbox: bool,
        /// The fingerprint of the provider's key as the provider publishes it (`SHA256:…`):
        /// trusts that key without asking. Without it, the fingerprint is shown and, at a
        /// terminal, you are asked to confirm it.
        #[arg(long, value_name = "SHA256:…")]
        fingerprint: Option<String>,
    },
    /// Pair this device with a provider using its one-time enrollment code.
    Pair {
        /// The enrollment code.
        code: String,
        /// The provider (default: the only one).
        #[arg(long)]
        provider: Option<String>,
    },
    /// List providers.
    List,
    /// Check a provider against protocol v1 (docs/PROTOCOL.md): pairs a throwaway device
    /// with a test account and makes one real redemption of the smallest amount, then prints
    /// each check with the section it tests. Needs no vault. Exits non-zero if any check fails.
    Check {
        /// The provider's address (`https://provider.example`, or the sandbox's
        /// `http://127.0.0.1:PORT`).
        url: String,
        /// A one-time enrollment code of a test account at that provider.
        #[arg(long)]
        code: String,
    },
    /// Ask a provider to verify you (its identity check happens at the provider); keeps only
    /// its signed, expiring token.
    Verify {
        /// The provider (default: the only one).
        #[arg(long)]
        provider: Option<String>,
    },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &ProviderCommand) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    match command {
        ProviderCommand::Add {
            url,
            sandbox,
            fingerprint,
        } => {
            let net = tipvault_app::Network::new()?;
            let kind = if *sandbox {
                ProviderKind::Sandbox
            } else {
                ProviderKind::Real
            };
            let p = ctx.with_session(|s| {
                let confirmed = match fingerprint {
                    Some(fp) => fp.trim().to_owned(),
                    None => {
                        confirm_key(&tipvault_app::inspect_provider(s, &net, url, clock::now())?)?
                    }
                };
                access.with_proof(|proof| {
                    tipvault_app::add_provider(
                        s,
                        &net,
                        url,
                        kind,
                        Some(&confirmed),
                        proof,
                        clock::now(),
                    )
                })
            })?;
            out.value(&p, || {
                format!(
                    "Added {}{} at {} (key {} pinned). Pair with `tipvault provider pair CODE`.",
                    p.id,
                    if p.sandbox { " (sandbox)" } else { "" },
                    p.base_url,
                    p.key_id
                )
            });
        }
        ProviderCommand::Pair { code, provider } => {
            let net = tipvault_app::Network::new()?;
            let p = ctx.with_session(|s| {
                tipvault_app::pair_provider(s, &net, provider.as_deref(), code, clock::now())
            })?;
            out.value(&p, || {
                format!(
                    "Paired with {} as {}.",
                    p.id,
                    p.device_id.as_deref().unwrap_or("?")
                )
            });
        }
        ProviderCommand::Verify { provider } => {
            let net = tipvault_app::Network::new()?;
            let v = ctx.with_session(|s| {
                tipvault_app::verify_tier(s, &net, provider.as_deref(), clock::now())
            })?;
            out.value(&v, || {
                format!(
                    "{} verified you ({}) until {}. Only its signed token is kept.",
                    v.provider,
                    code_of(&v.tier),
                    v.expires_at
                )
            });
        }
        ProviderCommand::Check { url, code } => {
            let net = tipvault_app::Network::new()?;
            let report = tipvault_app::check_provider(&net, url, code)?;
            out.value(&report, || report_table(&report));
            let failed = report.checks.iter().filter(|c| !is_pass(c)).count();
            if failed > 0 {
                return Err(AppError::new(
                    ErrorCode::Provider,
                    format!(
                        "{failed} of {} checks did not pass at {}.",
                        report.checks.len(),
                        report.base_url
                    ),
                ));
            }
        }
        ProviderCommand::List => {
            let list = ctx.with_session(|s| tipvault_app::list_providers(s, clock::now()))?;
            out.value(&list, || {
                if list.is_empty() {
                    return "No providers. Add one with `tipvault provider add URL`.".into();
                }
                list.iter()
                    .map(|p| {
                        format!(
                            "{}{}  {}  key {}  {}",
                            p.id,
                            if p.sandbox { " (sandbox)" } else { "" },
                            p.base_url,
                            p.key_id,
                            p.device_id
                                .as_deref()
                                .map_or("not paired".into(), |d| { format!("paired as {d}") })
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

fn is_pass(check: &ConformanceCheck) -> bool {
    check.outcome == ConformanceOutcome::Pass
}

/// The report as a table: one line per check (result, section, id, what it checks), and under
/// a check that did not pass, why.
fn report_table(report: &ConformanceReport) -> String {
    let width = report
        .checks
        .iter()
        .map(|c| c.section.len())
        .max()
        .unwrap_or(0);
    let mut lines = vec![format!(
        "Provider protocol v1 conformance of {}",
        report.base_url
    )];
    for check in &report.checks {
        let (word, why) = match &check.outcome {
            ConformanceOutcome::Pass => ("PASS", None),
            ConformanceOutcome::Fail(why) => ("FAIL", Some(why)),
            ConformanceOutcome::Skip(why) => ("SKIP", Some(why)),
        };
        lines.push(format!(
            "{word}  {:width$}  {:24}  {}",
            check.section, check.id, check.title
        ));
        if let Some(why) = why {
            lines.push(format!("      {why}"));
        }
    }
    let passed = report.checks.iter().filter(|c| is_pass(c)).count();
    lines.push(format!(
        "{passed} of {} checks passed.",
        report.checks.len()
    ));
    lines.join("\n")
}
