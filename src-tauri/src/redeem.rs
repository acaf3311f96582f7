//! Redemptions from the desktop: providers, the sandbox demo, planning a redemption (and
//! showing exactly what each request reveals), sending it, the outbox, disputes and the privacy
//! ledger. Each command is one call into `tipvault_app`.
//!
//! The one decision to know: demo mode runs the sandbox provider inside this process, on
//! loopback, on the network runtime of `tipvault_app::Network`, and only when the user asks
//! for it; it is labelled a sandbox everywhere (its key id says so, and the UI shows it).

use std::sync::{Mutex, OnceLock};

use tauri::{AppHandle, Manager, Runtime};
use tipvault_app as app;
use tipvault_app::clock;
use tipvault_app::demo_provider::{DemoProvider, DemoProviderOptions};
use tipvault_app::{AppError, Network};

use crate::reauth::{ReauthInput, with_proof};
use crate::session::{Desktop, blocking};

/// Tells the window of each leg's progress (committed as leaving, confirmed, failed, queued).
pub(crate) fn leg_progress<R: Runtime>(handle: &AppHandle<R>) -> impl FnMut(&app::LegProgress) {
    move |p| {
        crate::boundary::REDEMPTION_PROGRESS.emit(handle, p);
    }
}

/// The network runtime (created on first use) and the demo sandbox, when running.
#[derive(Default)]
pub struct Redeemer {
    net: OnceLock<Network>,
    sandbox: Mutex<Option<DemoProvider>>,
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

pub async fn providers<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::ProviderView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_providers(s, clock::now()))
    })
    .await
}

/// Leaves demo mode: locks the demo vault; the window returns to the real vault's unlock
/// screen. Returns false when no demo vault was open.
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
pub async fn start_demo<R: Runtime>(handle: AppHandle<R>) -> Result<app::DemoStarted, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        if !d.in_demo_vault() {
            d.release(app::LockReason::User)?;
            let (session, _created) = app::open_demo_vault(&d.location, clock::now())?;
            d.hold(session);
        }
        let mut running = redeemer.sandbox.lock().unwrap_or_else(|p| p.into_inner());
        let options = DemoProviderOptions {
            // `test-hooks` builds only: the WebDriver test of a double charge found and
            // disputed runs the demo sandbox with that fault.
            double_charge: cfg!(feature = "test-hooks")
                && std::env::var_os(DOUBLE_CHARGE_ENV).is_some(),
        };
        d.with_session(|s| {
            app::demo_provider::start_demo(s, net, &d.location, &mut running, options, clock::now())
        })
    })
    .await
}

/// Adds a provider by its address. Asked first without `fingerprint`, the answer is
/// `confirm_provider_key` with the key's fingerprint in its hint, for the user to compare with
/// the one the provider publishes; asked again with it (and the proof that it is the user), the
/// provider is stored with that key pinned. In the demo vault it is a sandbox (demo money);
/// the app refuses a sandbox anywhere else and a remote one anywhere.
pub async fn add_provider<R: Runtime>(
    handle: AppHandle<R>,
    url: String,
    fingerprint: Option<String>,
    reauth: Option<ReauthInput>,
) -> Result<app::ProviderView, AppError> {
    let redeemer_handle = handle.clone();
    let inner = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            d.with_session(|s| {
                app::add_provider_for_vault(
                    s,
                    net,
                    &url,
                    fingerprint.as_deref(),
                    proof,
                    clock::now(),
                )
            })
        })
    })
    .await
}

/// Pairs this device with `provider`, with the enrolment code the provider gave the user.
pub async fn pair_provider<R: Runtime>(
    handle: AppHandle<R>,
    provider: String,
    code: String,
) -> Result<app::ProviderView, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::pair_provider(s, net, Some(&provider), &code, clock::now()))
    })
    .await
}

/// Fetches the catalog of `provider` (or of every provider) under its pinned key and renews or
/// replaces the cached copy: the desktop's "Refresh" wherever a catalog is stale or expired.
pub async fn refresh_catalogs<R: Runtime>(
    handle: AppHandle<R>,
    provider: Option<String>,
) -> Result<Vec<app::CatalogRefreshed>, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::refresh_catalogs(s, net, provider.as_deref(), clock::now()))
    })
    .await
}

/// Reads the provider's signed balance for `account` and compares it with the books: the
/// Overview's "Reconcile now".
pub async fn reconcile_account<R: Runtime>(
    handle: AppHandle<R>,
    account: String,
) -> Result<Vec<app::ReconciliationView>, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::reconcile_account(s, net, &account, clock::now()))
    })
    .await
}

/// Links a platform account to the provider that holds its money (`None` unlinks): the
/// Overview's "Held by".
pub async fn link_account<R: Runtime>(
    handle: AppHandle<R>,
    source: String,
    provider: Option<String>,
) -> Result<app::AccountView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::link_account(s, &source, provider.as_deref(), clock::now()))
    })
    .await
}

/// Cancels what of redemption `id` still waits for `provider` (one that cannot be reached):
/// nothing more goes to it; the other providers' legs carry on.
pub async fn cancel_provider_legs<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
    provider: String,
) -> Result<app::RedemptionView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::cancel_provider_legs(s, &id, &provider, clock::now()))
    })
    .await
}

/// Plans one redemption across every paired provider from a preview of them all and the
/// destinations typed for each product: nothing is sent; each leg names its provider and what
/// it would reveal.
pub async fn plan_redemption_across<R: Runtime>(
    handle: AppHandle<R>,
    request: app::RedeemAcrossRequest,
) -> Result<app::RedemptionView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::plan_redemption_across(s, &request, clock::now()))
    })
    .await
}

/// Plans a redemption from a preview and the destinations typed for each product: nothing is
/// sent; the answer lists exactly what each request would reveal.
pub async fn plan_redemption<R: Runtime>(
    handle: AppHandle<R>,
    request: app::RedeemRequest,
) -> Result<app::RedemptionView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::plan_redemption(s, &request, clock::now()))
    })
    .await
}

/// Approves a planned redemption (the user saw what it reveals) and sends its legs. When the
/// risk check holds it (a step-up, a pause or a refusal), nothing is sent and the answer is the
/// redemption with its decision (`risk`), so the window can say why and offer the key.
pub async fn send_redemption<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
) -> Result<app::RedemptionView, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        let mut progress = leg_progress(&redeemer_handle);
        d.with_session(|s| {
            app::send_planned(s, net, &id, &mut progress, clock::now())
                .map(app::SendOutcome::into_redemption)
        })
    })
    .await
}

pub async fn redemptions<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::RedemptionView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_redemptions(s, clock::now()))
    })
    .await
}

pub async fn redemption_detail<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
) -> Result<app::RedemptionDetailView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::redemption_detail(s, &id, clock::now()))
    })
    .await
}

/// Sends what is queued and asks providers about legs whose outcome is unknown.
pub async fn reconcile<R: Runtime>(handle: AppHandle<R>) -> Result<app::OutboxRun, AppError> {
    let redeemer_handle = handle.clone();
    blocking(handle, move |d| {
        let redeemer = redeemer_handle.state::<Redeemer>();
        let net = redeemer.net()?;
        let mut progress = leg_progress(&redeemer_handle);
        d.with_session(|s| app::reconcile_with(s, net, &mut progress))
    })
    .await
}

/// Sends a signed dispute and saves the evidence bundle where the user chooses.
pub async fn dispute_redemption<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
    reason: app::DisputeReason,
) -> Result<Option<app::BundleView>, AppError> {
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
        d.with_session(|s| app::dispute(s, net, &id, reason, &target, clock::now()))
            .map(Some)
    })
    .await
}

/// What was sent to which provider, and when.
pub async fn privacy_ledger<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::PrivacyEntryView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::privacy_ledger(s, clock::now()))
    })
    .await
}
