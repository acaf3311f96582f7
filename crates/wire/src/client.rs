//! The provider HTTP client (feature `client`): signs every request, verifies every response.
//!
//! Nothing reaches the caller unverified: a response must carry the provider's RFC 9421
//! signature bound to *this* request (`signature;req` covers the request's signature, whose
//! nonce is fresh), its body must match its `Content-Digest`, and its JSON must parse
//! strictly. Receipts are additionally checked against the request they answer.
//!
//! The decision a newcomer must know is the error split the outbox relies on
//! ([`ClientError::definitely_not_applied`]):
//! - **not applied**: nothing left the machine ([`ClientError::NotSent`], including a refused
//!   connection), or the provider answered with a *signed* 4xx ([`ClientError::Rejected`]) —
//!   safe to fail the leg or retry with a new key. Every check that can fail on our side
//!   (pairing, pinned key, body size, URL, headers, signature) runs *before* the first byte
//!   is written ([`ProviderClient::send`] builds the whole HTTP request first), so `NotSent`
//!   is never a guess;
//! - **outcome unknown**: a timeout, a dropped connection, a 5xx, a redirect, an oversized,
//!   unsigned or malformed answer, or a receipt that does not match — the provider may have
//!   applied it, so the leg must be reconciled with the same idempotency key.
//!
//! Redirects are never followed (a provider that moves is a configuration change, not
//! something to follow silently with a signed payment request), and bodies are read with a
//! hard size cap.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;

use crate::httpsig::{SigningKey, VerifyError, profile};
use crate::message::{Request, Response};
use crate::protocol::{
    self, Balance, DisputeAck, DisputeRequest, DocumentError, DocumentKind, ErrorBody, ErrorCode,
    Paired, PairingRequest, Quote, QuoteRequest, ReceiptBody, ReceiptError, RedemptionBinding,
    RedemptionRequest, RedemptionStatus, SignedCatalog, SignedDocument, V1, VerificationClaims,
    VerificationRequest,
};

pub use crate::clock::{Clock, system_clock};

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `http(s)://host[:port]` of the provider, no trailing path.
    pub base_url: String,
    /// Whole-exchange timeout (covers a slow drip).
    pub timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Largest response body accepted.
    pub max_response_bytes: usize,
    /// Largest request body sent (checked before sending: a bigger one is [`ClientError::NotSent`]).
    pub max_request_bytes: usize,
}

impl ClientConfig {
    /// Defaults: 10 s exchange, 5 s connect, 1 MiB response body, 64 KiB request body (the
    /// protocol's limit).
    #[must_use]
    pub fn new(base_url: &str) -> ClientConfig {
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 1 << 20,
            max_request_bytes: 64 * 1024,
        }
    }
}

/// Why the outcome of an exchange is unknown.
#[derive(Debug, thiserror::Error)]
pub enum Unknown {
    /// No complete answer in time.
    #[error("the provider did not answer in time")]
    Timeout,
    /// The connection broke after the request may have been sent.
    #[error("the connection failed mid-exchange: {0}")]
    Transport(String),
    /// A 3xx; not followed.
    #[error("the provider redirected ({status}) to `{location}`; redirects are not followed")]
    Redirect {
        /// Status.
        status: u16,
        /// `Location`, if any.
        location: String,
    },
    /// The body exceeded the cap.
    #[error("the response body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
    },
    /// The response signature is missing, invalid, or not bound to this request.
    #[error("the response is not validly signed by the provider for this request: {0}")]
    BadSignature(VerifyError),
    /// A 5xx (signed or not): the provider may have applied the request.
    #[error("the provider failed with status {status}")]
    ServerError {
        /// Status.
        status: u16,
    },
    /// Signed, but the body is not the expected protocol JSON.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// Signed, but the receipt is invalid or answers another request.
    #[error("the receipt is not acceptable: {0}")]
    Receipt(ReceiptError),
    /// A signed status this endpoint never returns.
    #[error("unexpected status {0}")]
    UnexpectedStatus(u16),
}

/// A body that could not be written was never sent.
fn written(body: Result<Vec<u8>, protocol::ProtocolError>) -> Result<Vec<u8>, ClientError> {
    body.map_err(|e| ClientError::NotSent(e.to_string()))
}

/// A failed exchange, split by what the caller may conclude.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request never left (bad input, not paired, no pinned key, signing, refused
    /// connection): not applied. Never used once a byte may have been written.
    #[error("the request was not sent: {0}")]
    NotSent(String),
    /// The provider refused it with a signed error: not applied.
    #[error("the provider refused the request ({status} {code:?}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: ErrorCode,
        /// Provider's explanation.
        message: String,
    },
    /// The provider may or may not have applied it.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(#[from] Unknown),
}

impl ClientError {
    /// True when the provider certainly did not apply the request.
    #[must_use]
    pub fn definitely_not_applied(&self) -> bool {
        matches!(self, ClientError::NotSent(_) | ClientError::Rejected { .. })
    }

    /// The signed error code, if the provider refused.
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A verified exchange: the request as sent and the provider's signed answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The signed request.
    pub request: Request,
    /// The verified 2xx response.
    pub response: Response,
}

/// A verified redemption answer.
#[derive(Debug, Clone)]
pub struct Redeemed {
    /// 201: newly applied; 200: a repeat of an applied request.
    pub created: bool,
    /// Status and signed receipt, as received (store this).
    pub status: RedemptionStatus,
    /// The receipt's verified content.
    pub receipt: ReceiptBody,
    /// The exchange (for evidence bundles).
    pub exchange: Exchange,
}

/// A verified catalog and the key that signed it.
#[derive(Debug, Clone)]
pub struct VerifiedCatalog {
    /// The validated catalog.
    pub catalog: tipvault_catalog::Catalog,
    /// As received (to store).
    pub document: SignedCatalog,
    /// Provider key id.
    pub key_id: String,
    /// Provider key (pin it).
    pub key: VerifyingKey,
}

/// A client for one provider, signing as one device.
pub struct ProviderClient {
    http: reqwest::Client,
    config: ClientConfig,
    device_key: Arc<SigningKey>,
    device_id: Option<String>,
    provider: Option<(String, VerifyingKey)>,
    clock: Clock,
}

impl std::fmt::Debug for ProviderClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderClient")
            .field("base_url", &self.config.base_url)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

fn random_token() -> Result<String, ClientError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ClientError::NotSent(format!("no randomness: {e}")))?;
    Ok(profile::nonce_from_bytes(&bytes))
}

/// A fresh random idempotency key (128 bits, base64url). The outbox stores it before sending.
pub fn new_idempotency_key() -> Result<String, ClientError> {
    random_token()
}

/// The idempotency key of a pairing with `enrollment_code`: the same for every try of one
/// pairing by one device (its scope at the provider is the device key that signs it). It is
/// derived from the device's (deterministic) Ed25519 signature over the code, not from the
/// code alone: a header seen in a log must not give the code away to whoever tries the 10^8
/// codes of the usual form.
fn pairing_idempotency_key(device_key: &SigningKey, enrollment_code: &str) -> String {
    use sha2::Digest as _;
    let signed =
        device_key.sign_bytes(format!("tipvault-pairing-v1\0{enrollment_code}").as_bytes());
    profile::nonce_from_bytes(&sha2::Sha256::digest(signed)[..16])
}

impl ProviderClient {
    /// A client signing with `device_key`. Call [`Self::catalog`] and [`Self::pin_provider`]
    /// (or [`Self::pair`]) before other calls.
    pub fn new(config: ClientConfig, device_key: SigningKey) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| ClientError::NotSent(format!("cannot build HTTP client: {e}")))?;
        Ok(ProviderClient {
            http,
            config,
            device_key: Arc::new(device_key),
            device_id: None,
            provider: None,
            clock: system_clock(),
        })
    }

    /// Replaces the clock (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Pins the provider's key (from a stored catalog).
    pub fn pin_provider(&mut self, key_id: &str, key: VerifyingKey) {
        self.provider = Some((key_id.to_owned(), key));
    }

    /// Sets the device id of an earlier pairing.
    pub fn set_device_id(&mut self, device_id: &str) {
        self.device_id = Some(device_id.to_owned());
    }

    /// The paired device id, if any.
    #[must_use]
    pub fn device_id(&self) -> Option<&str> {
        self.device_id.as_deref()
    }

    fn keyid(&self) -> String {
        self.device_id.clone().unwrap_or_else(|| {
            protocol::self_certifying_keyid(self.device_key.verifying_key().as_bytes())
        })
    }

    /// Builds and signs a request (low level; tests use it to craft hostile variants).
    pub fn prepare(
        &self,
        method: &str,
        path: &str,
        idempotency_key: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Request, ClientError> {
        let url = format!("{}{}", self.config.base_url, path);
        let mut request = Request::new(method, &url)
            .map_err(|e| ClientError::NotSent(e.to_string()))?
            .with_body(body);
        if !body_is_empty(&request) || profile::is_write(method) {
            request
                .push_header("content-type", "application/json")
                .map_err(|e| ClientError::NotSent(e.to_string()))?;
        }
        if let Some(key) = idempotency_key {
            request
                .push_header("idempotency-key", key)
                .map_err(|e| ClientError::NotSent(e.to_string()))?;
        }
        let nonce = random_token()?;
        profile::sign_request(
            &self.device_key,
            &self.keyid(),
            &mut request,
            (self.clock)(),
            &nonce,
        )
        .map_err(|e| ClientError::NotSent(e.to_string()))?;
        Ok(request)
    }

    /// Everything that can fail on our side, before anything leaves: the body size and the
    /// whole HTTP request (method, URL, headers) as reqwest will send it.
    fn build(&self, request: &Request) -> Result<reqwest::Request, ClientError> {
        let limit = self.config.max_request_bytes;
        if request.body().len() > limit {
            return Err(ClientError::NotSent(format!(
                "the request body is {} bytes; providers accept at most {limit}",
                request.body().len()
            )));
        }
        let method = reqwest::Method::from_bytes(request.method().as_bytes())
            .map_err(|e| ClientError::NotSent(format!("bad method: {e}")))?;
        let mut builder = self.http.request(method, request.target_uri().to_string());
        for (name, value) in request.headers() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
            .body(request.body().to_vec())
            .build()
            .map_err(|e| ClientError::NotSent(format!("cannot build the request: {e}")))
    }

    /// Sends a signed request and returns the raw answer, unverified. Transport failures,
    /// redirects and oversized bodies are classified here; from the moment the request is
    /// handed to the connection, every failure is outcome-unknown except a connection that
    /// was never established.
    async fn transport(&self, request: &Request) -> Result<Response, ClientError> {
        let http_request = self.build(request)?;
        let sent = self.http.execute(http_request).await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_connect() => {
                // The TCP/TLS connection was never established: no byte of the request left.
                return Err(ClientError::NotSent(format!(
                    "cannot connect to the provider: {e}"
                )));
            }
            Err(e) if e.is_timeout() => return Err(Unknown::Timeout.into()),
            Err(e) => return Err(Unknown::Transport(e.to_string()).into()),
        };
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            return Err(Unknown::Redirect { status, location }.into());
        }
        let limit = self.config.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(Unknown::BodyTooLarge { limit }.into());
        }
        let mut view = Response::new(status).map_err(|e| Unknown::Malformed(e.to_string()))?;
        for (name, value) in resp.headers() {
            let value = value
                .to_str()
                .map_err(|_| Unknown::Malformed(format!("header `{name}` is not text")))?;
            view.push_header(name.as_str(), value)
                .map_err(|e| Unknown::Malformed(e.to_string()))?;
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(Unknown::BodyTooLarge { limit }.into());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Err(Unknown::Timeout.into()),
                Err(e) => return Err(Unknown::Transport(e.to_string()).into()),
            }
        }
        Ok(view.with_body(body))
    }

    /// Verifies the response signature and maps the status. Returns the 2xx response.
    fn check(
        &self,
        request: &Request,
        response: Response,
        key: Option<(&str, &VerifyingKey)>,
    ) -> Result<Response, ClientError> {
        let status = response.status();
        let Some((key_id, key)) = key else {
            return Err(Unknown::BadSignature(VerifyError::UnknownKey(
                "(no pinned provider key)".into(),
            ))
            .into());
        };
        let resolver = |id: &str| (id == key_id).then_some(*key);
        profile::verify_response(&response, request, &resolver, (self.clock)())
            .map_err(Unknown::BadSignature)?;
        match status {
            200..=299 => Ok(response),
            400..=499 => {
                let err: ErrorBody = protocol::parse("error", response.body())
                    .map_err(|e| Unknown::Malformed(e.to_string()))?;
                Err(ClientError::Rejected {
                    status,
                    code: err.error,
                    message: err.message,
                })
            }
            500..=599 => Err(Unknown::ServerError { status }.into()),
            other => Err(Unknown::UnexpectedStatus(other).into()),
        }
    }

    /// A receipt from the provider must name the pinned key's id: the key is checked by the
    /// signature, the id by this (a stored receipt is looked up by its id later).
    fn check_pinned_key_id(&self, doc: &SignedDocument) -> Result<(), ClientError> {
        match self.pinned() {
            Some((pinned, _)) if pinned != doc.key_id => Err(Unknown::Receipt(
                ReceiptError::Document(DocumentError::KeyNotPinned {
                    pinned: pinned.to_owned(),
                    found: doc.key_id.clone(),
                }),
            )
            .into()),
            _ => Ok(()),
        }
    }

    fn pinned(&self) -> Option<(&str, &VerifyingKey)> {
        self.provider.as_ref().map(|(id, k)| (id.as_str(), k))
    }

    /// The pinned key, or `NotSent`: an answer that cannot be verified is not worth asking
    /// for, so this is checked before sending.
    fn require_pinned(&self) -> Result<(&str, &VerifyingKey), ClientError> {
        self.pinned().ok_or_else(|| {
            ClientError::NotSent(
                "no pinned provider key: fetch the provider's catalog and pin its key first".into(),
            )
        })
    }

    /// The paired device id, or `NotSent` (checked before sending).
    fn require_paired(&self) -> Result<&str, ClientError> {
        self.device_id.as_deref().ok_or_else(|| {
            ClientError::NotSent("this device is not paired with the provider".into())
        })
    }

    /// Sends a prepared request and verifies the answer against the pinned provider key.
    pub async fn send(&self, request: Request) -> Result<Exchange, ClientError> {
        let (key_id, key) = self.require_pinned()?;
        let raw = self.transport(&request).await?;
        let response = self.check(&request, raw, Some((key_id, key)))?;
        Ok(Exchange { request, response })
    }

    /// Sends a prepared request and returns the provider's answer whatever its status, once
    /// its signature is verified against the pinned key and bound to `request`. For readers of
    /// refusals themselves (the conformance kit, the protocol's generated examples); the
    /// product's calls use [`Self::send`], which maps a status to its meaning.
    pub async fn send_signed(&self, request: &Request) -> Result<Response, ClientError> {
        self.send_altered(request, request).await
    }

    /// Sends `altered`, a signed request changed after signing (to see a provider refuse it),
    /// and verifies the answer as [`Self::send_signed`] does, against `signed`, the request as
    /// it was signed: the answer's binding (`content-digest;req`, `signature;req`) describes
    /// the signed request, which `altered` no longer matches.
    pub(crate) async fn send_altered(
        &self,
        altered: &Request,
        signed: &Request,
    ) -> Result<Response, ClientError> {
        let (key_id, key) = self.require_pinned()?;
        let raw = self.transport(altered).await?;
        let resolver = |id: &str| (id == key_id).then_some(*key);
        profile::verify_response(&raw, signed, &resolver, (self.clock)())
            .map_err(Unknown::BadSignature)?;
        Ok(raw)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        idempotency_key: Option<&str>,
        body: Vec<u8>,
        what: &'static str,
    ) -> Result<(T, Exchange), ClientError> {
        let request = self.prepare(method, path, idempotency_key, body)?;
        let exchange = self.send(request).await?;
        // A read answers 200; a write 201, or 200 for a repeat (PROTOCOL.md §5). Any other
        // 2xx is not in the protocol: its meaning is unknown.
        let status = exchange.response.status();
        if !(status == 200 || (status == 201 && profile::is_write(method))) {
            return Err(Unknown::UnexpectedStatus(status).into());
        }
        let value = protocol::parse(what, exchange.response.body())
            .map_err(|e| Unknown::Malformed(e.to_string()))?;
        Ok((value, exchange))
    }

    /// `GET /v1/catalog`. With no pinned key, trusts the enclosed key (first use) and returns
    /// it for the caller to pin; with a pinned key, a different key is refused.
    pub async fn catalog(&self) -> Result<VerifiedCatalog, ClientError> {
        let request = self.prepare("GET", "/v1/catalog", None, Vec::new())?;
        let raw = self.transport(&request).await?;
        let key = match (self.pinned(), raw.status()) {
            (Some((id, k)), _) => Some((id.to_owned(), *k)),
            (None, 200) => {
                let doc: SignedCatalog = protocol::parse("catalog", raw.body())
                    .map_err(|e| Unknown::Malformed(e.to_string()))?;
                let k = doc
                    .provider_key
                    .verifying_key()
                    .map_err(|e| Unknown::Malformed(e.to_string()))?;
                Some((doc.provider_key.key_id.clone(), k))
            }
            (None, _) => None,
        };
        let response = self.check(&request, raw, key.as_ref().map(|(i, k)| (i.as_str(), k)))?;
        let document: SignedCatalog = protocol::parse("catalog", response.body())
            .map_err(|e| Unknown::Malformed(e.to_string()))?;
        let (catalog, key_id, key) = document
            .verify(key.as_ref().map(|(i, k)| (i.as_str(), k)))
            .map_err(|e| Unknown::Malformed(e.to_string()))?;
        Ok(VerifiedCatalog {
            catalog,
            document,
            key_id,
            key,
        })
    }

    /// `POST /v1/devices`: pairs this device's key using a one-time code; on success the
    /// client signs as the returned device id.
    pub async fn pair(&mut self, enrollment_code: &str) -> Result<Paired, ClientError> {
        let body = written(protocol::to_bytes(
            "pairing request",
            &PairingRequest {
                v: V1,
                enrollment_code: enrollment_code.to_owned(),
                public_key: protocol::self_certifying_keyid(
                    self.device_key.verifying_key().as_bytes(),
                )
                .trim_start_matches("pk:")
                .to_owned(),
            },
        ))?;
        // The same key for every try with this code: a retry after a lost answer gets the
        // stored answer (200), where a fresh key would meet a code already used.
        let key = pairing_idempotency_key(&self.device_key, enrollment_code);
        let (paired, _): (Paired, _) = self
            .call("POST", "/v1/devices", Some(&key), body, "pairing")
            .await?;
        if let Some((pinned, _)) = self.pinned()
            && paired.provider_key_id != pinned
        {
            return Err(Unknown::Malformed(format!(
                "the provider paired under key `{}`, not the pinned key `{pinned}`",
                paired.provider_key_id
            ))
            .into());
        }
        self.device_id = Some(paired.device_id.clone());
        Ok(paired)
    }

    /// `GET /v1/balance`.
    pub async fn balance(&self) -> Result<Balance, ClientError> {
        Ok(self.signed_balance().await?.0)
    }

    /// `GET /v1/balance` with the verified exchange (keep it as evidence of the reading). A
    /// balance for another device than this one is refused.
    pub async fn signed_balance(&self) -> Result<(Balance, Exchange), ClientError> {
        let (balance, exchange): (Balance, _) = self
            .call("GET", "/v1/balance", None, Vec::new(), "balance")
            .await?;
        // Unpaired, the request signs with the self-certifying key id, which the provider
        // refuses for a balance; paired, the answer must be this device's.
        if balance.device_id != self.keyid() {
            return Err(Unknown::Malformed(format!(
                "the balance is for device {}, not this one",
                balance.device_id
            ))
            .into());
        }
        Ok((balance, exchange))
    }

    /// `POST /v1/quotes`.
    pub async fn quote(
        &self,
        idempotency_key: &str,
        q: &QuoteRequest,
    ) -> Result<Quote, ClientError> {
        let (quote, _): (Quote, _) = self
            .call(
                "POST",
                "/v1/quotes",
                Some(idempotency_key),
                written(protocol::to_bytes("quote request", q))?,
                "quote",
            )
            .await?;
        // Amounts by value in the currency ("10.5" and "10.50" are one amount), never as text.
        let same_amount = quote.amount.money(q.currency).ok() == q.amount.money(q.currency).ok()
            && quote.amount.money(q.currency).is_ok();
        if quote.product != q.product || !same_amount || quote.currency != q.currency {
            return Err(
                Unknown::Malformed("the quote is for another product or amount".into()).into(),
            );
        }
        Ok(quote)
    }

    /// `POST /v1/redemptions` with `idempotency_key` (committed by the caller beforehand).
    pub async fn redeem(
        &self,
        idempotency_key: &str,
        r: &RedemptionRequest,
    ) -> Result<Redeemed, ClientError> {
        // The receipt can only be checked for a paired device: refuse before sending.
        self.require_paired()?;
        let body = written(protocol::to_bytes("redemption request", r))?;
        let request = self.prepare("POST", "/v1/redemptions", Some(idempotency_key), body)?;
        let exchange = self.send(request).await?;
        let created = match exchange.response.status() {
            201 => true,
            200 => false,
            other => return Err(Unknown::UnexpectedStatus(other).into()),
        };
        let status: RedemptionStatus = protocol::parse("redemption", exchange.response.body())
            .map_err(|e| Unknown::Malformed(e.to_string()))?;
        let receipt = self.verify_receipt(&status, idempotency_key, &exchange.request, r)?;
        Ok(Redeemed {
            created,
            status,
            receipt,
            exchange,
        })
    }

    fn verify_receipt(
        &self,
        status: &RedemptionStatus,
        idempotency_key: &str,
        request: &Request,
        r: &RedemptionRequest,
    ) -> Result<ReceiptBody, ClientError> {
        // Both were checked before sending; failing here would be a bug, and the request has
        // left, so the outcome is unknown.
        let (Some((_, key)), Some(device_id)) = (self.pinned(), self.device_id.as_deref()) else {
            return Err(
                Unknown::Malformed("the client lost its pairing mid-exchange".into()).into(),
            );
        };
        self.check_pinned_key_id(&status.receipt.0)?;
        let binding = RedemptionBinding {
            device_id,
            idempotency_key,
            body: request.body(),
            request: r,
        };
        let body = status
            .receipt
            .verify_for(key, &binding)
            .map_err(Unknown::Receipt)?;
        if body.redemption_id != status.redemption_id {
            return Err(
                Unknown::Malformed("status and receipt name different redemptions".into()).into(),
            );
        }
        Ok(body)
    }

    /// The signed status of redemption `id`, as answered (the caller checks its receipt), and
    /// refused when it names another redemption.
    async fn redemption_status(&self, id: &str) -> Result<RedemptionStatus, ClientError> {
        let path = format!("/v1/redemptions/{id}");
        let (status, _): (RedemptionStatus, _) = self
            .call("GET", &path, None, Vec::new(), "redemption")
            .await?;
        if status.redemption_id != id {
            return Err(Unknown::Malformed("the status is for another redemption".into()).into());
        }
        Ok(status)
    }

    /// `GET /v1/redemptions/{id}` for the request `binding` describes (the id is derived from
    /// its device and idempotency key): reconciles an outcome-unknown leg. The receipt must
    /// verify under the pinned key *and* answer that request — same device, key, product,
    /// amount, currency and body digest ([`protocol::SignedReceipt::verify_for`]) — or the
    /// answer is [`Unknown::Receipt`].
    pub async fn redemption_for(
        &self,
        binding: &RedemptionBinding<'_>,
    ) -> Result<(RedemptionStatus, ReceiptBody), ClientError> {
        let (_, key) = self.require_pinned()?;
        let device = self.require_paired()?;
        if device != binding.device_id {
            return Err(ClientError::NotSent(format!(
                "the request was made by device `{}`, this client signs as `{device}`",
                binding.device_id
            )));
        }
        let id = protocol::redemption_id(binding.device_id, binding.idempotency_key);
        let status = self.redemption_status(&id).await?;
        self.check_pinned_key_id(&status.receipt.0)?;
        let body = status
            .receipt
            .verify_for(key, binding)
            .map_err(Unknown::Receipt)?;
        Ok((status, body))
    }

    /// `POST /v1/redemptions/{id}/disputes`.
    pub async fn dispute(
        &self,
        id: &str,
        idempotency_key: &str,
        d: &DisputeRequest,
    ) -> Result<DisputeAck, ClientError> {
        self.require_pinned()?;
        let path = format!("/v1/redemptions/{id}/disputes");
        let (ack, _): (DisputeAck, _) = self
            .call(
                "POST",
                &path,
                Some(idempotency_key),
                written(protocol::to_bytes("dispute", d))?,
                "dispute",
            )
            .await?;
        if ack.redemption_id != id
            || ack.reason != d.reason
            || ack.evidence_digest != d.evidence_digest
        {
            return Err(
                Unknown::Malformed("the acknowledgement is for another dispute".into()).into(),
            );
        }
        Ok(ack)
    }

    /// `POST /v1/verifications`: returns the signed token (keep it) and its verified claims.
    pub async fn verification(
        &self,
        idempotency_key: &str,
        v: &VerificationRequest,
    ) -> Result<(SignedDocument, VerificationClaims), ClientError> {
        let (_, key) = self.require_pinned()?;
        let device = self.require_paired()?.to_owned();
        let (doc, _): (SignedDocument, _) = self
            .call(
                "POST",
                "/v1/verifications",
                Some(idempotency_key),
                written(protocol::to_bytes("verification request", v))?,
                "verification",
            )
            .await?;
        if let Some((pinned, _)) = self.pinned()
            && pinned != doc.key_id
        {
            return Err(Unknown::Malformed(format!(
                "the token is signed under key `{}`, not the pinned key `{pinned}`",
                doc.key_id
            ))
            .into());
        }
        let claims: VerificationClaims = doc
            .verify_as(DocumentKind::Verification, key)
            .map_err(|e| Unknown::Malformed(e.to_string()))?;
        // Valid now, with the clock difference signatures tolerate on its issue time.
        let now = (self.clock)();
        let valid = claims.expires_at.timestamp() > now
            && claims.issued_at.timestamp() <= now + profile::MAX_SKEW_SECS;
        if !valid {
            return Err(Unknown::Malformed(format!(
                "the token is not valid now (issued {}, expires {})",
                claims.issued_at, claims.expires_at
            ))
            .into());
        }
        if claims.device_id != device || claims.tier != v.tier {
            return Err(
                Unknown::Malformed("the token is for another device or tier".into()).into(),
            );
        }
        Ok((doc, claims))
    }
}

fn body_is_empty(r: &Request) -> bool {
    r.body().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Amount;
    use std::io::ErrorKind;
    use tipvault_money::Currency;

    /// A listener nobody answers on; [`nothing_arrived`] tells whether a client connected.
    fn listener() -> (std::net::TcpListener, String) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        (l, url)
    }

    fn nothing_arrived(l: &std::net::TcpListener) -> bool {
        matches!(l.accept(), Err(e) if e.kind() == ErrorKind::WouldBlock)
    }

    fn client(url: &str) -> ProviderClient {
        ProviderClient::new(ClientConfig::new(url), SigningKey::from_bytes(&[7; 32])).unwrap()
    }

    fn ready(url: &str) -> ProviderClient {
        let mut c = client(url);
        c.pin_provider("prov-1", SigningKey::from_bytes(&[8; 32]).verifying_key());
        c.set_device_id("dev_1");
        c
    }

    fn top_up() -> RedemptionRequest {
        RedemptionRequest {
            v: V1,
            product: "krw-mobile-top-up".into(),
            amount: Amount::new("1000").unwrap(),
            currency: Currency::KRW,
            destination: [("phone_number".to_owned(), "+821012345678".to_owned())].into(),
        }
    }

    fn assert_not_sent(err: &ClientError, l: &std::net::TcpListener, what: &str) {
        assert!(
            matches!(err, ClientError::NotSent(_)),
            "{what}: expected NotSent, got {err:?}"
        );
        assert!(
            nothing_arrived(l),
            "{what}: NotSent, yet a connection reached the provider"
        );
    }

    #[tokio::test]
    async fn a_redemption_without_pairing_is_refused_before_sending() {
        let (l, url) = listener();
        let mut c = client(&url);
        c.pin_provider("prov-1", SigningKey::from_bytes(&[8; 32]).verifying_key());
        let err = c.redeem("leg-1", &top_up()).await.unwrap_err();
        assert_not_sent(&err, &l, "unpaired redeem");
    }

    #[tokio::test]
    async fn without_a_pinned_key_nothing_is_sent() {
        let (l, url) = listener();
        let mut c = client(&url);
        c.set_device_id("dev_1");
        let err = c.balance().await.unwrap_err();
        assert_not_sent(&err, &l, "balance");
        let sent = top_up();
        let body = protocol::to_bytes("redemption request", &sent).unwrap();
        let binding = RedemptionBinding {
            device_id: "dev_1",
            idempotency_key: "leg-1",
            body: &body,
            request: &sent,
        };
        let err = c.redemption_for(&binding).await.unwrap_err();
        assert_not_sent(&err, &l, "status");
        let err = c.redeem("leg-1", &top_up()).await.unwrap_err();
        assert_not_sent(&err, &l, "redeem");
        let v = VerificationRequest {
            v: V1,
            tier: protocol::Tier::Verified,
            evidence_digest: protocol::Sha256Digest::of(b"passport"),
        };
        let err = c.verification("k", &v).await.unwrap_err();
        assert_not_sent(&err, &l, "verification");
    }

    #[tokio::test]
    async fn an_oversized_request_body_is_not_sent() {
        let (l, url) = listener();
        let mut config = ClientConfig::new(&url);
        config.max_request_bytes = 16;
        let mut c = ProviderClient::new(config, SigningKey::from_bytes(&[7; 32])).unwrap();
        c.pin_provider("prov-1", SigningKey::from_bytes(&[8; 32]).verifying_key());
        c.set_device_id("dev_1");
        let err = c.redeem("leg-1", &top_up()).await.unwrap_err();
        assert_not_sent(&err, &l, "oversized body");
        assert!(err.to_string().contains("at most 16"), "{err}");
    }

    #[tokio::test]
    async fn a_header_that_cannot_be_built_is_not_sent() {
        let (l, url) = listener();
        let c = ready(&url);
        let err = c.redeem("leg\n1", &top_up()).await.unwrap_err();
        assert_not_sent(&err, &l, "bad idempotency key");
        let err = c.prepare("GET", "/v1/x y", None, Vec::new()).unwrap_err();
        assert!(matches!(err, ClientError::NotSent(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_not_sent() {
        let (l, url) = listener();
        drop(l);
        let err = ready(&url).redeem("leg-1", &top_up()).await.unwrap_err();
        assert!(
            matches!(err, ClientError::NotSent(_)),
            "no connection, no byte sent: {err:?}"
        );
    }

    #[tokio::test]
    async fn a_connection_closed_after_the_request_is_outcome_unknown() {
        use tokio::io::AsyncReadExt as _;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = l.accept().await.unwrap();
            // Read the request (the provider may have applied it), then hang up.
            let mut buf = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        });
        let err = ready(&url).redeem("leg-1", &top_up()).await.unwrap_err();
        assert!(
            matches!(err, ClientError::OutcomeUnknown(Unknown::Transport(_))),
            "the request left: {err:?}"
        );
        assert!(!err.definitely_not_applied());
    }

    #[tokio::test]
    async fn a_provider_that_never_answers_is_outcome_unknown() {
        use tokio::io::AsyncReadExt as _;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = l.accept().await.unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut config = ClientConfig::new(&url);
        config.timeout = Duration::from_millis(300);
        let mut c = ProviderClient::new(config, SigningKey::from_bytes(&[7; 32])).unwrap();
        c.pin_provider("prov-1", SigningKey::from_bytes(&[8; 32]).verifying_key());
        c.set_device_id("dev_1");
        let err = c.redeem("leg-1", &top_up()).await.unwrap_err();
        assert!(
            matches!(err, ClientError::OutcomeUnknown(Unknown::Timeout)),
            "{err:?}"
        );
    }
}
