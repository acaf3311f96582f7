//! Demo mode's providers: the sandbox provider started on loopback with demo money, added to
//! the demo vault and paired with it, and beside it the three demo providers of
//! `demo/providers` (an education-points app and a telco's points in KRW, a creator-credit
//! provider in USD; each its own catalog, fees and limits), so a newcomer sees a plan across
//! providers end to end. Both front ends start demo mode through here (the `demo` feature,
//! which owns the sandbox dependency), so demo start exists once.
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

/// One of the demo's other providers: its catalog (a file in `demo/providers`, compiled in)
/// and what it holds for the user at the start.
struct OtherProvider {
    id: &'static str,
    catalog: &'static str,
    currency: &'static str,
    balance_minor: i64,
}

/// The demo's other providers, in `demo/providers`.
const OTHERS: [OtherProvider; 3] = [
    OtherProvider {
        id: "edu-points",
        catalog: include_str!("../../../demo/providers/edu-points.json"),
        currency: "KRW",
        balance_minor: 20_000,
    },
    OtherProvider {
        id: "telco-points",
        catalog: include_str!("../../../demo/providers/telco-points.json"),
        currency: "KRW",
        balance_minor: 15_000,
    },
    OtherProvider {
        id: "creator-credit",
        catalog: include_str!("../../../demo/providers/creator-credit.json"),
        currency: "USD",
        balance_minor: 25_00,
    },
];

/// The ids of the demo's other providers (besides the sandbox that holds the demo tips).
pub const DEMO_OTHER_PROVIDERS: [&str; 3] = [OTHERS[0].id, OTHERS[1].id, OTHERS[2].id];

/// The demo's sandbox providers, serving on loopback until they are dropped or the runtime
/// stops: the one holding the demo tips, and the others.
pub struct DemoProvider {
    sandbox: Sandbox,
    others: Vec<Sandbox>,
}

impl std::fmt::Debug for DemoProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoProvider")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl DemoProvider {
    /// Starts the sandboxes for the demo vault beside `real`, on `net`'s runtime. Their state
    /// sits beside the vaults (`<vault>.sandbox.sqlite`, `<vault>.sandbox-<id>.sqlite`), never
    /// inside either.
    pub fn start(
        net: &Network,
        real: &VaultLocation,
        options: DemoProviderOptions,
    ) -> Result<Self, AppError> {
        let mut config = Config::new(database(real, None));
        config.demo_balances = vec![("KRW".into(), DEMO_BALANCE_KRW)];
        config.faults.double_charge = options.double_charge;
        let sandbox = serve(net, config)?;
        let mut others = Vec::with_capacity(OTHERS.len());
        for other in &OTHERS {
            let mut config = Config::new(database(real, Some(other.id)));
            config.catalog_json = Some(other.catalog.to_owned());
            config.demo_balances = vec![(other.currency.into(), other.balance_minor)];
            match serve(net, config) {
                Ok(started) => others.push(started),
                Err(e) => {
                    // Nothing keeps serving half-started.
                    for started in others.into_iter().chain([sandbox]) {
                        net.runtime().block_on(started.stop());
                    }
                    return Err(e);
                }
            }
        }
        Ok(Self { sandbox, others })
    }

    /// Stops serving (waits a moment for exchanges in flight). Their state stays on disk.
    pub fn stop(self, net: &Network) {
        net.runtime().block_on(async {
            self.sandbox.stop().await;
            for other in self.others {
                other.stop().await;
            }
        });
    }

    /// Where it serves (`http://127.0.0.1:PORT`).
    #[must_use]
    pub fn url(&self) -> String {
        self.sandbox.base_url()
    }
}

/// Starts one sandbox on a free loopback port, on the network's clock.
fn serve(net: &Network, mut config: Config) -> Result<Sandbox, AppError> {
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.clock = net.unix_clock();
    net.runtime().block_on(Sandbox::start(config)).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("The sandbox could not start: {e}."),
        )
    })
}

/// `vault.demo` → `vault.sandbox.sqlite` (and `vault.sandbox-<other>.sqlite` for the other
/// demo providers), beside both vaults (where the CLI's demo always kept it, and the
/// desktop's too unless the vault's own name has a dot).
fn database(real: &VaultLocation, other: Option<&str>) -> PathBuf {
    let name = match other {
        None => "sandbox.sqlite".to_owned(),
        Some(id) => format!("sandbox-{id}.sqlite"),
    };
    real.demo().dir().with_extension(name)
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
/// (once), imports demo tips when the demo vault holds no balance yet, then adds and pairs
/// the other demo providers, reading each one's balance into its account the first time.
fn enter_demo(
    session: &mut Session,
    net: &Network,
    provider: &DemoProvider,
    now: DateTime<Utc>,
) -> Result<DemoStarted, AppError> {
    let (_, key) = provider.sandbox.provider_key();
    let mut started = add_demo_sandbox(
        session,
        net,
        &provider.url(),
        &key,
        provider.sandbox.enrollment_code(),
        now,
    )?;
    for other in &provider.others {
        let (_, key) = other.provider_key();
        let paired = pair_demo_sandbox(
            session,
            net,
            &other.base_url(),
            &key,
            other.enrollment_code(),
            now,
        )?;
        let first_time = session
            .vault_at(now)
            .reconciliations(&paired.id, 1, now)?
            .is_empty();
        if first_time {
            // What it holds for the user becomes its account's opening balance.
            crate::reconcile::reconcile_account(session, net, &paired.id, now)?;
        }
        started.others.push(paired);
    }
    Ok(started)
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
    let provider = pair_demo_sandbox(session, net, url, key, code, now)?;
    let demo_balance_imported = crate::demo_balance::import_demo_balance(session, now)?;
    Ok(DemoStarted {
        provider,
        url: url.to_owned(),
        demo_balance_imported,
        others: Vec::new(),
    })
}

/// A demo sandbox at `url` added to the demo vault (its key confirmed from the sandbox object,
/// the re-authentication the demo vault's public passphrase) and paired with `code` once.
fn pair_demo_sandbox(
    session: &mut Session,
    net: &Network,
    url: &str,
    key: &tipvault_wire::httpsig::VerifyingKey,
    code: &str,
    now: DateTime<Utc>,
) -> Result<crate::providers::ProviderView, AppError> {
    crate::demo::require_demo(session, "The demo sandbox")?;
    let demo = secrecy::SecretString::from(crate::demo::DEMO_PASSPHRASE.to_owned());
    let provider = crate::providers::add_provider(
        session,
        net,
        url,
        crate::providers::ProviderKind::Sandbox,
        Some(&crate::providers::key_fingerprint(key)),
        Some(crate::reauth::Proof::Passphrase(&demo)),
        now,
    )?;
    if provider.device_id.is_some() {
        return Ok(provider);
    }
    crate::providers::pair_provider(session, net, Some(&provider.id), code, now)
}
