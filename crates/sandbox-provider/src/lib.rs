//! A sandbox cash-out provider that speaks Tipvault provider protocol v1 (DESIGN.md §5)
//! over loopback HTTP, for demo mode and for tests of the client and the outbox.
//!
//! Start it in-process with [`Sandbox::start`] (port 0 picks a free port), or from a command
//! line with [`run`] and [`RunArgs`] (the `tipvault-sandbox` binary and `tipvault sandbox`
//! are both that one entry point). State lives in one SQLite file ([`store`]), so
//! [`Sandbox::restart`] keeps balances, devices, receipts, idempotency records and nonces.
//!
//! The decision a newcomer must know: the sandbox is strict on purpose. It verifies every
//! request's RFC 9421 signature, digest, time window and nonce, signs every answer (errors
//! included) bound to the request, and refuses any destination field the product did not
//! declare — so the client is tested against the rules a real provider would apply, and
//! [`Faults`] lets tests add the failures a real network adds, and [`Hostility`] the lies a
//! broken or hostile provider tells.

mod command;
mod server;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use tipvault_preview::{Catalog, DEMO_CATALOG_JSON};
use tipvault_wire::httpsig::{SigningKey, VerifyingKey};
use tipvault_wire::protocol::SignedCatalog;
use zeroize::Zeroizing;

pub use command::{RunArgs, Started, run};
pub use server::MAX_WRONG_CODES;
pub use store::Store;

pub use tipvault_wire::clock::{Clock, system_clock};

/// The demo account every enrollment code pairs with.
pub const DEMO_ACCOUNT: &str = "demo";

/// Failures to inject. Randomness comes from a seeded generator, so a run is reproducible.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added before handling every request.
    pub latency: Duration,
    /// Per mille of requests answered with 503 before anything is applied.
    pub error_permille: u16,
    /// Per mille of committed writes whose response is dropped (connection closed): the
    /// client cannot know the outcome and must reconcile.
    pub drop_after_commit_permille: u16,
    /// Send response bodies in chunks of this many bytes with this pause between them.
    pub drip: Option<(usize, Duration)>,
    /// Seed of the fault generator.
    pub seed: u64,
    /// Lie in every redemption answer (switchable while running: [`Sandbox::set_hostility`]).
    pub hostility: Option<Hostility>,
    /// Charge every newly applied redemption twice: the balance pays amount + fee a second
    /// time under a second provider redemption id for the same idempotency key, while the
    /// answer (and its receipt) is the honest one. The fault a client finds only by comparing
    /// the provider's balance with its own books (switchable: [`Sandbox::set_double_charge`]).
    pub double_charge: bool,
    /// Lie in every balance answer (`GET /v1/balance`; switchable:
    /// [`Sandbox::set_balance_lie`]). The books are untouched: only the answer lies.
    pub balance_lie: Option<BalanceLie>,
    /// Charge this many minor units of fee more than the catalog states on every newly applied
    /// redemption, and say so in the signed receipt (quotes stay honest): a provider breaking
    /// its own published price, which a client finds by comparing the receipt with its plan
    /// (switchable: [`Sandbox::set_fee_markup`]).
    pub fee_markup_minor: i64,
}

/// How a lying provider answers `GET /v1/balance`: each is a reading a client must refuse,
/// keeping the reading it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BalanceLie {
    /// The honest balance, with no signature.
    Unsigned,
    /// A signed balance naming another device than the caller.
    AnotherDevice,
    /// A signed balance with every amount in another currency (KRW becomes JPY, anything
    /// else KRW), as if the account had changed currency.
    AnotherCurrency,
}

/// How a hostile or broken provider answers redemptions (`POST /v1/redemptions` and
/// `GET /v1/redemptions/{id}`); every other endpoint stays honest, so a client can add and
/// pair it. The sandbox first does its honest work — a redemption *is* applied and debited —
/// and then answers with the lie: the worst case for the client, which must neither book
/// the redemption nor lose it, and must confirm it once the provider is honest again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hostility {
    /// The receipt is signed by another key than the pinned one (same key id).
    WrongSignature,
    /// A validly signed receipt for another request (other key, id and body digest).
    ReceiptForAnotherRequest,
    /// A validly signed receipt for this request with ten times the amount.
    ChangedAmount,
    /// A signed answer whose JSON is cut in half.
    MalformedJson,
    /// A 2 MiB answer streamed without a length.
    HugeBody,
    /// The honest answer, one byte every 50 ms.
    SlowDrip,
    /// 307 to another address, unsigned.
    Redirect,
    /// An unsigned HTML 500 page (a proxy's error page).
    HtmlError,
    /// An unsigned HTML page with 200 (a captive portal).
    HtmlOk,
}

/// Sandbox settings.
#[derive(Clone)]
pub struct Config {
    /// SQLite file (created if missing).
    pub db_path: PathBuf,
    /// Where to listen; `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    /// Catalog v1 JSON; the demo catalog if `None`. Its dates are re-issued at start.
    pub catalog_json: Option<String>,
    /// Catalog version to publish (the file's if `None`).
    pub catalog_version: Option<u64>,
    /// How long the published catalog stays valid.
    pub catalog_validity: Duration,
    /// An enrollment code to accept (in addition to the one generated at start).
    pub enrollment_code: Option<String>,
    /// Demo balances seeded once: (currency code, minor units).
    pub demo_balances: Vec<(String, i64)>,
    /// The clock used for signature windows, receipts and per-day limits.
    pub clock: Clock,
    /// Injected failures.
    pub faults: Faults,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("db_path", &self.db_path)
            .field("listen", &self.listen)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults: demo catalog valid 30 days, ₩1,000,000 and $500.00 of demo credit, system
    /// clock, no faults, 64 KiB body limit, loopback on a free port.
    #[must_use]
    pub fn new(db_path: impl Into<PathBuf>) -> Config {
        Config {
            db_path: db_path.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            catalog_json: None,
            catalog_version: None,
            catalog_validity: Duration::from_secs(30 * 86_400),
            enrollment_code: None,
            demo_balances: vec![("KRW".into(), 1_000_000), ("USD".into(), 50_000)],
            clock: system_clock(),
            faults: Faults::default(),
            max_body_bytes: 64 * 1024,
        }
    }
}

/// A running sandbox.
pub struct Sandbox {
    app: Arc<server::App>,
    addr: SocketAddr,
    enrollment_code: String,
    provider_key: VerifyingKey,
    provider_key_id: String,
    store: Arc<Store>,
    config: Config,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(b)
}

fn to_time(secs: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).context("clock out of range")
}

/// `catalog` issued at `now` for `validity`: stale at half of it, expired at the end.
pub(crate) fn issue(catalog: &Catalog, now: i64, validity: Duration) -> anyhow::Result<Catalog> {
    let validity = i64::try_from(validity.as_secs()).unwrap_or(i64::MAX / 4);
    let mut raw = catalog.to_raw();
    raw.issued_at = to_time(now)?;
    raw.stale_after = to_time(now.saturating_add(validity / 2))?;
    raw.expires_at = to_time(now.saturating_add(validity))?;
    Catalog::from_raw(raw).context("re-issued catalog is invalid")
}

impl Sandbox {
    /// Opens the state, seeds it on first use, signs the catalog and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Sandbox> {
        let store = Arc::new(
            Store::open(&config.db_path)
                .with_context(|| format!("cannot open {}", config.db_path.display()))?,
        );

        // The provider key: generated once, then reused so receipts stay verifiable.
        let fresh = Zeroizing::new(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?));
        let seed_text = Zeroizing::new(store.meta_or_insert("provider_seed", &fresh)?);
        let seed = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(seed_text.as_bytes())
                .context("stored provider seed is not base64url")?,
        );
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            seed.as_slice()
                .try_into()
                .context("stored provider seed is not 32 bytes")?,
        );
        let key = SigningKey::from_bytes(&seed);
        let public = key.verifying_key();
        let key_id = format!(
            "sandbox-{}",
            URL_SAFE_NO_PAD.encode(&Sha256::digest(public.as_bytes())[..9])
        );

        // The catalog, re-issued now with the configured validity.
        let now = (config.clock)();
        let text = config.catalog_json.as_deref().unwrap_or(DEMO_CATALOG_JSON);
        let mut raw = Catalog::parse_strict(text)
            .context("the configured catalog is invalid")?
            .to_raw();
        if let Some(v) = config.catalog_version {
            raw.version = v;
        }
        let offer = Catalog::from_raw(raw).context("the configured catalog is invalid")?;
        let catalog = issue(&offer, now, config.catalog_validity)?;
        let signed_catalog = SignedCatalog::sign(&key, &key_id, &catalog);

        for (currency, minor) in &config.demo_balances {
            store.seed_balance(DEMO_ACCOUNT, currency, *minor)?;
        }
        let code = match &config.enrollment_code {
            Some(code) => code.clone(),
            None => {
                let b = random_bytes::<5>()?;
                let n = b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)) % 100_000_000;
                format!("{:04}-{:04}", n / 10_000, n % 10_000)
            }
        };
        store.add_enrollment_code(&code, DEMO_ACCOUNT)?;

        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let app = server::App::new(
            store.clone(),
            key,
            key_id.clone(),
            catalog,
            signed_catalog,
            &config,
        )?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = server::router(app.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                eprintln!("sandbox provider stopped: {e}");
            }
        });
        Ok(Sandbox {
            app,
            addr,
            enrollment_code: code,
            provider_key: public,
            provider_key_id: key_id,
            store,
            config,
            shutdown: Some(tx),
            task,
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The one-time enrollment code accepted since this start.
    #[must_use]
    pub fn enrollment_code(&self) -> &str {
        &self.enrollment_code
    }

    /// The provider's public key and key id.
    #[must_use]
    pub fn provider_key(&self) -> (&str, VerifyingKey) {
        (&self.provider_key_id, self.provider_key)
    }

    /// The fingerprint of its signing key, as a client shows it before trusting it.
    #[must_use]
    pub fn key_fingerprint(&self) -> String {
        tipvault_wire::protocol::key_fingerprint(&self.provider_key.to_bytes())
    }

    /// Starts or stops lying in redemption answers (kept across [`Sandbox::restart`]).
    pub fn set_hostility(&mut self, hostility: Option<Hostility>) {
        self.app.set_hostility(hostility);
        self.config.faults.hostility = hostility;
    }

    /// Starts or stops lying in balance answers (kept across [`Sandbox::restart`]).
    pub fn set_balance_lie(&mut self, lie: Option<BalanceLie>) {
        self.app.set_balance_lie(lie);
        self.config.faults.balance_lie = lie;
    }

    /// Starts or stops charging redemptions twice (kept across [`Sandbox::restart`]).
    pub fn set_double_charge(&mut self, on: bool) {
        self.app.set_double_charge(on);
        self.config.faults.double_charge = on;
    }

    /// Overcharges the fee of every new redemption by `minor` units (0: honest).
    pub fn set_fee_markup(&mut self, minor: i64) {
        self.app.set_fee_markup(minor);
        self.config.faults.fee_markup_minor = minor;
    }

    /// The state (tests inspect it).
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops serving (waits for in-flight exchanges). State stays on disk.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Open keep-alive or dripping connections could hold a graceful shutdown; a restart
        // test must not hang on them, so give up after a moment.
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut self.task).await;
        self.task.abort();
    }

    /// Stops and starts again on the same address with the same state (a provider restart).
    pub async fn restart(self) -> anyhow::Result<Sandbox> {
        let mut config = self.config.clone();
        config.listen = self.addr;
        if config.enrollment_code.is_none() {
            config.enrollment_code = Some(self.enrollment_code.clone());
        }
        self.stop().await;
        Sandbox::start(config).await
    }
}
