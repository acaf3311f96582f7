//! Request handling: one dispatcher that reads the body under a size cap, verifies the
//! RFC 9421 signature, applies idempotency, runs the endpoint, and signs the answer bound to
//! the request. Faults are injected around it.
//!
//! Decision: routing is a plain match on method and path segments inside one handler rather
//! than axum extractors, so that *every* route — including unknown ones and refusals — goes
//! through the same verify → handle → sign path and no answer leaves unsigned by accident.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::State;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest as _, Sha256};
use tipvault_money::Money;
use tipvault_preview::{Catalog, Product};
use tipvault_wire::digest::content_digest;
use tipvault_wire::httpsig::{SigningKey, VerifyError, VerifyingKey, profile};
use tipvault_wire::protocol::{
    self, Amount, Balance, BalanceLine, DisputeAck, DisputeRequest, DocumentKind, ErrorBody,
    ErrorCode, Paired, PairingRequest, Quote, QuoteRequest, ReceiptBody, RedemptionRequest,
    RedemptionState, RedemptionStatus, SignedCatalog, SignedDocument, SignedReceipt, V1,
    VerificationClaims, VerificationRequest,
};
use tipvault_wire::{Request, Response};

use crate::{BalanceLie, Clock, Config, Faults, Hostility, store::Store};

mod hostile;

/// A deterministic generator for fault decisions (splitmix64): reproducible runs without
/// depending on a crate's choice of algorithm.
struct FaultRng(u64);

impl FaultRng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn roll(&mut self, permille: u16) -> bool {
        permille > 0 && self.next() % 1000 < u64::from(permille)
    }
}

pub(crate) struct App {
    store: Arc<Store>,
    key: SigningKey,
    key_id: String,
    /// The offer (products, fees, limits): what requests are judged against.
    catalog: Catalog,
    /// The issue being served (the offer with dates) and its signed body. Re-issued with the
    /// same version and new dates once it is stale, as a real provider re-publishes an
    /// unchanged catalog, so a long-running sandbox never serves an expired one.
    issued: Mutex<(Catalog, Vec<u8>)>,
    catalog_validity: std::time::Duration,
    clock: Clock,
    faults: Faults,
    rng: Mutex<FaultRng>,
    hostility: Mutex<Option<Hostility>>,
    double_charge: std::sync::atomic::AtomicBool,
    balance_lie: Mutex<Option<BalanceLie>>,
    fee_markup: std::sync::atomic::AtomicI64,
    max_body: usize,
    /// Wrong enrollment codes since start: after [`MAX_WRONG_CODES`], pairing is closed until a
    /// restart (a new code), so an 8-digit code cannot be guessed by trying them all.
    wrong_codes: std::sync::atomic::AtomicU32,
}

/// Wrong enrollment codes a running sandbox accepts before it stops pairing.
pub const MAX_WRONG_CODES: u32 = 5;

impl App {
    pub(crate) fn new(
        store: Arc<Store>,
        key: SigningKey,
        key_id: String,
        catalog: Catalog,
        signed: SignedCatalog,
        config: &Config,
    ) -> Result<Arc<App>, protocol::ProtocolError> {
        let signed_catalog = protocol::to_bytes("catalog", &signed)?;
        Ok(Arc::new(App {
            store,
            key,
            key_id,
            issued: Mutex::new((catalog.clone(), signed_catalog)),
            catalog,
            catalog_validity: config.catalog_validity,
            clock: config.clock.clone(),
            faults: config.faults.clone(),
            rng: Mutex::new(FaultRng(config.faults.seed)),
            hostility: Mutex::new(config.faults.hostility),
            double_charge: std::sync::atomic::AtomicBool::new(config.faults.double_charge),
            balance_lie: Mutex::new(config.faults.balance_lie),
            fee_markup: std::sync::atomic::AtomicI64::new(config.faults.fee_markup_minor),
            max_body: config.max_body_bytes,
            wrong_codes: std::sync::atomic::AtomicU32::new(0),
        }))
    }

    pub(crate) fn set_hostility(&self, hostility: Option<Hostility>) {
        *self
            .hostility
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = hostility;
    }

    pub(crate) fn set_double_charge(&self, on: bool) {
        self.double_charge
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn set_balance_lie(&self, lie: Option<BalanceLie>) {
        *self
            .balance_lie
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = lie;
    }

    fn balance_lie(&self) -> Option<BalanceLie> {
        *self
            .balance_lie
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set_fee_markup(&self, minor: i64) {
        self.fee_markup
            .store(minor, std::sync::atomic::Ordering::SeqCst);
    }

    fn double_charge(&self) -> bool {
        self.double_charge.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn hostility(&self) -> Option<Hostility> {
        *self
            .hostility
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The signed catalog body to serve at `now`: the current issue, or, once it is stale, a
    /// new issue of the same offer and version dated `now`.
    fn catalog_body(&self, now: DateTime<Utc>) -> Vec<u8> {
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        if now >= issued.0.stale_after()
            && let Ok(next) = crate::issue(&issued.0, now.timestamp(), self.catalog_validity)
        {
            let signed = SignedCatalog::sign(&self.key, &self.key_id, &next);
            // An issue that cannot be written is not served: the current one stays until it
            // expires (the client then says the catalog is stale, which is true).
            if let Ok(bytes) = protocol::to_bytes("catalog", &signed) {
                *issued = (next, bytes);
            }
        }
        issued.1.clone()
    }

    fn roll(&self, permille: u16) -> bool {
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .roll(permille)
    }
}

pub(crate) fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new().fallback(dispatch).with_state(app)
}

/// A refusal: status, code, message. Refusals change nothing.
struct Refusal(u16, ErrorCode, String);

fn refuse(status: u16, code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal(status, code, message.into())
}

impl From<protocol::ProtocolError> for Refusal {
    fn from(e: protocol::ProtocolError) -> Self {
        refuse(503, ErrorCode::Unavailable, e.to_string())
    }
}

impl From<rusqlite::Error> for Refusal {
    fn from(e: rusqlite::Error) -> Self {
        refuse(503, ErrorCode::Unavailable, format!("storage failed: {e}"))
    }
}

/// A successful answer.
struct Answer {
    status: u16,
    body: Vec<u8>,
    /// A write was committed by this request (eligible for the drop-after-commit fault).
    committed: bool,
}

fn error_body(code: ErrorCode, message: String) -> Vec<u8> {
    let body = ErrorBody {
        v: V1,
        error: code,
        message,
    };
    // An error body is strings and a code; were it ever unwritable, the answer still says
    // the provider failed rather than sending an empty body.
    protocol::to_bytes("error", &body).unwrap_or_else(|_| {
        br#"{"v":1,"error":"unavailable","message":"the answer could not be written"}"#.to_vec()
    })
}

fn unsigned(status: u16, code: ErrorCode, message: &str) -> axum::response::Response {
    http_response(
        status,
        Vec::new(),
        error_body(code, message.to_owned()),
        None,
    )
}

fn http_response(
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    drip: Option<(usize, std::time::Duration)>,
) -> axum::response::Response {
    let mut builder = axum::http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (name, value) in headers {
        if name != "content-type" {
            builder = builder.header(name, value);
        }
    }
    let body = match drip {
        Some((chunk, pause)) if chunk > 0 => {
            let chunks: Vec<Bytes> = body.chunks(chunk).map(Bytes::copy_from_slice).collect();
            let stream =
                futures_util::stream::unfold(chunks.into_iter(), move |mut it| async move {
                    let next = it.next()?;
                    tokio::time::sleep(pause).await;
                    Some((Ok::<Bytes, std::io::Error>(next), it))
                });
            Body::from_stream(stream)
        }
        _ => Body::from(body),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| axum::http::Response::new(Body::empty()))
}

/// A body that fails at once: hyper closes the connection without a complete answer.
fn dropped() -> axum::response::Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("response dropped (fault injection)"))
    });
    axum::http::Response::builder()
        .status(201)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| axum::http::Response::new(Body::empty()))
}

async fn dispatch(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    if !app.faults.latency.is_zero() {
        tokio::time::sleep(app.faults.latency).await;
    }
    let (parts, body) = req.into_parts();
    let (bytes, too_large) = match axum::body::to_bytes(body, app.max_body).await {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    let view = match Request::from_http_parts(&parts, "http", &bytes) {
        Ok(v) => v,
        Err(e) => return unsigned(400, ErrorCode::MissingSignature, &e.to_string()),
    };
    let outcome = if too_large {
        Err(refuse(
            413,
            ErrorCode::BodyTooLarge,
            format!("request bodies are limited to {} bytes", app.max_body),
        ))
    } else if app.roll(app.faults.error_permille) {
        Err(refuse(
            503,
            ErrorCode::Unavailable,
            "injected failure: try again",
        ))
    } else {
        handle(&app, &view)
    };
    let (status, body, committed) = match outcome {
        Ok(a) => (a.status, a.body, a.committed),
        Err(Refusal(status, code, message)) => (status, error_body(code, message), false),
    };
    if let Some(lie) = app.hostility()
        && is_redemption(&view)
    {
        return hostile::answer(&app, lie, &view, status, body);
    }
    if committed && app.roll(app.faults.drop_after_commit_permille) {
        return dropped();
    }
    if app.balance_lie() == Some(BalanceLie::Unsigned)
        && view.method() == "GET"
        && view.target_uri().path() == "/v1/balance"
    {
        return http_response(status, Vec::new(), body, app.faults.drip);
    }
    // Sign the answer bound to the request. A request too broken to bind to (no signature
    // to cover) gets an unsigned answer, which the client treats as untrustworthy anyway.
    let Ok(mut response) = Response::new(status).map(|r| r.with_body(body.clone())) else {
        return unsigned(500, ErrorCode::Unavailable, "bad status");
    };
    if profile::sign_response(&app.key, &app.key_id, &mut response, &view, (app.clock)()).is_err() {
        return http_response(status, Vec::new(), body, app.faults.drip);
    }
    http_response(status, response.headers().to_vec(), body, app.faults.drip)
}

/// The request's `Idempotency-Key`: exactly one non-empty header line. Every reader (the
/// write check, the idempotency record, the receipt, the dispute id) goes through here, so
/// they can never disagree about what the key is.
fn idempotency_key(view: &Request) -> Result<&str, Refusal> {
    let mut lines = view.header_values("idempotency-key");
    match (lines.next(), lines.next()) {
        (Some(key), None) if !key.trim().is_empty() => Ok(key),
        (None, _) => Err(refuse(
            400,
            ErrorCode::MissingIdempotencyKey,
            "writes need an Idempotency-Key header",
        )),
        _ => Err(refuse(
            400,
            ErrorCode::MissingIdempotencyKey,
            "writes need exactly one non-empty Idempotency-Key header",
        )),
    }
}

/// `POST /v1/redemptions` or `GET /v1/redemptions/{id}`: the answers a hostile provider
/// lies in.
fn is_redemption(view: &Request) -> bool {
    let path = view.target_uri().path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        (view.method(), segments.as_slice()),
        ("POST", ["v1", "redemptions"]) | ("GET", ["v1", "redemptions", _])
    )
}

/// Who signed a request.
struct Caller {
    keyid: String,
}

fn map_verify_error(e: &VerifyError) -> (u16, ErrorCode) {
    match e {
        VerifyError::UnknownKey(_) => (401, ErrorCode::UnknownKey),
        VerifyError::BadSignature => (401, ErrorCode::BadSignature),
        VerifyError::DigestMismatch { .. } | VerifyError::Digest(_) => (400, ErrorCode::BadDigest),
        VerifyError::Expired { .. } => (401, ErrorCode::Expired),
        VerifyError::CreatedInFuture { .. } => (401, ErrorCode::CreatedInFuture),
        VerifyError::Replay => (401, ErrorCode::Replay),
        VerifyError::NonceStoreFull | VerifyError::NoNonceStore => (503, ErrorCode::Unavailable),
        _ => (401, ErrorCode::MissingSignature),
    }
}

/// Verifies the request signature. `allow_self_certifying`: the catalog and pairing accept
/// a not-yet-paired key that names itself (`pk:…`).
fn authenticate(app: &App, view: &Request, allow_self_certifying: bool) -> Result<Caller, Refusal> {
    if profile::is_write(view.method()) {
        idempotency_key(view)?;
    }
    let store = app.store.clone();
    let resolver = move |keyid: &str| -> Option<VerifyingKey> {
        let bytes = if allow_self_certifying && keyid.starts_with("pk:") {
            protocol::key_from_self_certifying(keyid)?
        } else {
            store.device_key(keyid)?
        };
        VerifyingKey::from_bytes(&bytes).ok()
    };
    match profile::verify_request(view, &resolver, app.store.as_ref(), (app.clock)()) {
        Ok(v) => Ok(Caller { keyid: v.keyid }),
        Err(e) => {
            let (status, code) = map_verify_error(&e);
            Err(refuse(status, code, e.to_string()))
        }
    }
}

fn parse_body<T: serde::de::DeserializeOwned>(
    what: &'static str,
    view: &Request,
) -> Result<T, Refusal> {
    protocol::parse(what, view.body())
        .map_err(|e| refuse(400, ErrorCode::MalformedBody, e.to_string()))
}

/// The provider's clock as a time; a clock out of range answers 503 instead of 1970.
fn now_time(app: &App) -> Result<DateTime<Utc>, Refusal> {
    let secs = (app.clock)();
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        refuse(
            503,
            ErrorCode::Unavailable,
            format!("the provider's clock reads {secs}, which is not a time"),
        )
    })
}

fn handle(app: &App, view: &Request) -> Result<Answer, Refusal> {
    let path = view.target_uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (view.method(), segments.as_slice()) {
        ("GET", ["v1", "catalog"]) => {
            authenticate(app, view, true)?;
            Ok(Answer {
                status: 200,
                body: app.catalog_body(now_time(app)?),
                committed: false,
            })
        }
        ("POST", ["v1", "devices"]) => {
            let caller = authenticate(app, view, true)?;
            idempotent(app, &caller, view, |tx| pair(app, &caller, view, tx))
        }
        ("GET", ["v1", "balance"]) => {
            let caller = authenticate(app, view, false)?;
            balance(app, &caller)
        }
        ("POST", ["v1", "quotes"]) => {
            let caller = authenticate(app, view, false)?;
            idempotent(app, &caller, view, |_| quote(app, view))
        }
        ("POST", ["v1", "redemptions"]) => {
            let caller = authenticate(app, view, false)?;
            idempotent(app, &caller, view, |tx| redeem(app, &caller, view, tx))
        }
        ("GET", ["v1", "redemptions", id]) => {
            let caller = authenticate(app, view, false)?;
            redemption_status(app, &caller, id)
        }
        ("POST", ["v1", "redemptions", id, "disputes"]) => {
            let caller = authenticate(app, view, false)?;
            idempotent(app, &caller, view, |tx| dispute(app, &caller, view, id, tx))
        }
        ("POST", ["v1", "verifications"]) => {
            let caller = authenticate(app, view, false)?;
            idempotent(app, &caller, view, |tx| {
                verification(app, &caller, view, tx)
            })
        }
        _ => Err(refuse(
            404,
            ErrorCode::NoRoute,
            format!("no endpoint {} {path}", view.method()),
        )),
    }
}

/// Runs a write exactly once per (caller, idempotency key): a repeat with the same request
/// gets the stored answer with 200 (whatever the first status was: the protocol answers a
/// repeat with 200, so only the body is kept); a different request under the same key gets
/// 422. Refusals are not stored: they changed nothing, so a retry may succeed later.
fn idempotent(
    app: &App,
    caller: &Caller,
    view: &Request,
    run: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(u16, Vec<u8>), Refusal>,
) -> Result<Answer, Refusal> {
    let key = idempotency_key(view)?;
    let mut h = Sha256::new();
    h.update(view.method().as_bytes());
    h.update(b" ");
    h.update(view.target_uri().path().as_bytes());
    h.update(b"\n");
    h.update(view.body());
    let fingerprint = URL_SAFE_NO_PAD.encode(h.finalize());

    let mut conn = app.store.lock();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<(String, Vec<u8>)> = tx
        .query_row(
            "SELECT fingerprint, body FROM idempotency WHERE scope = ?1 AND key = ?2",
            params![caller.keyid, key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((stored_fp, body)) = stored {
        if stored_fp != fingerprint {
            return Err(refuse(
                422,
                ErrorCode::IdempotencyConflict,
                "this Idempotency-Key was already used with a different request",
            ));
        }
        return Ok(Answer {
            status: 200,
            body,
            committed: false,
        });
    }
    let (status, body) = run(&tx)?;
    tx.execute(
        "INSERT INTO idempotency (scope, key, fingerprint, body) VALUES (?1, ?2, ?3, ?4)",
        params![caller.keyid, key, fingerprint, body],
    )?;
    tx.commit()?;
    Ok(Answer {
        status,
        body,
        committed: true,
    })
}

fn account_of(tx: &rusqlite::Connection, caller: &Caller) -> Result<String, Refusal> {
    tx.query_row(
        "SELECT account FROM devices WHERE device_id = ?1",
        [&caller.keyid],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| refuse(401, ErrorCode::UnknownKey, "device is not paired"))
}

fn pair(
    app: &App,
    caller: &Caller,
    view: &Request,
    tx: &rusqlite::Transaction<'_>,
) -> Result<(u16, Vec<u8>), Refusal> {
    let req: PairingRequest = parse_body("pairing", view)?;
    // Proof of possession: the key being paired must be the key that signed this request.
    if caller.keyid != format!("pk:{}", req.public_key) {
        return Err(refuse(
            401,
            ErrorCode::UnknownKey,
            "the pairing request must be signed by the key being paired",
        ));
    }
    let Some(public) = protocol::key_from_self_certifying(&caller.keyid) else {
        return Err(refuse(
            400,
            ErrorCode::MalformedBody,
            "public_key is not a 32-byte base64url key",
        ));
    };
    let now = (app.clock)();
    use std::sync::atomic::Ordering;
    if app.wrong_codes.load(Ordering::SeqCst) >= MAX_WRONG_CODES {
        return Err(refuse(
            422,
            ErrorCode::InvalidEnrollmentCode,
            "too many wrong enrollment codes: pairing is closed until the provider restarts \
             with a new code",
        ));
    }
    let account: Option<String> = tx
        .query_row(
            "SELECT account FROM enrollment_codes WHERE code = ?1 AND used_at IS NULL",
            [&req.enrollment_code],
            |r| r.get(0),
        )
        .optional()?;
    let Some(account) = account else {
        app.wrong_codes.fetch_add(1, Ordering::SeqCst);
        return Err(refuse(
            422,
            ErrorCode::InvalidEnrollmentCode,
            "the enrollment code is unknown or already used",
        ));
    };
    tx.execute(
        "UPDATE enrollment_codes SET used_at = ?1 WHERE code = ?2",
        params![now, req.enrollment_code],
    )?;
    let device_id = protocol::device_id(&public);
    tx.execute(
        "INSERT OR REPLACE INTO devices (device_id, public_key, account, paired_at) VALUES (?1, ?2, ?3, ?4)",
        params![device_id, public.to_vec(), account, now],
    )?;
    Ok((
        201,
        protocol::to_bytes(
            "paired",
            &Paired {
                v: V1,
                device_id,
                provider_id: app.catalog.provider_id().to_owned(),
                provider_key_id: app.key_id.clone(),
            },
        )?,
    ))
}

fn balance(app: &App, caller: &Caller) -> Result<Answer, Refusal> {
    let conn = app.store.lock();
    let account = account_of(&conn, caller)?;
    let mut stmt =
        conn.prepare("SELECT currency, minor FROM balances WHERE account = ?1 ORDER BY currency")?;
    let rows = stmt.query_map([&account], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut balances = Vec::new();
    for row in rows {
        let (code, minor) = row?;
        let mut currency = tipvault_money::Currency::from_code(&code)
            .map_err(|_| refuse(503, ErrorCode::Unavailable, "stored currency is unknown"))?;
        if app.balance_lie() == Some(BalanceLie::AnotherCurrency) {
            currency = if currency == tipvault_money::Currency::KRW {
                tipvault_money::Currency::JPY
            } else {
                tipvault_money::Currency::KRW
            };
        }
        balances.push(BalanceLine {
            currency,
            amount: Amount::from_money(Money::from_minor(minor, currency)),
        });
    }
    Ok(Answer {
        status: 200,
        body: protocol::to_bytes(
            "balance",
            &Balance {
                v: V1,
                device_id: if app.balance_lie() == Some(BalanceLie::AnotherDevice) {
                    "dev_someone_else".to_owned()
                } else {
                    caller.keyid.clone()
                },
                balances,
                as_of: now_time(app)?,
            },
        )?,
        committed: false,
    })
}

/// Checks product, currency and amount rule; returns the product, net and fee.
fn price<'a>(
    app: &'a App,
    product: &str,
    amount: &Amount,
    currency: tipvault_money::Currency,
) -> Result<(&'a Product, Money, Money), Refusal> {
    let p = app.catalog.product(product).ok_or_else(|| {
        refuse(
            422,
            ErrorCode::UnknownProduct,
            format!("no product `{product}`"),
        )
    })?;
    if p.currency() != currency {
        return Err(refuse(
            422,
            ErrorCode::CurrencyMismatch,
            format!("product `{product}` is in {}", p.currency().code()),
        ));
    }
    let net = amount
        .money(currency)
        .map_err(|e| refuse(422, ErrorCode::AmountNotAllowed, e.to_string()))?;
    if !p.amount_rule().accepts(net) {
        return Err(refuse(
            422,
            ErrorCode::AmountNotAllowed,
            format!(
                "{} {} is not an amount product `{product}` allows",
                net.amount(),
                currency.code()
            ),
        ));
    }
    let fee = p
        .fee_rule()
        .fee_for(net)
        .map_err(|e| refuse(422, ErrorCode::AmountNotAllowed, e.to_string()))?;
    Ok((p, net, fee))
}

fn quote(app: &App, view: &Request) -> Result<(u16, Vec<u8>), Refusal> {
    let q: QuoteRequest = parse_body("quote", view)?;
    let (_, net, fee) = price(app, &q.product, &q.amount, q.currency)?;
    let total = net
        .checked_add(fee)
        .map_err(|e| refuse(422, ErrorCode::AmountNotAllowed, e.to_string()))?;
    let quote_id = format!(
        "qt_{}",
        URL_SAFE_NO_PAD
            .encode(&Sha256::digest(view.header_values("signature").collect::<String>())[..12])
    );
    Ok((
        201,
        protocol::to_bytes(
            "quote",
            &Quote {
                v: V1,
                quote_id,
                product: q.product,
                amount: Amount::from_money(net),
                fee: Amount::from_money(fee),
                total: Amount::from_money(total),
                currency: q.currency,
                expires_at: now_time(app)? + chrono::Duration::minutes(10),
            },
        )?,
    ))
}

fn minor(m: Money) -> Result<i64, Refusal> {
    m.to_minor()
        .map_err(|e| refuse(422, ErrorCode::AmountNotAllowed, e.to_string()))
}

fn redeem(
    app: &App,
    caller: &Caller,
    view: &Request,
    tx: &rusqlite::Transaction<'_>,
) -> Result<(u16, Vec<u8>), Refusal> {
    let req: RedemptionRequest = parse_body("redemption", view)?;
    let (product, net, fee) = price(app, &req.product, &req.amount, req.currency)?;
    // The fault `fee_markup_minor`: more fee than the catalog states, receipt and debit alike.
    let markup = app.fee_markup.load(std::sync::atomic::Ordering::SeqCst);
    let fee = fee
        .checked_add(Money::from_minor(markup, fee.currency()))
        .map_err(|e| refuse(422, ErrorCode::AmountNotAllowed, e.to_string()))?;

    // Minimal data, enforced: exactly the declared fields, each non-empty.
    let declared: BTreeSet<&str> = product
        .destination_fields()
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    if let Some(extra) = req
        .destination
        .keys()
        .find(|k| !declared.contains(k.as_str()))
    {
        return Err(refuse(
            422,
            ErrorCode::UndeclaredDestinationField,
            format!(
                "product `{}` does not declare destination field `{extra}`; send only declared fields",
                req.product
            ),
        ));
    }
    if let Some(missing) = declared.iter().find(|name| {
        req.destination
            .get(**name)
            .is_none_or(|v| v.trim().is_empty())
    }) {
        return Err(refuse(
            422,
            ErrorCode::MissingDestinationField,
            format!("destination field `{missing}` is required"),
        ));
    }

    let account = account_of(tx, caller)?;
    let now = now_time(app)?;
    let day = now.format("%Y-%m-%d").to_string();
    let (count, sum): (i64, i64) = tx.query_row(
        "SELECT COUNT(*), COALESCE(SUM(amount_minor), 0) FROM redemptions WHERE account = ?1 AND product = ?2 AND day = ?3",
        params![account, req.product, day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let limits = product.limits();
    let (net_minor, fee_minor) = (minor(net)?, minor(fee)?);
    if limits.per_day_count.is_some_and(|c| count >= i64::from(c)) {
        return Err(refuse(
            422,
            ErrorCode::LimitExceeded,
            "the per-day count limit is reached",
        ));
    }
    if let Some(cap) = limits.per_day_sum
        && sum.saturating_add(net_minor) > minor(cap)?
    {
        return Err(refuse(
            422,
            ErrorCode::LimitExceeded,
            "the per-day amount limit would be exceeded",
        ));
    }
    let gross = net_minor.saturating_add(fee_minor);
    let balance: i64 = tx
        .query_row(
            "SELECT minor FROM balances WHERE account = ?1 AND currency = ?2",
            params![account, req.currency.code()],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    if balance < gross {
        return Err(refuse(
            422,
            ErrorCode::InsufficientBalance,
            "the balance does not cover amount and fee",
        ));
    }

    let idem = idempotency_key(view)?.to_owned();
    let id = protocol::redemption_id(&caller.keyid, &idem);
    let receipt = SignedReceipt::sign(
        &app.key,
        &ReceiptBody {
            v: V1,
            provider_id: app.catalog.provider_id().to_owned(),
            provider_key_id: app.key_id.clone(),
            redemption_id: id.clone(),
            device_id: caller.keyid.clone(),
            idempotency_key: idem,
            product: req.product.clone(),
            amount: Amount::from_money(net),
            fee: Amount::from_money(fee),
            currency: req.currency,
            request_digest: content_digest(view.body()),
            issued_at: now,
        },
    )?;
    let receipt_json = protocol::to_text("receipt", &receipt)?;
    // The double-charge fault applies the same request a second time under another id (a
    // provider's retry bug) and charges it again; the client is told only of the first.
    let again = format!("{id}-again");
    let applied: &[&str] = if app.double_charge() {
        &[&id, &again]
    } else {
        &[&id]
    };
    for rid in applied {
        tx.execute(
            "UPDATE balances SET minor = minor - ?1 WHERE account = ?2 AND currency = ?3",
            params![gross, account, req.currency.code()],
        )?;
        tx.execute(
            "INSERT INTO redemptions (id, device_id, account, product, currency, amount_minor, fee_minor, day, state, receipt, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'confirmed', ?9, ?10)",
            params![rid, caller.keyid, account, req.product, req.currency.code(), net_minor, fee_minor, day, receipt_json, now.timestamp()],
        )?;
    }
    Ok((
        201,
        protocol::to_bytes(
            "redemption",
            &RedemptionStatus {
                v: V1,
                redemption_id: id,
                state: RedemptionState::Confirmed,
                receipt,
            },
        )?,
    ))
}

fn load_redemption(
    conn: &rusqlite::Connection,
    caller: &Caller,
    id: &str,
) -> Result<RedemptionStatus, Refusal> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT state, receipt FROM redemptions WHERE id = ?1 AND device_id = ?2",
            params![id, caller.keyid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((state, receipt)) = row else {
        return Err(refuse(
            404,
            ErrorCode::NotFound,
            format!("no redemption `{id}` for this device"),
        ));
    };
    let receipt: SignedReceipt = serde_json::from_str(&receipt)
        .map_err(|_| refuse(503, ErrorCode::Unavailable, "stored receipt is unreadable"))?;
    let state = if state == "disputed" {
        RedemptionState::Disputed
    } else {
        RedemptionState::Confirmed
    };
    Ok(RedemptionStatus {
        v: V1,
        redemption_id: id.to_owned(),
        state,
        receipt,
    })
}

fn redemption_status(app: &App, caller: &Caller, id: &str) -> Result<Answer, Refusal> {
    let conn = app.store.lock();
    account_of(&conn, caller)?;
    let status = load_redemption(&conn, caller, id)?;
    Ok(Answer {
        status: 200,
        body: protocol::to_bytes("redemption", &status)?,
        committed: false,
    })
}

fn dispute(
    app: &App,
    caller: &Caller,
    view: &Request,
    id: &str,
    tx: &rusqlite::Transaction<'_>,
) -> Result<(u16, Vec<u8>), Refusal> {
    let d: DisputeRequest = parse_body("dispute", view)?;
    load_redemption(tx, caller, id)?;
    let now = now_time(app)?;
    let idem = idempotency_key(view)?;
    let dispute_id = format!(
        "dp_{}",
        URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("{id}\0{idem}"))[..12])
    );
    let reason = protocol::to_text("dispute reason", &d.reason)?;
    tx.execute(
        "INSERT INTO disputes (id, redemption_id, reason, evidence_digest, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![dispute_id, id, reason, d.evidence_digest.as_str(), now.timestamp()],
    )?;
    tx.execute(
        "UPDATE redemptions SET state = 'disputed' WHERE id = ?1",
        [id],
    )?;
    Ok((
        201,
        protocol::to_bytes(
            "dispute acknowledgement",
            &DisputeAck {
                v: V1,
                dispute_id,
                redemption_id: id.to_owned(),
                reason: d.reason,
                evidence_digest: d.evidence_digest,
                opened_at: now,
            },
        )?,
    ))
}

fn verification(
    app: &App,
    caller: &Caller,
    view: &Request,
    tx: &rusqlite::Transaction<'_>,
) -> Result<(u16, Vec<u8>), Refusal> {
    let req: VerificationRequest = parse_body("verification", view)?;
    // The store is locked by the enclosing transaction: query through it, never `app.store`.
    account_of(tx, caller)?;
    let now = now_time(app)?;
    let claims = VerificationClaims {
        v: V1,
        provider_id: app.catalog.provider_id().to_owned(),
        device_id: caller.keyid.clone(),
        tier: req.tier,
        issued_at: now,
        expires_at: now + chrono::Duration::days(365),
    };
    let payload = protocol::to_text("verification claims", &claims)?;
    let doc = SignedDocument::sign(&app.key, &app.key_id, DocumentKind::Verification, payload);
    Ok((201, protocol::to_bytes("verification token", &doc)?))
}
