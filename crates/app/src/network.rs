//! How the app reaches providers: an async HTTP runtime behind a blocking API, a clock, and a
//! way to wait.
//!
//! The one decision to know: the use cases stay synchronous like the rest of `app` (the desktop
//! runs them on a blocking thread, the CLI calls them directly) and drive the verifying
//! `tipvault-wire` client on a small runtime owned by [`Network`]. The clock and the sleeper
//! are injectable, so retries with backoff are tested without waiting and the process tests
//! run against the real sandbox over loopback.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tipvault_wire::client::{ClientConfig, ProviderClient};
use tipvault_wire::httpsig::SigningKey;

use crate::error::{AppError, ErrorCode};

/// Reads the current time.
pub type NowFn = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;
/// Waits (a real sleep, or a test's clock advance).
pub type SleepFn = Arc<dyn Fn(Duration) + Send + Sync>;

/// Retries within one run of the outbox: exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per leg in one run before it is left queued for a later run.
    pub attempts_per_run: u32,
    /// First backoff.
    pub base: Duration,
    /// Longest backoff.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts_per_run: 4,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait after `attempt` failed attempts (1-based): uniformly random in
    /// `[d/2, d]` with `d = min(cap, base · 2^(attempt-1))` ("equal jitter").
    #[must_use]
    pub fn backoff(&self, attempt: u32, random: u64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let d = exp.min(self.cap);
        let half = d / 2;
        let span = u64::try_from(half.as_millis()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_millis(random % (span + 1))
    }
}

/// The app's access to the network.
pub struct Network {
    runtime: tokio::runtime::Runtime,
    now: NowFn,
    sleep: SleepFn,
    /// Retries within one run.
    pub retry: RetryPolicy,
    /// Whole-exchange timeout.
    pub timeout: Duration,
    /// Requests in flight at once in a run of the outbox (legs are independent; the
    /// provider's idempotency makes any of them safe to repeat).
    pub concurrency: usize,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Network {
    /// The real clock and real sleeps.
    pub fn new() -> Result<Network, AppError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("Cannot start the network runtime: {e}."),
                )
            })?;
        Ok(Network {
            runtime,
            now: Arc::new(Utc::now),
            sleep: Arc::new(std::thread::sleep),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(10),
            concurrency: 32,
        })
    }

    /// Replaces the clock and the sleeper (tests).
    #[must_use]
    pub fn with_clock(mut self, now: NowFn, sleep: SleepFn) -> Network {
        self.now = now;
        self.sleep = sleep;
        self
    }

    /// The runtime, for front ends that also serve something (the sandbox in demo mode).
    #[must_use]
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// Now, by the network's clock.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    pub(crate) fn sleep(&self, d: Duration) {
        (self.sleep)(d);
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// A client for `base_url` signing with `key`, on this network's clock.
    pub(crate) fn client(
        &self,
        base_url: &str,
        key: SigningKey,
    ) -> Result<ProviderClient, AppError> {
        let mut config = ClientConfig::new(base_url);
        config.timeout = self.timeout;
        let now = self.now.clone();
        // reqwest needs a runtime context to build its connector.
        let _guard = self.runtime.enter();
        ProviderClient::new(config, key)
            .map(|c| c.with_clock(Arc::new(move || now().timestamp())))
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))
    }
}

/// A random u64 for jitter.
pub(crate) fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // Without randomness the jitter is zero: retries still back off exponentially.
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}
