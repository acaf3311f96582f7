//! `tipvault_wire::message`: the framework-agnostic view and its `http` adapters, used
//! end to end: an `http::Request` signed by a client verifies when the server sees it in
//! origin form.

use tipvault_wire::httpsig::profile;
use tipvault_wire::{MessageError, Request, Response};

use crate::wire::support::{CLIENT_KEYID, NOW, key, keys, nonce_cache};

#[test]
fn client_and_server_views_of_one_request_agree() {
    // Client side: absolute URI.
    let client = http::Request::builder()
        .method("POST")
        .uri("https://provider.example/v1/redemptions?lang=ko")
        .header("Idempotency-Key", "idem-9")
        .body(b"{}".to_vec())
        .expect("valid http request");
    let (parts, body) = client.into_parts();
    let mut view = Request::from_http_parts(&parts, "https", &body).expect("view");
    profile::sign_request(&key(1), CLIENT_KEYID, &mut view, NOW, "n-1").expect("signs");

    // Server side: origin-form URI, Host header, the signed headers as received.
    let mut server = http::Request::builder()
        .method("POST")
        .uri("/v1/redemptions?lang=ko")
        .header("Host", "provider.example");
    for (name, value) in view.headers() {
        server = server.header(name.as_str(), value.as_str());
    }
    let (parts, ()) = server.body(()).expect("valid").into_parts();
    let seen = Request::from_http_parts(&parts, "https", &body).expect("view");
    assert_eq!(seen.target_uri(), view.target_uri());
    let verified = profile::verify_request(&seen, &keys, &nonce_cache(), NOW)
        .expect("the server must accept what the client signed");
    assert_eq!(verified.keyid, CLIENT_KEYID);
}

#[test]
fn response_view_from_http_parts() {
    let resp = http::Response::builder()
        .status(201)
        .header("Content-Type", "application/json")
        .header("X-Two", "a")
        .header("x-two", "b")
        .body(())
        .expect("valid");
    let (parts, ()) = resp.into_parts();
    let view = Response::from_http_parts(&parts, b"{}").expect("view");
    assert_eq!(view.status(), 201);
    assert_eq!(view.header_values("X-TWO").collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(view.body(), b"{}");
}

#[test]
fn origin_form_without_host_is_rejected() {
    let req = http::Request::builder()
        .uri("/v1/catalog")
        .body(())
        .expect("valid");
    let (parts, ()) = req.into_parts();
    assert!(matches!(
        Request::from_http_parts(&parts, "https", b""),
        Err(MessageError::InvalidTargetUri(_))
    ));
}

#[test]
fn invalid_inputs_are_rejected() {
    assert!(matches!(
        Request::new("GE T", "https://a/"),
        Err(MessageError::InvalidMethod(_))
    ));
    assert!(matches!(
        Request::new("GET", "ftp://a/"),
        Err(MessageError::InvalidTargetUri(_))
    ));
    let r = Request::new("GET", "https://a/").expect("valid");
    assert!(matches!(
        r.clone().with_header("bad name", "x"),
        Err(MessageError::InvalidHeaderName(_))
    ));
    assert!(matches!(
        r.with_header("x", "caf\u{e9}"),
        Err(MessageError::InvalidHeaderValue(_))
    ));
}
