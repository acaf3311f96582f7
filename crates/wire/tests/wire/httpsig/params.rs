//! `httpsig::params`: all six registered parameters, serialised in the signer's order.

use tipvault_wire::httpsig::{
    ComponentId, ParamError, SigParam, SignatureParams, parse_signature, serialize_signature_params,
};

#[test]
fn all_registered_params_serialise_in_given_order() {
    let params = SignatureParams::new()
        .with(SigParam::Tag("tipvault-v1".into()))
        .and_then(|p| p.with(SigParam::Alg("ed25519".into())))
        .and_then(|p| p.with(SigParam::KeyId("device-1".into())))
        .and_then(|p| p.with(SigParam::Nonce("bm9uY2U".into())))
        .and_then(|p| p.with(SigParam::Expires(1_700_000_300)))
        .and_then(|p| p.with(SigParam::Created(1_700_000_000)))
        .expect("valid");
    let value = serialize_signature_params(&[ComponentId::method()], &params);
    assert_eq!(
        value,
        r#"("@method");tag="tipvault-v1";alg="ed25519";keyid="device-1";nonce="bm9uY2U";expires=1700000300;created=1700000000"#
    );
    let parsed = parse_signature(&format!("sig1={value}"), "sig1=:AA==:", "sig1").expect("parses");
    assert_eq!(
        parsed.params, params,
        "parsing keeps the order, so re-serialising is byte-identical"
    );
    assert_eq!(
        serialize_signature_params(&parsed.components, &parsed.params),
        value
    );
}

#[test]
fn empty_component_list_is_serialisable() {
    assert_eq!(
        serialize_signature_params(&[], &SignatureParams::new()),
        "()"
    );
}

#[test]
fn each_param_at_most_once() {
    let p = SignatureParams::new()
        .with(SigParam::Nonce("a".into()))
        .expect("valid");
    assert_eq!(
        p.with(SigParam::Nonce("b".into())),
        Err(ParamError::Duplicate("nonce"))
    );
}
