//! Shared fixtures: the RFC 9421 B.1.4 Ed25519 test key, the B.2 test request, and a
//! fresh Tipvault key pair per test.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tipvault_wire::httpsig::{SigningKey, VerifyingKey};
use tipvault_wire::{NonceCache, Request, Response};

/// RFC 9421 Appendix B.1.4, private key (PKCS#8 PEM body), verbatim.
pub const RFC_ED25519_PRIVATE_PEM: &str =
    "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
/// RFC 9421 Appendix B.1.4, public key (SPKI PEM body), verbatim.
pub const RFC_ED25519_PUBLIC_PEM: &str =
    "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
/// RFC 9421 Appendix B.1.4, the key's `keyid`.
pub const RFC_KEYID: &str = "test-key-ed25519";

/// The 32-byte seed inside the RFC's PKCS#8 document.
pub fn rfc_signing_key() -> SigningKey {
    let der = STANDARD
        .decode(RFC_ED25519_PRIVATE_PEM)
        .expect("RFC PEM is base64");
    // PKCS#8 v1 for Ed25519 (RFC 8410 §7): fixed 16-byte prefix, then the 32-byte seed.
    let prefix = hex("302e020100300506032b657004220420");
    assert_eq!(
        &der[..16],
        prefix.as_slice(),
        "not an Ed25519 PKCS#8 document"
    );
    let seed: [u8; 32] = der[16..].try_into().expect("32-byte seed");
    SigningKey::from_bytes(&seed)
}

/// The public key inside the RFC's SPKI document.
pub fn rfc_verifying_key() -> VerifyingKey {
    let der = STANDARD
        .decode(RFC_ED25519_PUBLIC_PEM)
        .expect("RFC PEM is base64");
    let prefix = hex("302a300506032b6570032100");
    assert_eq!(
        &der[..12],
        prefix.as_slice(),
        "not an Ed25519 SPKI document"
    );
    let raw: [u8; 32] = der[12..].try_into().expect("32-byte key");
    VerifyingKey::from_bytes(&raw).expect("valid point")
}

/// RFC 9421 Appendix B.2 "test-request", with its headers in the RFC's order.
pub fn rfc_test_request() -> Request {
    Request::new("POST", "https://example.com/foo?param=Value&Pet=dog")
        .and_then(|r| r.with_header("Host", "example.com"))
        .and_then(|r| r.with_header("Date", "Tue, 20 Apr 2021 02:07:55 GMT"))
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .and_then(|r| {
            r.with_header(
                "Content-Digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            )
        })
        .and_then(|r| r.with_header("Content-Length", "18"))
        .map(|r| r.with_body(br#"{"hello": "world"}"#.to_vec()))
        .expect("the RFC request is valid")
}

pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A deterministic key from a one-byte seed, so failures reproduce.
pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub const CLIENT_KEYID: &str = "device-1";
pub const PROVIDER_KEYID: &str = "provider-1";
pub const NOW: i64 = 1_750_000_000;

/// Resolves the client's and the provider's keys.
pub fn keys(keyid: &str) -> Option<VerifyingKey> {
    match keyid {
        CLIENT_KEYID => Some(key(1).verifying_key()),
        PROVIDER_KEYID => Some(key(2).verifying_key()),
        _ => None,
    }
}

/// A Tipvault redemption request, unsigned.
pub fn redemption(idempotency_key: &str) -> Request {
    Request::new("POST", "https://provider.example/v1/redemptions")
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .and_then(|r| r.with_header("Idempotency-Key", idempotency_key))
        .map(|r| {
            r.with_body(br#"{"product":"topup-1000","amount":"1000","currency":"KRW"}"#.to_vec())
        })
        .expect("valid request")
}

/// A redemption request signed by the client at `NOW` with `nonce`.
pub fn signed_redemption(nonce: &str) -> Request {
    let mut req = redemption("idem-1");
    tipvault_wire::httpsig::profile::sign_request(&key(1), CLIENT_KEYID, &mut req, NOW, nonce)
        .expect("signs");
    req
}

/// A provider receipt answering `request`, signed at `NOW + 1`.
pub fn signed_receipt(request: &Request) -> Response {
    let mut resp = Response::new(201)
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .map(|r| r.with_body(br#"{"receipt":"r-1","status":"confirmed"}"#.to_vec()))
        .expect("valid response");
    tipvault_wire::httpsig::profile::sign_response(
        &key(2),
        PROVIDER_KEYID,
        &mut resp,
        request,
        NOW + 1,
    )
    .expect("signs");
    resp
}

pub fn nonce_cache() -> NonceCache {
    NonceCache::default()
}

/// Replaces every line of `name` with one line of `value`.
pub fn replace_header(req: &mut Request, name: &str, value: &str) {
    req.remove_header(name);
    req.push_header(name, value).expect("valid header");
}
