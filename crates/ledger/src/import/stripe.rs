//! Stripe balance-transactions CSV ("Balance change from activity" report).
//!
//! `balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,
//! reporting_category,description`. Decision: `created_utc` (UTC, `YYYY-MM-DD HH:MM:SS`) is
//! when it happened; amounts are in major units with Stripe's own signs (refunds and payouts
//! negative, the fee positive), so `net = gross − fee` holds as written and is checked. The
//! kind comes from `reporting_category`; the `description` counts as the message.

use super::cells::{parse_amount, parse_currency, parse_naive, parse_rfc3339};
use super::privacy::Role;
use super::{Bound, Columns, Format, ImportError, Parsed, RowOutcome, RowParser, cell, optional};
use crate::entry::EntryKind;
use csv::StringRecord;

const ID: &str = "balance_transaction_id";
const CREATED: &str = "created_utc";
const CURRENCY: &str = "currency";
const GROSS: &str = "gross";
const FEE: &str = "fee";
const NET: &str = "net";

pub(crate) fn detect(headers: &[String]) -> Option<String> {
    Columns::new(headers, Format::Stripe)
        .has_all(&[ID, CREATED, GROSS, FEE, NET])
        .then(|| format!("the header has Stripe's '{ID}', '{CREATED}', '{GROSS}', '{FEE}' and '{NET}' columns"))
}

struct Stripe {
    id: usize,
    created: usize,
    currency: usize,
    gross: usize,
    fee: usize,
    net: usize,
    category: Option<usize>,
    description: Option<usize>,
}

pub(crate) fn bind(headers: &[String]) -> Result<Bound, ImportError> {
    let c = Columns::new(headers, Format::Stripe);
    let p = Stripe {
        id: c.require(ID)?,
        created: c.require(CREATED)?,
        currency: c.require(CURRENCY)?,
        gross: c.require(GROSS)?,
        fee: c.require(FEE)?,
        net: c.require(NET)?,
        category: c.find("reporting_category"),
        description: c.find("description"),
    };
    let roles = c.roles(&[
        (Some(p.id), Role::Data),
        (Some(p.created), Role::Data),
        (Some(p.currency), Role::Data),
        (Some(p.gross), Role::Data),
        (Some(p.fee), Role::Data),
        (Some(p.net), Role::Data),
        (p.category, Role::Data),
        (p.description, Role::Message),
    ]);
    Ok(Bound {
        parser: Box::new(p),
        roles,
        amount_column: NET.to_owned(),
    })
}

fn kind(category: &str) -> EntryKind {
    match category.trim().to_ascii_lowercase().as_str() {
        "charge" | "payment" => EntryKind::Credit,
        "refund" | "dispute" | "partial_capture_reversal" | "refund_failure" => EntryKind::Refund,
        "payout" | "payout_reversal" => EntryKind::Payout,
        "fee" | "stripe_fee" | "network_cost" | "tax" => EntryKind::Fee,
        _ => EntryKind::Other,
    }
}

impl RowParser for Stripe {
    fn parse(&self, r: &StringRecord) -> RowOutcome {
        let currency = match parse_currency(cell(r, self.currency)) {
            Ok(c) => c,
            Err(e) => return RowOutcome::error(CURRENCY, e),
        };
        let created = cell(r, self.created);
        let occurred_at = match parse_rfc3339(created) {
            Some(t) => t,
            None => match parse_naive(created, &["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]) {
                Ok(n) => n.and_utc(),
                Err(e) => return RowOutcome::error(CREATED, e),
            },
        };
        let mut amounts = [(self.gross, GROSS), (self.fee, FEE), (self.net, NET)]
            .into_iter()
            .map(|(i, column)| {
                parse_amount(cell(r, i), currency, '.').map_err(|e| RowOutcome::error(column, e))
            });
        let (gross, fee, net) = match (amounts.next(), amounts.next(), amounts.next()) {
            (Some(Ok(g)), Some(Ok(f)), Some(Ok(n))) => (g, f, n),
            (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => return e,
            _ => return RowOutcome::error(GROSS, "missing amounts"),
        };
        RowOutcome::Entry(Box::new(Parsed {
            kind: kind(self.category.map_or("", |i| cell(r, i))),
            occurred_at,
            gross,
            fee,
            net,
            transaction_id: optional(r, Some(self.id)),
            payer: None,
            message: optional(r, self.description),
        }))
    }
}
