//! Provider protocol v1 (DESIGN.md §5): the JSON bodies of every endpoint.
//!
//! Every body carries `"v": 1` ([`V1`]); any other version is refused. Parsing is strict:
//! unknown fields are errors (`deny_unknown_fields`), missing fields are errors (no
//! `#[serde(default)]` on anything that matters), and amounts are JSON *strings* holding
//! the decimal amount with exactly the currency's minor-unit digits (`"10.50"`, `"1000"`),
//! never numbers (a JSON number would be read as a float by most
//! peers). [`Amount`] checks the text shape at parse time; [`Amount::money`] turns it into a
//! [`Money`] of the product's currency.
//!
//! The decision a newcomer must know: results that must outlive the HTTP exchange (catalogs,
//! receipts, verification tokens) are [`SignedDocument`]s, signed over their exact payload
//! bytes, so they verify offline with only the provider's public key — see [`document`].

pub mod document;
pub mod receipt;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use tipvault_money::{Currency, Money};

pub use document::{DocumentError, DocumentKind, ProviderKey, SignedCatalog, SignedDocument};
pub use receipt::{ReceiptBody, ReceiptError, RedemptionBinding, SignedReceipt};

/// Why a protocol body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not JSON, or not the expected shape (unknown or missing field, wrong type, wrong `v`).
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which body.
        what: &'static str,
        /// serde's explanation (field names, never values of secrets).
        detail: String,
    },
    /// The amount is not valid in the currency (e.g. too many decimals).
    #[error("amount `{amount}` is not a valid {currency} amount")]
    InvalidAmount {
        /// The text received.
        amount: String,
        /// The currency it was read in.
        currency: Currency,
    },
    /// A body could not be written as JSON (a value serde cannot express): nothing is sent,
    /// signed or stored in its place.
    #[error("a {what} could not be written as JSON: {detail}")]
    Unserialisable {
        /// Which body.
        what: &'static str,
        /// serde's explanation.
        detail: String,
    },
}

/// Parses a protocol body strictly.
pub fn parse<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ProtocolError> {
    serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed {
        what,
        detail: e.to_string(),
    })
}

/// Serialises a protocol body (compact JSON). Protocol types hold only strings, integers,
/// string-keyed maps and sequences, which serde_json always writes; should one ever fail, the
/// caller gets the error instead of an empty body it might sign, send or store.
pub fn to_bytes<T: serde::Serialize>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, ProtocolError> {
    serde_json::to_vec(value).map_err(|e| ProtocolError::Unserialisable {
        what,
        detail: e.to_string(),
    })
}

/// [`to_bytes`] as text (JSON is UTF-8).
pub fn to_text<T: serde::Serialize>(
    what: &'static str,
    value: &T,
) -> Result<String, ProtocolError> {
    serde_json::to_string(value).map_err(|e| ProtocolError::Unserialisable {
        what,
        detail: e.to_string(),
    })
}

/// The protocol version marker: serialises as `1`, deserialises only from `1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct V1;

impl serde::Serialize for V1 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(1)
    }
}

impl<'de> serde::Deserialize<'de> for V1 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        if v == 1 {
            Ok(V1)
        } else {
            Err(serde::de::Error::custom(format!(
                "unsupported protocol version {v}; this client speaks v1"
            )))
        }
    }
}

/// An amount as it travels: a plain decimal string (`"1000"`, `"10.50"`), no sign, no
/// exponent, no spaces. Which decimals are allowed depends on the currency, checked by
/// [`Amount::money`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Amount(String);

impl Amount {
    /// The amount's text, validated for shape.
    pub fn new(text: &str) -> Option<Amount> {
        let mut parts = text.splitn(2, '.');
        let int = parts.next().unwrap_or_default();
        let frac = parts.next();
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 24 && s.bytes().all(|b| b.is_ascii_digit());
        (digits(int) && frac.is_none_or(digits)).then(|| Amount(text.to_owned()))
    }

    /// From a [`Money`], written with exactly the currency's minor units.
    #[must_use]
    pub fn from_money(m: Money) -> Amount {
        Amount(m.amount().to_string())
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The amount in `currency`, refused if it has more decimals than the currency allows.
    pub fn money(&self, currency: Currency) -> Result<Money, ProtocolError> {
        Money::parse(&self.0, currency).map_err(|_| ProtocolError::InvalidAmount {
            amount: self.0.clone(),
            currency,
        })
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A JSON number is refused here by `String`'s own deserializer: amounts are text.
        let text = String::deserialize(d)?;
        Amount::new(&text).ok_or_else(|| {
            serde::de::Error::custom("an amount must be a plain decimal string like \"10.50\"")
        })
    }
}

/// A SHA-256 digest written `sha-256:<64 lowercase hex>` (evidence bundles, identity documents
/// the app keeps to itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Sha256Digest(String);

impl Sha256Digest {
    /// The digest of `bytes`.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Sha256Digest {
        let hash = Sha256::digest(bytes);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        Sha256Digest(format!("sha-256:{hex}"))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let ok = text.strip_prefix("sha-256:").is_some_and(|hex| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if ok {
            Ok(Sha256Digest(text))
        } else {
            Err(serde::de::Error::custom(
                "a digest must be `sha-256:` followed by 64 lowercase hex digits",
            ))
        }
    }
}

/// The `keyid` a device uses before it is paired: its public key, self-certifying
/// (`pk:` + base64url). Only `GET /v1/catalog` and `POST /v1/devices` accept it.
#[must_use]
pub fn self_certifying_keyid(public_key: &[u8; 32]) -> String {
    format!("pk:{}", URL_SAFE_NO_PAD.encode(public_key))
}

/// The public key inside a self-certifying keyid, if it is one.
#[must_use]
pub fn key_from_self_certifying(keyid: &str) -> Option<[u8; 32]> {
    let b64 = keyid.strip_prefix("pk:")?;
    let bytes = URL_SAFE_NO_PAD.decode(b64).ok()?;
    bytes.try_into().ok()
}

/// The id of a redemption, derived from the device and the idempotency key so a client
/// that lost the response (outcome unknown) can ask `GET /v1/redemptions/{id}` without
/// having seen the provider's answer.
#[must_use]
pub fn redemption_id(device_id: &str, idempotency_key: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tipvault-redemption-id-v1\0");
    h.update(device_id.as_bytes());
    h.update(b"\0");
    h.update(idempotency_key.as_bytes());
    let hash = h.finalize();
    format!("rd_{}", URL_SAFE_NO_PAD.encode(&hash[..18]))
}

/// A provider key's fingerprint as people compare it (a client shows it before trusting the
/// key; a provider publishes it): `SHA256:` and the base64 (standard alphabet, no padding) of
/// the SHA-256 of the 32-byte Ed25519 public key, as ssh prints host keys.
#[must_use]
pub fn key_fingerprint(public_key: &[u8; 32]) -> String {
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(Sha256::digest(public_key))
    )
}

/// The device id a provider assigns to a public key.
#[must_use]
pub fn device_id(public_key: &[u8; 32]) -> String {
    let hash = Sha256::digest(public_key);
    format!("dev_{}", URL_SAFE_NO_PAD.encode(&hash[..15]))
}

/// `POST /v1/devices`: pair a device key with an account through a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// Protocol version.
    pub v: V1,
    /// The one-time enrollment code the provider showed the user.
    pub enrollment_code: String,
    /// The device's Ed25519 public key, base64url without padding; it must be the key that
    /// signed this request (proof of possession).
    pub public_key: String,
}

/// The answer to a pairing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paired {
    /// Protocol version.
    pub v: V1,
    /// The `keyid` the device signs with from now on.
    pub device_id: String,
    /// The provider.
    pub provider_id: String,
    /// The provider's signing key id (the same as in its catalog).
    pub provider_key_id: String,
}

/// One currency's credit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceLine {
    /// Currency.
    pub currency: Currency,
    /// Available amount.
    pub amount: Amount,
}

/// `GET /v1/balance`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Balance {
    /// Protocol version.
    pub v: V1,
    /// The device whose account this is (the caller's key id): a balance read for one device
    /// can never be taken for another's.
    pub device_id: String,
    /// Per currency.
    pub balances: Vec<BalanceLine>,
    /// The provider's time of the snapshot.
    pub as_of: DateTime<Utc>,
}

/// `POST /v1/quotes`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// Protocol version.
    pub v: V1,
    /// Product id from the catalog.
    pub product: String,
    /// Net amount.
    pub amount: Amount,
    /// Its currency (must be the product's).
    pub currency: Currency,
}

/// A rate- and fee-locked quote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// Protocol version.
    pub v: V1,
    /// The provider's id for it.
    pub quote_id: String,
    /// Product id.
    pub product: String,
    /// Net amount.
    pub amount: Amount,
    /// Fee on top.
    pub fee: Amount,
    /// Net + fee: what the balance pays.
    pub total: Amount,
    /// Currency of all three.
    pub currency: Currency,
    /// Until when it holds.
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/redemptions` (with an `Idempotency-Key` header).
///
/// `destination` holds exactly the product's declared destination fields; the provider
/// refuses any other field, so the request is minimal by construction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedemptionRequest {
    /// Protocol version.
    pub v: V1,
    /// Product id.
    pub product: String,
    /// Net (face) amount.
    pub amount: Amount,
    /// Its currency.
    pub currency: Currency,
    /// Declared destination fields only, by name (sorted: a `BTreeMap` keeps the body stable).
    /// A name given twice is refused, not collapsed to its last value.
    #[serde(deserialize_with = "unique_fields")]
    pub destination: BTreeMap<String, String>,
}

/// A JSON object of string fields, each name once: serde_json would otherwise keep the last of
/// two same-named members, so a request could say one thing to one reader and another to the
/// next.
fn unique_fields<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    struct Fields;
    impl<'de> serde::de::Visitor<'de> for Fields {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of destination fields, each named once")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut fields = BTreeMap::new();
            while let Some((name, value)) = map.next_entry::<String, String>()? {
                if fields.contains_key(&name) {
                    return Err(serde::de::Error::custom(format!(
                        "destination field `{name}` is given twice"
                    )));
                }
                fields.insert(name, value);
            }
            Ok(fields)
        }
    }
    d.deserialize_map(Fields)
}

/// Where a redemption stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionState {
    /// Committed and paid out by the provider.
    Confirmed,
    /// Committed; a dispute is open.
    Disputed,
}

/// `POST /v1/redemptions` answer (201 new, 200 repeat) and `GET /v1/redemptions/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedemptionStatus {
    /// Protocol version.
    pub v: V1,
    /// The redemption's id ([`redemption_id`]).
    pub redemption_id: String,
    /// Its state.
    pub state: RedemptionState,
    /// The provider's signed receipt (the same bytes every time it is asked).
    pub receipt: SignedReceipt,
}

/// Why a user disputes a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum DisputeReason {
    /// The destination never received the value.
    NotReceived,
    /// The destination received a different amount.
    WrongAmount,
    /// Paid to the wrong destination.
    WrongDestination,
    /// Paid twice.
    Duplicate,
    /// Anything else (explained in the evidence bundle).
    Other,
}

/// `POST /v1/redemptions/{id}/disputes`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    /// Protocol version.
    pub v: V1,
    /// Reason code.
    pub reason: DisputeReason,
    /// Digest of the evidence bundle the user keeps (the bundle itself never leaves).
    pub evidence_digest: Sha256Digest,
}

/// The provider's acknowledgement of a dispute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeAck {
    /// Protocol version.
    pub v: V1,
    /// The dispute's id.
    pub dispute_id: String,
    /// The disputed redemption.
    pub redemption_id: String,
    /// Reason code, echoed.
    pub reason: DisputeReason,
    /// Evidence digest, echoed (so the signed answer binds it).
    pub evidence_digest: Sha256Digest,
    /// When the provider opened it.
    pub opened_at: DateTime<Utc>,
}

/// A verification tier.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(export, rename = "VerificationTier")
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Higher limits after an identity check.
    Verified,
    /// Highest limits.
    Enhanced,
}

/// `POST /v1/verifications`: ask for a tier upgrade. The identity document is checked by
/// the provider out of band; only its digest travels here, and the app keeps only the token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    /// Protocol version.
    pub v: V1,
    /// Requested tier.
    pub tier: Tier,
    /// Digest of what was shown to the provider.
    pub evidence_digest: Sha256Digest,
}

/// The claims inside a verification token ([`DocumentKind::Verification`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationClaims {
    /// Protocol version.
    pub v: V1,
    /// Issuer.
    pub provider_id: String,
    /// The device it was issued to.
    pub device_id: String,
    /// Granted tier.
    pub tier: Tier,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Expires: the app must ask again after this.
    pub expires_at: DateTime<Utc>,
}

impl VerificationClaims {
    /// Whether the token is valid at `now` (passed in; this crate reads no clock).
    #[must_use]
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.issued_at <= now && now < self.expires_at
    }
}

/// Machine-readable error codes a provider returns (UI and outbox switch on these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request carries no (or a malformed) signature.
    MissingSignature,
    /// The `keyid` is not a paired device.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// The body does not match `Content-Digest`.
    BadDigest,
    /// `expires` has passed.
    Expired,
    /// `created` is in the future beyond the allowed skew.
    CreatedInFuture,
    /// The nonce was already used.
    Replay,
    /// The body is not valid protocol JSON.
    MalformedBody,
    /// The body is larger than the provider accepts.
    BodyTooLarge,
    /// No such product in the catalog.
    UnknownProduct,
    /// The currency is not the product's.
    CurrencyMismatch,
    /// The amount is not allowed by the product's rule.
    AmountNotAllowed,
    /// A declared destination field is missing or empty.
    MissingDestinationField,
    /// The request carries a destination field the product did not declare.
    UndeclaredDestinationField,
    /// A per-day limit would be exceeded.
    LimitExceeded,
    /// The balance does not cover amount + fee.
    InsufficientBalance,
    /// The idempotency key was used with a different request.
    IdempotencyConflict,
    /// A write without an `Idempotency-Key`.
    MissingIdempotencyKey,
    /// The enrollment code is unknown or already used.
    InvalidEnrollmentCode,
    /// No such resource (or not this device's).
    NotFound,
    /// No such endpoint or method.
    NoRoute,
    /// The provider failed (injected or real); the outcome of a write is unknown.
    Unavailable,
}

/// An error body. Signed like every response, so a client can trust a 4xx as
/// "definitely not applied".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Protocol version.
    pub v: V1,
    /// Code.
    pub error: ErrorCode,
    /// Human explanation (no secrets, no personal data).
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redemption_json(extra: &str) -> String {
        format!(
            r#"{{"v":1,"product":"krw-mobile-top-up","amount":"1000","currency":"KRW","destination":{{"phone_number":"+821012345678"}}{extra}}}"#
        )
    }

    #[test]
    fn a_valid_redemption_parses() {
        let r: RedemptionRequest = parse("redemption", redemption_json("").as_bytes()).unwrap();
        assert_eq!(
            r.amount.money(Currency::KRW).unwrap(),
            Money::from_minor(1000, Currency::KRW)
        );
        assert_eq!(r.destination.len(), 1);
    }

    #[test]
    fn unknown_top_level_field_is_refused() {
        let err =
            parse::<RedemptionRequest>("redemption", redemption_json(r#","memo":"x""#).as_bytes())
                .unwrap_err();
        assert!(err.to_string().contains("memo"), "{err}");
    }

    #[test]
    fn missing_field_is_refused() {
        let json = r#"{"v":1,"product":"p","amount":"1","currency":"KRW"}"#;
        let err = parse::<RedemptionRequest>("redemption", json.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("destination"), "{err}");
    }

    #[test]
    fn a_destination_field_given_twice_is_refused() {
        let json = redemption_json("").replace(
            r#""destination":{"phone_number":"+821012345678"}"#,
            r#""destination":{"phone_number":"+821012345678","phone_number":"+821099999999"}"#,
        );
        let err = parse::<RedemptionRequest>("redemption", json.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("`phone_number` is given twice"),
            "{err}"
        );
    }

    #[test]
    fn numeric_amount_is_refused() {
        let json = r#"{"v":1,"product":"p","amount":1000,"currency":"KRW","destination":{}}"#;
        assert!(parse::<RedemptionRequest>("redemption", json.as_bytes()).is_err());
        for bad in ["-1", "1e3", " 1", "1.", ".5", "1.2.3", "", "0x10"] {
            assert!(Amount::new(bad).is_none(), "`{bad}` must not be an amount");
        }
    }

    #[test]
    fn other_versions_are_refused() {
        let json = redemption_json("").replace(r#""v":1"#, r#""v":2"#);
        let err = parse::<RedemptionRequest>("redemption", json.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("version 2"), "{err}");
    }

    #[test]
    fn too_many_decimals_for_the_currency_is_refused() {
        let a = Amount::new("10.5").unwrap();
        assert!(a.money(Currency::KRW).is_err(), "KRW has no minor units");
        assert!(a.money(Currency::USD).is_ok());
    }

    #[test]
    fn digests_are_strict() {
        let good = Sha256Digest::of(b"evidence");
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(serde_json::from_str::<Sha256Digest>(&json).unwrap(), good);
        assert!(serde_json::from_str::<Sha256Digest>(r#""sha-256:ABC""#).is_err());
        assert!(serde_json::from_str::<Sha256Digest>(&json.to_uppercase()).is_err());
    }

    #[test]
    fn unknown_error_code_is_refused() {
        let json = r#"{"v":1,"error":"teapot","message":"x"}"#;
        assert!(parse::<ErrorBody>("error", json.as_bytes()).is_err());
    }

    #[test]
    fn ids_are_derivable_and_distinct() {
        assert_eq!(redemption_id("dev_a", "k1"), redemption_id("dev_a", "k1"));
        assert_ne!(redemption_id("dev_a", "k1"), redemption_id("dev_b", "k1"));
        assert_ne!(redemption_id("dev_a", "k1"), redemption_id("dev_a", "k2"));
        let pk = [7u8; 32];
        assert_eq!(
            key_from_self_certifying(&self_certifying_keyid(&pk)),
            Some(pk)
        );
        assert_eq!(key_from_self_certifying("dev_x"), None);
    }
}
