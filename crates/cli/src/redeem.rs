//! The redemption commands: thin adapters over `tipvault_app`'s providers, redeem and evidence
//! use cases, plus the sandbox provider for demo mode.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use tipvault_app::clock;
use tipvault_app::demo_provider::{
    DemoProvider, DemoProviderOptions, SandboxArgs, enter_demo, serve_sandbox,
};
use tipvault_app::providers::ProviderKind;
use tipvault_app::{AppError, ErrorCode, Network, RedemptionView, VaultLocation};

use crate::output::Output;
use crate::{Command, with_session};

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
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
    /// Ask a provider to verify you (its identity check happens at the provider); keeps only
    /// its signed, expiring token.
    Verify {
        /// The provider (default: the only one).
        #[arg(long)]
        provider: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Verify the receipts of a redemption (rx_…) or one receipt (rd_…).
    Verify {
        /// Redemption or provider redemption id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct RedeemArgs {
    /// The amount to cash out, e.g. 1300.
    #[arg(long)]
    amount: String,
    /// Its currency, e.g. KRW.
    #[arg(long)]
    currency: String,
    /// Destinations in order of preference (comma-separated).
    #[arg(long, value_delimiter = ',')]
    prefer: Vec<String>,
    /// least-fees or first-preference.
    #[arg(long, default_value = "first-preference")]
    objective: String,
    /// Products not to use.
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// The provider (default: the only one).
    #[arg(long, conflicts_with = "account")]
    provider: Option<String>,
    /// The account to draw on (`tipvault account list`): its provider sends the requests.
    #[arg(long)]
    account: Option<String>,
    /// A destination field: PRODUCT.FIELD=VALUE (repeatable).
    #[arg(long = "dest", value_name = "PRODUCT.FIELD=VALUE")]
    dest: Vec<String>,
    /// Send without asking (scripts).
    #[arg(long)]
    yes: bool,
    /// Only plan and show what would be revealed; send nothing.
    #[arg(long, conflicts_with = "yes")]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DisputeArgs {
    /// The redemption (rx_… with one leg) or provider redemption id (rd_…).
    id: String,
    /// not_received, wrong_amount, wrong_destination, duplicate or other.
    #[arg(long)]
    reason: String,
    /// Where to write the evidence bundle.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Set up and exit instead of serving until interrupted (the sandbox stops with it).
    #[arg(long)]
    no_wait: bool,
}

fn net() -> Result<Network, AppError> {
    tipvault_app::Network::new()
}

pub(crate) fn parse_dest(
    items: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, AppError> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for item in items {
        let parsed = item.split_once('=').and_then(|(k, v)| {
            let (product, field) = k.split_once('.')?;
            Some((product.trim(), field.trim(), v))
        });
        let Some((product, field, value)) = parsed else {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                format!("--dest {item:?} must look like PRODUCT.FIELD=VALUE."),
            ));
        };
        out.entry(product.to_owned())
            .or_default()
            .insert(field.to_owned(), value.to_owned());
    }
    Ok(out)
}

pub(crate) fn describe(r: &RedemptionView) -> String {
    let mut s = format!(
        "Redemption {} at {}{} — {}\n",
        r.id,
        r.provider,
        if r.sandbox {
            " (SANDBOX, demo money)"
        } else {
            ""
        },
        r.state
    );
    for leg in &r.legs {
        s.push_str(&format!(
            "  leg {}: {} {} (fee {}) — {}{}{}\n",
            leg.seq,
            leg.product,
            leg.amount.en,
            leg.fee.en,
            leg.state,
            leg.provider_redemption_id
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default(),
            leg.last_error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default(),
        ));
    }
    if let Some(risk) = &r.risk {
        if risk.paused {
            s.push_str(&format!(
                "  waiting for your confirmation ({}): `tipvault verify {}` or `tipvault cancel {}`; \
                 why: `tipvault risk explain {}`\n",
                risk.outcome, r.id, r.id, r.id
            ));
        } else if risk.outcome == "deny" && r.state == "planned" {
            s.push_str(&format!(
                "  refused by the risk check: `tipvault risk explain {}`\n",
                r.id
            ));
        }
    }
    s.trim_end().to_owned()
}

fn reveals(r: &RedemptionView) -> String {
    let mut s = format!(
        "What these requests reveal to {}{}:\n",
        r.provider,
        if r.sandbox { " (sandbox)" } else { "" }
    );
    for leg in &r.legs {
        s.push_str(&format!("  request {} ({}):\n", leg.seq, leg.product));
        for f in &leg.reveals {
            s.push_str(&format!(
                "    {:<28} {}{}\n",
                f.name,
                f.value,
                if f.personal_data {
                    "   ← personal data"
                } else {
                    ""
                }
            ));
        }
    }
    s.push_str("  plus this device's id and signature on every request.");
    s
}

fn confirm(prompt: &str) -> Result<bool, AppError> {
    eprint!("{prompt} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::new(ErrorCode::Io, format!("Cannot read the answer: {e}.")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub fn run(
    command: &Command,
    out: &Output,
    location: &VaultLocation,
    access: &crate::Access<'_>,
) -> Result<(), AppError> {
    match command {
        Command::Provider { command } => match command {
            ProviderCommand::Add {
                url,
                sandbox,
                fingerprint,
            } => {
                let net = net()?;
                let kind = if *sandbox {
                    ProviderKind::Sandbox
                } else {
                    ProviderKind::Real
                };
                let p = with_session(location, access, |s| {
                    let confirmed = match fingerprint {
                        Some(fp) => fp.trim().to_owned(),
                        None => confirm_key(&tipvault_app::inspect_provider(
                            s,
                            &net,
                            url,
                            clock::now(),
                        )?)?,
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
                let net = net()?;
                let p = with_session(location, access, |s| {
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
                let net = net()?;
                let v = with_session(location, access, |s| {
                    let now = clock::now();
                    let id = match provider {
                        Some(p) => p.clone(),
                        None => match tipvault_app::list_providers(s, now)?.as_slice() {
                            [one] => one.id.clone(),
                            _ => {
                                return Err(AppError::new(
                                    ErrorCode::InvalidInput,
                                    "Choose the provider with --provider.",
                                ));
                            }
                        },
                    };
                    tipvault_app::verify_tier(s, &net, &id, now)
                })?;
                out.value(&v, || {
                    format!(
                        "{} verified you ({}) until {}. Only its signed token is kept.",
                        v.provider, v.tier, v.expires_at
                    )
                });
            }
            ProviderCommand::List => {
                let list = with_session(location, access, |s| {
                    tipvault_app::list_providers(s, clock::now())
                })?;
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
        },
        Command::Redeem(args) => {
            let objective = match args.objective.as_str() {
                "least-fees" | "least_fees" => tipvault_app::preview::PreviewObjective::LeastFees,
                "first-preference" | "first_preference" => {
                    tipvault_app::preview::PreviewObjective::FirstPreference
                }
                other => {
                    return Err(AppError::new(
                        ErrorCode::InvalidInput,
                        format!("--objective {other:?}: use least-fees or first-preference."),
                    ));
                }
            };
            let mut request = tipvault_app::RedeemRequest {
                query: tipvault_app::PreviewQuery {
                    amount: args.amount.clone(),
                    currency: args.currency.clone(),
                    prefer: args.prefer.clone(),
                    objective,
                    keep: None,
                    exclude: args.exclude.clone(),
                    provider: args.provider.clone(),
                },
                destinations: parse_dest(&args.dest)?,
            };
            let net = net()?;
            let result = with_session(location, access, |s| {
                if let Some(account) = &args.account {
                    request.query.provider =
                        Some(tipvault_app::account_provider(s, account, clock::now())?);
                }
                let planned = tipvault_app::plan_redemption(s, &request, clock::now())?;
                if args.dry_run {
                    return Ok((planned, None));
                }
                if !args.yes {
                    eprintln!("{}\n{}", describe(&planned), reveals(&planned));
                    if !confirm("Send these requests?")? {
                        return Err(AppError::new(
                            ErrorCode::Cancelled,
                            format!("Not sent. The plan stays as {} (planned).", planned.id),
                        ));
                    }
                }
                // The risk check may hold it: the error says why and how to `verify` it.
                let (view, run) =
                    tipvault_app::send_planned(s, &net, &planned.id, &mut |_| {}, clock::now())?
                        .sent()?;
                Ok((view, Some(run)))
            })?;
            let (view, run) = result;
            out.value(&view, || {
                if args.dry_run {
                    format!(
                        "{}\n{}\nNothing was sent (--dry-run).",
                        describe(&view),
                        reveals(&view)
                    )
                } else {
                    // The account drawn on was reconciled after sending: say what it found.
                    let mut text = describe(&view);
                    if let Some(run) = &run {
                        if !run.reconciliations.is_empty() {
                            text.push('\n');
                            text.push_str(&crate::output::reconciliations_text(
                                &run.reconciliations,
                            ));
                        }
                        for problem in &run.unreconciled {
                            text.push_str(&format!("\nNot reconciled: {problem}"));
                        }
                    }
                    text
                }
            });
        }
        Command::Redemptions => {
            let list = with_session(location, access, |s| {
                tipvault_app::list_redemptions(s, clock::now())
            })?;
            out.value(&list, || {
                if list.is_empty() {
                    "No redemptions yet.".into()
                } else {
                    list.iter().map(describe).collect::<Vec<_>>().join("\n")
                }
            });
        }
        Command::Reconcile => {
            let net = net()?;
            let run = with_session(location, access, |s| tipvault_app::reconcile(s, &net))?;
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
        }
        Command::Dispute(args) => {
            let reason = tipvault_app::parse_reason(&args.reason)?;
            let net = net()?;
            let view = with_session(location, access, |s| {
                tipvault_app::dispute(s, &net, &args.id, reason, &args.out, clock::now())
            })?;
            out.value(&view, || {
                format!(
                    "Disputed {} ({}); the provider {} it. Evidence bundle: {}.",
                    view.redemption_id,
                    view.reason,
                    if view.acknowledged {
                        "acknowledged"
                    } else {
                        "did not acknowledge"
                    },
                    args.out.display()
                )
            });
        }
        Command::Receipt {
            command: ReceiptCommand::Verify { id },
        } => {
            let list = with_session(location, access, |s| {
                tipvault_app::receipt_verify(s, id, clock::now())
            })?;
            let bad = list.iter().filter(|r| !r.verified).count();
            out.value(&list, || {
                list.iter()
                    .map(|r| {
                        if r.verified {
                            format!(
                                "✓ {} leg {}: {} {} {} (fee {}), signed by {} at {}",
                                r.provider_redemption_id,
                                r.leg,
                                r.product,
                                r.amount,
                                r.currency,
                                r.fee,
                                r.provider,
                                r.issued_at
                            )
                        } else {
                            format!(
                                "✗ {} leg {}: {}",
                                r.provider_redemption_id,
                                r.leg,
                                r.problem.as_deref().unwrap_or("")
                            )
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            if bad > 0 {
                return Err(AppError::new(
                    ErrorCode::NotVerified,
                    format!("{bad} receipt(s) do not verify."),
                ));
            }
        }
        Command::VerifyBundle { file } => {
            let view = tipvault_app::verify_bundle_file(file)?;
            out.value(&view, || {
                format!(
                    "✓ The bundle verifies: {} {} {} (fee {}) for {} at {}, signed by {} ({}); \
                     dispute: {}{}; {} audit entries linked.",
                    view.product,
                    view.amount,
                    view.currency,
                    view.fee,
                    view.redemption_id,
                    view.receipt_issued_at,
                    view.provider,
                    view.provider_key_id,
                    view.reason,
                    if view.acknowledged {
                        ", acknowledged"
                    } else {
                        ""
                    },
                    view.audit_entries
                )
            });
        }
        Command::PrivacyLedger => {
            let list = with_session(location, access, |s| {
                tipvault_app::privacy_ledger(s, clock::now())
            })?;
            out.value(&list, || {
                if list.is_empty() {
                    return "Nothing has been sent to any provider.".into();
                }
                list.iter()
                    .map(|e| {
                        format!(
                            "{}  {}  {}{}: {}",
                            e.sent_at.format("%Y-%m-%d %H:%M:%S"),
                            e.provider,
                            e.purpose,
                            e.redemption
                                .as_deref()
                                .map(|r| format!(" {r}"))
                                .unwrap_or_default(),
                            e.fields
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Sandbox(args) => run_sandbox(args, out)?,
        // Dispatched by `main` with the real vault's location (see `run_demo`).
        Command::Demo(_) => {}
        _ => {}
    }
    Ok(())
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, format!("{e}."))
}

/// `tipvault sandbox`: the sandbox provider's own entry point, announced through `out`.
fn run_sandbox(args: &SandboxArgs, out: &Output) -> Result<(), AppError> {
    let rt = tokio::runtime::Runtime::new().map_err(internal)?;
    rt.block_on(serve_sandbox(args, |started| {
        out.value(started, || started.banner());
        let _ = std::io::stdout().flush();
    }))
    .map_err(internal)
}

/// Trust on first use, made explicit: shows the provider's key fingerprint and, at a
/// terminal, asks the user to confirm it; elsewhere refuses with the fingerprint to pass as
/// `--fingerprint` once checked.
fn confirm_key(key: &tipvault_app::ProviderKeyView) -> Result<String, AppError> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let changed = key.pinned.as_ref().filter(|p| **p != key.fingerprint);
    let mut text = format!(
        "{} at {} signs with the key {}. ",
        key.provider_id, key.url, key.fingerprint
    );
    if let Some(old) = changed {
        text.push_str(&format!(
            "This is NOT the key Tipvault pinned ({old}). Accept it only if {} announced a key \
             change. ",
            key.provider_id
        ));
    }
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::ConfirmProviderKey,
            format!(
                "{text}Compare it with the fingerprint the provider publishes, then run this \
                 again with --fingerprint {}.",
                key.fingerprint
            ),
        ));
    }
    eprint!("{text}\nIs this the fingerprint the provider publishes? Type yes to trust it: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| AppError::new(ErrorCode::Io, format!("{e}.")))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(key.fingerprint.clone())
    } else {
        Err(AppError::new(
            ErrorCode::ConfirmProviderKey,
            "The key was not confirmed; nothing was stored.",
        ))
    }
}

/// `tipvault demo`: the demo vault beside `real` (created on first use), a sandbox on loopback
/// with demo money, added and paired, demo tips imported. `real` is never opened.
pub(crate) fn run_demo(
    args: &DemoArgs,
    out: &Output,
    real: &VaultLocation,
) -> Result<(), AppError> {
    let net = net()?;
    let location = real.demo();
    // A free loopback port and a fresh enrollment code: the demo pairs with it at once.
    let sandbox = DemoProvider::start(&net, real, DemoProviderOptions::default())?;
    let url = sandbox.url();
    // Demo mode never opens the real vault: the demo vault beside it, created on first use.
    let (mut session, _created) = tipvault_app::open_demo_vault(real, clock::now())?;
    let done = enter_demo(&mut session, &net, &sandbox, clock::now());
    let locked = session.lock(clock::now(), tipvault_app::LockReason::Exit);
    let started = done?;
    locked?;
    let (provider, imported) = (started.provider, started.demo_balance_imported);
    let info = serde_json::json!({"provider": provider, "demo_balance_imported": imported,
                                  "url": url, "sandbox": true,
                                  "demo_vault": location.dir().display().to_string()});
    out.value(&info, || {
        format!(
            "DEMO MODE — in the demo vault at {}, apart from your vault; a SANDBOX provider \
             with demo money (nothing real) runs at {url}.\n\
             Provider {} added and paired as {}.{}\n\
             Try: tipvault --demo preview --from-balance --provider {}\n\
             \x20    tipvault --demo redeem --amount 1000 --currency KRW --prefer topup \
             --dest krw-mobile-top-up.phone_number=01012345678",
            location.dir().display(),
            provider.id,
            provider.device_id.as_deref().unwrap_or("?"),
            if imported {
                " A demo balance (₩87,300 of sandbox tips) was imported."
            } else {
                ""
            },
            provider.id
        )
    });
    let _ = std::io::stdout().flush();
    if !args.no_wait {
        eprintln!("The sandbox serves until Ctrl-C.");
        net.runtime().block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    sandbox.stop(&net);
    Ok(())
}
