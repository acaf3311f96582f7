//! The desktop's hold on the unlocked vault: at most one session, locked on request, after
//! the idle limit, and when the app exits; purged periodically while open.
//!
//! Vault work (Argon2id, SQLCipher) runs on a blocking thread, never on the UI's main thread,
//! so the window stays responsive during an unlock or a purge.

use std::any::Any;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use tipvault_app::clock;
use tipvault_app::{AppError, ErrorCode, LockReason, Session, Settings, VaultLocation};

/// Environment override of the idle limit, in seconds (used by the end-to-end tests).
const IDLE_ENV: &str = "TIPVAULT_AUTO_LOCK_SECS";

/// How often expired records are purged while the vault is open (it also purges on unlock).
const PURGE_EVERY: TimeDelta = TimeDelta::minutes(10);

/// The unlocked vault and what the watcher needs to know about it.
struct Open {
    session: Session,
    idle_limit: Duration,
    last_purge: DateTime<Utc>,
}

/// Shared by the commands: where the vault is, and the session when unlocked.
pub struct Desktop {
    pub location: VaultLocation,
    open: Mutex<Option<Open>>,
    idle_override: Option<Duration>,
    /// Set once the app is exiting: an unlock that finishes after the exit lock must not leave
    /// a session nobody will lock.
    closing: AtomicBool,
    /// The wait for a security key now in progress, which the window's Cancel ends, and when
    /// a Cancel arrived before that wait began (the command had not reached the device yet).
    key_wait: Mutex<(tipvault_app::auth::CancelWait, Option<std::time::Instant>)>,
}

/// What `boundary::VAULT_LOCKED` carries: why the vault locked.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Locked {
    reason: LockReason,
}

fn locked_error() -> AppError {
    AppError::new(
        ErrorCode::VaultLocked,
        "The vault is locked. Unlock it to continue.",
    )
}

/// How long a Cancel pressed before a security key's wait began still ends that wait.
const EARLY_CANCEL: Duration = Duration::from_secs(5);

impl Desktop {
    pub fn new(location: VaultLocation) -> Self {
        // A test hook only (`test-hooks` builds): no other build lets an environment variable weaken the
        // auto-lock the user chose inside the vault.
        let idle_override = if cfg!(feature = "test-hooks") {
            std::env::var(IDLE_ENV)
                .ok()
                .and_then(|s| s.parse().ok())
                .map(Duration::from_secs)
        } else {
            None
        };
        Self {
            location,
            open: Mutex::new(None),
            idle_override,
            closing: AtomicBool::new(false),
            key_wait: Mutex::new((tipvault_app::auth::CancelWait::new(), None)),
        }
    }

    /// A fresh token for a wait that is starting. A Cancel pressed in the moment before (while
    /// the command was on its way to the device) cancels it at once; an older one does not.
    pub(crate) fn new_key_wait(&self) -> tipvault_app::auth::CancelWait {
        let token = tipvault_app::auth::CancelWait::new();
        let mut slot = self.key_wait.lock().unwrap_or_else(|p| p.into_inner());
        if slot.1.take().is_some_and(|at| at.elapsed() < EARLY_CANCEL) {
            token.cancel();
        }
        slot.0 = token.clone();
        token
    }

    /// Ends the wait for a security key now in progress; pressed before the wait began, it
    /// ends the wait that begins next (within [`EARLY_CANCEL`]).
    pub(crate) fn cancel_key_wait(&self) {
        let mut slot = self.key_wait.lock().unwrap_or_else(|p| p.into_inner());
        // The current token, whether its device waits yet or is about to (a finished one
        // ignores it).
        slot.0.cancel();
        if !slot.0.is_waiting() {
            slot.1 = Some(std::time::Instant::now());
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        // A panic while holding the lock cannot leave a half-updated session (every update is
        // a single assignment), so a poisoned lock is still safe to use.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps a freshly unlocked session (which has just purged), locking any previous one.
    pub fn hold(&self, mut session: Session) {
        let now = clock::now();
        if self.closing.load(Ordering::SeqCst) {
            let _ = session.lock(now, LockReason::Exit);
            return;
        }
        // If the setting cannot be read, lock after the default rather than refuse a vault that
        // is already unlocked (an error here would drop the session without locking it).
        let idle_limit = match self.idle_override {
            Some(limit) => limit,
            None => tipvault_app::auto_lock_after(&mut session, now)
                .unwrap_or(tipvault_app::DEFAULT_IDLE_LIMIT),
        };
        let open = Open {
            session,
            idle_limit,
            last_purge: now,
        };
        if let Some(old) = self.slot().replace(open) {
            let _ = old.session.lock(now, LockReason::User);
        }
    }

    /// Locks the session, if any.
    pub fn release(&self, reason: LockReason) -> Result<bool, AppError> {
        let taken = self.slot().take();
        match taken {
            Some(open) => open.session.lock(clock::now(), reason).map(|()| true),
            None => Ok(false),
        }
    }

    /// Runs `work` on the unlocked vault.
    pub fn with_session<T>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut slot = self.slot();
        let open = slot.as_mut().ok_or_else(locked_error)?;
        work(&mut open.session)
    }

    /// Refuses while locked, for commands that ask the user something (a file dialog) before
    /// they use the vault: a locked vault answers at once instead of after a file was chosen.
    pub fn require_unlocked(&self) -> Result<(), AppError> {
        self.with_session(|_| Ok(()))
    }

    /// Whether the open session is the demo vault (false when locked).
    pub fn in_demo_vault(&self) -> bool {
        self.slot()
            .as_ref()
            .is_some_and(|open| open.session.is_demo())
    }

    /// Changes the auto-lock time in the vault and for the running session.
    pub fn set_auto_lock(
        &self,
        after: Duration,
        proof: Option<tipvault_app::Proof<'_>>,
    ) -> Result<Settings, AppError> {
        let mut slot = self.slot();
        let open = slot.as_mut().ok_or_else(locked_error)?;
        let settings = tipvault_app::set_auto_lock(&mut open.session, after, proof, clock::now())?;
        if self.idle_override.is_none() {
            open.idle_limit = after;
        }
        Ok(settings)
    }

    /// The watcher's regular look: locks an idle vault (returns true), else purges when due.
    fn tick(&self, now: DateTime<Utc>) -> bool {
        let mut slot = self.slot();
        let Some(open) = slot.as_mut() else {
            return false;
        };
        if open.session.is_idle(now, open.idle_limit) {
            if let Some(open) = slot.take() {
                let _ = open.session.lock(now, LockReason::Idle);
            }
            return true;
        }
        if now - open.last_purge >= PURGE_EVERY {
            // A failed background purge is retried at the next interval; the purge on the next
            // unlock catches up in any case, and reads never return expired rows meanwhile.
            let _ = tipvault_app::purge_expired_unattended(&mut open.session, now);
            open.last_purge = now;
        }
        false
    }
}

/// Runs vault work on a blocking thread with the desktop state, then wipes the stack the work
/// used on that thread (`tipvault_app::memory`).
pub async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    work: impl FnOnce(&Desktop) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let job: ErasedJob = Box::new(move || {
        let result = work(&app.state::<Desktop>());
        tipvault_app::scrub_stack();
        Box::new(result)
    });
    let answer = run_erased(job).await?;
    match answer.downcast::<Result<T, AppError>>() {
        Ok(result) => *result,
        // Cannot happen: the job above boxed exactly this type.
        Err(_) => Err(AppError::new(
            ErrorCode::Internal,
            "The vault task answered with an unexpected type.",
        )),
    }
}

/// A command's vault work with its answer's type erased (see [`run_erased`]).
type ErasedJob = Box<dyn FnOnce() -> Box<dyn Any + Send> + Send>;

/// Every command's blocking work goes through this one function with one closure type, so
/// Tokio's task machinery (a few kilobytes of code per spawned type) is compiled once rather
/// than once for each of the commands' ~70 closures.
async fn run_erased(job: ErasedJob) -> Result<Box<dyn Any + Send>, AppError> {
    tauri::async_runtime::spawn_blocking(job)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("The vault task failed: {e}")))
}

/// Locks the vault after the idle limit (telling the window) and purges while it is open.
pub fn watch_idle<R: Runtime>(app: AppHandle<R>, every: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            if app.state::<Desktop>().tick(clock::now()) {
                crate::boundary::VAULT_LOCKED.emit(
                    &app,
                    &Locked {
                        reason: LockReason::Idle,
                    },
                );
            }
        }
    });
}

/// Locks on exit so the WAL is checkpointed and the keys are dropped before the process ends.
pub fn lock_on_exit<R: Runtime>(app: &AppHandle<R>) {
    let desktop = app.state::<Desktop>();
    desktop.closing.store(true, Ordering::SeqCst);
    let _ = desktop.release(LockReason::Exit);
}

/// Turns SIGTERM, SIGINT and SIGHUP (a logout, `kill`, Ctrl-C in a terminal) into a normal
/// exit, so the vault is locked and its exit recorded instead of the process just ending.
#[cfg(unix)]
pub fn lock_on_signals<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
        // Lock here first: the event loop may be too busy or already stopping to deliver Exit.
        lock_on_exit(&app);
        app.exit(0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_ends_the_wait_now_or_the_one_about_to_begin_and_no_other() {
        let d = Desktop::new(VaultLocation::at(std::path::Path::new(
            "/nonexistent/tipvault-key-wait",
        )));
        // Pressed while the command was still on its way to the device.
        d.cancel_key_wait();
        assert!(d.new_key_wait().is_cancelled());
        // Used once: the next wait is not cancelled by it.
        assert!(!d.new_key_wait().is_cancelled());
        // Pressed while the device waits: that wait ends, and no later one.
        let token = d.new_key_wait();
        token.set_waiting(true);
        d.cancel_key_wait();
        assert!(token.is_cancelled());
        token.set_waiting(false);
        assert!(!d.new_key_wait().is_cancelled());
    }
}
