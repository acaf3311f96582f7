//! The risk gate from the desktop: the user's standing (tier, limits, rules), changing a limit
//! (a raise approved with a security key), verifying or cancelling a redemption the check
//! holds, providers' tier verification, the demo's sandbox waiver, and automatic cash-outs.
//! Each command is one call into `tipvault_app`.
//!
//! The one decision to know: a redemption the risk check holds is an answer, not a failure.
//! `send_redemption` returns it with its decision (`RedemptionView::risk`) so the window can
//! say why and offer the key; `verify_redemption` is the only way to approve it, and the app
//! records that approval before the legs are queued and sent here with live progress.

use tauri::{AppHandle, Manager, Runtime};
use tipvault_app as app;
use tipvault_app::clock;
use tipvault_app::{AppError, ErrorCode};

use crate::keys::{Purpose, open};
use crate::reauth::{ReauthInput, with_proof};
use crate::redeem::{Redeemer, leg_progress};
use crate::session::{Desktop, blocking};

/// Tier, progress to the next, limits per currency, every rule with its threshold (en/ko),
/// providers' verification tokens and the sandbox waiver.
pub async fn risk_status<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<app::RiskStatusView, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::risk_status(s, clock::now()))
    })
    .await
}

/// Sets a limit (`amount: None` goes back to the tier's). Lowering needs nothing; a raise is
/// answered `reauth_required` unless the dialog's proof (`reauth`: the passphrase, or a key
/// that then approves exactly this change) comes with it.
pub async fn set_limit<R: Runtime>(
    handle: AppHandle<R>,
    currency: String,
    kind: app::LimitKind,
    amount: Option<String>,
    reauth: Option<ReauthInput>,
) -> Result<app::LimitChangedView, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            d.with_session(|s| {
                app::set_limit(s, &currency, kind, amount.as_deref(), proof, clock::now())
            })
        })
    })
    .await
}

/// Reads a typed limit (`₩50,000`, `50000`) and compares it with the one in force, so the
/// window knows whether a raise needs the security-key dialog. Changes nothing.
pub async fn draft_limit<R: Runtime>(
    handle: AppHandle<R>,
    currency: String,
    kind: app::LimitKind,
    typed: String,
) -> Result<app::LimitDraft, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::draft_limit(s, &currency, kind, &typed, clock::now()))
    })
    .await
}

/// Confirms a held redemption with a security key, if its plan is still the one shown
/// (`plan_digest`): the app records the approval and queues the legs, which are sent now with
/// live progress (`redemption-progress`).
pub async fn verify_redemption<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
    plan_digest: String,
    device: crate::keys::Device,
    pin: Option<String>,
) -> Result<app::RedemptionView, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        let redeemer = inner.state::<Redeemer>();
        let net = redeemer.net()?;
        let mut authenticator = open(&inner, d.location.dir(), device, pin, Purpose::Use)?;
        let mut progress = leg_progress(&inner);
        d.with_session(|s| {
            app::verify_and_send(
                s,
                net,
                &mut *authenticator,
                &id,
                Some(&plan_digest),
                &mut progress,
                clock::now(),
            )
        })
    })
    .await
}

/// Ends a redemption that was never approved (held or refused): nothing is ever sent.
pub async fn cancel_redemption<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
) -> Result<app::RedemptionView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::cancel_redemption(s, &id, clock::now()))
    })
    .await
}

/// Demo money only: whether the check's step-ups at sandbox providers are let through.
/// Turning it on asks the dialog's proof (`reauth`); off is free.
pub async fn set_sandbox_step_up_waiver<R: Runtime>(
    handle: AppHandle<R>,
    waived: bool,
    reauth: Option<ReauthInput>,
) -> Result<bool, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            d.with_session(|s| app::set_sandbox_step_up_waiver(s, waived, proof, clock::now()))
        })
    })
    .await
}

/// Asks a paired provider to verify the user; only its signed, expiring token is kept.
pub async fn verify_tier<R: Runtime>(
    handle: AppHandle<R>,
    provider: String,
) -> Result<app::ProviderVerificationView, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        let redeemer = inner.state::<Redeemer>();
        let net = redeemer.net()?;
        d.with_session(|s| app::verify_tier(s, net, Some(&provider), clock::now()))
    })
    .await
}

pub async fn auto_cashouts<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::AutoCashOutView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_auto_cashouts(s, clock::now()))
    })
    .await
}

/// Adds "when this source reaches X, run this plan" (trusted tier only; the app says why not).
pub async fn add_auto_cashout<R: Runtime>(
    handle: AppHandle<R>,
    rule: app::NewAutoCashOut,
) -> Result<app::AutoCashOutView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::add_auto_cashout(s, &rule, clock::now()))
    })
    .await
}

pub async fn remove_auto_cashout<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
) -> Result<(), AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::remove_auto_cashout(s, &id, clock::now()))
    })
    .await
}

/// Runs the rules that fire now (each judged unattended: one the check would ask about waits
/// for the user), then sends what was queued, with live progress.
pub async fn run_auto_cashouts<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<app::AutoCashOutRunView, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| run_and_send(&inner, d)).await
}

/// The rules' run and its sending, in one app call.
fn run_and_send<R: Runtime>(
    handle: &AppHandle<R>,
    d: &Desktop,
) -> Result<app::AutoCashOutRunView, AppError> {
    let redeemer = handle.state::<Redeemer>();
    let net = redeemer.net()?;
    let mut progress = leg_progress(handle);
    d.with_session(|s| app::run_auto_cashouts_and_send(s, net, &mut progress, clock::now()))
}

/// What `boundary::AUTO_CASH_OUT` carries: the rules' run, if it got that far, and why it or the
/// sending after it failed (a queued redemption stays queued for the next run or reconcile).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AutoCashOutRan {
    pub run: Option<app::AutoCashOutRunView>,
    pub error: Option<AppError>,
}

/// Runs the automatic cash-out rules in the background, the way a scheduler would run
/// `tipvault autocashout run`: the desktop calls this after an unlock and after an import,
/// the moments a source's balance can newly be at a rule's threshold. A rule fires at most
/// once in 24 hours and is judged unattended, so running it on every trigger is safe; the
/// window hears of it only when a rule fired or something failed. A vault locked meanwhile
/// (by the user, or idle) is not news.
pub fn run_auto_cashouts_soon<R: Runtime>(handle: &AppHandle<R>) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        let ran = match auto_cashouts_now(handle.clone()).await {
            Ok(Some(ran)) => ran,
            Ok(None) => return,
            Err(error) if error.code == ErrorCode::VaultLocked => return,
            Err(error) => AutoCashOutRan {
                run: None,
                error: Some(error),
            },
        };
        crate::boundary::AUTO_CASH_OUT.emit(&handle, &ran);
    });
}

/// The run, if a rule did anything (`waiting`: fired within 24 hours, not again), with the
/// sending's failure if it failed after the rules had fired.
async fn auto_cashouts_now<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Option<AutoCashOutRan>, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        let redeemer = inner.state::<Redeemer>();
        let mut progress = leg_progress(&inner);
        let ran = d.with_session(|s| {
            app::run_auto_cashouts_unattended(s, || redeemer.net(), &mut progress, clock::now())
        })?;
        Ok(ran.map(|ran| AutoCashOutRan {
            run: Some(ran.run),
            error: ran.send_error,
        }))
    })
    .await
}
