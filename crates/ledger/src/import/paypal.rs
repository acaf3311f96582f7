//! PayPal activity CSV ("Activity download", comma-separated).
//!
//! Decision: columns are found by name, so PayPal's many layouts (extra columns, other order)
//! all work. Only rows whose `Status` is `Completed` are imported; every other row is skipped
//! with its status as the reason, as are holds and authorisations (they move no settled
//! money). The time zone is PayPal's own `TimeZone` column (abbreviations like PDT/CET, an
//! IANA name or an offset). PayPal writes fees as negative numbers and `Net = Gross + Fee`; an
//! [`crate::Entry`]'s fee is what was kept, so it is negated, and `Net = Gross − fee` is checked.
//! Dates are `MM/DD/YYYY` (the US layout), `YYYY-MM-DD` or `DD.MM.YYYY`.

use super::cells::{localize, parse_amount, parse_currency, parse_naive};
use super::privacy::Role;
use super::{Bound, Columns, Format, ImportError, Parsed, RowOutcome, RowParser, cell, optional};
use crate::entry::EntryKind;
use crate::zone::Zone;
use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
use csv::StringRecord;

const DATE: &str = "Date";
const TIME: &str = "Time";
const ZONE: &str = "TimeZone";
const TYPE: &str = "Type";
const STATUS: &str = "Status";
const CURRENCY: &str = "Currency";
const GROSS: &str = "Gross";
const FEE: &str = "Fee";
const NET: &str = "Net";
const ID: &str = "Transaction ID";

pub(crate) fn detect(headers: &[String]) -> Option<String> {
    Columns::new(headers, Format::PayPal)
        .has_all(&[DATE, TIME, ZONE, STATUS, GROSS, NET, ID])
        .then(|| {
            format!("the header has PayPal's '{DATE}', '{TIME}', '{ZONE}', '{STATUS}', '{GROSS}', '{NET}' and '{ID}' columns")
        })
}

struct PayPal {
    date: usize,
    time: usize,
    zone: usize,
    kind: usize,
    status: usize,
    currency: usize,
    gross: usize,
    fee: Option<usize>,
    net: usize,
    id: usize,
    name: Option<usize>,
    note: Option<usize>,
}

pub(crate) fn bind(headers: &[String]) -> Result<Bound, ImportError> {
    let c = Columns::new(headers, Format::PayPal);
    let p = PayPal {
        date: c.require(DATE)?,
        time: c.require(TIME)?,
        zone: c.require(ZONE)?,
        kind: c.require(TYPE)?,
        status: c.require(STATUS)?,
        currency: c.require(CURRENCY)?,
        gross: c.require(GROSS)?,
        fee: c.find(FEE),
        net: c.require(NET)?,
        id: c.require(ID)?,
        name: c.find("Name"),
        note: c.find("Note").or_else(|| c.find("Message")),
    };
    let roles = c.roles(&[
        (Some(p.date), Role::Data),
        (Some(p.time), Role::Data),
        (Some(p.zone), Role::Data),
        (Some(p.kind), Role::Data),
        (Some(p.status), Role::Data),
        (Some(p.currency), Role::Data),
        (Some(p.gross), Role::Data),
        (p.fee, Role::Data),
        (Some(p.net), Role::Data),
        (Some(p.id), Role::Data),
        (p.name, Role::Payer),
        (p.note, Role::Message),
    ]);
    Ok(Bound {
        parser: Box::new(p),
        roles,
        amount_column: NET.to_owned(),
    })
}

/// Fixed offsets for the abbreviations PayPal writes. Ambiguous ones (IST, CST in China) are
/// deliberately absent: an unknown zone is a row error, not a guess.
fn zone_offset_hours(abbreviation: &str) -> Option<i32> {
    Some(match abbreviation {
        "UTC" | "GMT" | "Z" | "WET" => 0,
        "BST" | "CET" | "WEST" => 1,
        "CEST" | "EET" => 2,
        "EEST" | "MSK" => 3,
        "JST" | "KST" => 9,
        "AEST" => 10,
        "AEDT" => 11,
        "NZST" => 12,
        "NZDT" => 13,
        "PST" | "AKDT" => -8,
        "PDT" | "MST" => -7,
        "MDT" => -6,
        "CST" => -6,
        "CDT" | "EST" => -5,
        "EDT" => -4,
        "AKST" => -9,
        "HST" => -10,
        _ => return None,
    })
}

fn place(naive: NaiveDateTime, zone: &str) -> Result<chrono::DateTime<Utc>, String> {
    let zone = zone.trim();
    if let Some(hours) = zone_offset_hours(&zone.to_ascii_uppercase()) {
        let offset = FixedOffset::east_opt(hours * 3600).ok_or("bad offset")?;
        return offset
            .from_local_datetime(&naive)
            .single()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| "not a valid local time".to_owned());
    }
    if let Ok(tz) = Zone::named(zone) {
        return localize(naive, &tz);
    }
    let offset_text = zone.trim_start_matches("GMT").trim_start_matches("UTC");
    if let Ok(offset) = offset_text.parse::<FixedOffset>() {
        return offset
            .from_local_datetime(&naive)
            .single()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| "not a valid local time".to_owned());
    }
    Err(format!(
        "unknown time zone '{zone}': expected an abbreviation like PDT or CET, an IANA name \
         like Asia/Seoul, or an offset like +09:00"
    ))
}

fn kind(type_text: &str, negative: bool) -> Option<EntryKind> {
    let t = type_text.to_ascii_lowercase();
    let has = |w: &str| t.contains(w);
    Some(
        if has("hold") || has("authorization") || has("authorisation") {
            return None;
        } else if has("refund") || has("reversal") || has("chargeback") {
            EntryKind::Refund
        } else if has("withdrawal") || has("transfer to bank") {
            EntryKind::Payout
        } else if has("currency conversion") {
            EntryKind::Other
        } else if has("donation") {
            EntryKind::Donation
        } else if has("subscription") {
            EntryKind::Subscription
        } else if has("fee") {
            EntryKind::Fee
        } else if negative {
            EntryKind::Other
        } else if has("checkout") || has("website payment") || has("shopping cart") {
            EntryKind::ShopOrder
        } else if has("payment") {
            EntryKind::Credit
        } else {
            EntryKind::Other
        },
    )
}

impl RowParser for PayPal {
    fn parse(&self, r: &StringRecord) -> RowOutcome {
        let status = cell(r, self.status);
        if !status.eq_ignore_ascii_case("completed") {
            return RowOutcome::Skip(format!(
                "status is '{status}': only completed payments are imported"
            ));
        }
        let currency = match parse_currency(cell(r, self.currency)) {
            Ok(c) => c,
            Err(e) => return RowOutcome::error(CURRENCY, e),
        };
        let when = format!("{} {}", cell(r, self.date), cell(r, self.time));
        let naive = match parse_naive(
            &when,
            &[
                "%m/%d/%Y %H:%M:%S",
                "%Y-%m-%d %H:%M:%S",
                "%d.%m.%Y %H:%M:%S",
                "%m/%d/%Y %H:%M",
            ],
        ) {
            Ok(n) => n,
            Err(e) => {
                return RowOutcome::error(
                    DATE,
                    format!(
                        "{e}; PayPal dates are read as MM/DD/YYYY (the US layout): import a \
                         DD/MM/YYYY export with a mapping profile"
                    ),
                );
            }
        };
        let occurred_at = match place(naive, cell(r, self.zone)) {
            Ok(t) => t,
            Err(e) => return RowOutcome::error(ZONE, e),
        };
        let gross = match parse_amount(cell(r, self.gross), currency, '.') {
            Ok(m) => m,
            Err(e) => return RowOutcome::error(GROSS, e),
        };
        let net = match parse_amount(cell(r, self.net), currency, '.') {
            Ok(m) => m,
            Err(e) => return RowOutcome::error(NET, e),
        };
        let fee = match self.fee.map(|i| cell(r, i)).filter(|s| !s.is_empty()) {
            Some(text) => match parse_amount(text, currency, '.') {
                Ok(m) => m.negated(),
                Err(e) => return RowOutcome::error(FEE, e),
            },
            // No fee column: the fee is whatever separates gross from net.
            None => match gross.checked_sub(net) {
                Ok(m) => m,
                Err(e) => return RowOutcome::error(NET, e.to_string()),
            },
        };
        let type_text = cell(r, self.kind);
        let Some(kind) = kind(type_text, gross.is_negative()) else {
            return RowOutcome::Skip(format!(
                "type '{type_text}' is a hold or authorisation, not a settled payment"
            ));
        };
        RowOutcome::Entry(Box::new(Parsed {
            kind,
            occurred_at,
            gross,
            fee,
            net,
            transaction_id: optional(r, Some(self.id)),
            payer: optional(r, self.name),
            message: optional(r, self.note),
        }))
    }
}
