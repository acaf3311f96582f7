//! The desktop's hold on the unlocked vault: at most one session, locked on request, after
//! the idle limit, and when the app exits.
//!
//! Vault work (Argon2id, SQLCipher) runs on a blocking thread, never on the UI's main thread,
//! so the window stays responsive during an unlock or a purge.

use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use tipvault_app::{AppError, ErrorCode, LockReason, Session, VaultLocation};

/// The event the UI listens to, to return to the unlock screen.
pub const LOCKED_EVENT: &str = "vault-locked";

/// Environment override of the idle limit, in seconds (used by the end-to-end tests).
const IDLE_ENV: &str = "TIPVAULT_AUTO_LOCK_SECS";

/// Shared by the commands: where the vault is, and the session when unlocked.
pub struct Desktop {
    pub location: VaultLocation,
    session: Mutex<Option<Session>>,
    idle_limit: Duration,
}

#[derive(Debug, Clone, Serialize)]
struct Locked {
    reason: LockReason,
}

impl Desktop {
    pub fn new(location: VaultLocation) -> Self {
        let idle_limit = std::env::var(IDLE_ENV)
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(tipvault_app::DEFAULT_IDLE_LIMIT);
        Self {
            location,
            session: Mutex::new(None),
            idle_limit,
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        // A panic while holding the lock cannot leave a half-updated session (every update is
        // a single assignment), so a poisoned lock is still safe to use.
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a freshly unlocked session, locking any previous one.
    pub fn hold(&self, session: Session) {
        if let Some(old) = self.slot().replace(session) {
            let _ = old.lock(Utc::now(), LockReason::User);
        }
    }

    /// Locks the session, if any.
    pub fn release(&self, reason: LockReason) -> Result<bool, AppError> {
        let taken = self.slot().take();
        match taken {
            Some(session) => session.lock(Utc::now(), reason).map(|()| true),
            None => Ok(false),
        }
    }

    /// Runs `work` on the unlocked vault.
    pub fn with_session<T>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut slot = self.slot();
        let session = slot.as_mut().ok_or_else(|| {
            AppError::new(
                ErrorCode::VaultLocked,
                "The vault is locked. Unlock it to continue.",
            )
        })?;
        work(session)
    }

    fn lock_if_idle(&self) -> bool {
        let mut slot = self.slot();
        let idle = slot
            .as_ref()
            .is_some_and(|s| s.is_idle(Utc::now(), self.idle_limit));
        if idle && let Some(session) = slot.take() {
            let _ = session.lock(Utc::now(), LockReason::Idle);
        }
        idle
    }
}

/// Runs vault work on a blocking thread with the desktop state.
pub async fn blocking<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&Desktop) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(move || work(&app.state::<Desktop>()))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("The vault task failed: {e}")))?
}

/// Locks the vault after the idle limit and tells the window.
pub fn watch_idle(app: AppHandle, every: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            if app.state::<Desktop>().lock_if_idle() {
                let _ = app.emit(
                    LOCKED_EVENT,
                    Locked {
                        reason: LockReason::Idle,
                    },
                );
            }
        }
    });
}

/// Locks on exit so the WAL is checkpointed and the keys are dropped before the process ends.
pub fn lock_on_exit(app: &AppHandle) {
    let _ = app.state::<Desktop>().release(LockReason::Exit);
}
