//! Signed documents: catalogs, receipts and verification tokens that must verify offline,
//! long after the HTTP exchange that delivered them.
//!
//! Format: `{"v":1,"kind":"receipt","key_id":"…","alg":"ed25519","payload":"<JSON text>",
//! "signature":"<base64url>"}`. The payload is kept as the *exact* JSON text that was signed
//! (a string inside the envelope), so verifying never depends on re-serialising — key order,
//! spacing and number formats cannot drift between the provider's serializer and ours, or
//! between today's app and one built years from now.
//!
//! The Ed25519 signature covers `tipvault-document-v1\n{kind}\n{key_id}\n{payload}`: the
//! prefix separates these signatures from RFC 9421 signature bases made with the same key,
//! and `kind` stops a receipt from being presented as a verification token (or vice versa).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use tipvault_catalog::Catalog;

use super::V1;
use crate::httpsig::{ALG_ED25519, SigningKey};

/// What a signed document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A provider catalog ([`Catalog::canonical_json`]).
    Catalog,
    /// A redemption receipt ([`super::ReceiptBody`]).
    Receipt,
    /// A verification token ([`super::VerificationClaims`]).
    Verification,
}

impl DocumentKind {
    fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Catalog => "catalog",
            DocumentKind::Receipt => "receipt",
            DocumentKind::Verification => "verification",
        }
    }
}

/// Why a signed document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The signature is not the key's over these bytes: forged or altered.
    #[error("the document's signature does not verify: it was altered or signed by another key")]
    BadSignature,
    /// The document is of another kind than expected.
    #[error("expected a {expected:?} document, found a {found:?}")]
    WrongKind {
        /// Expected.
        expected: DocumentKind,
        /// Found.
        found: DocumentKind,
    },
    /// The provider key differs from the pinned one.
    #[error("the provider key `{found}` is not the pinned key `{pinned}`")]
    KeyNotPinned {
        /// Pinned key id.
        pinned: String,
        /// Key id found.
        found: String,
    },
    /// The envelope, key or payload is not well formed.
    #[error("malformed document: {0}")]
    Malformed(String),
}

/// A provider's public signing key as published in its catalog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderKey {
    /// The `keyid` of its HTTP signatures and documents.
    pub key_id: String,
    /// Ed25519 public key, base64url without padding.
    pub public_key: String,
}

impl ProviderKey {
    /// Describes `key` under `key_id`.
    #[must_use]
    pub fn new(key_id: &str, key: &VerifyingKey) -> ProviderKey {
        ProviderKey {
            key_id: key_id.to_owned(),
            public_key: URL_SAFE_NO_PAD.encode(key.as_bytes()),
        }
    }

    /// The decoded key.
    pub fn verifying_key(&self) -> Result<VerifyingKey, DocumentError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(&self.public_key)
            .map_err(|_| DocumentError::Malformed("provider key is not base64url".into()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| DocumentError::Malformed("provider key is not 32 bytes".into()))?;
        VerifyingKey::from_bytes(&bytes)
            .map_err(|_| DocumentError::Malformed("provider key is not an Ed25519 point".into()))
    }
}

/// The algorithm marker: only `"ed25519"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ed25519;

impl serde::Serialize for Ed25519 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(ALG_ED25519)
    }
}

impl<'de> serde::Deserialize<'de> for Ed25519 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let alg = String::deserialize(d)?;
        if alg == ALG_ED25519 {
            Ok(Ed25519)
        } else {
            Err(serde::de::Error::custom(format!(
                "algorithm `{alg}` is not accepted"
            )))
        }
    }
}

/// A payload signed by a provider key. See the module doc for the byte form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedDocument {
    /// Protocol version.
    pub v: V1,
    /// What the payload is.
    pub kind: DocumentKind,
    /// The signing key's id.
    pub key_id: String,
    /// Always Ed25519.
    pub alg: Ed25519,
    /// The exact JSON text that was signed.
    pub payload: String,
    /// Ed25519 signature, base64url without padding.
    pub signature: String,
}

fn signed_bytes(kind: DocumentKind, key_id: &str, payload: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(32 + key_id.len() + payload.len());
    m.extend_from_slice(b"tipvault-document-v1\n");
    m.extend_from_slice(kind.as_str().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(key_id.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(payload.as_bytes());
    m
}

impl SignedDocument {
    /// Signs `payload` (exact JSON text) as a `kind` document.
    #[must_use]
    pub fn sign(key: &SigningKey, key_id: &str, kind: DocumentKind, payload: String) -> Self {
        let sig = key.sign_bytes(&signed_bytes(kind, key_id, &payload));
        SignedDocument {
            v: V1,
            kind,
            key_id: key_id.to_owned(),
            alg: Ed25519,
            signature: URL_SAFE_NO_PAD.encode(sig),
            payload,
        }
    }

    /// Checks the signature with `key` and returns the payload text.
    pub fn verify(&self, key: &VerifyingKey) -> Result<&str, DocumentError> {
        let sig = URL_SAFE_NO_PAD
            .decode(&self.signature)
            .map_err(|_| DocumentError::Malformed("signature is not base64url".into()))?;
        let sig: [u8; 64] = sig
            .try_into()
            .map_err(|_| DocumentError::Malformed("signature is not 64 bytes".into()))?;
        // verify_strict: refuses small-order keys and non-canonical signatures, so one
        // document cannot have two valid signatures.
        key.verify_strict(
            &signed_bytes(self.kind, &self.key_id, &self.payload),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| DocumentError::BadSignature)?;
        Ok(&self.payload)
    }

    /// Checks kind and signature, then parses the payload strictly.
    pub fn verify_as<T: serde::de::DeserializeOwned>(
        &self,
        kind: DocumentKind,
        key: &VerifyingKey,
    ) -> Result<T, DocumentError> {
        if self.kind != kind {
            return Err(DocumentError::WrongKind {
                expected: kind,
                found: self.kind,
            });
        }
        let payload = self.verify(key)?;
        serde_json::from_str(payload).map_err(|e| DocumentError::Malformed(e.to_string()))
    }
}

/// `GET /v1/catalog`: the catalog signed by the provider, with the provider's key.
///
/// On first contact the app pins `provider_key` (trust on first use, confirmed by pairing);
/// afterwards it passes the pinned key and a different key is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCatalog {
    /// Protocol version.
    pub v: V1,
    /// The provider's signing key.
    pub provider_key: ProviderKey,
    /// The catalog, as a [`DocumentKind::Catalog`] document over its canonical JSON.
    pub catalog: SignedDocument,
}

impl SignedCatalog {
    /// Signs `catalog` in its canonical form.
    #[must_use]
    pub fn sign(key: &SigningKey, key_id: &str, catalog: &Catalog) -> Self {
        SignedCatalog {
            v: V1,
            provider_key: ProviderKey::new(key_id, &key.verifying_key()),
            catalog: SignedDocument::sign(
                key,
                key_id,
                DocumentKind::Catalog,
                catalog.canonical_json(),
            ),
        }
    }

    /// Verifies the signature (with `pinned` if given, else with the enclosed key) and returns
    /// the validated catalog and the key that signed it. Freshness (stale/expired) is the
    /// caller's to judge with its own clock: an expired catalog still previews.
    pub fn verify(
        &self,
        pinned: Option<(&str, &VerifyingKey)>,
    ) -> Result<(Catalog, String, VerifyingKey), DocumentError> {
        let enclosed = self.provider_key.verifying_key()?;
        if self.catalog.key_id != self.provider_key.key_id {
            return Err(DocumentError::Malformed(
                "catalog signed under another key id".into(),
            ));
        }
        if let Some((pinned_id, pinned_key)) = pinned
            && (pinned_id != self.provider_key.key_id || *pinned_key != enclosed)
        {
            return Err(DocumentError::KeyNotPinned {
                pinned: pinned_id.to_owned(),
                found: self.provider_key.key_id.clone(),
            });
        }
        if self.catalog.kind != DocumentKind::Catalog {
            return Err(DocumentError::WrongKind {
                expected: DocumentKind::Catalog,
                found: self.catalog.kind,
            });
        }
        let payload = self.catalog.verify(&enclosed)?;
        let catalog =
            Catalog::parse(payload).map_err(|e| DocumentError::Malformed(e.to_string()))?;
        // Only the canonical form is signed; anything else is a different document. Members
        // this version ignores (PROTOCOL.md §9.2) are part of that form, so they are kept.
        let canonical = Catalog::canonical_text(payload)
            .map_err(|e| DocumentError::Malformed(e.to_string()))?;
        if canonical != payload {
            return Err(DocumentError::Malformed(
                "catalog payload is not canonical".into(),
            ));
        }
        Ok((catalog, self.provider_key.key_id.clone(), enclosed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_round_trip_and_tamper() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let catalog = Catalog::demo(chrono::Utc::now()).unwrap();
        let signed = SignedCatalog::sign(&key, "prov-1", &catalog);
        let json = serde_json::to_string(&signed).unwrap();
        let back: SignedCatalog = serde_json::from_str(&json).unwrap();
        let (c, id, k) = back.verify(None).unwrap();
        assert_eq!(c, catalog);
        assert_eq!(id, "prov-1");
        assert_eq!(k, key.verifying_key());

        let mut tampered = back.clone();
        tampered.catalog.payload = tampered.catalog.payload.replace("\"1000\"", "\"1001\"");
        assert_eq!(
            tampered.verify(None).unwrap_err(),
            DocumentError::BadSignature
        );

        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert!(matches!(
            back.verify(Some(("prov-1", &other))),
            Err(DocumentError::KeyNotPinned { .. })
        ));
    }

    /// PROTOCOL.md §9.2: a provider adds an optional member to its catalog and a product; a v1
    /// client verifies the document (the member is part of the signed canonical form) and reads
    /// the catalog without it. The same payload written non-canonically is refused.
    #[test]
    fn a_catalog_with_members_this_version_ignores_verifies() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let catalog = Catalog::demo(chrono::DateTime::UNIX_EPOCH).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&catalog.canonical_json()).unwrap();
        value["publisher_note"] = serde_json::json!({"b": 1, "a": [true, null]});
        value["products"][0]["icon"] = serde_json::json!("https://provider.example/i.png");
        let canonical = Catalog::canonical_text(&value.to_string()).unwrap();
        assert!(
            canonical.contains(r#""publisher_note":{"a":[true,null],"b":1}"#),
            "{canonical}"
        );
        let signed = |payload: String| SignedCatalog {
            v: V1,
            provider_key: ProviderKey::new("prov-1", &key.verifying_key()),
            catalog: SignedDocument::sign(&key, "prov-1", DocumentKind::Catalog, payload),
        };
        let (read, _, _) = signed(canonical.clone()).verify(None).unwrap();
        assert!(
            read.same_offer(&catalog),
            "read as if the members were not there"
        );
        let spaced = serde_json::to_string_pretty(&value).unwrap();
        assert!(matches!(
            signed(spaced).verify(None),
            Err(DocumentError::Malformed(m)) if m.contains("not canonical")
        ));
    }

    #[test]
    fn kind_is_bound() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let mut doc = SignedDocument::sign(&key, "k", DocumentKind::Receipt, "{}".into());
        doc.kind = DocumentKind::Verification;
        assert_eq!(
            doc.verify(&key.verifying_key()),
            Err(DocumentError::BadSignature)
        );
    }

    #[test]
    fn envelope_is_strict() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let doc = SignedDocument::sign(&key, "k", DocumentKind::Receipt, "{}".into());
        let mut v = serde_json::to_value(&doc).unwrap();
        v["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<SignedDocument>(v.clone()).is_err());
        v.as_object_mut().unwrap().remove("extra");
        v["alg"] = serde_json::json!("rsa");
        assert!(serde_json::from_value::<SignedDocument>(v).is_err());
    }
}
