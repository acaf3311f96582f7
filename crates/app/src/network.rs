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

/// Retries within one run of the outbox: exponential backoff with equal jitter.
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

/// What identifies the network this machine is on, before it is salted and hashed for the
/// risk engine's "new network" rule (the hash is kept 30 days; this text never is).
///
/// On Linux: the interface and gateway of the default route and the subnets reached directly
/// through that interface (`/proc/net/route`). Elsewhere, or when that cannot be read, the
/// constant `unknown`: every redemption then looks like it comes from one network, so the rule
/// never fires there (a best effort, documented in `docs/SECURITY.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkIdentity(String);

impl NetworkIdentity {
    /// An identity given by the caller (tests, or a platform adapter).
    #[must_use]
    pub fn new(text: impl Into<String>) -> NetworkIdentity {
        NetworkIdentity(text.into())
    }

    /// The text that is hashed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This machine's network now, best effort (see the type's docs). Builds with the
    /// `test-hooks` feature honour `TIPVAULT_TEST_NETWORK` so process tests can move between
    /// networks; other builds ignore it.
    #[must_use]
    pub fn local() -> NetworkIdentity {
        #[cfg(feature = "test-hooks")]
        if let Ok(id) = std::env::var("TIPVAULT_TEST_NETWORK") {
            return NetworkIdentity(format!("test:{id}"));
        }
        std::fs::read_to_string("/proc/net/route")
            .ok()
            .and_then(|table| linux_route_identity(&table))
            .map_or_else(|| NetworkIdentity("unknown".into()), NetworkIdentity)
    }
}

/// The default route's interface and gateway and that interface's directly reached subnets,
/// from the text of `/proc/net/route`; `None` without a default route.
fn linux_route_identity(table: &str) -> Option<String> {
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() >= 8)
        .collect();
    // Iface Destination Gateway Flags RefCnt Use Metric Mask …
    let default = rows
        .iter()
        .filter(|f| f[1] == "00000000" && f[7] == "00000000")
        .min_by_key(|f| f[6].parse::<u64>().unwrap_or(u64::MAX))?;
    let iface = default[0];
    let mut nets: Vec<String> = rows
        .iter()
        .filter(|f| f[0] == iface && f[1] != "00000000" && f[2] == "00000000")
        .map(|f| format!("{}/{}", f[1], f[7]))
        .collect();
    nets.sort();
    nets.dedup();
    Some(format!(
        "linux-route:{iface}|gw={}|nets={}",
        default[2],
        nets.join(",")
    ))
}

/// The app's access to the network.
pub struct Network {
    runtime: tokio::runtime::Runtime,
    now: NowFn,
    sleep: SleepFn,
    identity: Option<NetworkIdentity>,
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
    /// The front ends' clock ([`crate::clock::now`]) and real sleeps.
    pub fn new() -> Result<Network, AppError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // Requests are signed on these threads: wipe what signing left on their stacks
            // whenever they go idle (`memory`).
            .on_thread_park(crate::memory::scrub_stack)
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
            now: Arc::new(crate::clock::now),
            sleep: Arc::new(std::thread::sleep),
            identity: None,
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

    /// Replaces the network identity (tests; a platform adapter that knows better).
    #[must_use]
    pub fn with_identity(mut self, identity: NetworkIdentity) -> Network {
        self.identity = Some(identity);
        self
    }

    /// The network this machine is on now: the one set with [`Network::with_identity`], else
    /// [`NetworkIdentity::local`].
    #[must_use]
    pub fn identity(&self) -> NetworkIdentity {
        self.identity.clone().unwrap_or_else(NetworkIdentity::local)
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

    /// This network's clock in UNIX seconds, as the wire client signs with it.
    pub(crate) fn unix_clock(&self) -> tipvault_wire::clock::Clock {
        let now = self.now.clone();
        Arc::new(move || now().timestamp())
    }

    /// A client for `base_url` signing with `key`, on this network's clock.
    pub(crate) fn client(
        &self,
        base_url: &str,
        key: SigningKey,
    ) -> Result<ProviderClient, AppError> {
        let mut config = ClientConfig::new(base_url);
        config.timeout = self.timeout;
        let clock = self.unix_clock();
        // reqwest needs a runtime context to build its connector.
        let _guard = self.runtime.enter();
        ProviderClient::new(config, key)
            .map(|c| c.with_clock(clock))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_route_and_its_subnets_identify_a_linux_network() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
            wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n\
            eth0\t00000000\t01000A0A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
            eth0\t00000A0A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n\
            wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n";
        assert_eq!(
            linux_route_identity(table).as_deref(),
            Some("linux-route:eth0|gw=01000A0A|nets=00000A0A/00FFFFFF"),
            "the lowest-metric default route wins"
        );
        assert_eq!(linux_route_identity("Iface\tDestination\n"), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_equal_jitter() {
        let p = RetryPolicy::default(); // 200 ms base, 30 s cap
        for (attempt, d_ms) in [(1, 200), (2, 400), (3, 800), (9, 30_000), (40, 30_000)] {
            let lo = p.backoff(attempt, 0);
            let hi = p.backoff(attempt, u64::MAX - 1);
            assert_eq!(lo, Duration::from_millis(d_ms / 2), "attempt {attempt}");
            assert!(
                hi <= Duration::from_millis(d_ms) && hi >= lo,
                "attempt {attempt}: {hi:?}"
            );
            for r in [1, 77, 12_345, 999_999] {
                let w = p.backoff(attempt, r);
                assert!(
                    w >= lo && w <= Duration::from_millis(d_ms),
                    "attempt {attempt}: {w:?}"
                );
            }
        }
    }
}
