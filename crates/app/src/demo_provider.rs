//! Demo mode's provider: the sandbox provider started on loopback with demo money, added to
//! the demo vault and paired with it. Both front ends start demo mode through here (the
//! `demo` feature, which owns the sandbox dependency), so demo start exists once.
//!
//! The one decision to know: the sandbox runs on the network's clock (the app's clock unless a
//! test set another with `Network::with_clock`), so a test that moves the clock moves the
//! provider with it, and a signature's `created` time is never judged by another clock.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use tipvault_sandbox_provider::{Config, Sandbox};
/// The sandbox provider as a server of its own (the CLI's `tipvault sandbox`).
pub use tipvault_sandbox_provider::{RunArgs as SandboxArgs, run as serve_sandbox};

use crate::demo_balance::{DEMO_BALANCE_KRW, DemoStarted};
use crate::error::{AppError, ErrorCode};
use crate::location::VaultLocation;
use crate::network::Network;
use crate::session::Session;

/// How the demo's sandbox behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoProviderOptions {
    /// Charge every redemption twice (the WebDriver test of a double charge found and
    /// disputed; front ends set it from a test hook only).
    pub double_charge: bool,
}

/// The demo's sandbox provider, serving on loopback until it is dropped or the runtime stops.
pub struct DemoProvider {
    sandbox: Sandbox,
}

impl std::fmt::Debug for DemoProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoProvider")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl DemoProvider {
    /// Starts the sandbox for the demo vault beside `real`, on `net`'s runtime. Its state sits
    /// beside the vaults (`<vault>.sandbox.sqlite`), never inside either.
    pub fn start(
        net: &Network,
        real: &VaultLocation,
        options: DemoProviderOptions,
    ) -> Result<Self, AppError> {
        let mut config = Config::new(database(real));
        config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.demo_balances = vec![("KRW".into(), DEMO_BALANCE_KRW)];
        config.faults.double_charge = options.double_charge;
        config.clock = net.unix_clock();
        let sandbox = net
            .runtime()
            .block_on(Sandbox::start(config))
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("The sandbox could not start: {e}."),
                )
            })?;
        Ok(Self { sandbox })
    }

    /// Stops serving (waits a moment for exchanges in flight). Its state stays on disk.
    pub fn stop(self, net: &Network) {
        net.runtime().block_on(self.sandbox.stop());
    }

    /// Where it serves (`http://127.0.0.1:PORT`).
    #[must_use]
    pub fn url(&self) -> String {
        self.sandbox.base_url()
    }
}

/// `vault.demo` → `vault.sandbox.sqlite`, beside both vaults (where the CLI's demo always kept
/// it, and the desktop's too unless the vault's own name has a dot).
fn database(real: &VaultLocation) -> PathBuf {
    real.demo().dir().with_extension("sandbox.sqlite")
}

/// Starts demo mode in the demo vault's `session`, the one way both front ends do it: the
/// sandbox in `running` is started unless it already runs (beside `real`, the vault the demo
/// vault belongs to), then [`enter_demo`].
pub fn start_demo(
    session: &mut Session,
    net: &Network,
    real: &VaultLocation,
    running: &mut Option<DemoProvider>,
    options: DemoProviderOptions,
    now: DateTime<Utc>,
) -> Result<DemoStarted, AppError> {
    let provider = match running {
        Some(provider) => provider,
        none => none.insert(DemoProvider::start(net, real, options)?),
    };
    enter_demo(session, net, provider, now)
}

/// Enters demo mode in the demo vault's `session`: adds `provider` as a sandbox and pairs it
/// (once), and imports demo tips when the demo vault holds no balance yet.
fn enter_demo(
    session: &mut Session,
    net: &Network,
    provider: &DemoProvider,
    now: DateTime<Utc>,
) -> Result<DemoStarted, AppError> {
    let (_, key) = provider.sandbox.provider_key();
    add_demo_sandbox(
        session,
        net,
        &provider.url(),
        &key,
        provider.sandbox.enrollment_code(),
        now,
    )
}

/// Demo mode's provider: the sandbox the front end just started on loopback (`url`, signing
/// with `key`), added to the demo vault as a sandbox and paired with `code`, and demo tips
/// imported when the demo vault holds no balance yet. The key's fingerprint is confirmed from
/// the sandbox object itself (the front end started it), and the re-authentication is the demo
/// vault's own public passphrase: the demo holds no real money.
fn add_demo_sandbox(
    session: &mut Session,
    net: &Network,
    url: &str,
    key: &tipvault_wire::httpsig::VerifyingKey,
    code: &str,
    now: DateTime<Utc>,
) -> Result<DemoStarted, AppError> {
    crate::demo::require_demo(session, "The demo sandbox")?;
    let demo = secrecy::SecretString::from(crate::demo::DEMO_PASSPHRASE.to_owned());
    let mut provider = crate::providers::add_provider(
        session,
        net,
        url,
        crate::providers::ProviderKind::Sandbox,
        Some(&crate::providers::key_fingerprint(key)),
        Some(crate::reauth::Proof::Passphrase(&demo)),
        now,
    )?;
    if provider.device_id.is_none() {
        provider = crate::providers::pair_provider(session, net, Some(&provider.id), code, now)?;
    }
    let demo_balance_imported = crate::demo_balance::import_demo_balance(session, now)?;
    Ok(DemoStarted {
        provider,
        url: url.to_owned(),
        demo_balance_imported,
    })
}
