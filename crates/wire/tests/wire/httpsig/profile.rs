//! `httpsig::profile`: Tipvault requests and responses end to end — round trips,
//! tampering with every covered component, replays, time windows, and response binding.

use tipvault_wire::httpsig::profile::{self, MAX_SKEW_SECS, MAX_WINDOW_SECS};
use tipvault_wire::httpsig::{VerifyError, VerifyingKey};
use tipvault_wire::{DigestAlgorithm, Request};

use crate::wire::support::{
    CLIENT_KEYID, NOW, PROVIDER_KEYID, key, keys, nonce_cache, redemption, replace_header,
    signed_receipt, signed_redemption,
};

fn verify(req: &Request) -> Result<tipvault_wire::Verified, VerifyError> {
    profile::verify_request(req, &keys, &nonce_cache(), NOW)
}

/// The same headers and body under another method or target URI.
fn rebuilt(req: &Request, method: &str, uri: &str) -> Request {
    let mut out = Request::new(method, uri)
        .expect("valid")
        .with_body(req.body().to_vec());
    for (name, value) in req.headers() {
        out.push_header(name, value).expect("valid");
    }
    out
}

#[test]
fn signed_write_round_trips() {
    let req = signed_redemption("n-1");
    let v = verify(&req).expect("a freshly signed request verifies");
    assert_eq!(v.keyid, CLIENT_KEYID);
    assert_eq!(v.digest, Some(DigestAlgorithm::Sha256));
    assert_eq!(v.params.nonce(), Some("n-1"));
}

#[test]
fn signed_read_round_trips_without_idempotency_key() {
    let mut req = Request::new("GET", "https://provider.example/v1/balance").expect("valid");
    profile::sign_request(&key(1), CLIENT_KEYID, &mut req, NOW, "n-get").expect("signs");
    verify(&req).expect("GET needs no idempotency key and has an empty-body digest");
}

#[test]
fn write_without_idempotency_key_cannot_be_signed() {
    let mut req = Request::new("POST", "https://provider.example/v1/redemptions").expect("valid");
    assert!(
        profile::sign_request(&key(1), CLIENT_KEYID, &mut req, NOW, "n").is_err(),
        "writes must carry Idempotency-Key before signing"
    );
}

#[test]
fn each_covered_component_is_protected() {
    let req = signed_redemption("n-t");
    let uri = "https://provider.example/v1/redemptions";
    let cases: Vec<(&str, Request)> = vec![
        ("@method", rebuilt(&req, "PUT", uri)),
        (
            "@target-uri path",
            rebuilt(&req, "POST", "https://provider.example/v1/redemptionz"),
        ),
        (
            "@target-uri query",
            rebuilt(&req, "POST", &format!("{uri}?x=1")),
        ),
        (
            "@target-uri host",
            rebuilt(&req, "POST", "https://evil.example/v1/redemptions"),
        ),
        (
            "@target-uri scheme",
            rebuilt(&req, "POST", "http://provider.example/v1/redemptions"),
        ),
        (
            "@target-uri port",
            rebuilt(&req, "POST", "https://provider.example:8443/v1/redemptions"),
        ),
        ("content-digest", {
            let mut r = req.clone().with_body(b"{}".to_vec());
            replace_header(
                &mut r,
                "content-digest",
                &tipvault_wire::digest::content_digest(b"{}"),
            );
            r
        }),
        ("idempotency-key", {
            let mut r = req.clone();
            replace_header(&mut r, "idempotency-key", "idem-2");
            r
        }),
    ];
    for (what, tampered) in cases {
        assert_eq!(
            verify(&tampered),
            Err(VerifyError::BadSignature),
            "changing {what} must break the signature"
        );
    }
}

#[test]
fn changed_body_is_a_digest_mismatch() {
    let req = signed_redemption("n-b").with_body(br#"{"amount":"9999"}"#.to_vec());
    assert_eq!(
        verify(&req),
        Err(VerifyError::DigestMismatch {
            algorithm: "sha-256"
        }),
        "the header is intact, so the signature holds, but the body no longer matches it"
    );
}

#[test]
fn removed_covered_header_is_reported() {
    let mut req = signed_redemption("n-r");
    req.remove_header("idempotency-key");
    assert!(matches!(
        verify(&req),
        Err(VerifyError::ComponentUnavailable(c)) if c == "\"idempotency-key\""
    ));
}

#[test]
fn changed_signature_metadata_or_bytes_fail() {
    let req = signed_redemption("n-m");
    let input = req
        .header_values("signature-input")
        .next()
        .expect("signed")
        .to_owned();
    let sig = req
        .header_values("signature")
        .next()
        .expect("signed")
        .to_owned();

    let mut other_nonce = req.clone();
    replace_header(
        &mut other_nonce,
        "signature-input",
        &input.replace("n-m", "n-x"),
    );
    assert_eq!(verify(&other_nonce), Err(VerifyError::BadSignature));

    let mut flipped = req.clone();
    let b64 = sig.trim_start_matches("sig1=:").trim_end_matches(':');
    let mut bytes =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).expect("base64");
    bytes[0] ^= 1;
    let flipped_value = format!(
        "sig1=:{}:",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
    );
    replace_header(&mut flipped, "signature", &flipped_value);
    assert_eq!(verify(&flipped), Err(VerifyError::BadSignature));
}

#[test]
fn uncovered_headers_may_change() {
    let mut req = signed_redemption("n-u");
    req.push_header("x-forwarded-for", "10.0.0.1")
        .expect("valid");
    assert!(
        verify(&req).is_ok(),
        "only covered components are protected; proxies may add headers"
    );
}

#[test]
fn replay_is_rejected_and_failures_do_not_burn_nonces() {
    let cache = nonce_cache();
    let genuine = signed_redemption("n-replay");
    let mut forged = genuine.clone();
    replace_header(&mut forged, "idempotency-key", "idem-forged");
    assert_eq!(
        profile::verify_request(&forged, &keys, &cache, NOW),
        Err(VerifyError::BadSignature)
    );
    profile::verify_request(&genuine, &keys, &cache, NOW)
        .expect("a forged copy must not have consumed the genuine nonce");
    assert_eq!(
        profile::verify_request(&genuine, &keys, &cache, NOW + 1),
        Err(VerifyError::Replay)
    );
    profile::verify_request(&signed_redemption("n-other"), &keys, &cache, NOW)
        .expect("a new nonce is fine");
}

#[test]
fn time_window_edges() {
    let req = signed_redemption("n-w");
    let at = |now| profile::verify_request(&req, &keys, &nonce_cache(), now);
    assert!(
        at(NOW - MAX_SKEW_SECS).is_ok(),
        "created within skew in the future"
    );
    assert!(matches!(
        at(NOW - MAX_SKEW_SECS - 1),
        Err(VerifyError::CreatedInFuture { .. })
    ));
    assert!(
        at(NOW + MAX_WINDOW_SECS + MAX_SKEW_SECS).is_ok(),
        "last accepted second"
    );
    assert!(matches!(
        at(NOW + MAX_WINDOW_SECS + MAX_SKEW_SECS + 1),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn unknown_key_is_reported() {
    let mut req = redemption("idem-k");
    profile::sign_request(&key(9), "stranger", &mut req, NOW, "n-k").expect("signs");
    assert_eq!(
        verify(&req),
        Err(VerifyError::UnknownKey("stranger".into()))
    );
}

#[test]
fn right_keyid_wrong_key_is_a_bad_signature() {
    let mut req = redemption("idem-k");
    profile::sign_request(&key(9), CLIENT_KEYID, &mut req, NOW, "n-k").expect("signs");
    assert_eq!(verify(&req), Err(VerifyError::BadSignature));
}

fn provider_only(keyid: &str) -> Option<VerifyingKey> {
    (keyid == PROVIDER_KEYID).then(|| key(2).verifying_key())
}

#[test]
fn receipt_verifies_against_its_own_request() {
    let req = signed_redemption("n-a");
    let resp = signed_receipt(&req);
    let v = profile::verify_response(&resp, &req, &provider_only, NOW + 1)
        .expect("a receipt verifies against the request it answers");
    assert_eq!(v.keyid, PROVIDER_KEYID);
    assert!(
        v.components
            .iter()
            .any(|c| c.is_req() && c.key() == Some("sig1")),
        "the receipt is bound to the request's signature"
    );
}

#[test]
fn receipt_for_request_a_fails_against_request_b() {
    let a = signed_redemption("n-a");
    let resp = signed_receipt(&a);
    // Same method, URI, body and idempotency key: only the request signature differs.
    let b = signed_redemption("n-b");
    assert_eq!(
        profile::verify_response(&resp, &b, &provider_only, NOW + 1),
        Err(VerifyError::BadSignature)
    );
    // A request to another endpoint.
    let mut c = Request::new("POST", "https://provider.example/v1/quotes")
        .and_then(|r| r.with_header("Idempotency-Key", "idem-1"))
        .expect("valid")
        .with_body(a.body().to_vec());
    profile::sign_request(&key(1), CLIENT_KEYID, &mut c, NOW, "n-a").expect("signs");
    assert_eq!(
        profile::verify_response(&resp, &c, &provider_only, NOW + 1),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn tampered_receipt_fails() {
    let req = signed_redemption("n-a");
    let resp = signed_receipt(&req);
    let mut status = tipvault_wire::Response::new(200)
        .expect("valid")
        .with_body(resp.body().to_vec());
    for (n, v) in resp.headers() {
        status.push_header(n, v).expect("valid");
    }
    assert_eq!(
        profile::verify_response(&status, &req, &provider_only, NOW + 1),
        Err(VerifyError::BadSignature),
        "201 changed to 200"
    );
    let body = resp.clone().with_body(br#"{"receipt":"r-2"}"#.to_vec());
    assert!(matches!(
        profile::verify_response(&body, &req, &provider_only, NOW + 1),
        Err(VerifyError::DigestMismatch { .. })
    ));
}

#[test]
fn receipt_signed_by_the_client_key_is_refused() {
    let req = signed_redemption("n-a");
    let mut resp = tipvault_wire::Response::new(201).expect("valid");
    profile::sign_response(&key(1), CLIENT_KEYID, &mut resp, &req, NOW).expect("signs");
    assert_eq!(
        profile::verify_response(&resp, &req, &provider_only, NOW),
        Err(VerifyError::UnknownKey(CLIENT_KEYID.into())),
        "the client pins the provider's key; its own key is not a provider key"
    );
}
