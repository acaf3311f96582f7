//! Ko-fi transactions CSV.
//!
//! `DateTime (UTC),From,Message,Item,Received,Given,Currency,TransactionType,TransactionId,…,
//! BuyerEmail,PaymentProvider` (the header as seen in third-party test files; Ko-fi documents
//! none). Decisions: times are UTC as the header says, in ISO layouts only
//! (`2024-01-15 14:32:05`, `2024-01-15 14:32`, `2024-01-15T14:32:05Z`) — a slash date could be
//! day- or month-first and a silent swap is worse than a row error. `Received` is the gross.
//! What `Given` means is not documented (one sample has both `Received 3.00` and `Given 2.90` on
//! a tip), so it is ignored when `Received` is non-zero, and a row with only `Given` is value the
//! creator sent out (kind `other`, negative). Ko-fi takes no fee on donations and its export
//! shows none, so the fee is zero (PayPal/Stripe fees appear in those platforms' exports).

use super::cells::{parse_amount, parse_currency, parse_naive, parse_rfc3339};
use super::privacy::Role;
use super::{Bound, Columns, Format, ImportError, Parsed, RowOutcome, RowParser, cell, optional};
use crate::entry::EntryKind;
use csv::StringRecord;
use tipvault_money::Money;

const DATE: &str = "DateTime (UTC)";
const RECEIVED: &str = "Received";
const GIVEN: &str = "Given";
const CURRENCY: &str = "Currency";
const TYPE: &str = "TransactionType";
const ID: &str = "TransactionId";

/// Ko-fi's date layouts seen in exports, most likely first.
const DATE_FORMATS: &[&str] = &["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"];

pub(crate) fn detect(headers: &[String]) -> Option<String> {
    Columns::new(headers, Format::KoFi)
        .has_all(&[DATE, RECEIVED, TYPE, ID])
        .then(|| {
            format!("the header has Ko-fi's '{DATE}', '{RECEIVED}', '{TYPE}' and '{ID}' columns")
        })
}

struct KoFi {
    date: usize,
    received: usize,
    given: Option<usize>,
    currency: usize,
    kind: usize,
    id: Option<usize>,
    from: Option<usize>,
    message: Option<usize>,
}

pub(crate) fn bind(headers: &[String]) -> Result<Bound, ImportError> {
    let c = Columns::new(headers, Format::KoFi);
    let p = KoFi {
        date: c.require(DATE)?,
        received: c.require(RECEIVED)?,
        given: c.find(GIVEN),
        currency: c.require(CURRENCY)?,
        kind: c.require(TYPE)?,
        id: c.find(ID),
        from: c.find("From"),
        message: c.find("Message"),
    };
    let roles = c.roles(&[
        (Some(p.date), Role::Data),
        (Some(p.received), Role::Data),
        (p.given, Role::Data),
        (Some(p.currency), Role::Data),
        (Some(p.kind), Role::Data),
        (p.id, Role::Data),
        (p.from, Role::Payer),
        (p.message, Role::Message),
    ]);
    Ok(Bound {
        parser: Box::new(p),
        roles,
        amount_column: RECEIVED.to_owned(),
    })
}

fn kind(text: &str) -> EntryKind {
    match text.trim().to_ascii_lowercase().as_str() {
        "tip" => EntryKind::Tip,
        "donation" => EntryKind::Donation,
        "subscription" | "membership" => EntryKind::Subscription,
        "shop order" | "shoporder" | "commission" => EntryKind::ShopOrder,
        _ => EntryKind::Other,
    }
}

impl RowParser for KoFi {
    fn parse(&self, r: &StringRecord) -> RowOutcome {
        let currency = match parse_currency(cell(r, self.currency)) {
            Ok(c) => c,
            Err(e) => return RowOutcome::error(CURRENCY, e),
        };
        let date_text = cell(r, self.date);
        let occurred_at = match parse_rfc3339(date_text) {
            Some(dt) => dt,
            None => match parse_naive(date_text, DATE_FORMATS) {
                Ok(naive) => naive.and_utc(),
                Err(e) => return RowOutcome::error(DATE, e),
            },
        };
        let amount = |index: Option<usize>, column: &str| -> Result<Option<Money>, RowOutcome> {
            match index.map(|i| cell(r, i)).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(text) => parse_amount(text, currency, '.')
                    .map(Some)
                    .map_err(|e| RowOutcome::error(column, e)),
            }
        };
        let received = match amount(Some(self.received), RECEIVED) {
            Ok(m) => m,
            Err(e) => return e,
        };
        let given = match amount(self.given, GIVEN) {
            Ok(m) => m.filter(|m| !m.is_zero()),
            Err(e) => return e,
        };
        let (kind, gross) = match (received.filter(|m| !m.is_zero()), given) {
            (Some(received), _) => (kind(cell(r, self.kind)), received),
            (None, Some(given)) => (EntryKind::Other, given.negated()),
            (None, None) => match received {
                Some(zero) => (kind(cell(r, self.kind)), zero),
                None => return RowOutcome::error(RECEIVED, "no amount in Received or Given"),
            },
        };
        RowOutcome::Entry(Box::new(Parsed {
            kind,
            occurred_at,
            gross,
            fee: Money::zero(currency),
            net: gross,
            transaction_id: optional(r, self.id),
            payer: optional(r, self.from),
            message: optional(r, self.message),
        }))
    }
}
