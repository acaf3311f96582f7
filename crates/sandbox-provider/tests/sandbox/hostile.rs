//! A hostile or broken provider against the client: every lie must become a typed error
//! that leaves the leg safe (outcome unknown), never a verified receipt.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use chrono::Utc;
use tipvault_money::Currency;
use tipvault_wire::client::{ClientConfig, ClientError, ProviderClient, Unknown};
use tipvault_wire::digest::content_digest;
use tipvault_wire::httpsig::{SigningKey, profile};
use tipvault_wire::protocol::{
    self, Amount, DocumentError, ReceiptBody, ReceiptError, RedemptionState, RedemptionStatus,
    SignedReceipt, V1, redemption_id,
};
use tipvault_wire::{Request, Response};

use crate::support::top_up;

const KEY_ID: &str = "hostile-1";
const DEVICE: &str = "dev_victim";

#[derive(Clone, Copy, Debug)]
enum Lie {
    ReceiptSignedByAnotherKey,
    ReceiptForAnotherRequest,
    ChangedAmount,
    MalformedJson,
    HugeBody,
    Redirect,
    HtmlErrorPage,
    UnsignedSuccess,
    AnswerBoundToAnotherRequest,
    ReceiptUnderAnotherKeyId,
    BalanceWith202,
}

struct Hostile {
    key: SigningKey,
    other: SigningKey,
    lie: Lie,
}

fn now() -> i64 {
    Utc::now().timestamp()
}

fn receipt(idem: &str, amount: &str, body_digest: String, key: &SigningKey) -> Vec<u8> {
    let r = SignedReceipt::sign(
        key,
        &ReceiptBody {
            v: V1,
            provider_id: "hostile".into(),
            provider_key_id: KEY_ID.into(),
            redemption_id: redemption_id(DEVICE, idem),
            device_id: DEVICE.into(),
            idempotency_key: idem.into(),
            product: "krw-mobile-top-up".into(),
            amount: Amount::new(amount).unwrap(),
            fee: Amount::new("0").unwrap(),
            currency: Currency::KRW,
            request_digest: body_digest,
            issued_at: Utc::now(),
        },
    )
    .unwrap();
    protocol::to_bytes(
        "body",
        &RedemptionStatus {
            v: V1,
            redemption_id: redemption_id(DEVICE, idem),
            state: RedemptionState::Confirmed,
            receipt: r,
        },
    )
    .unwrap()
}

fn signed(h: &Hostile, status: u16, body: Vec<u8>, bound_to: &Request) -> axum::response::Response {
    let mut resp = Response::new(status).unwrap().with_body(body.clone());
    profile::sign_response(&h.key, KEY_ID, &mut resp, bound_to, now()).unwrap();
    let mut b = axum::http::Response::builder().status(status);
    for (n, v) in resp.headers() {
        b = b.header(n.as_str(), v.as_str());
    }
    b.body(Body::from(body)).unwrap()
}

async fn lie(
    State(h): State<Arc<Hostile>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let view = Request::from_http_parts(&parts, "http", &bytes).unwrap();
    let idem = view
        .header_values("idempotency-key")
        .next()
        .unwrap_or_default()
        .to_owned();
    let digest = content_digest(&bytes);
    match h.lie {
        Lie::ReceiptSignedByAnotherKey => {
            let body = receipt(&idem, "1000", digest, &h.other);
            signed(&h, 201, body, &view)
        }
        Lie::ReceiptForAnotherRequest => {
            let other = protocol::to_bytes("body", &top_up("3000")).unwrap();
            let body = receipt(&idem, "3000", content_digest(&other), &h.key);
            signed(&h, 201, body, &view)
        }
        Lie::ChangedAmount => {
            let body = receipt(&idem, "10000", digest, &h.key);
            signed(&h, 201, body, &view)
        }
        Lie::MalformedJson => signed(&h, 201, b"{\"v\":1,".to_vec(), &view),
        Lie::HugeBody => signed(&h, 201, vec![b'x'; 2 << 20], &view),
        Lie::Redirect => axum::http::Response::builder()
            .status(307)
            .header("location", "http://127.0.0.1:9/v1/redemptions")
            .body(Body::empty())
            .unwrap(),
        Lie::HtmlErrorPage => axum::http::Response::builder()
            .status(502)
            .header("content-type", "text/html")
            .body(Body::from(Bytes::from_static(
                b"<html><body>Bad Gateway</body></html>",
            )))
            .unwrap(),
        Lie::UnsignedSuccess => axum::http::Response::builder()
            .status(201)
            .body(Body::from(receipt(&idem, "1000", digest, &h.key)))
            .unwrap(),
        Lie::ReceiptUnderAnotherKeyId => {
            // Signed by the pinned key, but naming another key id (envelope and body agree).
            let r = SignedReceipt::sign(
                &h.key,
                &ReceiptBody {
                    v: V1,
                    provider_id: "hostile".into(),
                    provider_key_id: "hostile-renamed".into(),
                    redemption_id: redemption_id(DEVICE, &idem),
                    device_id: DEVICE.into(),
                    idempotency_key: idem.clone(),
                    product: "krw-mobile-top-up".into(),
                    amount: Amount::new("1000").unwrap(),
                    fee: Amount::new("0").unwrap(),
                    currency: Currency::KRW,
                    request_digest: digest,
                    issued_at: Utc::now(),
                },
            )
            .unwrap();
            let body = protocol::to_bytes(
                "body",
                &RedemptionStatus {
                    v: V1,
                    redemption_id: redemption_id(DEVICE, &idem),
                    state: RedemptionState::Confirmed,
                    receipt: r,
                },
            )
            .unwrap();
            signed(&h, 201, body, &view)
        }
        Lie::BalanceWith202 => {
            let body = protocol::to_bytes(
                "body",
                &protocol::Balance {
                    v: V1,
                    device_id: DEVICE.into(),
                    balances: Vec::new(),
                    as_of: Utc::now(),
                },
            )
            .unwrap();
            signed(&h, 202, body, &view)
        }
        Lie::AnswerBoundToAnotherRequest => {
            // A genuine answer to an earlier, different request, replayed to this one.
            let device = SigningKey::from_bytes(&[42; 32]);
            let mut earlier = Request::new("POST", &view.target_uri().to_string())
                .unwrap()
                .with_header("idempotency-key", &idem)
                .unwrap()
                .with_body(bytes.to_vec());
            profile::sign_request(&device, DEVICE, &mut earlier, now(), "ZWFybGllcg").unwrap();
            let body = receipt(&idem, "1000", digest, &h.key);
            signed(&h, 201, body, &earlier)
        }
    }
}

/// A client of a provider that tells `lie_kind`, its key pinned and its device paired.
async fn client_of(lie_kind: Lie) -> ProviderClient {
    let hostile = Arc::new(Hostile {
        key: SigningKey::from_bytes(&[11; 32]),
        other: SigningKey::from_bytes(&[12; 32]),
        lie: lie_kind,
    });
    let public = hostile.key.verifying_key();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().fallback(lie).with_state(hostile);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let mut client = ProviderClient::new(
        ClientConfig::new(&format!("http://{addr}")),
        SigningKey::from_bytes(&[42; 32]),
    )
    .unwrap();
    client.set_device_id(DEVICE);
    client.pin_provider(KEY_ID, public);
    client
}

async fn against(lie_kind: Lie) -> ClientError {
    let client = client_of(lie_kind).await;
    let err = client.redeem("leg-1", &top_up("1000")).await.unwrap_err();
    assert!(
        !err.definitely_not_applied(),
        "{lie_kind:?}: a lying provider must leave the leg outcome-unknown, got {err}"
    );
    err
}

#[tokio::test]
async fn a_receipt_signed_by_another_key_is_refused() {
    let err = against(Lie::ReceiptSignedByAnotherKey).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::Receipt(ReceiptError::Document(
                DocumentError::BadSignature
            )))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_receipt_for_another_request_is_refused() {
    let err = against(Lie::ReceiptForAnotherRequest).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::Receipt(ReceiptError::Mismatch {
                field: "request_digest",
                ..
            }))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_changed_amount_is_refused() {
    let err = against(Lie::ChangedAmount).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::Receipt(ReceiptError::Mismatch {
                field: "amount",
                ..
            }))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_json_is_refused() {
    let err = against(Lie::MalformedJson).await;
    assert!(
        matches!(err, ClientError::OutcomeUnknown(Unknown::Malformed(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_huge_body_is_refused() {
    let err = against(Lie::HugeBody).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::BodyTooLarge { .. })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let err = against(Lie::Redirect).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::Redirect { status: 307, .. })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_error_page_is_refused() {
    let err = against(Lie::HtmlErrorPage).await;
    assert!(
        matches!(err, ClientError::OutcomeUnknown(Unknown::BadSignature(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unsigned_success_is_refused() {
    let err = against(Lie::UnsignedSuccess).await;
    assert!(
        matches!(err, ClientError::OutcomeUnknown(Unknown::BadSignature(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_answer_bound_to_another_request_is_refused() {
    let err = against(Lie::AnswerBoundToAnotherRequest).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::BadSignature(
                tipvault_wire::VerifyError::BadSignature
            ))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_receipt_naming_another_key_id_is_refused() {
    // The signature verifies under the pinned key; the id it names is not the pinned one.
    let err = against(Lie::ReceiptUnderAnotherKeyId).await;
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::Receipt(ReceiptError::Document(
                DocumentError::KeyNotPinned { .. }
            )))
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_status_the_protocol_does_not_use_is_not_success() {
    // A signed 202 with a well-formed balance: a read answers 200, so its meaning is unknown.
    let client = client_of(Lie::BalanceWith202).await;
    let err = client.balance().await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::UnexpectedStatus(202))
        ),
        "{err}"
    );
}
