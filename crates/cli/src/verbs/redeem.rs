//! `tipvault redeem`: plans a redemption, shows what it reveals, and sends it once approved;
//! `--all-providers` plans one redemption over every paired provider's balance.

use clap::Args;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::Ctx;
use crate::input::parse_dest;
use crate::output::{describe, reveals};
use crate::prompt::confirm;

#[derive(Debug, Args)]
pub(crate) struct RedeemArgs {
    /// The amount to cash out, e.g. 1300.
    #[arg(long, required_unless_present = "all_providers")]
    amount: Option<String>,
    /// Its currency, e.g. KRW.
    #[arg(long, required_unless_present = "all_providers")]
    currency: Option<String>,
    /// Cash out the balances every paired provider holds, in one redemption: each account
    /// only through its own provider, the cheapest first, one approval for all.
    #[arg(long, conflicts_with_all = ["amount", "currency", "provider", "account"])]
    all_providers: bool,
    /// With --all-providers: only these accounts (repeatable).
    #[arg(long = "source", requires = "all_providers")]
    sources: Vec<String>,
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
    /// A destination field: PRODUCT.FIELD=VALUE, or PROVIDER/PRODUCT.FIELD=VALUE where two
    /// providers' plans use the same product (repeatable).
    #[arg(long = "dest", value_name = "PRODUCT.FIELD=VALUE")]
    dest: Vec<String>,
    /// Send without asking (scripts).
    #[arg(long)]
    yes: bool,
    /// Only plan and show what would be revealed; send nothing.
    #[arg(long, conflicts_with = "yes")]
    dry_run: bool,
}

/// What `tipvault redeem` will do, checked before the vault is opened.
struct Input {
    request: Request,
    /// `--account`: the provider is the one holding it (looked up in the vault).
    account: Option<String>,
    mode: Mode,
}

/// One provider's redemption of an amount, or one across every paired provider's balance.
enum Request {
    Amount(tipvault_app::RedeemRequest),
    AcrossProviders(tipvault_app::RedeemAcrossRequest),
}

/// Whether the plan is only shown, sent after a question, or sent at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    DryRun,
    Ask,
    Yes,
}

impl TryFrom<&RedeemArgs> for Input {
    type Error = AppError;

    fn try_from(args: &RedeemArgs) -> Result<Self, AppError> {
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
        let mode = match (args.dry_run, args.yes) {
            (true, _) => Mode::DryRun,
            (false, true) => Mode::Yes,
            (false, false) => Mode::Ask,
        };
        let destinations = parse_dest(&args.dest)?;
        let request = if args.all_providers {
            Request::AcrossProviders(tipvault_app::RedeemAcrossRequest {
                query: tipvault_app::BalancePreviewQuery {
                    sources: args.sources.clone(),
                    prefer: args.prefer.clone(),
                    objective: Some(objective),
                    exclude: args.exclude.clone(),
                    ..Default::default()
                },
                destinations,
            })
        } else {
            Request::Amount(tipvault_app::RedeemRequest {
                query: tipvault_app::PreviewQuery {
                    amount: args.amount.clone().unwrap_or_default(),
                    currency: args.currency.clone().unwrap_or_default(),
                    prefer: args.prefer.clone(),
                    objective,
                    keep: None,
                    exclude: args.exclude.clone(),
                    provider: args.provider.clone(),
                },
                destinations,
            })
        };
        Ok(Input {
            request,
            account: args.account.clone(),
            mode,
        })
    }
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &RedeemArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let input = Input::try_from(args)?;
    let mut request = input.request;
    let net = tipvault_app::Network::new()?;
    let result = ctx.with_session(|s| {
        let planned = match &mut request {
            Request::Amount(request) => {
                if let Some(account) = &input.account {
                    request.query.provider =
                        Some(tipvault_app::account_provider(s, account, clock::now())?);
                }
                tipvault_app::plan_redemption(s, request, clock::now())?
            }
            Request::AcrossProviders(request) => {
                tipvault_app::plan_redemption_across(s, request, clock::now())?
            }
        };
        if input.mode == Mode::DryRun {
            return Ok((planned, None));
        }
        if input.mode == Mode::Ask {
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
            tipvault_app::send_planned(s, &net, &planned.id, &mut |_| {}, clock::now())?.sent()?;
        Ok((view, Some(run)))
    })?;
    let (view, run) = result;
    out.value(&view, || {
        if input.mode == Mode::DryRun {
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
                    text.push_str(&crate::output::reconciliations_text(&run.reconciliations));
                }
                for problem in &run.unreconciled {
                    text.push_str(&format!("\nNot reconciled: {problem}"));
                }
            }
            text
        }
    });
    Ok(())
}
