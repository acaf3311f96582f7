//! A product: one thing a provider turns value into (a ₩10,000 top-up, a donation, a payout).
//!
//! Decision: a product declares the destination fields it needs as a closed list of
//! [`DestinationField`]s, each marked as personal data or not. The redemption layer sends those
//! fields and nothing else, and shows the user the personal ones before anything leaves the
//! machine; a product that needs nothing (a donation to a listed charity) declares nothing.

use crate::amount_rule::AmountRule;
use crate::fee::FeeRule;
use std::fmt;
use std::time::Duration;
use tipvault_money::{Currency, Money};

/// A product's id, unique within its catalog (`[a-z0-9._-]`, 1–64 characters).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ProductId(pub(crate) String);

impl ProductId {
    /// The id if it has the allowed shape.
    pub fn new(id: &str) -> Option<ProductId> {
        is_valid_id(id).then(|| ProductId(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// What a product turns value into.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// Prepaid mobile credit.
    MobileTopUp,
    /// A donation (to a listed charity or a named cause).
    Donation,
    /// Credit on a transit card.
    TransitCredit,
    /// A gift card or voucher.
    GiftCard,
    /// Money paid to a bank account.
    BankPayout,
}

impl ProductKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ProductKind; 5] = [
        ProductKind::MobileTopUp,
        ProductKind::Donation,
        ProductKind::TransitCredit,
        ProductKind::GiftCard,
        ProductKind::BankPayout,
    ];
}

/// How long a redemption takes until the destination has the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Eta {
    /// Usually.
    pub typical: Duration,
    /// At worst (as promised by the provider); `>= typical`.
    pub worst: Duration,
}

impl Eta {
    /// The slower of two ETAs, each part separately: a plan is done when its slowest leg is.
    pub fn slowest(self, other: Eta) -> Eta {
        Eta {
            typical: self.typical.max(other.typical),
            worst: self.worst.max(other.worst),
        }
    }
}

/// Per-day limits of a product, both optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Limits {
    /// Redemptions per day.
    pub per_day_count: Option<u32>,
    /// Sum of net amounts per day, in the product's currency.
    pub per_day_sum: Option<Money>,
}

/// The kind of value a destination field carries, so the UI can pick an input and a mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A phone number (E.164).
    PhoneNumber,
    /// An e-mail address.
    Email,
    /// An opaque token for a bank account, issued by the provider (never an account number).
    AccountToken,
    /// A transit card number.
    CardNumber,
    /// Free text (e.g. a gift message).
    Text,
}

/// One field a redemption of the product must carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationField {
    /// The field's name in the request, snake_case (`phone_number`).
    pub name: String,
    /// What it holds.
    pub kind: FieldKind,
    /// Whether it identifies a person: shown in "what this request reveals" and logged in the
    /// privacy ledger.
    pub personal_data: bool,
}

/// A validated product of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Product {
    pub(crate) id: ProductId,
    pub(crate) name: String,
    pub(crate) names: std::collections::BTreeMap<String, String>,
    pub(crate) kind: ProductKind,
    pub(crate) currency: Currency,
    pub(crate) amount: AmountRule,
    pub(crate) fee: FeeRule,
    pub(crate) eta: Eta,
    pub(crate) limits: Limits,
    pub(crate) destination_fields: Vec<DestinationField>,
}

impl Product {
    /// Its id.
    pub fn id(&self) -> &ProductId {
        &self.id
    }
    /// Its display name in `language` (`"ko"`), or its own name when the provider gave none.
    pub fn name_in(&self, language: &str) -> &str {
        self.names.get(language).map_or(&self.name, String::as_str)
    }

    /// Its display name, as the provider wrote it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its kind.
    pub fn kind(&self) -> ProductKind {
        self.kind
    }
    /// The currency of its amounts and fees.
    pub fn currency(&self) -> Currency {
        self.currency
    }
    /// Which net amounts one redemption may have.
    pub fn amount_rule(&self) -> &AmountRule {
        &self.amount
    }
    /// Its fee rule.
    pub fn fee_rule(&self) -> &FeeRule {
        &self.fee
    }
    /// Its time to completion.
    pub fn eta(&self) -> Eta {
        self.eta
    }
    /// Its per-day limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }
    /// The destination fields a redemption needs, and nothing else.
    pub fn destination_fields(&self) -> &[DestinationField] {
        &self.destination_fields
    }
}
