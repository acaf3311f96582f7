//! `httpsig::verify`: the policy and the order-preservation guarantee, with signatures
//! made outside the Tipvault profile (as another conforming signer would).

use tipvault_wire::digest::content_digest;
use tipvault_wire::httpsig::profile::{self, REQUEST_LABEL};
use tipvault_wire::httpsig::{ComponentId, SigParam, SignatureParams, VerifyError, sign, verify};
use tipvault_wire::{MessageRef, Request};

use crate::wire::support::{CLIENT_KEYID, NOW, key, keys, nonce_cache, redemption, replace_header};

fn with_digest(mut req: Request) -> Request {
    let d = content_digest(req.body());
    req.push_header("content-digest", &d).expect("valid");
    req
}

/// Signs with explicit components and params, exactly as given.
fn foreign_sign(components: &[ComponentId], params: &SignatureParams) -> Request {
    let mut req = with_digest(redemption("idem-f"));
    let signed = sign(
        &key(1),
        MessageRef::Request(&req),
        REQUEST_LABEL,
        components,
        params,
    )
    .expect("signs");
    signed.apply_to_request(&mut req).expect("valid");
    req
}

fn c(name: &str) -> ComponentId {
    ComponentId::new(name).expect("valid")
}

fn reordered_params(nonce: &str) -> SignatureParams {
    SignatureParams::new()
        .with(SigParam::KeyId(CLIENT_KEYID.into()))
        .and_then(|p| p.with(SigParam::Alg("ed25519".into())))
        .and_then(|p| p.with(SigParam::Nonce(nonce.into())))
        .and_then(|p| p.with(SigParam::Expires(NOW + 60)))
        .and_then(|p| p.with(SigParam::Created(NOW)))
        .expect("valid")
}

fn reordered_components() -> Vec<ComponentId> {
    vec![
        c("idempotency-key"),
        c("content-digest"),
        ComponentId::target_uri(),
        ComponentId::method(),
        c("content-type"),
    ]
}

#[test]
fn another_signers_order_verifies() {
    // Components and params in an order the Tipvault profile never produces, plus an
    // extra covered header: a conforming verifier must still accept it.
    let req = foreign_sign(&reordered_components(), &reordered_params("n-o"));
    let input = req.header_values("signature-input").next().expect("signed");
    assert!(
        input.starts_with(r#"sig1=("idempotency-key" "content-digest""#)
            && input.contains(r#";keyid="device-1";alg="ed25519";nonce="n-o";expires="#),
        "{input}"
    );
    let v = profile::verify_request(&req, &keys, &nonce_cache(), NOW)
        .expect("valid signature in a foreign order must verify");
    assert_eq!(v.components, reordered_components());
    assert_eq!(v.params, reordered_params("n-o"));
}

#[test]
fn reordering_after_signing_breaks_the_signature() {
    // The order is part of what was signed: shuffling the header text is tampering.
    let req = foreign_sign(&reordered_components(), &reordered_params("n-s"));
    let input = req
        .header_values("signature-input")
        .next()
        .expect("signed")
        .to_owned();
    let shuffled = input.replace(
        r#";keyid="device-1";alg="ed25519""#,
        r#";alg="ed25519";keyid="device-1""#,
    );
    assert_ne!(shuffled, input);
    let mut tampered = req.clone();
    replace_header(&mut tampered, "signature-input", &shuffled);
    assert_eq!(
        profile::verify_request(&tampered, &keys, &nonce_cache(), NOW),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn missing_required_component_is_named() {
    let components = vec![
        ComponentId::method(),
        ComponentId::target_uri(),
        c("content-digest"),
    ];
    let params = profile::request_params(NOW, "n-mc", CLIENT_KEYID).expect("valid");
    let req = foreign_sign(&components, &params);
    assert_eq!(
        profile::verify_request(&req, &keys, &nonce_cache(), NOW),
        Err(VerifyError::MissingComponent("\"idempotency-key\"".into())),
        "a POST must cover idempotency-key"
    );
}

#[test]
fn req_flagged_component_does_not_satisfy_a_plain_requirement() {
    // `"@method";req` is a different identifier from `"@method"`.
    let policy = profile::response_policy();
    assert!(
        policy
            .required_components
            .contains(&ComponentId::method().with_req())
    );
    assert!(!policy.required_components.contains(&ComponentId::method()));
}

#[test]
fn missing_required_params_are_named() {
    let components = profile::request_components(true);
    for (missing, params) in [
        (
            "expires",
            SignatureParams::new()
                .with(SigParam::Created(NOW))
                .and_then(|p| p.with(SigParam::Nonce("n".into())))
                .and_then(|p| p.with(SigParam::KeyId(CLIENT_KEYID.into())))
                .and_then(|p| p.with(SigParam::Alg("ed25519".into()))),
        ),
        (
            "nonce",
            SignatureParams::new()
                .with(SigParam::Created(NOW))
                .and_then(|p| p.with(SigParam::Expires(NOW + 60)))
                .and_then(|p| p.with(SigParam::KeyId(CLIENT_KEYID.into())))
                .and_then(|p| p.with(SigParam::Alg("ed25519".into()))),
        ),
        (
            "alg",
            SignatureParams::new()
                .with(SigParam::Created(NOW))
                .and_then(|p| p.with(SigParam::Expires(NOW + 60)))
                .and_then(|p| p.with(SigParam::Nonce("n".into())))
                .and_then(|p| p.with(SigParam::KeyId(CLIENT_KEYID.into()))),
        ),
    ] {
        let req = foreign_sign(&components, &params.expect("valid"));
        assert_eq!(
            profile::verify_request(&req, &keys, &nonce_cache(), NOW),
            Err(VerifyError::MissingParam(missing))
        );
    }
}

#[test]
fn window_longer_than_five_minutes_is_refused() {
    let params = SignatureParams::new()
        .with(SigParam::Created(NOW))
        .and_then(|p| p.with(SigParam::Expires(NOW + 301)))
        .and_then(|p| p.with(SigParam::Nonce("n-long".into())))
        .and_then(|p| p.with(SigParam::KeyId(CLIENT_KEYID.into())))
        .and_then(|p| p.with(SigParam::Alg("ed25519".into())))
        .expect("valid");
    let req = foreign_sign(&profile::request_components(true), &params);
    assert_eq!(
        profile::verify_request(&req, &keys, &nonce_cache(), NOW),
        Err(VerifyError::WindowTooLong {
            window: 301,
            max: 300
        })
    );
}

#[test]
fn foreign_alg_is_refused_before_any_key_use() {
    let mut req = crate::wire::support::signed_redemption("n-alg");
    let input = req
        .header_values("signature-input")
        .next()
        .expect("signed")
        .to_owned();
    replace_header(
        &mut req,
        "signature-input",
        &input.replace(r#"alg="ed25519""#, r#"alg="hmac-sha256""#),
    );
    assert_eq!(
        profile::verify_request(&req, &keys, &nonce_cache(), NOW),
        Err(VerifyError::UnsupportedAlgorithm("hmac-sha256".into()))
    );
}

#[test]
fn unsigned_and_malformed_messages() {
    let req = with_digest(redemption("idem"));
    assert_eq!(
        profile::verify_request(&req, &keys, &nonce_cache(), NOW),
        Err(VerifyError::MissingSignature("sig1".into()))
    );
    for (input, sig) in [
        ("sig1=(", "sig1=:AA==:"),
        (
            r#"sig1=("@method");created=1;keyid="device-1";bogus=1"#,
            "sig1=:AA==:",
        ),
        (
            r#"sig1=("@method" "@method");keyid="device-1""#,
            "sig1=:AA==:",
        ),
        (r#"sig1=("@method");keyid="device-1""#, "sig1=(a)"),
    ] {
        let r = req
            .clone()
            .with_header("Signature-Input", input)
            .and_then(|r| r.with_header("Signature", sig))
            .expect("valid");
        let policy = tipvault_wire::VerifyPolicy {
            required_components: vec![],
            required_params: vec![],
            max_window_secs: 300,
            max_skew_secs: 30,
            tag: None,
        };
        assert!(
            matches!(
                verify(MessageRef::Request(&r), "sig1", &policy, &keys, None, NOW),
                Err(VerifyError::Malformed(_))
            ),
            "{input} / {sig} must be malformed"
        );
    }
}

#[test]
fn the_right_label_is_chosen_among_several_signatures() {
    // A proxy added its own signature under another label with an unknown key.
    let mut req = crate::wire::support::signed_redemption("n-l");
    let mut proxy_view = req.clone();
    let proxy = sign(
        &key(7),
        MessageRef::Request(&proxy_view),
        "proxy",
        &[ComponentId::method()],
        &SignatureParams::new()
            .with(SigParam::KeyId("proxy-key".into()))
            .expect("valid"),
    )
    .expect("signs");
    proxy.apply_to_request(&mut proxy_view).expect("valid");
    req = proxy_view;
    assert_eq!(req.header_values("signature").count(), 2);
    profile::verify_request(&req, &keys, &nonce_cache(), NOW)
        .expect("sig1 verifies whatever else is present");
}
