//! Entries: one ledger line each — a tip or credit in, a payout, fee or refund out.
//!
//! Decision: an [`Entry`] can only exist balanced. Its fields are private and every way in
//! ([`Entry::new`], deserialisation) checks that gross, fee and net share the entry's currency
//! and that `net = gross − fee` exactly. Signs follow the source's balance: value arriving is
//! positive, value leaving negative; the fee is what the platform kept (normally positive).
//!
//! De-duplication: every entry carries an [`EntryKey`]. When the platform gives a transaction
//! id, the key is that id namespaced by platform and source. Otherwise it is a [`Fingerprint`]:
//! SHA-256 over a canonical, length-prefixed encoding of the row's content plus an occurrence
//! ordinal (the n-th identical row of one file), so importing the same file again, or an
//! overlapping export, or the same rows in another order, gives the same keys — and two
//! genuinely identical tips in one file still get two keys.

use crate::source::SourceId;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use tipvault_money::{Currency, Money, MoneyError};

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A tip (one-off, small).
    Tip,
    /// A donation.
    Donation,
    /// A recurring membership or sponsorship payment.
    Subscription,
    /// A shop order or commission.
    ShopOrder,
    /// Any other credit to the balance (points, a generic payment received).
    Credit,
    /// Value taken out as a product (a gift card, a top-up).
    Redemption,
    /// A stand-alone fee charged by the platform.
    Fee,
    /// Money returned to a payer.
    Refund,
    /// Money paid out from the platform to the user's bank.
    Payout,
    /// Anything else (currency conversions, adjustments).
    Other,
}

impl EntryKind {
    /// Every kind, in declaration order.
    pub const ALL: [EntryKind; 10] = [
        EntryKind::Tip,
        EntryKind::Donation,
        EntryKind::Subscription,
        EntryKind::ShopOrder,
        EntryKind::Credit,
        EntryKind::Redemption,
        EntryKind::Fee,
        EntryKind::Refund,
        EntryKind::Payout,
        EntryKind::Other,
    ];

    /// The stable snake_case name (as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Tip => "tip",
            EntryKind::Donation => "donation",
            EntryKind::Subscription => "subscription",
            EntryKind::ShopOrder => "shop_order",
            EntryKind::Credit => "credit",
            EntryKind::Redemption => "redemption",
            EntryKind::Fee => "fee",
            EntryKind::Refund => "refund",
            EntryKind::Payout => "payout",
            EntryKind::Other => "other",
        }
    }

    /// Parses the snake_case name, case-insensitively, also accepting spaces or dashes
    /// ("Shop Order").
    pub fn parse(text: &str) -> Option<EntryKind> {
        let norm: String = text
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        EntryKind::ALL.into_iter().find(|k| k.as_str() == norm)
    }

    /// Kinds that bring value in from a payer: their gross may not be negative (a negative tip
    /// is a refund and must say so).
    pub fn is_income(self) -> bool {
        matches!(
            self,
            EntryKind::Tip
                | EntryKind::Donation
                | EntryKind::Subscription
                | EntryKind::ShopOrder
                | EntryKind::Credit
        )
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an entry could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntryError {
    /// Gross, fee or net is in another currency than the entry.
    #[error(
        "the entry is in {entry} but its {field} is in {found}: all amounts of one entry must \
         share its currency"
    )]
    CurrencyMismatch {
        /// The entry's currency.
        entry: Currency,
        /// Which amount differs ("gross", "fee", "net").
        field: &'static str,
        /// The other currency.
        found: Currency,
    },
    /// `net ≠ gross − fee`.
    #[error(
        "net {net} is not gross {gross} minus fee {fee}: check the row's amounts (they must \
         balance to the unit)"
    )]
    Unbalanced {
        /// The gross.
        gross: Money,
        /// The fee.
        fee: Money,
        /// The net that does not match.
        net: Money,
    },
    /// An income kind (tip, donation…) with a negative gross.
    #[error(
        "a {kind} of {gross} is negative: a refund or chargeback must be recorded as kind \
         `refund`"
    )]
    NegativeIncome {
        /// The kind.
        kind: EntryKind,
        /// The negative gross.
        gross: Money,
    },
    /// Arithmetic overflow or another money error.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// A SHA-256 content fingerprint, as 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

/// What a content fingerprint covers. Payer and message are the values *read from the row*
/// (after e-mail removal), whether or not the user chose to keep them, so changing the privacy
/// options between two imports does not change the keys and duplicate the history.
#[derive(Debug, Clone, Copy)]
pub struct FingerprintInput<'a> {
    /// The source.
    pub source: &'a SourceId,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Gross.
    pub gross: Money,
    /// Fee.
    pub fee: Money,
    /// Net.
    pub net: Money,
    /// Kind.
    pub kind: EntryKind,
    /// Payer as read, if the row had one.
    pub payer: Option<&'a str>,
    /// Message as read, if the row had one.
    pub message: Option<&'a str>,
    /// 0 for the first row of a file with this content, 1 for the second identical one…
    pub ordinal: u32,
}

impl Fingerprint {
    /// Version tag of the canonical encoding below; bump it (never change it) if the encoding
    /// ever has to change, so old and new keys cannot collide silently.
    pub const DOMAIN: &'static str = "tipvault.entry-fingerprint.v1";

    /// Computes the fingerprint. Canonical encoding, in this order, each field as an 8-byte
    /// big-endian length followed by its UTF-8 bytes: the domain tag; the source id;
    /// `occurred_at` as RFC 3339 UTC with nanoseconds (`2024-01-02T03:04:05.000000000Z`);
    /// gross, fee and net as signed minor-unit integers in decimal; the currency code; the kind
    /// name; `P` + payer or `-` when absent; `M` + message or `-`; the ordinal in decimal.
    pub fn compute(input: &FingerprintInput<'_>) -> Fingerprint {
        Fingerprint::from_digest(&Fingerprint::digest(input))
    }

    /// The raw SHA-256 behind [`Fingerprint::compute`] (for callers that only need to compare).
    pub fn digest(input: &FingerprintInput<'_>) -> [u8; 32] {
        let mut hasher = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        };
        field(Self::DOMAIN.as_bytes());
        field(input.source.as_str().as_bytes());
        field(
            input
                .occurred_at
                .to_rfc3339_opts(SecondsFormat::Nanos, true)
                .as_bytes(),
        );
        for money in [input.gross, input.fee, input.net] {
            field(money.to_minor_i128().to_string().as_bytes());
        }
        field(input.gross.currency().code().as_bytes());
        field(input.kind.as_str().as_bytes());
        let optional = |tag: &str, value: Option<&str>| match value {
            Some(v) => format!("{tag}{v}"),
            None => "-".to_owned(),
        };
        field(optional("P", input.payer).as_bytes());
        field(optional("M", input.message).as_bytes());
        field(input.ordinal.to_string().as_bytes());
        hasher.finalize().into()
    }

    /// The fingerprint of a digest, as lower-case hex.
    pub fn from_digest(digest: &[u8; 32]) -> Fingerprint {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        Fingerprint(hex)
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The de-duplication key of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKey {
    /// The platform's own transaction id, namespaced by platform slug and source.
    TransactionId {
        /// The platform slug ([`crate::Platform::slug`]).
        platform: String,
        /// The source.
        source: SourceId,
        /// The platform's id, as given.
        id: String,
    },
    /// A content fingerprint, for rows without an id.
    Fingerprint {
        /// The fingerprint.
        fingerprint: Fingerprint,
    },
}

impl EntryKey {
    /// One string for a UNIQUE column: `tx1:` + length-prefixed platform, source and id (so no
    /// id containing `:` can collide with another), or `fp1:` + the fingerprint.
    pub fn dedup_string(&self) -> String {
        match self {
            EntryKey::TransactionId {
                platform,
                source,
                id,
            } => format!(
                "tx1:{}:{platform}:{}:{source}:{id}",
                platform.len(),
                source.as_str().len()
            ),
            EntryKey::Fingerprint { fingerprint } => format!("fp1:{}", fingerprint.as_str()),
        }
    }
}

/// One ledger line. Always balanced (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EntryRepr", into = "EntryRepr")]
pub struct Entry {
    source: SourceId,
    kind: EntryKind,
    occurred_at: DateTime<Utc>,
    gross: Money,
    fee: Money,
    net: Money,
    currency: Currency,
    key: EntryKey,
    payer: Option<String>,
    message: Option<String>,
}

/// Everything needed to build an [`Entry`].
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The source.
    pub source: SourceId,
    /// The kind.
    pub kind: EntryKind,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Gross (signed, see the module doc).
    pub gross: Money,
    /// Fee the platform kept.
    pub fee: Money,
    /// Net; must equal gross − fee.
    pub net: Money,
    /// The de-duplication key.
    pub key: EntryKey,
    /// Payer name (only if the user opted in).
    pub payer: Option<String>,
    /// Message (only if the user opted in).
    pub message: Option<String>,
}

impl Entry {
    /// Builds an entry, checking currencies, `net = gross − fee`, and that income kinds are not
    /// negative.
    pub fn new(new: NewEntry) -> Result<Entry, EntryError> {
        let currency = new.gross.currency();
        for (field, money) in [("fee", new.fee), ("net", new.net)] {
            if money.currency() != currency {
                return Err(EntryError::CurrencyMismatch {
                    entry: currency,
                    field,
                    found: money.currency(),
                });
            }
        }
        if new.kind.is_income() && new.gross.is_negative() {
            return Err(EntryError::NegativeIncome {
                kind: new.kind,
                gross: new.gross,
            });
        }
        if new.gross.checked_sub(new.fee)? != new.net {
            return Err(EntryError::Unbalanced {
                gross: new.gross,
                fee: new.fee,
                net: new.net,
            });
        }
        Ok(Entry {
            source: new.source,
            kind: new.kind,
            occurred_at: new.occurred_at,
            gross: new.gross,
            fee: new.fee,
            net: new.net,
            currency,
            key: new.key,
            payer: new.payer,
            message: new.message,
        })
    }

    /// The source.
    pub fn source(&self) -> &SourceId {
        &self.source
    }
    /// The kind.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }
    /// When it happened (UTC).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
    /// Gross.
    pub fn gross(&self) -> Money {
        self.gross
    }
    /// Fee.
    pub fn fee(&self) -> Money {
        self.fee
    }
    /// Net (= gross − fee).
    pub fn net(&self) -> Money {
        self.net
    }
    /// The currency of all three amounts.
    pub fn currency(&self) -> Currency {
        self.currency
    }
    /// The de-duplication key.
    pub fn key(&self) -> &EntryKey {
        &self.key
    }
    /// The payer's name, if kept.
    pub fn payer(&self) -> Option<&str> {
        self.payer.as_deref()
    }
    /// The message, if kept.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    source: SourceId,
    kind: EntryKind,
    occurred_at: DateTime<Utc>,
    gross: Money,
    fee: Money,
    net: Money,
    currency: Currency,
    key: EntryKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl From<Entry> for EntryRepr {
    fn from(e: Entry) -> Self {
        EntryRepr {
            source: e.source,
            kind: e.kind,
            occurred_at: e.occurred_at,
            gross: e.gross,
            fee: e.fee,
            net: e.net,
            currency: e.currency,
            key: e.key,
            payer: e.payer,
            message: e.message,
        }
    }
}

impl TryFrom<EntryRepr> for Entry {
    type Error = EntryError;

    fn try_from(r: EntryRepr) -> Result<Self, Self::Error> {
        if r.gross.currency() != r.currency {
            return Err(EntryError::CurrencyMismatch {
                entry: r.currency,
                field: "gross",
                found: r.gross.currency(),
            });
        }
        Entry::new(NewEntry {
            source: r.source,
            kind: r.kind,
            occurred_at: r.occurred_at,
            gross: r.gross,
            fee: r.fee,
            net: r.net,
            key: r.key,
            payer: r.payer,
            message: r.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    fn new(gross: &str, fee: &str, net: &str, kind: EntryKind) -> NewEntry {
        NewEntry {
            source: SourceId::new("s"),
            kind,
            occurred_at: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            gross: usd(gross),
            fee: usd(fee),
            net: usd(net),
            key: EntryKey::Fingerprint {
                fingerprint: Fingerprint("00".into()),
            },
            payer: None,
            message: None,
        }
    }

    #[test]
    fn net_must_equal_gross_minus_fee() {
        assert!(Entry::new(new("5.00", "0.50", "4.50", EntryKind::Tip)).is_ok());
        assert!(matches!(
            Entry::new(new("5.00", "0.50", "4.49", EntryKind::Tip)),
            Err(EntryError::Unbalanced { .. })
        ));
    }

    #[test]
    fn negative_tip_is_refused_but_negative_refund_is_fine() {
        assert!(matches!(
            Entry::new(new("-5.00", "0.00", "-5.00", EntryKind::Tip)),
            Err(EntryError::NegativeIncome { .. })
        ));
        assert!(Entry::new(new("-5.00", "0.00", "-5.00", EntryKind::Refund)).is_ok());
    }

    #[test]
    fn mixed_currencies_are_refused() {
        let mut n = new("5.00", "0.00", "5.00", EntryKind::Tip);
        n.fee = Money::zero(Currency::EUR);
        assert!(matches!(
            Entry::new(n),
            Err(EntryError::CurrencyMismatch { field: "fee", .. })
        ));
    }

    #[test]
    fn deserialising_an_unbalanced_entry_fails() {
        let e = Entry::new(new("5.00", "0.50", "4.50", EntryKind::Tip)).unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert!(
            json.contains(r#""gross":{"amount":"5.00","currency":"USD"}"#),
            "{json}"
        );
        let tampered = json.replace(r#""amount":"4.50""#, r#""amount":"4.51""#);
        assert!(serde_json::from_str::<Entry>(&tampered).is_err());
        assert_eq!(serde_json::from_str::<Entry>(&json).unwrap(), e);
    }

    #[test]
    fn fingerprint_changes_with_every_field_and_is_deterministic() {
        let source = SourceId::new("s");
        let base = FingerprintInput {
            source: &source,
            occurred_at: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            gross: usd("5.00"),
            fee: usd("0.00"),
            net: usd("5.00"),
            kind: EntryKind::Tip,
            payer: Some("A"),
            message: None,
            ordinal: 0,
        };
        let fp = Fingerprint::compute(&base);
        assert_eq!(fp, Fingerprint::compute(&base));
        assert_eq!(fp.as_str().len(), 64);
        let variants = [
            FingerprintInput { ordinal: 1, ..base },
            FingerprintInput {
                payer: None,
                ..base
            },
            FingerprintInput {
                message: Some("A"),
                payer: None,
                ..base
            },
            FingerprintInput {
                kind: EntryKind::Donation,
                ..base
            },
            FingerprintInput {
                gross: usd("5.01"),
                net: usd("5.01"),
                ..base
            },
        ];
        for v in variants {
            assert_ne!(Fingerprint::compute(&v), fp, "every field must be covered");
        }
    }

    #[test]
    fn dedup_strings_cannot_collide_through_colons() {
        let a = EntryKey::TransactionId {
            platform: "kofi".into(),
            source: SourceId::new("a:b"),
            id: "c".into(),
        };
        let b = EntryKey::TransactionId {
            platform: "kofi".into(),
            source: SourceId::new("a"),
            id: "b:c".into(),
        };
        assert_ne!(a.dedup_string(), b.dedup_string());
    }
}
