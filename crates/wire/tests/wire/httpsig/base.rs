//! `httpsig::base`: signature bases for Tipvault's own messages, line by line.

use tipvault_wire::httpsig::{ComponentId, SigParam, SignatureParams, signature_base};
use tipvault_wire::{MessageRef, Request, Response};

fn params() -> SignatureParams {
    SignatureParams::new()
        .with(SigParam::Created(1))
        .and_then(|p| p.with(SigParam::KeyId("k".into())))
        .expect("valid")
}

fn ids(names: &[&str]) -> Vec<ComponentId> {
    names
        .iter()
        .map(|n| ComponentId::new(n).expect("valid"))
        .collect()
}

#[test]
fn request_derived_components_and_trimmed_fields() {
    // The view normalises scheme/host case and the default port (RFC 3986 §6.2.2-6.2.3),
    // so @target-uri and @authority agree however the caller spelled the URI.
    let req = Request::new("POST", "https://Provider.Example:443/v1/quotes?a=1&b=%20")
        .and_then(|r| r.with_header("Idempotency-Key", "  idem-1\t"))
        .and_then(|r| r.with_header("Accept", "a/b"))
        .and_then(|r| r.with_header("accept", "c/d"))
        .expect("valid");
    let base = signature_base(
        MessageRef::Request(&req),
        &ids(&[
            "@method",
            "@target-uri",
            "@authority",
            "@scheme",
            "@request-target",
            "@path",
            "@query",
            "idempotency-key",
            "accept",
        ]),
        &params(),
    )
    .expect("all present");
    let expected = "\"@method\": POST\n\
\"@target-uri\": https://provider.example/v1/quotes?a=1&b=%20\n\
\"@authority\": provider.example\n\
\"@scheme\": https\n\
\"@request-target\": /v1/quotes?a=1&b=%20\n\
\"@path\": /v1/quotes\n\
\"@query\": ?a=1&b=%20\n\
\"idempotency-key\": idem-1\n\
\"accept\": a/b, c/d\n\
\"@signature-params\": (\"@method\" \"@target-uri\" \"@authority\" \"@scheme\" \"@request-target\" \"@path\" \"@query\" \"idempotency-key\" \"accept\");created=1;keyid=\"k\"";
    assert_eq!(base, expected);
}

#[test]
fn response_base_with_req_components() {
    let req = Request::new("POST", "https://example.com/foo")
        .and_then(|r| r.with_header("Content-Digest", "sha-256=:AAAA:"))
        .expect("valid");
    let resp = Response::new(503)
        .and_then(|r| r.with_header("Content-Digest", "sha-256=:BBBB:"))
        .expect("valid");
    let components = vec![
        ComponentId::status(),
        ComponentId::new("content-digest").expect("valid"),
        ComponentId::method().with_req(),
        ComponentId::new("content-digest")
            .expect("valid")
            .with_req(),
    ];
    let base = signature_base(
        MessageRef::Response {
            response: &resp,
            request: Some(&req),
        },
        &components,
        &params(),
    )
    .expect("all present");
    assert_eq!(
        base,
        "\"@status\": 503\n\
\"content-digest\": sha-256=:BBBB:\n\
\"@method\";req: POST\n\
\"content-digest\";req: sha-256=:AAAA:\n\
\"@signature-params\": (\"@status\" \"content-digest\" \"@method\";req \"content-digest\";req);created=1;keyid=\"k\"",
        "the same field name appears once from the response and once from the request (§2.4)"
    );
}

#[test]
fn req_components_need_the_request() {
    let resp = Response::new(200).expect("valid");
    assert!(
        signature_base(
            MessageRef::Response {
                response: &resp,
                request: None
            },
            &[ComponentId::method().with_req()],
            &params(),
        )
        .is_err(),
        "without the request, a req component cannot be resolved"
    );
}

#[test]
fn empty_header_value_gives_an_empty_value() {
    // RFC 9421 §2.1: an empty field value is signed as an empty string after ": ".
    let req = Request::new("GET", "https://a/")
        .and_then(|r| r.with_header("X-Empty", ""))
        .expect("valid");
    let base =
        signature_base(MessageRef::Request(&req), &ids(&["x-empty"]), &params()).expect("present");
    assert!(base.starts_with("\"x-empty\": \n"), "{base}");
}
