//! The dashboard: everything the first view of an open vault shows, in one call.
//!
//! Composed here rather than in a front end so the desktop asks once and every front end
//! agrees on the forecast window.

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::accounts::{AccountView, Location, list_accounts};
use crate::error::AppError;
use crate::review::{ForecastView, balances, forecast};
use crate::session::Session;
use crate::sources::list_sources;
use crate::view::{BalanceView, SourceView};

/// Payout forecasts use the net income of this many trailing days.
pub const FORECAST_WINDOW_DAYS: u32 = 30;

/// Sources, their balances and their payout forecasts, and every account grouped by where its
/// money is (the Overview's groups).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DashboardView {
    pub accounts: Vec<AccountView>,
    pub sources: Vec<SourceView>,
    pub balances: Vec<BalanceView>,
    /// Payout forecasts of the accounts whose money is still at their platform (a payout
    /// threshold means nothing once the money is at a provider or paid out).
    pub forecasts: Vec<ForecastView>,
}

/// Everything the dashboard shows, at `now`.
pub fn dashboard(session: &mut Session, now: DateTime<Utc>) -> Result<DashboardView, AppError> {
    let accounts = list_accounts(session, now)?;
    let at_platform: std::collections::BTreeSet<&str> = accounts
        .iter()
        .filter(|a| a.location == Location::AtPlatform)
        .map(|a| a.id.as_str())
        .collect();
    let forecasts = forecast(session, FORECAST_WINDOW_DAYS, now)?
        .into_iter()
        .filter(|f| at_platform.contains(f.source.as_str()))
        .collect();
    Ok(DashboardView {
        sources: list_sources(session, now)?,
        balances: balances(session, now)?,
        forecasts,
        accounts,
    })
}
