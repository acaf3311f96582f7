//! Any CSV, through a user-defined column mapping saved as a named [`MappingProfile`].
//!
//! This is the path for platforms without a public export (Toonation, Twip, SOOP, Chzzk: the
//! creator's own spreadsheet, often CP949 with Korean headers). Decision: a profile is plain
//! data (serde) that names every column it reads — by header name, or by 1-based position in
//! files without a header row — and carries its own date format, time zone and decimal
//! separator, so reading a file never depends on the machine's locale or zone. Kind labels in
//! the file ("후원", "구독") map to [`EntryKind`]s through the profile.

use super::cells::{localize, parse_amount, parse_currency, parse_naive};
use super::privacy::Role;
use super::{Bound, Format, ImportError, Parsed, RowOutcome, RowParser, cell};
use crate::entry::EntryKind;
use crate::zone::Zone;
use chrono::format::{Item, StrftimeItems};
use csv::StringRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tipvault_money::{Currency, Money};

/// A column, by header name or by 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    /// 1-based position (the first column is 1).
    Position(usize),
    /// Header name (trimmed, case-insensitive).
    Name(String),
}

/// Which columns hold the amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "layout", rename_all = "snake_case")]
pub enum AmountColumns {
    /// One amount: gross = net, no fee.
    Single {
        /// The amount column.
        amount: ColumnRef,
    },
    /// Separate gross, fee and net; at least two of the three (the third is derived; when all
    /// three are given, `net = gross − fee` is checked).
    GrossFeeNet {
        /// Gross.
        gross: Option<ColumnRef>,
        /// Fee (what the platform kept, positive).
        fee: Option<ColumnRef>,
        /// Net.
        net: Option<ColumnRef>,
    },
}

/// Where the currency comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrencySpec {
    /// Every row is in this currency.
    Fixed(tipvault_money::Currency),
    /// A column holds the ISO code.
    Column(ColumnRef),
}

/// How a row's kind is decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindSpec {
    /// A column with the kind label, if any.
    pub column: Option<ColumnRef>,
    /// Labels in that column → kinds (exact after trimming; `EntryKind` names also work).
    #[serde(default)]
    pub labels: BTreeMap<String, EntryKind>,
    /// The kind when there is no column, or the cell is empty.
    pub default: EntryKind,
}

/// A saved mapping from one spreadsheet layout to entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingProfile {
    /// The profile's name (also the platform name for [`crate::Platform::Generic`]).
    pub name: String,
    /// Whether the first row is a header row.
    pub has_header: bool,
    /// The field delimiter (`,` unless the file uses `;` or a tab).
    #[serde(default = "comma")]
    pub delimiter: char,
    /// The date (or date and time) column.
    pub date: ColumnRef,
    /// A separate time column, if the sheet splits date and time (joined with one space).
    #[serde(default)]
    pub time: Option<ColumnRef>,
    /// A chrono `strftime` format for the date (and time) text, e.g. `%Y.%m.%d %H:%M`.
    pub date_format: String,
    /// The zone the dates are local to.
    pub time_zone: Zone,
    /// `.` or `,`.
    pub decimal_separator: char,
    /// The amounts.
    pub amounts: AmountColumns,
    /// The currency.
    pub currency: CurrencySpec,
    /// The platform's transaction id, if the sheet has one.
    #[serde(default)]
    pub id: Option<ColumnRef>,
    /// The kind.
    pub kind: KindSpec,
    /// The payer's name (kept only on opt-in).
    #[serde(default)]
    pub payer: Option<ColumnRef>,
    /// The message (kept only on opt-in).
    #[serde(default)]
    pub message: Option<ColumnRef>,
}

fn comma() -> char {
    ','
}

impl MappingProfile {
    pub(crate) fn delimiter_byte(&self) -> u8 {
        u8::try_from(u32::from(self.delimiter)).unwrap_or(b',')
    }

    /// Checks the profile on its own (before any file): separators, date format, positions.
    pub fn validate(&self) -> Result<(), ImportError> {
        let invalid = |reason: String| ImportError::InvalidProfile {
            profile: self.name.clone(),
            reason,
        };
        if !matches!(self.decimal_separator, '.' | ',') {
            return Err(invalid("the decimal separator must be '.' or ','".into()));
        }
        // A comma delimiter with decimal commas works when amounts are quoted (as spreadsheets
        // write them); any other delimiter equal to the decimal separator cannot.
        let clashes = self.delimiter == self.decimal_separator && self.delimiter != ',';
        if !self.delimiter.is_ascii() || clashes {
            return Err(invalid(
                "the delimiter must be one ASCII character such as , ; or a tab, different \
                 from the decimal separator"
                    .into(),
            ));
        }
        if StrftimeItems::new(&self.date_format).any(|i| matches!(i, Item::Error)) {
            return Err(invalid(format!(
                "the date format '{}' is not a valid strftime pattern (e.g. %Y-%m-%d %H:%M)",
                self.date_format
            )));
        }
        if let AmountColumns::GrossFeeNet { gross, fee, net } = &self.amounts
            && [gross, fee, net].iter().filter(|c| c.is_some()).count() < 2
        {
            return Err(invalid(
                "name at least two of the gross, fee and net columns".into(),
            ));
        }
        Ok(())
    }
}

struct Generic {
    date: (usize, String),
    time: Option<usize>,
    date_format: String,
    tz: Zone,
    decimal: char,
    gross: Option<(usize, String)>,
    fee: Option<(usize, String)>,
    net: Option<(usize, String)>,
    currency: Result<Currency, (usize, String)>,
    id: Option<usize>,
    kind_column: Option<(usize, String)>,
    labels: BTreeMap<String, EntryKind>,
    default_kind: EntryKind,
    payer: Option<usize>,
    message: Option<usize>,
}

/// The largest column position a profile may name (spreadsheets stop at 16,384).
pub const MAX_COLUMNS: usize = 16_384;

pub(crate) fn bind(profile: &MappingProfile, headers: &[String]) -> Result<Bound, ImportError> {
    profile.validate()?;
    let resolve = |column: &ColumnRef| -> Result<(usize, String), ImportError> {
        match column {
            // A position is checked against a bound, not trusted: a headerless file's columns
            // are classified in a table as wide as the largest position (the fuzz target
            // `import_profile` asked for one of 6 TB).
            ColumnRef::Position(p) if *p > MAX_COLUMNS => Err(ImportError::InvalidProfile {
                profile: profile.name.clone(),
                reason: format!(
                    "column {p} is past the last column a file can have here ({MAX_COLUMNS})"
                ),
            }),
            ColumnRef::Position(p) if *p >= 1 => Ok((
                p - 1,
                headers
                    .get(p - 1)
                    .cloned()
                    .unwrap_or_else(|| format!("#{p}")),
            )),
            ColumnRef::Position(_) => Err(ImportError::InvalidProfile {
                profile: profile.name.clone(),
                reason: "column positions start at 1".into(),
            }),
            ColumnRef::Name(name) if !profile.has_header => Err(ImportError::InvalidProfile {
                profile: profile.name.clone(),
                reason: format!(
                    "column '{name}' is named but the profile says the file has no header row: \
                     use its position instead"
                ),
            }),
            ColumnRef::Name(name) => headers
                .iter()
                .position(|h| h.trim().to_lowercase() == name.trim().to_lowercase())
                .map(|i| (i, headers[i].clone()))
                .ok_or_else(|| ImportError::MissingColumn {
                    format: Format::Generic,
                    column: name.clone(),
                }),
        }
    };
    let opt = |c: &Option<ColumnRef>| c.as_ref().map(resolve).transpose();
    let (gross, fee, net) = match &profile.amounts {
        AmountColumns::Single { amount } => (Some(resolve(amount)?), None, None),
        AmountColumns::GrossFeeNet { gross, fee, net } => (opt(gross)?, opt(fee)?, opt(net)?),
    };
    let p = Generic {
        date: resolve(&profile.date)?,
        time: opt(&profile.time)?.map(|c| c.0),
        date_format: profile.date_format.clone(),
        tz: profile.time_zone.clone(),
        decimal: profile.decimal_separator,
        gross,
        fee,
        net,
        currency: match &profile.currency {
            CurrencySpec::Fixed(c) => Ok(*c),
            CurrencySpec::Column(c) => Err(resolve(c)?),
        },
        id: opt(&profile.id)?.map(|c| c.0),
        kind_column: opt(&profile.kind.column)?,
        labels: profile
            .kind
            .labels
            .iter()
            .map(|(k, v)| (k.trim().to_owned(), *v))
            .collect(),
        default_kind: profile.kind.default,
        payer: opt(&profile.payer)?.map(|c| c.0),
        message: opt(&profile.message)?.map(|c| c.0),
    };
    let data = |c: &Option<(usize, String)>| (c.as_ref().map(|c| c.0), Role::Data);
    let mut assigned = vec![
        (Some(p.date.0), Role::Data),
        (p.time, Role::Data),
        data(&p.gross),
        data(&p.fee),
        data(&p.net),
        data(&p.kind_column),
        (p.id, Role::Data),
        (p.payer, Role::Payer),
        (p.message, Role::Message),
    ];
    if let Err((i, _)) = &p.currency {
        assigned.push((Some(*i), Role::Data));
    }
    let roles = if headers.is_empty() {
        // No header: nothing to classify by; unread cells are still checked for e-mails.
        let width = assigned
            .iter()
            .filter_map(|(i, _)| *i)
            .max()
            .map_or(0, |m| m + 1);
        let mut roles = vec![Role::Data; width];
        for (i, role) in assigned {
            if let Some(slot) = i.and_then(|i| roles.get_mut(i)) {
                *slot = role;
            }
        }
        roles
    } else {
        super::Columns::new(headers, Format::Generic).roles(&assigned)
    };
    let amount_column = p
        .net
        .as_ref()
        .or(p.gross.as_ref())
        .map_or_else(String::new, |c| c.1.clone());
    Ok(Bound {
        parser: Box::new(p),
        roles,
        amount_column,
    })
}

impl Generic {
    fn amount(
        &self,
        r: &StringRecord,
        c: &Option<(usize, String)>,
        currency: Currency,
    ) -> Result<Option<Money>, RowOutcome> {
        match c {
            None => Ok(None),
            Some((i, name)) => {
                let text = cell(r, *i);
                if text.is_empty() {
                    return Err(RowOutcome::error(name, "the amount is empty"));
                }
                parse_amount(text, currency, self.decimal)
                    .map(Some)
                    .map_err(|e| RowOutcome::error(name, e))
            }
        }
    }
}

impl RowParser for Generic {
    fn parse(&self, r: &StringRecord) -> RowOutcome {
        let currency = match &self.currency {
            Ok(c) => *c,
            Err((i, name)) => match parse_currency(cell(r, *i)) {
                Ok(c) => c,
                Err(e) => return RowOutcome::error(name, e),
            },
        };
        let when = match self.time {
            Some(t) => format!("{} {}", cell(r, self.date.0), cell(r, t)),
            None => cell(r, self.date.0).to_owned(),
        };
        let occurred_at =
            match parse_naive(&when, &[&self.date_format]).and_then(|n| localize(n, &self.tz)) {
                Ok(t) => t,
                Err(e) => return RowOutcome::error(&self.date.1, e),
            };
        let [gross, fee, net] =
            [&self.gross, &self.fee, &self.net].map(|c| self.amount(r, c, currency));
        let (gross, fee, net) = match (gross, fee, net) {
            (Ok(g), Ok(f), Ok(n)) => (g, f, n),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
        };
        let zero = Money::zero(currency);
        let derived = match (gross, fee, net) {
            (Some(g), None, None) => Ok((g, zero, g)),
            (Some(g), Some(f), Some(n)) => Ok((g, f, n)),
            (Some(g), Some(f), None) => g.checked_sub(f).map(|n| (g, f, n)),
            (Some(g), None, Some(n)) => g.checked_sub(n).map(|f| (g, f, n)),
            (None, Some(f), Some(n)) => n.checked_add(f).map(|g| (g, f, n)),
            _ => return RowOutcome::error("", "no amount columns"),
        };
        let (gross, fee, net) = match derived {
            Ok(t) => t,
            Err(e) => return RowOutcome::error("", e.to_string()),
        };
        let kind = match &self.kind_column {
            None => self.default_kind,
            Some((i, name)) => {
                let label = cell(r, *i);
                if label.is_empty() {
                    self.default_kind
                } else if let Some(k) = self
                    .labels
                    .get(label)
                    .copied()
                    .or_else(|| EntryKind::parse(label))
                {
                    k
                } else {
                    return RowOutcome::error(
                        name,
                        format!("unknown kind '{label}': add it to the profile's kind labels"),
                    );
                }
            }
        };
        let text = |i: Option<usize>| {
            i.map(|i| cell(r, i))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        RowOutcome::Entry(Box::new(Parsed {
            kind,
            occurred_at,
            gross,
            fee,
            net,
            transaction_id: text(self.id),
            payer: text(self.payer),
            message: text(self.message),
        }))
    }
}
