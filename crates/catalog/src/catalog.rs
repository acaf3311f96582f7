//! Provider catalogs: the protocol's catalog v1 document, and its validated form.
//!
//! Decision: a catalog enters the program only through [`Catalog::parse`] (or
//! [`Catalog::from_raw`]), which turns the wire shape ([`RawCatalog`]: amounts as strings,
//! currencies as codes) into a [`Catalog`] whose every product is known to be usable, or refuses
//! it with a [`CatalogError`] naming the product. The planner takes only a validated `Catalog`.
//! [`Catalog::canonical_json`] is the one byte form a signature covers: keys sorted, no spaces,
//! amounts in exactly the currency's minor units, times in RFC 3339 UTC.

use crate::amount_rule::AmountRule;
use crate::error::CatalogError;
use crate::fee::FeeRule;
use crate::freshness::Freshness;
use crate::product::{DestinationField, Eta, Limits, Product, ProductId, ProductKind, is_valid_id};
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::Duration;
use tipvault_money::{Currency, Money, MoneyError, RoundingMode};

/// The `format` value of a catalog v1 document.
pub const CATALOG_FORMAT: &str = "tipvault.catalog.v1";

/// The demo catalog shipped with the app (demo mode and tests), as JSON text.
///
/// Its dates are a template, not a validity: issued at the UNIX epoch, stale 30 days later,
/// expired a year later. Every loader re-issues it at its own `now` with those spans
/// ([`Catalog::demo`], the sandbox provider), so nothing the product does depends on the day
/// the file was written, and a copy read without re-issuing is visibly long expired.
pub const DEMO_CATALOG_JSON: &str = include_str!("../catalogs/demo.json");

/// The wire shape of a catalog v1 document (what `GET /v1/catalog` returns, before signing).
///
/// Unknown members of the catalog and of its products are ignored, not refused: a provider
/// may add optional, informational members there within v1 (docs/PROTOCOL.md §9.2, as
/// `names` was added). Everything inside them (amount and fee rules, ETA, limits, destination
/// fields) stays closed, and an unknown amount-rule `type` or product kind is refused: what a
/// client must understand is v2. A provider checks its own file with [`Catalog::parse_strict`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawCatalog {
    /// Always [`CATALOG_FORMAT`].
    pub format: String,
    /// The provider's id.
    pub provider_id: String,
    /// Increases with every change the provider publishes.
    pub version: u64,
    /// When the provider issued it.
    pub issued_at: DateTime<Utc>,
    /// From when it is stale (shown as such).
    pub stale_after: DateTime<Utc>,
    /// From when it must not back a redemption.
    pub expires_at: DateTime<Utc>,
    /// The products, in the provider's order.
    pub products: Vec<RawProduct>,
}

/// The members of [`RawCatalog`] and [`RawProduct`] (for [`Catalog::parse_strict`]; a test
/// keeps them equal to the structs' own).
const CATALOG_MEMBERS: &[&str] = &[
    "format",
    "provider_id",
    "version",
    "issued_at",
    "stale_after",
    "expires_at",
    "products",
];
const PRODUCT_MEMBERS: &[&str] = &[
    "id",
    "name",
    "names",
    "kind",
    "currency",
    "amount",
    "fee",
    "eta",
    "limits",
    "destination_fields",
];

/// The wire shape of a product (unknown members ignored, see [`RawCatalog`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawProduct {
    /// Unique within the catalog.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The display name in other languages, by language code (`{"ko": "휴대폰 충전"}`).
    /// Optional and additive: a provider may leave it out, and `name` is shown for any
    /// language it does not list.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub names: std::collections::BTreeMap<String, String>,
    /// What it is.
    pub kind: ProductKind,
    /// ISO 4217 code.
    pub currency: String,
    /// Allowed net amounts.
    pub amount: RawAmountRule,
    /// Fee per redemption.
    pub fee: RawFeeRule,
    /// Time to completion.
    pub eta: RawEta,
    /// Per-day limits.
    #[serde(default)]
    pub limits: RawLimits,
    /// Fields a redemption must carry, and nothing else.
    #[serde(default)]
    pub destination_fields: Vec<DestinationField>,
}

/// The wire shape of an amount rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawAmountRule {
    /// Fixed amounts, ascending.
    Denominations {
        /// The amounts.
        values: Vec<String>,
    },
    /// `min + k·step` up to `max`.
    Range {
        /// Smallest amount.
        min: String,
        /// Largest amount, if any.
        #[serde(default)]
        max: Option<String>,
        /// Increment.
        step: String,
    },
}

/// The wire shape of a fee rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeeRule {
    /// Fixed part.
    pub fixed: String,
    /// Percent of the net amount, `"0"`..=`"100"`.
    pub percent: String,
    /// Smallest fee.
    #[serde(default)]
    pub minimum: Option<String>,
    /// Largest fee.
    #[serde(default)]
    pub maximum: Option<String>,
    /// How the percentage is rounded.
    pub rounding: RoundingMode,
}

/// The wire shape of an ETA, in whole seconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEta {
    /// Usually.
    pub typical_seconds: u64,
    /// At worst.
    pub worst_seconds: u64,
}

/// The wire shape of per-day limits.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Redemptions per day.
    #[serde(default)]
    pub per_day_count: Option<u32>,
    /// Sum of net amounts per day.
    #[serde(default)]
    pub per_day_sum: Option<String>,
}

/// A validated catalog. Serialises to (and deserialises from, with validation) catalog v1 JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    provider_id: String,
    version: u64,
    issued_at: DateTime<Utc>,
    stale_after: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    products: Vec<Product>,
}

impl Catalog {
    /// Reads and validates a catalog v1 JSON document.
    pub fn parse(json: &str) -> Result<Catalog, CatalogError> {
        Catalog::parse_as(json, Acceptance::New)
    }

    /// [`Catalog::parse`] for a copy this program verified and stored earlier: it is read as it
    /// was accepted then. Rules added since (a product's usable name) apply to new documents
    /// only, so a copy stored by an older version still loads instead of failing every screen
    /// that lists catalogs.
    pub fn parse_stored(json: &str) -> Result<Catalog, CatalogError> {
        Catalog::parse_as(json, Acceptance::Stored)
    }

    fn parse_as(json: &str, acceptance: Acceptance) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = serde_json::from_str(json).map_err(|e| CatalogError::Malformed {
            detail: e.to_string(),
        })?;
        Catalog::from_raw_as(raw, acceptance)
    }

    /// [`Catalog::parse`] for a provider's own catalog file: a member this version does not
    /// know, in the catalog or a product, is refused rather than ignored, so a misspelt
    /// `destination_fields` cannot publish a product that asks for nothing.
    pub fn parse_strict(json: &str) -> Result<Catalog, CatalogError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| CatalogError::Malformed {
                detail: e.to_string(),
            })?;
        let unknown = |object: &serde_json::Value, known: &[&str], at: &str| {
            let members = object.as_object().into_iter().flat_map(|o| o.keys());
            members
                .filter(|k| !known.contains(&k.as_str()))
                .map(|k| format!("unknown member `{k}` in {at}"))
                .next()
        };
        let products = value.get("products").and_then(|p| p.as_array());
        let found = unknown(&value, CATALOG_MEMBERS, "the catalog").or_else(|| {
            products
                .into_iter()
                .flatten()
                .enumerate()
                .find_map(|(i, product)| {
                    unknown(product, PRODUCT_MEMBERS, &format!("product {}", i + 1))
                })
        });
        if let Some(detail) = found {
            return Err(CatalogError::Malformed { detail });
        }
        Catalog::parse(json)
    }

    /// The demo catalog (`catalogs/demo.json`, compiled in), issued at `now`: fresh for 30
    /// days, usable for a year (see [`DEMO_CATALOG_JSON`]).
    pub fn demo(now: DateTime<Utc>) -> Result<Catalog, CatalogError> {
        Ok(Catalog::parse(DEMO_CATALOG_JSON)?.reissued_at(now))
    }

    /// The same catalog issued again at `issued_at`: its stale and expiry dates move with it,
    /// keeping their distance from the issue date. What a provider does when it re-publishes
    /// an unchanged catalog (same version, same products, new dates).
    #[must_use]
    pub fn reissued_at(&self, issued_at: DateTime<Utc>) -> Catalog {
        let stale_span = self.stale_after - self.issued_at;
        let expiry_span = self.expires_at - self.issued_at;
        Catalog {
            issued_at,
            stale_after: issued_at + stale_span,
            expires_at: issued_at + expiry_span,
            ..self.clone()
        }
    }

    /// Whether `other` offers exactly what this catalog offers: the same provider, version and
    /// products, whatever its dates. A catalog that differs in anything else is a new offer
    /// and must carry a new version.
    pub fn same_offer(&self, other: &Catalog) -> bool {
        self.provider_id == other.provider_id
            && self.version == other.version
            && self.products == other.products
    }

    /// Validates a raw catalog; see [`CatalogError`] for every refusal.
    pub fn from_raw(raw: RawCatalog) -> Result<Catalog, CatalogError> {
        Catalog::from_raw_as(raw, Acceptance::New)
    }

    fn from_raw_as(raw: RawCatalog, acceptance: Acceptance) -> Result<Catalog, CatalogError> {
        if raw.format != CATALOG_FORMAT {
            return Err(CatalogError::UnsupportedFormat {
                found: raw.format,
                expected: CATALOG_FORMAT,
            });
        }
        if !is_valid_id(&raw.provider_id) {
            return Err(CatalogError::InvalidId {
                id: raw.provider_id,
            });
        }
        if !(raw.issued_at < raw.expires_at
            && raw.issued_at <= raw.stale_after
            && raw.stale_after <= raw.expires_at)
        {
            return Err(CatalogError::DatesOutOfOrder {
                issued_at: raw.issued_at,
                stale_after: raw.stale_after,
                expires_at: raw.expires_at,
            });
        }
        let mut seen = BTreeSet::new();
        let mut products = Vec::with_capacity(raw.products.len());
        for raw_product in raw.products {
            let product = validate_product(raw_product, acceptance)?;
            if !seen.insert(product.id.clone()) {
                return Err(CatalogError::DuplicateProductId {
                    product: product.id.0,
                });
            }
            products.push(product);
        }
        Ok(Catalog {
            provider_id: raw.provider_id,
            version: raw.version,
            issued_at: raw.issued_at,
            stale_after: raw.stale_after,
            expires_at: raw.expires_at,
            products,
        })
    }

    /// The wire shape of this catalog (amounts written in exactly their minor units).
    pub fn to_raw(&self) -> RawCatalog {
        RawCatalog {
            format: CATALOG_FORMAT.to_owned(),
            provider_id: self.provider_id.clone(),
            version: self.version,
            issued_at: self.issued_at,
            stale_after: self.stale_after,
            expires_at: self.expires_at,
            products: self.products.iter().map(raw_product).collect(),
        }
    }

    /// The canonical serialisation that a signature covers: UTF-8 JSON, object keys sorted by
    /// byte order, no insignificant whitespace, absent options as `null`, amounts as strings
    /// with exactly the currency's minor units, times as RFC 3339 UTC with `Z`. Equal catalogs
    /// give equal bytes, whatever the order or spacing of the document they were read from.
    pub fn canonical_json(&self) -> String {
        let value = match serde_json::to_value(self.to_raw()) {
            Ok(value) => value,
            // RawCatalog holds only strings, integers, booleans, arrays and string-keyed maps,
            // which serde_json always represents; the arm is kept total rather than panicking.
            Err(_) => serde_json::Value::Null,
        };
        let mut out = String::new();
        write_canonical(&value, &mut out);
        out
    }

    /// The canonical text of a catalog document as received: [`Catalog::canonical_json`] with
    /// the members this version ignores (docs/PROTOCOL.md §9.2) kept, in canonical form too.
    /// A signed catalog's payload must be exactly this: a provider signs the canonical form,
    /// and a client that stores it can show the same bytes it verified.
    pub fn canonical_text(json: &str) -> Result<String, CatalogError> {
        let catalog = Catalog::parse(json)?;
        let received: serde_json::Value =
            serde_json::from_str(json).map_err(|e| CatalogError::Malformed {
                detail: e.to_string(),
            })?;
        let mut value =
            serde_json::to_value(catalog.to_raw()).map_err(|e| CatalogError::Malformed {
                detail: e.to_string(),
            })?;
        keep_unknown(&received, &mut value, CATALOG_MEMBERS);
        if let (Some(theirs), Some(ours)) = (
            received.get("products").and_then(|p| p.as_array()),
            value.get_mut("products").and_then(|p| p.as_array_mut()),
        ) {
            for (theirs, ours) in theirs.iter().zip(ours) {
                keep_unknown(theirs, ours, PRODUCT_MEMBERS);
            }
        }
        let mut out = String::new();
        write_canonical(&value, &mut out);
        Ok(out)
    }

    /// The provider's id.
    pub fn provider_id(&self) -> &str {
        &self.provider_id
    }
    /// The catalog's version.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// When it was issued.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }
    /// From when it is stale.
    pub fn stale_after(&self) -> DateTime<Utc> {
        self.stale_after
    }
    /// From when it is expired.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
    /// Its products, in the provider's order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }
    /// The product with this id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id.0 == id)
    }
    /// Its freshness at `now`.
    pub fn freshness(&self, now: DateTime<Utc>) -> Freshness {
        Freshness::at(now, self.stale_after, self.expires_at)
    }
}

impl serde::Serialize for Catalog {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_raw().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Catalog {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawCatalog::deserialize(deserializer)?;
        Catalog::from_raw(raw).map_err(serde::de::Error::custom)
    }
}

/// Copies the members of `from` that are not `known` into `into` (both objects).
fn keep_unknown(from: &serde_json::Value, into: &mut serde_json::Value, known: &[&str]) {
    if let (Some(from), Some(into)) = (from.as_object(), into.as_object_mut()) {
        for (key, value) in from {
            if !known.contains(&key.as_str()) {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    write_canonical(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        // Scalars: serde_json writes them minimally and escapes strings deterministically.
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn raw_product(p: &Product) -> RawProduct {
    let text = |m: Money| m.amount().to_string();
    RawProduct {
        id: p.id.0.clone(),
        name: p.name.clone(),
        names: p.names.clone(),
        kind: p.kind,
        currency: p.currency.code().to_owned(),
        amount: match &p.amount {
            AmountRule::Denominations(values) => RawAmountRule::Denominations {
                values: values.iter().copied().map(text).collect(),
            },
            AmountRule::Range { min, max, step } => RawAmountRule::Range {
                min: text(*min),
                max: max.map(text),
                step: text(*step),
            },
        },
        fee: RawFeeRule {
            fixed: text(p.fee.fixed),
            percent: p.fee.percent.normalize().to_string(),
            minimum: p.fee.minimum.map(text),
            maximum: p.fee.maximum.map(text),
            rounding: p.fee.rounding,
        },
        eta: RawEta {
            typical_seconds: p.eta.typical.as_secs(),
            worst_seconds: p.eta.worst.as_secs(),
        },
        limits: RawLimits {
            per_day_count: p.limits.per_day_count,
            per_day_sum: p.limits.per_day_sum.map(text),
        },
        destination_fields: p.destination_fields.clone(),
    }
}

/// Reads one amount of a product's currency, with errors that name the product and field.
fn amount(
    product: &str,
    field: &'static str,
    value: &str,
    currency: Currency,
) -> Result<Money, CatalogError> {
    Money::parse(value, currency).map_err(|e| match e {
        MoneyError::TooManyDecimals { allowed, .. } => CatalogError::TooManyDecimals {
            product: product.to_owned(),
            field,
            value: value.to_owned(),
            currency,
            allowed,
        },
        _ => CatalogError::InvalidAmount {
            product: product.to_owned(),
            field,
            value: value.to_owned(),
        },
    })
}

fn positive(product: &str, field: &'static str, m: Money) -> Result<Money, CatalogError> {
    if m.is_positive() {
        Ok(m)
    } else {
        Err(CatalogError::NonPositiveAmount {
            product: product.to_owned(),
            field,
            value: m.amount().to_string(),
        })
    }
}

fn fee_amount(
    product: &str,
    field: &'static str,
    value: &str,
    currency: Currency,
) -> Result<Money, CatalogError> {
    let m = amount(product, field, value, currency)?;
    if m.is_negative() {
        return Err(CatalogError::NegativeFee {
            product: product.to_owned(),
            field,
            value: value.to_owned(),
        });
    }
    Ok(m)
}

/// Which rules a document meets: all of them when it is new (from the network, an import or a
/// provider's file), only those of the version that stored it when it is read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acceptance {
    New,
    Stored,
}

fn validate_product(raw: RawProduct, acceptance: Acceptance) -> Result<Product, CatalogError> {
    let new = acceptance == Acceptance::New;
    let id =
        ProductId::new(&raw.id).ok_or_else(|| CatalogError::InvalidId { id: raw.id.clone() })?;
    let pid = raw.id.as_str();
    let currency =
        Currency::from_code(&raw.currency).map_err(|_| CatalogError::UnknownCurrency {
            product: raw.id.clone(),
            code: raw.currency.clone(),
        })?;

    let amount_rule = match &raw.amount {
        RawAmountRule::Denominations { values } => {
            if values.is_empty() {
                return Err(CatalogError::NoDenominations {
                    product: raw.id.clone(),
                });
            }
            let mut parsed: Vec<Money> = Vec::with_capacity(values.len());
            for value in values {
                let m = positive(
                    pid,
                    "amount.values",
                    amount(pid, "amount.values", value, currency)?,
                )?;
                if let Some(previous) = parsed.last() {
                    if parsed.contains(&m) {
                        return Err(CatalogError::DuplicateDenomination {
                            product: raw.id.clone(),
                            value: value.clone(),
                        });
                    }
                    if m.to_minor_i128() < previous.to_minor_i128() {
                        return Err(CatalogError::UnsortedDenominations {
                            product: raw.id.clone(),
                            value: value.clone(),
                        });
                    }
                }
                parsed.push(m);
            }
            AmountRule::Denominations(parsed)
        }
        RawAmountRule::Range { min, max, step } => {
            let min = positive(pid, "amount.min", amount(pid, "amount.min", min, currency)?)?;
            let step_m = amount(pid, "amount.step", step, currency)?;
            if !step_m.is_positive() {
                return Err(CatalogError::NonPositiveStep {
                    product: raw.id.clone(),
                    step: step.clone(),
                });
            }
            let max = match max {
                Some(text) => {
                    let m = positive(
                        pid,
                        "amount.max",
                        amount(pid, "amount.max", text, currency)?,
                    )?;
                    if m.to_minor_i128() < min.to_minor_i128() {
                        return Err(CatalogError::MinAboveMax {
                            product: raw.id.clone(),
                            minimum: min.amount().to_string(),
                            maximum: text.clone(),
                        });
                    }
                    Some(m)
                }
                None => None,
            };
            AmountRule::Range {
                min,
                max,
                step: step_m,
            }
        }
    };

    let fee = {
        let f = &raw.fee;
        let fixed = fee_amount(pid, "fee.fixed", &f.fixed, currency)?;
        let percent = Decimal::from_str(&f.percent).map_err(|_| CatalogError::InvalidAmount {
            product: raw.id.clone(),
            field: "fee.percent",
            value: f.percent.clone(),
        })?;
        if percent.is_sign_negative() && !percent.is_zero() || percent > Decimal::ONE_HUNDRED {
            return Err(CatalogError::PercentOutOfRange {
                product: raw.id.clone(),
                percent: f.percent.clone(),
            });
        }
        let minimum = f
            .minimum
            .as_deref()
            .map(|v| fee_amount(pid, "fee.minimum", v, currency))
            .transpose()?;
        let maximum = f
            .maximum
            .as_deref()
            .map(|v| fee_amount(pid, "fee.maximum", v, currency))
            .transpose()?;
        if let (Some(lo), Some(hi)) = (minimum, maximum)
            && lo.to_minor_i128() > hi.to_minor_i128()
        {
            return Err(CatalogError::FeeMinAboveMax {
                product: raw.id.clone(),
                minimum: lo.amount().to_string(),
                maximum: hi.amount().to_string(),
            });
        }
        FeeRule {
            fixed,
            percent,
            minimum,
            maximum,
            rounding: f.rounding,
        }
    };

    if raw.eta.typical_seconds > raw.eta.worst_seconds {
        return Err(CatalogError::EtaOutOfOrder {
            product: raw.id.clone(),
            typical_seconds: raw.eta.typical_seconds,
            worst_seconds: raw.eta.worst_seconds,
        });
    }
    let eta = Eta {
        typical: Duration::from_secs(raw.eta.typical_seconds),
        worst: Duration::from_secs(raw.eta.worst_seconds),
    };

    if raw.limits.per_day_count == Some(0) {
        return Err(CatalogError::ZeroLimit {
            product: raw.id.clone(),
            field: "count",
        });
    }
    let per_day_sum = match raw.limits.per_day_sum.as_deref() {
        Some(v) => {
            let m = amount(pid, "limits.per_day_sum", v, currency)?;
            if !m.is_positive() {
                return Err(CatalogError::ZeroLimit {
                    product: raw.id.clone(),
                    field: "sum",
                });
            }
            Some(m)
        }
        None => None,
    };

    let mut names = BTreeSet::new();
    for field in &raw.destination_fields {
        let snake = !field.name.is_empty()
            && field
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !snake || !names.insert(field.name.clone()) {
            return Err(CatalogError::InvalidDestinationField {
                product: raw.id.clone(),
                name: field.name.clone(),
            });
        }
    }

    if new && (raw.name.trim().is_empty() || raw.name.chars().count() > 200) {
        return Err(CatalogError::UnusableName {
            product: raw.id.clone(),
        });
    }
    for (language, name) in &raw.names {
        let code_ok =
            (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
        if !code_ok || name.trim().is_empty() || name.chars().count() > 200 {
            return Err(CatalogError::InvalidName {
                product: raw.id.clone(),
                language: language.clone(),
            });
        }
    }

    Ok(Product {
        id,
        name: raw.name,
        names: raw.names,
        kind: raw.kind,
        currency,
        amount: amount_rule,
        fee,
        eta,
        limits: Limits {
            per_day_count: raw.limits.per_day_count,
            per_day_sum,
        },
        destination_fields: raw.destination_fields,
    })
}

/// Times in canonical form, for other crates that write catalogs (the sandbox provider).
pub fn canonical_time(t: DateTime<Utc>) -> String {
    time_text(t)
}
