//! GitHub Sponsors transactions CSV.
//!
//! Decision: GitHub Sponsors pays in US dollars and its export has no currency column, so
//! amounts are USD; `Processed Amount` (what was charged, `$5.00`) is the gross and the fee is
//! zero (GitHub takes none on personal sponsorships). `Transaction Date` is read as UTC.
//! Rows whose `Status` is present and not a settled state are skipped with the status as the
//! reason. The payer is `Sponsor Profile Name`, else `Sponsor Handle`; the sponsor's public
//! e-mail, country and region are dropped.

use super::cells::{parse_amount, parse_naive, parse_rfc3339};
use super::privacy::Role;
use super::{Bound, Columns, Format, ImportError, Parsed, RowOutcome, RowParser, cell, optional};
use crate::entry::EntryKind;
use csv::StringRecord;
use tipvault_money::{Currency, Money};

const ID: &str = "Transaction ID";
const AMOUNT: &str = "Processed Amount";
const DATE: &str = "Transaction Date";
const STATUS: &str = "Status";

pub(crate) fn detect(headers: &[String]) -> Option<String> {
    Columns::new(headers, Format::GitHubSponsors)
        .has_all(&["Sponsor Handle", AMOUNT, DATE])
        .then(|| {
            format!(
                "the header has GitHub Sponsors' 'Sponsor Handle', '{AMOUNT}' and '{DATE}' columns"
            )
        })
}

struct GitHub {
    id: Option<usize>,
    amount: usize,
    date: usize,
    status: Option<usize>,
    profile_name: Option<usize>,
    handle: Option<usize>,
}

pub(crate) fn bind(headers: &[String]) -> Result<Bound, ImportError> {
    let c = Columns::new(headers, Format::GitHubSponsors);
    let p = GitHub {
        id: c.find(ID),
        amount: c.require(AMOUNT)?,
        date: c.require(DATE)?,
        status: c.find(STATUS),
        profile_name: c.find("Sponsor Profile Name"),
        handle: c.find("Sponsor Handle"),
    };
    let roles = c.roles(&[
        (p.id, Role::Data),
        (Some(p.amount), Role::Data),
        (Some(p.date), Role::Data),
        (p.status, Role::Data),
        (p.profile_name, Role::Payer),
        (p.handle, Role::Payer),
    ]);
    Ok(Bound {
        parser: Box::new(p),
        roles,
        amount_column: AMOUNT.to_owned(),
    })
}

impl RowParser for GitHub {
    fn parse(&self, r: &StringRecord) -> RowOutcome {
        if let Some(status) = self.status.map(|i| cell(r, i)).filter(|s| !s.is_empty()) {
            let settled = [
                "settled",
                "succeeded",
                "success",
                "completed",
                "paid",
                "processed",
            ];
            if !settled.iter().any(|s| status.eq_ignore_ascii_case(s)) {
                return RowOutcome::Skip(format!(
                    "status is '{status}': only settled sponsorship payments are imported"
                ));
            }
        }
        let date = cell(r, self.date);
        let occurred_at = match parse_rfc3339(date) {
            Some(t) => t,
            None => match parse_naive(date, &["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y"]) {
                Ok(n) => n.and_utc(),
                Err(e) => return RowOutcome::error(DATE, e),
            },
        };
        let gross = match parse_amount(cell(r, self.amount), Currency::USD, '.') {
            Ok(m) => m,
            Err(e) => return RowOutcome::error(AMOUNT, e),
        };
        RowOutcome::Entry(Box::new(Parsed {
            kind: EntryKind::Subscription,
            occurred_at,
            gross,
            fee: Money::zero(Currency::USD),
            net: gross,
            transaction_id: optional(r, self.id),
            payer: optional(r, self.profile_name).or_else(|| optional(r, self.handle)),
            message: None,
        }))
    }
}
