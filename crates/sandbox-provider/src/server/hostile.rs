//! The lies of a hostile provider ([`Hostility`]), told in place of an honest redemption
//! answer the sandbox has already computed (and committed).
//!
//! Decision: the lies that concern the receipt are wrapped in a correctly signed HTTP response
//! bound to the request, so the client's receipt checks — not its response-signature check —
//! are what refuse them; the transport lies (redirect, HTML pages) are unsigned, as a proxy
//! or a captive portal would send them.

use std::time::Duration;

use axum::body::{Body, Bytes};
use tipvault_money::Money;
use tipvault_wire::digest::content_digest;
use tipvault_wire::httpsig::{SigningKey, profile};
use tipvault_wire::protocol::{
    self, Amount, ReceiptBody, RedemptionStatus, SignedReceipt, redemption_id,
};
use tipvault_wire::{Request, Response};

use super::{App, http_response};
use crate::Hostility;

/// The key a [`Hostility::WrongSignature`] receipt is signed with.
const IMPOSTOR_SEED: [u8; 32] = [0x66; 32];

/// The lie for `view`, given the honest `status` and `body`.
pub(super) fn answer(
    app: &App,
    lie: Hostility,
    view: &Request,
    status: u16,
    body: Vec<u8>,
) -> axum::response::Response {
    match lie {
        Hostility::WrongSignature => receipt_lie(app, view, status, body, |_, r| {
            SignedReceipt::sign(&SigningKey::from_bytes(&IMPOSTOR_SEED), r)
        }),
        Hostility::ReceiptForAnotherRequest => receipt_lie(app, view, status, body, |key, r| {
            let mut other = r.clone();
            other.idempotency_key = format!("{}-other", r.idempotency_key);
            other.redemption_id = redemption_id(&r.device_id, &other.idempotency_key);
            other.request_digest = content_digest(b"{\"another\":\"request\"}");
            SignedReceipt::sign(key, &other)
        }),
        Hostility::ChangedAmount => receipt_lie(app, view, status, body, |key, r| {
            let mut changed = r.clone();
            if let Ok(m) = r.amount.money(r.currency)
                && let Ok(minor) = m.to_minor()
            {
                let more = Money::from_minor(minor.saturating_mul(10).max(1), r.currency);
                changed.amount = Amount::from_money(more);
            }
            SignedReceipt::sign(key, &changed)
        }),
        Hostility::MalformedJson => {
            let cut = body.get(..body.len() / 2).unwrap_or_default().to_vec();
            signed(app, view, status, cut, None)
        }
        Hostility::HugeBody => {
            // 32 chunks of 64 KiB, no Content-Length: the client must cap while reading.
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let stream = futures_util::stream::iter(
                (0..32).map(move |_| Ok::<Bytes, std::io::Error>(chunk.clone())),
            );
            raw(status, "application/json", Body::from_stream(stream))
        }
        Hostility::SlowDrip => signed(
            app,
            view,
            status,
            body,
            Some((1, Duration::from_millis(50))),
        ),
        Hostility::Redirect => axum::http::Response::builder()
            .status(307)
            .header(
                "location",
                format!("http://127.0.0.1:9{}", view.target_uri().path()),
            )
            .body(Body::empty())
            .unwrap_or_else(|_| axum::http::Response::new(Body::empty())),
        Hostility::HtmlError => raw(
            500,
            "text/html",
            Body::from("<html><body><h1>500 Internal Server Error</h1></body></html>"),
        ),
        Hostility::HtmlOk => raw(
            200,
            "text/html",
            Body::from("<html><body>Please sign in to the network.</body></html>"),
        ),
    }
}

/// Replaces the receipt of an honest redemption answer with `forge(provider key, receipt)`;
/// an answer without a receipt (a refusal) is passed through honestly.
fn receipt_lie(
    app: &App,
    view: &Request,
    status: u16,
    body: Vec<u8>,
    forge: impl FnOnce(&SigningKey, &ReceiptBody) -> Result<SignedReceipt, protocol::ProtocolError>,
) -> axum::response::Response {
    let forged = protocol::parse::<RedemptionStatus>("redemption", &body)
        .ok()
        .and_then(|mut s| {
            let receipt: ReceiptBody = serde_json::from_str(&s.receipt.0.payload).ok()?;
            s.receipt = forge(&app.key, &receipt).ok()?;
            protocol::to_bytes("redemption", &s).ok()
        });
    signed(app, view, status, forged.unwrap_or(body), None)
}

/// `body` with a valid response signature bound to `view`.
fn signed(
    app: &App,
    view: &Request,
    status: u16,
    body: Vec<u8>,
    drip: Option<(usize, Duration)>,
) -> axum::response::Response {
    let Ok(mut response) = Response::new(status).map(|r| r.with_body(body.clone())) else {
        return http_response(500, Vec::new(), body, None);
    };
    let headers =
        match profile::sign_response(&app.key, &app.key_id, &mut response, view, (app.clock)()) {
            Ok(_) => response.headers().to_vec(),
            Err(_) => Vec::new(),
        };
    http_response(status, headers, body, drip)
}

fn raw(status: u16, content_type: &str, body: Body) -> axum::response::Response {
    axum::http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body)
        .unwrap_or_else(|_| axum::http::Response::new(Body::empty()))
}
