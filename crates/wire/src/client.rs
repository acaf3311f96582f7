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
//!   safe to fail the leg or retry with a new key;
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
    self, Balance, DisputeAck, DisputeRequest, DocumentKind, ErrorBody, ErrorCode, Paired,
    PairingRequest, Quote, QuoteRequest, ReceiptBody, ReceiptError, RedemptionBinding,
    RedemptionRequest, RedemptionStatus, SignedCatalog, SignedDocument, V1, VerificationClaims,
    VerificationRequest,
};

/// Reads UNIX seconds; injectable so tests can skew the client's clock.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

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
}

impl ClientConfig {
    /// Defaults: 10 s exchange, 5 s connect, 1 MiB body.
    #[must_use]
    pub fn new(base_url: &str) -> ClientConfig {
        ClientConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 1 << 20,
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

/// A failed exchange, split by what the caller may conclude.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request never left (bad input, signing, refused connection): not applied.
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
    pub catalog: tipvault_preview::Catalog,
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

    /// Sends a signed request and returns the raw answer, unverified. Transport failures,
    /// redirects and oversized bodies are classified here.
    async fn transport(&self, request: &Request) -> Result<Response, ClientError> {
        let method = reqwest::Method::from_bytes(request.method().as_bytes())
            .map_err(|e| ClientError::NotSent(e.to_string()))?;
        let mut builder = self.http.request(method, request.target_uri().to_string());
        for (name, value) in request.headers() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let sent = builder.body(request.body().to_vec()).send().await;
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

    fn pinned(&self) -> Option<(&str, &VerifyingKey)> {
        self.provider.as_ref().map(|(id, k)| (id.as_str(), k))
    }

    /// Sends a prepared request and verifies the answer against the pinned provider key.
    pub async fn send(&self, request: Request) -> Result<Exchange, ClientError> {
        let raw = self.transport(&request).await?;
        let response = self.check(&request, raw, self.pinned())?;
        Ok(Exchange { request, response })
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
        let body = protocol::to_bytes(&PairingRequest {
            v: V1,
            enrollment_code: enrollment_code.to_owned(),
            public_key: protocol::self_certifying_keyid(self.device_key.verifying_key().as_bytes())
                .trim_start_matches("pk:")
                .to_owned(),
        });
        let key = new_idempotency_key()?;
        let (paired, _): (Paired, _) = self
            .call("POST", "/v1/devices", Some(&key), body, "pairing")
            .await?;
        self.device_id = Some(paired.device_id.clone());
        Ok(paired)
    }

    /// `GET /v1/balance`.
    pub async fn balance(&self) -> Result<Balance, ClientError> {
        Ok(self
            .call("GET", "/v1/balance", None, Vec::new(), "balance")
            .await?
            .0)
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
                protocol::to_bytes(q),
                "quote",
            )
            .await?;
        if quote.product != q.product || quote.amount != q.amount || quote.currency != q.currency {
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
        let body = protocol::to_bytes(r);
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
        let (Some((_, key)), Some(device_id)) = (self.pinned(), self.device_id.as_deref()) else {
            return Err(ClientError::NotSent("not paired".into()));
        };
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

    /// `GET /v1/redemptions/{id}`: reconcile an outcome-unknown leg. The id is
    /// [`protocol::redemption_id`] of this device and the leg's idempotency key.
    pub async fn redemption(
        &self,
        id: &str,
    ) -> Result<(RedemptionStatus, ReceiptBody), ClientError> {
        let path = format!("/v1/redemptions/{id}");
        let (status, _): (RedemptionStatus, _) = self
            .call("GET", &path, None, Vec::new(), "redemption")
            .await?;
        let Some((_, key)) = self.pinned() else {
            return Err(ClientError::NotSent("no pinned provider key".into()));
        };
        let body = status.receipt.verify(key).map_err(Unknown::Receipt)?;
        if body.redemption_id != id || status.redemption_id != id {
            return Err(Unknown::Malformed("the status is for another redemption".into()).into());
        }
        Ok((status, body))
    }

    /// `POST /v1/redemptions/{id}/disputes`.
    pub async fn dispute(
        &self,
        id: &str,
        idempotency_key: &str,
        d: &DisputeRequest,
    ) -> Result<DisputeAck, ClientError> {
        let path = format!("/v1/redemptions/{id}/disputes");
        let (ack, _): (DisputeAck, _) = self
            .call(
                "POST",
                &path,
                Some(idempotency_key),
                protocol::to_bytes(d),
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
        let (doc, _): (SignedDocument, _) = self
            .call(
                "POST",
                "/v1/verifications",
                Some(idempotency_key),
                protocol::to_bytes(v),
                "verification",
            )
            .await?;
        let Some((_, key)) = self.pinned() else {
            return Err(ClientError::NotSent("no pinned provider key".into()));
        };
        let claims: VerificationClaims = doc
            .verify_as(DocumentKind::Verification, key)
            .map_err(|e| Unknown::Malformed(e.to_string()))?;
        if Some(claims.device_id.as_str()) != self.device_id.as_deref() || claims.tier != v.tier {
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
