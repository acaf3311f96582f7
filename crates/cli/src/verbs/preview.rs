//! `tipvault preview`: how an amount or the vault's balances would split into destinations.

use clap::Args;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::{Ctx, vault_exists};
use crate::output;

#[derive(Debug, Args)]
pub(crate) struct PreviewArgs {
    /// The amount to cash out, e.g. 1300 or 12.50.
    #[arg(long, required_unless_present = "from_balance", requires = "currency")]
    amount: Option<String>,
    /// Its currency (ISO 4217), e.g. KRW or USD.
    #[arg(long)]
    currency: Option<String>,
    /// Preview the vault's current balances (every source, or those given with --source)
    /// instead of an amount.
    #[arg(long, conflicts_with_all = ["amount", "currency"])]
    from_balance: bool,
    /// With --from-balance: only these sources (repeatable).
    #[arg(long = "source", requires = "from_balance")]
    sources: Vec<String>,
    /// With --from-balance: every paired provider's balance in one plan, each account through
    /// its own provider's catalog, the cheapest provider first.
    #[arg(long, requires = "from_balance", conflicts_with = "provider")]
    all_providers: bool,
    /// The provider whose cached catalog to use (`demo` for the built-in one). Default: the
    /// only catalog in the vault, or the demo catalog.
    #[arg(long)]
    provider: Option<String>,
    /// An exchange rate you accept, BASE/QUOTE=RATE (e.g. USD/KRW=1380.50), for balances in
    /// a currency the products are not in (repeatable).
    #[arg(long = "rate", requires = "from_balance")]
    rates: Vec<String>,
    /// Destinations in order of preference: topup, donation, transit, gift-card, bank-payout,
    /// or product ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    prefer: Vec<String>,
    /// What to optimise: least-fees, or first-preference (most value into the first choice).
    #[arg(long, value_enum, default_value_t = ObjectiveArg::FirstPreference)]
    objective: ObjectiveArg,
    /// An amount to keep in the balance, in the same currency (with --from-balance: an
    /// amount and its currency, "1000 KRW"; repeatable, one per currency).
    #[arg(long)]
    keep: Vec<String>,
    /// Products not to use (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// The language of the explanation.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ObjectiveArg {
    LeastFees,
    FirstPreference,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum LangArg {
    En,
    Ko,
}

/// What `tipvault preview` will compute, checked before the vault is opened.
enum Input {
    /// An amount, planned within what may be cashed out now.
    Amount(tipvault_app::PreviewQuery),
    /// The vault's balances (every source, or those named).
    Balances(tipvault_app::BalancePreviewQuery),
    /// The balances of every paired provider, in one plan.
    AcrossProviders(tipvault_app::BalancePreviewQuery),
}

impl TryFrom<&PreviewArgs> for Input {
    type Error = AppError;

    fn try_from(args: &PreviewArgs) -> Result<Self, AppError> {
        let objective = match args.objective {
            ObjectiveArg::LeastFees => tipvault_app::preview::PreviewObjective::LeastFees,
            ObjectiveArg::FirstPreference => {
                tipvault_app::preview::PreviewObjective::FirstPreference
            }
        };
        if args.from_balance {
            let across = args.all_providers;
            let query = tipvault_app::BalancePreviewQuery {
                sources: args.sources.clone(),
                provider: args.provider.clone(),
                prefer: args.prefer.clone(),
                objective: Some(objective),
                keep: args.keep.clone(),
                exclude: args.exclude.clone(),
                rates: args.rates.clone(),
            };
            return Ok(if across {
                Input::AcrossProviders(query)
            } else {
                Input::Balances(query)
            });
        }
        if args.keep.len() > 1 {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Give at most one --keep with --amount (in the same currency).",
            ));
        }
        Ok(Input::Amount(tipvault_app::PreviewQuery {
            amount: args.amount.clone().unwrap_or_default(),
            currency: args.currency.clone().unwrap_or_default(),
            prefer: args.prefer.clone(),
            objective,
            keep: args.keep.first().cloned(),
            exclude: args.exclude.clone(),
            provider: args.provider.clone(),
        }))
    }
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &PreviewArgs) -> Result<(), AppError> {
    let Ctx { location, out, .. } = ctx;
    let result = match Input::try_from(args)? {
        Input::AcrossProviders(query) => {
            let across = ctx.with_session(|session| {
                tipvault_app::preview_across_providers(session, &query, clock::now())
            })?;
            let ko = matches!(args.lang, LangArg::Ko);
            out.value(&across, || output::across_preview_text(&across, ko));
            return Ok(());
        }
        Input::Balances(query) => ctx.with_session(|session| {
            tipvault_app::preview_my_balances(session, &query, clock::now())
        })?,
        Input::Amount(query) if !vault_exists(location)? => {
            tipvault_app::preview_amount_without_vault(&query, clock::now())?
        }
        Input::Amount(query) => {
            ctx.with_session(|session| tipvault_app::preview_amount(session, &query, clock::now()))?
        }
    };
    out.value(&result, || {
        output::preview_text(&result, matches!(args.lang, LangArg::Ko))
    });
    Ok(())
}
