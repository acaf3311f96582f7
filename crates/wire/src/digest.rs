//! RFC 9530 `Content-Digest`: the integrity of the message content that a signature
//! covers indirectly (RFC 9421 §7.2.8 — signatures cover headers, not bodies).
//!
//! The field is an RFC 8941 Dictionary of `algorithm=:base64 bytes:` members and is
//! parsed with a real structured-field parser (`sfv`), never by splitting strings.
//!
//! Decisions: Tipvault creates `sha-256` only (DESIGN.md §5). On verification every
//! member whose algorithm we support (`sha-256`, `sha-512`, the two "standard" entries of
//! the RFC 9530 §7.2 registry) must match; members with deprecated or unknown
//! algorithms are ignored (RFC 9530 §5 lets a recipient ignore them), but at least one
//! supported member must be present — otherwise the body would be unprotected.
//! Digests are compared in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sfv::{BareItem, Dictionary, ListEntry, Parser, Version};
use sha2::{Digest as _, Sha256, Sha512};

/// A digest algorithm this crate computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `sha-256`, what Tipvault sends.
    Sha256,
    /// `sha-512`, accepted on verification (RFC 9421's test messages use it).
    Sha512,
}

impl DigestAlgorithm {
    /// The RFC 9530 registry key.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha-256",
            DigestAlgorithm::Sha512 => "sha-512",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        match key {
            "sha-256" => Some(DigestAlgorithm::Sha256),
            "sha-512" => Some(DigestAlgorithm::Sha512),
            _ => None,
        }
    }

    /// The digest of `body` with this algorithm.
    #[must_use]
    pub fn digest(self, body: &[u8]) -> Vec<u8> {
        match self {
            DigestAlgorithm::Sha256 => Sha256::digest(body).to_vec(),
            DigestAlgorithm::Sha512 => Sha512::digest(body).to_vec(),
        }
    }
}

/// Why a `Content-Digest` did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The message has no `Content-Digest` field.
    #[error("the message has no Content-Digest field")]
    Missing,
    /// The field is not a valid RFC 8941 Dictionary of byte sequences.
    #[error("Content-Digest is malformed: {0}")]
    Malformed(String),
    /// No member uses an algorithm we support; lists the algorithms that were offered.
    #[error("Content-Digest offers no supported algorithm (got: {0}); send sha-256")]
    UnsupportedAlgorithm(String),
    /// A supported digest does not match the body: the content was changed or truncated.
    #[error("Content-Digest {algorithm} does not match the message body")]
    Mismatch {
        /// The registry key of the digest that did not match.
        algorithm: &'static str,
    },
}

/// The `Content-Digest` field value for `body`: `sha-256=:<base64>:`.
#[must_use]
pub fn content_digest(body: &[u8]) -> String {
    content_digest_with(DigestAlgorithm::Sha256, body)
}

/// The `Content-Digest` field value for `body` with `algorithm`.
#[must_use]
pub fn content_digest_with(algorithm: DigestAlgorithm, body: &[u8]) -> String {
    format!(
        "{}=:{}:",
        algorithm.key(),
        STANDARD.encode(algorithm.digest(body))
    )
}

/// Checks a `Content-Digest` field value against `body`.
///
/// `field_value` is the combined field value (multiple field lines joined with `", "`).
/// Returns the strongest supported algorithm that matched.
pub fn verify_content_digest(
    field_value: &str,
    body: &[u8],
) -> Result<DigestAlgorithm, DigestError> {
    let dict: Dictionary = Parser::new(field_value)
        .with_version(Version::Rfc8941)
        .parse()
        .map_err(|e| DigestError::Malformed(e.to_string()))?;
    if dict.is_empty() {
        return Err(DigestError::Malformed("empty dictionary".to_owned()));
    }
    let mut best: Option<DigestAlgorithm> = None;
    let mut offered = Vec::new();
    for (key, entry) in &dict {
        offered.push(key.as_str().to_owned());
        let Some(algorithm) = DigestAlgorithm::from_key(key.as_str()) else {
            continue;
        };
        let expected = match entry {
            ListEntry::Item(item) => match &item.bare_item {
                BareItem::ByteSequence(bytes) => bytes,
                _ => {
                    return Err(DigestError::Malformed(format!(
                        "{} is not a byte sequence",
                        algorithm.key()
                    )));
                }
            },
            ListEntry::InnerList(_) => {
                return Err(DigestError::Malformed(format!(
                    "{} is an inner list",
                    algorithm.key()
                )));
            }
        };
        if !constant_time_eq(expected, &algorithm.digest(body)) {
            return Err(DigestError::Mismatch {
                algorithm: algorithm.key(),
            });
        }
        if best != Some(DigestAlgorithm::Sha512) {
            best = Some(algorithm);
        }
    }
    best.ok_or_else(|| DigestError::UnsupportedAlgorithm(offered.join(", ")))
}

/// Verifies the `Content-Digest` of a message given all its field lines.
pub fn verify_field_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    body: &[u8],
) -> Result<DigestAlgorithm, DigestError> {
    let lines: Vec<&str> = lines.into_iter().map(str::trim).collect();
    if lines.is_empty() {
        return Err(DigestError::Missing);
    }
    verify_content_digest(&lines.join(", "), body)
}

/// Compares without an early exit, so timing does not reveal how many leading bytes of
/// a forged digest were right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_sha256_byte_sequence() {
        // RFC 9530 §2 / Appendix B use this body and value.
        assert_eq!(
            content_digest(br#"{"hello": "world"}"#),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
        );
    }

    #[test]
    fn ignores_unknown_algorithms_but_needs_one_supported() {
        let body = b"abc";
        let good = format!("md5=:AAAA:, {}", content_digest(body));
        assert_eq!(
            verify_content_digest(&good, body),
            Ok(DigestAlgorithm::Sha256)
        );
        assert!(matches!(
            verify_content_digest("md5=:AAAA:", body),
            Err(DigestError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn rejects_non_byte_sequence() {
        assert!(matches!(
            verify_content_digest("sha-256=\"abc\"", b""),
            Err(DigestError::Malformed(_))
        ));
    }

    #[test]
    fn constant_time_eq_checks_length() {
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(constant_time_eq(b"abc", b"abc"));
    }
}
