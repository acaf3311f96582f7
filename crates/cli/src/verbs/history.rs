//! `tipvault history`: entries, filtered and searched, a page at a time.

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub(crate) struct FilterArgs {
    /// Only this source.
    #[arg(long)]
    source: Option<String>,
    /// Only this kind (tip, donation, subscription, shop_order, payout, …); repeatable.
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<String>,
    /// From this date (YYYY-MM-DD in --tz, inclusive) or RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Up to this date (YYYY-MM-DD in --tz, inclusive) or RFC 3339 time (exclusive).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Gross at least this amount (in each entry's currency).
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    min: Option<String>,
    /// Gross at most this amount.
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    max: Option<String>,
    /// Words in kept payer names or messages.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

impl FilterArgs {
    pub(crate) fn query(&self) -> tipvault_app::HistoryQuery {
        tipvault_app::HistoryQuery {
            source: self.source.clone(),
            kinds: self.kinds.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            min: self.min.clone(),
            max: self.max.clone(),
            search: self.search.clone(),
            after: None,
            limit: 0,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// At most this many entries (1–1000).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Continue after this cursor (printed as `next` by the previous page).
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &HistoryArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let tz = tipvault_app::parse_tz(&ctx.tz)?;
    let mut query = args.filter.query();
    query.after = args.after.clone();
    query.limit = args.limit;
    let page =
        ctx.with_session(|session| tipvault_app::history(session, &query, &tz, clock::now()))?;
    out.value(&page, || output::history_table(&page, &tz));
    Ok(())
}
