//! Redemption receipts: the provider's signed statement that it applied *this* redemption.
//!
//! A receipt is a [`SignedDocument`] of kind `receipt` whose payload is a [`ReceiptBody`]. It
//! binds the redemption id, the device, the idempotency key, product, amount, fee, currency,
//! the RFC 9530 digest of the exact request body, the provider key id and the time. The app
//! stores the document as received; [`SignedReceipt::verify`] needs only the provider's public
//! key, so it works offline years later, and [`SignedReceipt::verify_for`] additionally checks
//! that the receipt answers a given request (a hostile provider cannot hand back a receipt
//! for another redemption, or for a different amount).

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use tipvault_money::Currency;

use super::document::{DocumentError, DocumentKind, SignedDocument};
use super::{Amount, ProtocolError, RedemptionRequest, V1, redemption_id};
use crate::digest::content_digest;
use crate::httpsig::SigningKey;

/// What a receipt states.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    /// Protocol version.
    pub v: V1,
    /// The provider.
    pub provider_id: String,
    /// The key that signs this receipt (must equal the envelope's `key_id`).
    pub provider_key_id: String,
    /// [`redemption_id`] of device and idempotency key.
    pub redemption_id: String,
    /// The paired device that asked.
    pub device_id: String,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: String,
    /// Product id.
    pub product: String,
    /// Net amount delivered.
    pub amount: Amount,
    /// Fee charged on top.
    pub fee: Amount,
    /// Currency of both.
    pub currency: Currency,
    /// `Content-Digest` (sha-256) of the exact request body.
    pub request_digest: String,
    /// When the provider committed it.
    pub issued_at: DateTime<Utc>,
}

/// Why a receipt was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The document itself is bad (signature, kind, shape).
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// The receipt names another key than the one that signed it.
    #[error("the receipt claims key `{claimed}` but was signed under `{signed}`")]
    KeyIdMismatch {
        /// In the body.
        claimed: String,
        /// On the envelope.
        signed: String,
    },
    /// The receipt does not answer the request it was checked against.
    #[error("the receipt is for a different {field}: expected `{expected}`, found `{found}`")]
    Mismatch {
        /// Which field differs.
        field: &'static str,
        /// What the request says.
        expected: String,
        /// What the receipt says.
        found: String,
    },
}

/// The request a receipt must answer.
#[derive(Debug, Clone, Copy)]
pub struct RedemptionBinding<'a> {
    /// The device that sent it.
    pub device_id: &'a str,
    /// Its idempotency key.
    pub idempotency_key: &'a str,
    /// The exact body bytes sent.
    pub body: &'a [u8],
    /// The parsed body.
    pub request: &'a RedemptionRequest,
}

/// A receipt as stored: the signed document, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SignedReceipt(pub SignedDocument);

impl SignedReceipt {
    /// Provider side: signs `body`.
    pub fn sign(key: &SigningKey, body: &ReceiptBody) -> Result<SignedReceipt, ProtocolError> {
        let payload = super::to_text("receipt", body)?;
        Ok(SignedReceipt(SignedDocument::sign(
            key,
            &body.provider_key_id,
            DocumentKind::Receipt,
            payload,
        )))
    }

    /// Verifies signature and shape with the provider's public key (offline).
    pub fn verify(&self, key: &VerifyingKey) -> Result<ReceiptBody, ReceiptError> {
        let body: ReceiptBody = self.0.verify_as(DocumentKind::Receipt, key)?;
        if body.provider_key_id != self.0.key_id {
            return Err(ReceiptError::KeyIdMismatch {
                claimed: body.provider_key_id,
                signed: self.0.key_id.clone(),
            });
        }
        Ok(body)
    }

    /// Verifies, then checks the receipt answers `binding`.
    pub fn verify_for(
        &self,
        key: &VerifyingKey,
        binding: &RedemptionBinding<'_>,
    ) -> Result<ReceiptBody, ReceiptError> {
        let body = self.verify(key)?;
        let check = |field: &'static str, expected: &str, found: &str| {
            if expected == found {
                Ok(())
            } else {
                Err(ReceiptError::Mismatch {
                    field,
                    expected: expected.to_owned(),
                    found: found.to_owned(),
                })
            }
        };
        let req = binding.request;
        check(
            "request_digest",
            &content_digest(binding.body),
            &body.request_digest,
        )?;
        check(
            "idempotency_key",
            binding.idempotency_key,
            &body.idempotency_key,
        )?;
        check("device_id", binding.device_id, &body.device_id)?;
        check(
            "redemption_id",
            &redemption_id(binding.device_id, binding.idempotency_key),
            &body.redemption_id,
        )?;
        check("product", &req.product, &body.product)?;
        check("currency", req.currency.code(), body.currency.code())?;
        // Compare as money, not text, so "10.5" and "10.50" are the same amount.
        let want = req.amount.money(req.currency).ok();
        let got = body.amount.money(body.currency).ok();
        if want.is_none() || want != got {
            return Err(ReceiptError::Mismatch {
                field: "amount",
                expected: req.amount.as_str().to_owned(),
                found: body.amount.as_str().to_owned(),
            });
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn request() -> (RedemptionRequest, Vec<u8>) {
        let req = RedemptionRequest {
            v: V1,
            product: "krw-gift-card".into(),
            amount: Amount::new("5000").unwrap(),
            currency: Currency::KRW,
            destination: [("email".to_owned(), "a@example.org".to_owned())].into(),
        };
        let bytes = super::super::to_bytes("redemption request", &req).unwrap();
        (req, bytes)
    }

    fn issue(key: &SigningKey, body_bytes: &[u8], idem: &str) -> SignedReceipt {
        SignedReceipt::sign(
            key,
            &ReceiptBody {
                v: V1,
                provider_id: "demo-provider".into(),
                provider_key_id: "prov-1".into(),
                redemption_id: redemption_id("dev_1", idem),
                device_id: "dev_1".into(),
                idempotency_key: idem.into(),
                product: "krw-gift-card".into(),
                amount: Amount::new("5000").unwrap(),
                fee: Amount::new("100").unwrap(),
                currency: Currency::KRW,
                request_digest: content_digest(body_bytes),
                issued_at: Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap(),
            },
        )
        .unwrap()
    }

    #[test]
    fn receipt_verifies_offline_from_stored_json() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let (req, bytes) = request();
        let stored = serde_json::to_string(&issue(&key, &bytes, "k1")).unwrap();
        let back: SignedReceipt = serde_json::from_str(&stored).unwrap();
        let binding = RedemptionBinding {
            device_id: "dev_1",
            idempotency_key: "k1",
            body: &bytes,
            request: &req,
        };
        let body = back.verify_for(&key.verifying_key(), &binding).unwrap();
        assert_eq!(body.fee.as_str(), "100");
    }

    #[test]
    fn tampered_amount_fails() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let (_, bytes) = request();
        let mut r = issue(&key, &bytes, "k1");
        r.0.payload = r.0.payload.replace("\"5000\"", "\"50000\"");
        assert_eq!(
            r.verify(&key.verifying_key()),
            Err(ReceiptError::Document(DocumentError::BadSignature))
        );
    }

    #[test]
    fn wrong_key_fails() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let other = SigningKey::from_bytes(&[4; 32]);
        let (_, bytes) = request();
        assert_eq!(
            issue(&key, &bytes, "k1").verify(&other.verifying_key()),
            Err(ReceiptError::Document(DocumentError::BadSignature))
        );
    }

    #[test]
    fn receipt_for_another_request_fails() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let (req, bytes) = request();
        let receipt = issue(&key, &bytes, "k2");
        let binding = RedemptionBinding {
            device_id: "dev_1",
            idempotency_key: "k1",
            body: &bytes,
            request: &req,
        };
        assert!(matches!(
            receipt.verify_for(&key.verifying_key(), &binding),
            Err(ReceiptError::Mismatch {
                field: "idempotency_key",
                ..
            })
        ));
        let mut other_req = req.clone();
        other_req.amount = Amount::new("10000").unwrap();
        let other_bytes = super::super::to_bytes("redemption request", &other_req).unwrap();
        let binding = RedemptionBinding {
            device_id: "dev_1",
            idempotency_key: "k1",
            body: &other_bytes,
            request: &other_req,
        };
        assert!(matches!(
            issue(&key, &bytes, "k1").verify_for(&key.verifying_key(), &binding),
            Err(ReceiptError::Mismatch {
                field: "request_digest",
                ..
            })
        ));
    }
}
