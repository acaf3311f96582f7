//! RFC 9421 Appendix B.2.6 ("Signing a Request Using ed25519") reproduced byte for byte
//! with the Appendix B.1.4 key over the Appendix B.2 test request. Ed25519 is
//! deterministic (RFC 8032), so the signature itself must match, not just verify.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tipvault_wire::httpsig::{
    ComponentId, SigParam, SignatureParams, VerifyError, VerifyPolicy, sign, signature_base, verify,
};
use tipvault_wire::{MessageRef, Request};

use crate::wire::support::{RFC_KEYID, rfc_signing_key, rfc_test_request, rfc_verifying_key};

/// The signature base printed in B.2.6 (RFC 8792 line wrapping undone).
const B26_BASE: &str = "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
\"@method\": POST\n\
\"@path\": /foo\n\
\"@authority\": example.com\n\
\"content-type\": application/json\n\
\"content-length\": 18\n\
\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";

/// The `Signature-Input` and `Signature` values printed in B.2.6.
const B26_SIGNATURE_INPUT: &str = "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
const B26_SIGNATURE: &str = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";

fn b26_components() -> Vec<ComponentId> {
    [
        "date",
        "@method",
        "@path",
        "@authority",
        "content-type",
        "content-length",
    ]
    .iter()
    .map(|n| ComponentId::new(n).expect("valid name"))
    .collect()
}

fn b26_params() -> SignatureParams {
    SignatureParams::new()
        .with(SigParam::Created(1_618_884_473))
        .and_then(|p| p.with(SigParam::KeyId(RFC_KEYID.into())))
        .expect("valid params")
}

/// Accepts the RFC's 2021 timestamps and its two parameters.
fn rfc_policy() -> VerifyPolicy {
    VerifyPolicy {
        required_components: vec![],
        required_params: vec!["created"],
        max_window_secs: 300,
        max_skew_secs: 30,
        tag: None,
    }
}

fn rfc_keys(keyid: &str) -> Option<tipvault_wire::httpsig::VerifyingKey> {
    (keyid == RFC_KEYID).then(rfc_verifying_key)
}

#[test]
fn test_key_pems_match_the_rfc_jwk() {
    // B.1.4 also gives the key as a JWK; the PEM and JWK must describe one key pair.
    let x = URL_SAFE_NO_PAD.encode(rfc_verifying_key().as_bytes());
    assert_eq!(x, "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs");
    assert_eq!(
        rfc_signing_key().verifying_key(),
        rfc_verifying_key(),
        "the private PEM's public half must be the public PEM"
    );
}

#[test]
fn b26_signature_base_is_byte_identical() {
    let req = rfc_test_request();
    let base = signature_base(MessageRef::Request(&req), &b26_components(), &b26_params())
        .expect("all components present");
    assert_eq!(base, B26_BASE);
}

#[test]
fn b26_signature_fields_are_byte_identical() {
    let req = rfc_test_request();
    let signed = sign(
        &rfc_signing_key(),
        MessageRef::Request(&req),
        "sig-b26",
        &b26_components(),
        &b26_params(),
    )
    .expect("signs");
    assert_eq!(signed.base, B26_BASE);
    assert_eq!(signed.signature_input, B26_SIGNATURE_INPUT);
    assert_eq!(
        signed.signature, B26_SIGNATURE,
        "Ed25519 is deterministic: the RFC's exact signature must come out"
    );
}

fn rfc_request_with_rfc_signature() -> Request {
    rfc_test_request()
        .with_header("Signature-Input", B26_SIGNATURE_INPUT)
        .and_then(|r| r.with_header("Signature", B26_SIGNATURE))
        .expect("valid headers")
}

#[test]
fn the_rfcs_own_signature_verifies_with_the_rfcs_public_key() {
    let req = rfc_request_with_rfc_signature();
    let verified = verify(
        MessageRef::Request(&req),
        "sig-b26",
        &rfc_policy(),
        &rfc_keys,
        None,
        1_618_884_473,
    )
    .expect("the RFC signature must verify");
    assert_eq!(verified.keyid, RFC_KEYID);
    assert_eq!(verified.components, b26_components());
    assert_eq!(
        verified.digest, None,
        "content-digest is not covered in B.2.6"
    );
}

#[test]
fn the_rfcs_signature_fails_on_a_changed_date() {
    let mut req = rfc_request_with_rfc_signature();
    crate::wire::support::replace_header(&mut req, "date", "Tue, 20 Apr 2021 02:07:56 GMT");
    assert_eq!(
        verify(
            MessageRef::Request(&req),
            "sig-b26",
            &rfc_policy(),
            &rfc_keys,
            None,
            1_618_884_473,
        ),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn the_b2_test_request_digest_is_valid_sha512() {
    let req = rfc_test_request();
    let value = req.header_values("content-digest").next().expect("present");
    assert_eq!(
        tipvault_wire::digest::verify_content_digest(value, req.body()),
        Ok(tipvault_wire::DigestAlgorithm::Sha512)
    );
}

/// RFC 9421 Appendix B.2 "test-response".
fn rfc_test_response() -> tipvault_wire::Response {
    tipvault_wire::Response::new(200)
        .and_then(|r| r.with_header("Date", "Tue, 20 Apr 2021 02:07:56 GMT"))
        .and_then(|r| r.with_header("Content-Type", "application/json"))
        .and_then(|r| {
            r.with_header(
                "Content-Digest",
                "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:",
            )
        })
        .and_then(|r| r.with_header("Content-Length", "23"))
        .map(|r| r.with_body(br#"{"message": "good dog"}"#.to_vec()))
        .expect("the RFC response is valid")
}

#[test]
fn b24_response_signature_base_is_byte_identical() {
    // B.2.4 signs with ECDSA (non-deterministic, not implemented here), but its
    // signature base is algorithm-independent and must match exactly.
    let resp = rfc_test_response();
    let components: Vec<ComponentId> = [
        "@status",
        "content-type",
        "content-digest",
        "content-length",
    ]
    .iter()
    .map(|n| ComponentId::new(n).expect("valid"))
    .collect();
    let params = SignatureParams::new()
        .with(SigParam::Created(1_618_884_473))
        .and_then(|p| p.with(SigParam::KeyId("test-key-ecc-p256".into())))
        .expect("valid");
    let base = signature_base(
        MessageRef::Response {
            response: &resp,
            request: None,
        },
        &components,
        &params,
    )
    .expect("all present");
    assert_eq!(
        base,
        "\"@status\": 200\n\
\"content-type\": application/json\n\
\"content-digest\": sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:\n\
\"content-length\": 23\n\
\"@signature-params\": (\"@status\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-ecc-p256\""
    );
    assert_eq!(
        tipvault_wire::digest::verify_content_digest(
            resp.header_values("content-digest")
                .next()
                .expect("present"),
            resp.body()
        ),
        Ok(tipvault_wire::DigestAlgorithm::Sha512),
        "the RFC's response digest matches its body"
    );
}
