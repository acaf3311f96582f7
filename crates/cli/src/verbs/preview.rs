//! `tipvault preview`: how an amount or the vault's balances would split into destinations.

use clap::Args;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::{Access, Ctx, chosen_catalog, vault_exists, with_session};
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
            return Ok(Input::Balances(tipvault_app::BalancePreviewQuery {
                sources: args.sources.clone(),
                provider: args.provider.clone(),
                prefer: args.prefer.clone(),
                objective: Some(objective),
                keep: args.keep.clone(),
                exclude: args.exclude.clone(),
                rates: args.rates.clone(),
            }));
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
    let Ctx {
        location,
        access,
        out,
        ..
    } = ctx;
    let result = match Input::try_from(args)? {
        Input::Balances(query) => ctx.with_session(|session| {
            let now = clock::now();
            let catalog = tipvault_app::choose_catalog(session, query.provider.as_deref(), now)?;
            tipvault_app::preview_balances(session, &catalog, &query, now)
        })?,
        Input::Amount(query) => {
            let (catalog, headroom) =
                catalog_and_headroom(location, access, query.provider.as_deref())?;
            tipvault_app::preview_query_within(&catalog, &query, &headroom, clock::now())?
        }
    };
    out.value(&result, || {
        output::preview_text(&result, matches!(args.lang, LangArg::Ko))
    });
    Ok(())
}

/// [`chosen_catalog`] and what may be cashed out now: the vault's headroom when there is a
/// vault, a new vault's when there is none (a preview never plans above what would be allowed).
fn catalog_and_headroom(
    location: &tipvault_app::VaultLocation,
    access: &Access,
    provider: Option<&str>,
) -> Result<
    (
        tipvault_app::preview::ProviderCatalog,
        Vec<tipvault_app::Headroom>,
    ),
    AppError,
> {
    if !vault_exists(location)? {
        let catalog = chosen_catalog(location, access, provider)?;
        return Ok((catalog, tipvault_app::new_vault_headroom(clock::now())));
    }
    with_session(location, access, |session| {
        let now = clock::now();
        let catalog = if provider == Some("demo") {
            tipvault_app::demo_catalog(now)?
        } else {
            tipvault_app::choose_catalog(session, provider, now)?
        };
        Ok((catalog, tipvault_app::cash_out_headroom(session, now)?))
    })
}
