//! Redemptions from the desktop: providers, the sandbox demo, planning a redemption (and
//! showing exactly what each request reveals), sending it, the outbox, disputes and the privacy
//! ledger. Each command is one call into `tipvault_app`.
//!
//! The one decision to know: demo mode runs the sandbox provider inside this process, on
//! loopback, on the network runtime of `tipvault_app::Network`, and only when the user asks
//! for it; it is labelled a sandbox everywhere (its key id says so, and the UI shows it).

use std::sync::{Mutex, OnceLock};

use chrono::Utc;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tipvault_app as app;
use tipvault_app::{AppError, ErrorCode, Network};
use tipvault_sandbox_provider::{Config, Sandbox};

use crate::session::{Desktop, blocking};

/// The event carrying each leg's progress while a redemption is sent or reconciled.
pub const REDEMPTION_PROGRESS_EVENT: &str = "redemption-progress";

/// The network runtime (created on first use) and the demo sandbox, when running.
#[derive(Default)]
pub struct Redeemer {
    net: OnceLock<Network>,
    sandbox: Mutex<Option<Sandbox>>,
}

impl Redeemer {
    pub(crate) fn net(&self) -> Result<&Network, AppError> {
        if let Some(net) = self.net.get() {
            return Ok(net);
        }
        let net = Network::new()?;
        Ok(self.net.get_or_init(|| net))
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("The sandbox could not start: {e}."),
    )
}

#[tauri::command]
pub async fn providers<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::ProviderView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_providers(s, Utc::now()))
    })
    .await
}

/// Leaves demo mode: locks the demo vault; the window returns to the real vault's unlock
/// screen. Returns false when no demo vault was open.
#[tauri::command]
pub async fn leave_demo<R: Runtime>(handle: AppHandle<R>) -> Result<bool, AppError> {
    blocking(handle, |d| {
        if d.in_demo_vault() {
            d.release(app::LockReason::User)
        } else {
            Ok(false)
        }
    })
    .await
}

/// `test-hooks` builds: the demo sandbox charges every redemption twice (see `Faults::double_charge`).
const DOUBLE_CHARGE_ENV: &str = "TIPVAULT_TEST_SANDBOX_DOUBLE_CHARGE";

/// Demo mode: locks the real vault and opens the demo vault beside it in its place (nothing
/// demo ever enters the real one), starts the sandbox provider on loopback (once per app run),
/// adds and pairs it, and imports demo tips when the demo vault has no balance yet.
#[tauri::command]
pub async fn start_demo<R: Runtime>(handle: AppHandle<R>) -> Result<app::DemoStarted, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        if !d.in_demo_vault() {
            d.release(app::LockReason::User)?;
            let (session, _created) = app::open_demo_vault(&d.location, Utc::now())?;
            d.hold(session);
        }
        let (url, code, key) = {
            let mut slot = redeemer.sandbox.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                let db = d.location.dir().with_extension("sandbox.sqlite");
                let mut config = Config::new(db);
                config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                config.demo_balances = vec![("KRW".into(), app::providers::DEMO_BALANCE_KRW)];
                // `test-hooks` builds only: the WebDriver test of a double charge found and disputed
                // runs the demo sandbox with that fault.
                config.faults.double_charge =
                    cfg!(feature = "test-hooks") && std::env::var_os(DOUBLE_CHARGE_ENV).is_some();
                let sandbox = net
                    .runtime()
                    .block_on(Sandbox::start(config))
                    .map_err(internal)?;
                *slot = Some(sandbox);
            }
            let sandbox = slot.as_ref().ok_or_else(|| internal("no sandbox"))?;
            (
                sandbox.base_url(),
                sandbox.enrollment_code().to_owned(),
                sandbox.provider_key().1,
            )
        };
        d.with_session(|s| app::add_demo_sandbox(s, net, &url, &key, &code, Utc::now()))
    })
    .await
}

/// Fetches the catalog of `provider` (or of every provider) under its pinned key and renews or
/// replaces the cached copy: the desktop's "Refresh" wherever a catalog is stale or expired.
#[tauri::command]
pub async fn refresh_catalogs<R: Runtime>(
    handle: AppHandle<R>,
    provider: Option<String>,
) -> Result<Vec<app::CatalogRefreshed>, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::refresh_catalogs(s, net, provider.as_deref(), Utc::now()))
    })
    .await
}

/// Reads the provider's signed balance for `account` and compares it with the books: the
/// Overview's "Reconcile now".
#[tauri::command]
pub async fn reconcile_account<R: Runtime>(
    handle: AppHandle<R>,
    account: String,
) -> Result<Vec<app::ReconciliationView>, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::reconcile_account(s, net, &account, Utc::now()))
    })
    .await
}

/// Links a platform account to the provider that holds its money (`None` unlinks): the
/// Overview's "Held by".
#[tauri::command]
pub async fn link_account<R: Runtime>(
    handle: AppHandle<R>,
    source: String,
    provider: Option<String>,
) -> Result<app::AccountView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::link_account(s, &source, provider.as_deref(), Utc::now()))
    })
    .await
}

/// Plans a redemption from a preview and the destinations typed for each product: nothing is
/// sent; the answer lists exactly what each request would reveal.
#[tauri::command]
pub async fn plan_redemption<R: Runtime>(
    handle: AppHandle<R>,
    request: app::RedeemRequest,
) -> Result<app::RedemptionView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::plan_redemption(s, &request, Utc::now()))
    })
    .await
}

/// Approves a planned redemption (the user saw what it reveals) and sends its legs. When the
/// risk check holds it (a step-up, a pause or a refusal), nothing is sent and the answer is the
/// redemption with its decision (`risk`), so the window can say why and offer the key.
#[tauri::command]
pub async fn send_redemption<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
) -> Result<app::RedemptionView, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        let mut progress = |p: &app::LegProgress| {
            let _ = redeemer_handle.emit(REDEMPTION_PROGRESS_EVENT, p);
        };
        d.with_session(|s| {
            match app::approve_redemption_from(s, &id, &net.identity(), Utc::now()) {
                Ok(_) => {}
                Err(e) if crate::risk::held(&e) => return app::redemption(s, &id, Utc::now()),
                Err(e) => return Err(e),
            }
            app::run_outbox_with(s, net, &mut progress)?;
            app::redemption(s, &id, Utc::now())
        })
    })
    .await
}

#[tauri::command]
pub async fn redemptions<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::RedemptionView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_redemptions(s, Utc::now()))
    })
    .await
}

/// Sends what is queued and asks providers about legs whose outcome is unknown.
#[tauri::command]
pub async fn reconcile<R: Runtime>(handle: AppHandle<R>) -> Result<app::OutboxRun, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        let mut progress = |p: &app::LegProgress| {
            let _ = redeemer_handle.emit(REDEMPTION_PROGRESS_EVENT, p);
        };
        d.with_session(|s| app::reconcile_with(s, net, &mut progress))
    })
    .await
}

/// Sends a signed dispute and saves the evidence bundle where the user chooses.
#[tauri::command]
pub async fn dispute_redemption<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
    reason: String,
) -> Result<Option<app::BundleView>, AppError> {
    let reason = app::parse_reason(&reason)?;
    blocking(handle.clone(), Desktop::require_unlocked).await?;
    let name = format!("tipvault-dispute-{id}.json");
    let target = crate::dialogs::save(&handle, name).await?;
    let Some(target) = target else {
        return Ok(None);
    };
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::dispute(s, net, &id, reason, &target, Utc::now()))
            .map(Some)
    })
    .await
}

/// What was sent to which provider, and when.
#[tauri::command]
pub async fn privacy_ledger<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::PrivacyEntryView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::privacy_ledger(s, Utc::now()))
    })
    .await
}
