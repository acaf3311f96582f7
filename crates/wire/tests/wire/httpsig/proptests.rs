//! Property tests: any body and any set of signed headers round-trip through
//! sign → verify, and any change to the body is caught by the digest.

use proptest::prelude::*;
use tipvault_wire::Request;
use tipvault_wire::httpsig::profile;
use tipvault_wire::httpsig::{ComponentId, SigParam, SignatureParams, VerifyError, sign, verify};
use tipvault_wire::{MessageRef, VerifyPolicy};

use crate::wire::support::{CLIENT_KEYID, NOW, key, keys, nonce_cache};

fn header_value() -> impl Strategy<Value = String> {
    // Visible ASCII plus inner spaces/tabs: what the message view accepts.
    proptest::string::string_regex("[\\x21-\\x7e]([\\x20-\\x7e\\t]{0,40}[\\x21-\\x7e])?")
        .expect("valid regex")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_request_round_trips(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        path in "/[a-z0-9/]{0,20}",
        query in proptest::option::of("[a-z]=[a-z0-9]{1,8}"),
        extra in proptest::collection::btree_map("x-[a-z]{1,8}", header_value(), 0..4),
        nonce in "[A-Za-z0-9_-]{8,32}",
        created in 0i64..4_000_000_000,
    ) {
        let uri = match &query {
            Some(q) => format!("https://provider.example{path}?{q}"),
            None => format!("https://provider.example{path}"),
        };
        let mut req = Request::new("POST", &uri).expect("valid").with_body(body.clone());
        req.push_header("Idempotency-Key", "idem").expect("valid");
        for (name, value) in &extra {
            req.push_header(name, value).expect("valid");
        }
        req.push_header("content-digest", &tipvault_wire::digest::content_digest(&body)).expect("valid");
        let mut components = profile::request_components(true);
        components.extend(extra.keys().map(|n| ComponentId::new(n).expect("valid")));
        let params = profile::request_params(created, &nonce, CLIENT_KEYID).expect("valid");
        let signed = sign(&key(1), MessageRef::Request(&req), "sig1", &components, &params).expect("signs");
        signed.apply_to_request(&mut req).expect("valid");

        let v = profile::verify_request(&req, &keys, &nonce_cache(), created);
        prop_assert!(v.is_ok(), "round trip failed: {:?}\nbase:\n{}", v, signed.base);

        // Flip one body byte (or append one to an empty body): the digest must catch it.
        let mut changed = body.clone();
        match changed.first_mut() {
            Some(b) => *b ^= 0x01,
            None => changed.push(0),
        }
        let tampered = req.clone().with_body(changed);
        let result = profile::verify_request(&tampered, &keys, &nonce_cache(), created);
        let caught = matches!(result, Err(VerifyError::DigestMismatch { .. }));
        prop_assert!(caught, "a changed body must be a digest mismatch, got {:?}", result);
    }

    #[test]
    fn param_order_never_matters_to_a_correct_verifier(
        order in Just(vec![0usize, 1, 2, 3, 4]).prop_shuffle(),
        nonce in "[a-z]{8}",
    ) {
        let all = [
            SigParam::Created(NOW),
            SigParam::Expires(NOW + 10),
            SigParam::Nonce(nonce),
            SigParam::KeyId(CLIENT_KEYID.into()),
            SigParam::Alg("ed25519".into()),
        ];
        let mut params = SignatureParams::new();
        for i in &order {
            params.push(all[*i].clone()).expect("unique");
        }
        let req = Request::new("GET", "https://provider.example/v1/catalog").expect("valid");
        let mut req = req.with_header("content-digest", &tipvault_wire::digest::content_digest(b"")).expect("valid");
        let comps = profile::request_components(false);
        let signed = sign(&key(1), MessageRef::Request(&req), "sig1", &comps, &params).expect("signs");
        signed.apply_to_request(&mut req).expect("valid");
        let policy: VerifyPolicy = profile::request_policy("GET");
        let v = verify(MessageRef::Request(&req), "sig1", &policy, &keys, Some(&nonce_cache()), NOW);
        prop_assert!(v.is_ok(), "order {:?} failed: {:?}", order, v);
    }
}
