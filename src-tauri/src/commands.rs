//! The vault's commands: status, create, unlock and lock, retention, audit, settings, previews
//! and the dashboard. Each is one call into `tipvault_app`; the window reaches them through the
//! boundary's list (`boundary/list.rs`).

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tipvault_app as app;
use tipvault_app::clock;
use tipvault_app::{AppError, KdfChoice, LockReason, SecretString};

use crate::reauth::{ReauthInput, with_proof};
use crate::session::{Desktop, blocking};

// Every command is async: Tauri runs synchronous commands on the window's main thread, which a
// slow purge holding the session lock would freeze.
pub async fn app_info<R: Runtime>(_handle: AppHandle<R>) -> Result<app::AppInfo, AppError> {
    Ok(app::app_info())
}

/// Rates a new passphrase as it is typed (the create form's meter and rule): the rule lives in
/// the app, not in the window. Nothing is kept; the text is wiped when the rating is made.
pub async fn rate_passphrase<R: Runtime>(
    handle: AppHandle<R>,
    passphrase: String,
) -> Result<app::PassphraseRating, AppError> {
    let passphrase = SecretString::from(passphrase);
    // On a blocking thread whose stack is wiped after (zxcvbn works on the text there), like
    // every command that handles a secret.
    blocking(handle, move |_| Ok(app::rate_passphrase(&passphrase))).await
}

pub async fn vault_status<R: Runtime>(handle: AppHandle<R>) -> Result<app::VaultStatus, AppError> {
    app::vault_status(&handle.state::<Desktop>().location, clock::now())
}

pub async fn create_vault<R: Runtime>(
    handle: AppHandle<R>,
    passphrase: String,
) -> Result<app::Created, AppError> {
    let passphrase = SecretString::from(passphrase);
    blocking(handle, move |d| {
        let (session, created) =
            app::create_vault(&d.location, &passphrase, KdfChoice::DEFAULT, clock::now())?;
        d.hold(session);
        Ok(created)
    })
    .await
}

pub async fn unlock_vault<R: Runtime>(
    handle: AppHandle<R>,
    passphrase: String,
) -> Result<app::Unlocked, AppError> {
    let passphrase = SecretString::from(passphrase);
    let unlocked = blocking(handle.clone(), move |d| {
        let (session, unlocked) = app::unlock_vault(&d.location, &passphrase, clock::now())?;
        d.hold(session);
        Ok(unlocked)
    })
    .await?;
    crate::risk::run_auto_cashouts_soon(&handle);
    Ok(unlocked)
}

pub async fn lock_vault<R: Runtime>(handle: AppHandle<R>) -> Result<bool, AppError> {
    blocking(handle, |d| d.release(LockReason::User)).await
}

/// The user is active in the window (typing, clicking): postpones the auto-lock.
///
/// On a blocking thread like the rest: while an import holds the vault this waits for it, and
/// waiting on the async runtime's few workers could starve other commands.
pub async fn note_activity<R: Runtime>(handle: AppHandle<R>) -> Result<(), AppError> {
    blocking(handle, |d| {
        d.with_session(|s| {
            s.touch(clock::now());
            Ok(())
        })
    })
    .await
}

pub async fn retention_classes<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::RetentionView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::retention_classes(s, clock::now()))
    })
    .await
}

/// Shortening a class asks the dialog's proof (`reauth`); lengthening needs none.
pub async fn set_retention<R: Runtime>(
    handle: AppHandle<R>,
    class_name: String,
    seconds: u64,
    reauth: Option<ReauthInput>,
) -> Result<app::RetentionChanged, AppError> {
    let duration = Duration::from_secs(seconds);
    let inner = handle.clone();
    blocking(handle, move |d| {
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            d.with_session(|s| app::set_retention(s, &class_name, duration, proof, clock::now()))
        })
    })
    .await
}

pub async fn purge_expired<R: Runtime>(
    handle: AppHandle<R>,
    dry_run: bool,
) -> Result<app::PurgeView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::purge_expired(s, clock::now(), dry_run))
    })
    .await
}

pub async fn audit_entries<R: Runtime>(
    handle: AppHandle<R>,
    after: u64,
    limit: u32,
) -> Result<Vec<app::AuditEntryView>, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::audit_entries(s, clock::now(), after, limit))
    })
    .await
}

pub async fn verify_audit_log<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<app::AuditVerifyView, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::verify_audit_log(s, clock::now()))
    })
    .await
}

pub async fn settings<R: Runtime>(handle: AppHandle<R>) -> Result<app::Settings, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::settings(s, clock::now()))
    })
    .await
}

/// Longer than the default asks the dialog's proof (`reauth`).
pub async fn set_auto_lock<R: Runtime>(
    handle: AppHandle<R>,
    seconds: u64,
    reauth: Option<ReauthInput>,
) -> Result<app::Settings, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            d.set_auto_lock(Duration::from_secs(seconds), proof)
        })
    })
    .await
}

/// Previews an amount over the vault's catalog (the only cached one, the one named in the
/// query, or the demo catalog).
pub async fn preview_balance<R: Runtime>(
    handle: AppHandle<R>,
    query: app::PreviewQuery,
) -> Result<app::PreviewView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| {
            app::preview_amount(s, &query, clock::now()).map(|r| app::preview_view(&r))
        })
    })
    .await
}

/// Previews the vault's current balances (every source, several currencies, FX at the rates
/// the user typed).
pub async fn preview_my_balances<R: Runtime>(
    handle: AppHandle<R>,
    query: app::BalancePreviewQuery,
) -> Result<app::PreviewView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| {
            app::preview_my_balances(s, &query, clock::now()).map(|r| app::preview_view(&r))
        })
    })
    .await
}

/// Previews the balances of every paired provider in one plan: each account only through its
/// own provider's catalog, the shared limit spent cheapest provider first.
pub async fn preview_across_providers<R: Runtime>(
    handle: AppHandle<R>,
    query: app::BalancePreviewQuery,
) -> Result<app::AcrossPreviewView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| {
            app::preview_across_providers(s, &query, clock::now())
                .map(|r| app::across_preview_view(&r))
        })
    })
    .await
}

/// The cached catalogs and the built-in demo catalog.
pub async fn catalogs<R: Runtime>(handle: AppHandle<R>) -> Result<Vec<app::CatalogView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_catalogs(s, clock::now()))
    })
    .await
}

pub async fn dashboard<R: Runtime>(handle: AppHandle<R>) -> Result<app::DashboardView, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::dashboard(s, clock::now()))
    })
    .await
}
