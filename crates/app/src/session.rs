//! An unlocked vault, held by one front end for as long as the user works.
//!
//! The CLI holds a session for one command; the desktop holds one until the user locks it or
//! it sits idle longer than the auto-lock limit. Dropping or locking a session drops the data
//! key (zeroized by the vault crate). The session also remembers when it was last used, so the
//! front end can ask [`Session::is_idle`] with its own clock.

use std::time::Duration;
use ts_rs::TS;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;
use tipvault_vault::{AuditEvent, KdfParams, Vault, kdf};

use crate::error::{AppError, ErrorCode};
use crate::location::VaultLocation;
use crate::view::{KdfView, PurgeView};

/// The setting that marks a vault as the demo vault (value `sandbox`).
pub const DEMO_SETTING: &str = "vault.demo";

/// Auto-lock after this much idle time unless the user chose otherwise.
pub const DEFAULT_IDLE_LIMIT: Duration = Duration::from_secs(5 * 60);

/// How the Argon2id cost of a new passphrase is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfChoice {
    /// Measure this machine and pick parameters that take about `target` (never below policy).
    Calibrated { target: Duration },
    /// The policy minimum (64 MiB, t=3, p=4): for tests and slow machines.
    Minimum,
}

impl KdfChoice {
    /// DESIGN.md §4 asks for about 0.5–1 s on the user's machine.
    pub const DEFAULT: KdfChoice = KdfChoice::Calibrated {
        target: Duration::from_millis(750),
    };

    pub(crate) fn params(self) -> Result<(KdfParams, Option<Duration>), AppError> {
        match self {
            KdfChoice::Minimum => Ok((KdfParams::POLICY_MIN, None)),
            KdfChoice::Calibrated { target } => {
                let calibration = kdf::calibrate(target).map_err(|e| {
                    AppError::new(
                        ErrorCode::Internal,
                        format!("Measuring this computer's speed failed: {e}"),
                    )
                })?;
                Ok((calibration.params, Some(calibration.measured)))
            }
        }
    }
}

/// Why a session ended, recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The user asked.
    User,
    /// The idle limit passed.
    Idle,
    /// The front end finished (a CLI command, the window closing).
    Exit,
    /// A security key opened the vault but its assertion was then refused (e.g. a cloned key):
    /// the session ends at once.
    SecurityKeyRefused,
}

/// An unlocked vault.
#[derive(Debug)]
pub struct Session {
    vault: Vault,
    last_activity: DateTime<Utc>,
    /// The demo vault (marked by `DEMO_SETTING`).
    pub(crate) demo: bool,
}

/// What creating a vault chose, shown to the user.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Created {
    pub path: String,
    pub kdf: KdfView,
    /// How long one unlock's key derivation took while calibrating, in milliseconds.
    pub unlock_ms: Option<u64>,
}

/// What happened while unlocking, besides opening the vault.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Unlocked {
    pub path: String,
    /// Set when the stored Argon2id parameters were below policy and were raised.
    pub kdf_upgraded: Option<KdfUpgradeView>,
    /// Set when an interrupted key rotation was finished or rolled back.
    pub rotation_recovered: Option<String>,
    /// `[from, to]` schema versions when migrations ran.
    pub migrated: Option<(u32, u32)>,
    /// The purge that runs on every unlock (`None` if it failed: see `purge_error`).
    pub purged: Option<PurgeView>,
    /// Why the purge on unlock failed (e.g. a full disk). The vault opens anyway: reads never
    /// return expired rows, and the next purge catches up.
    pub purge_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct KdfUpgradeView {
    pub from: KdfView,
    pub to: KdfView,
}

/// Creates a vault at `location` and returns it unlocked.
pub fn create_vault(
    location: &VaultLocation,
    passphrase: &SecretString,
    kdf: KdfChoice,
    now: DateTime<Utc>,
) -> Result<(Session, Created), AppError> {
    crate::passphrase::check_new_passphrase(passphrase)?;
    let (params, measured) = kdf.params()?;
    let vault = Vault::create(location.dir(), passphrase, params, now)?;
    let created = Created {
        path: location.dir().display().to_string(),
        kdf: params.into(),
        unlock_ms: measured.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    };
    Ok((Session::new(vault, now), created))
}

/// Unlocks the vault at `location` with a passphrase, then purges what has expired.
pub fn unlock_vault(
    location: &VaultLocation,
    passphrase: &SecretString,
    now: DateTime<Utc>,
) -> Result<(Session, Unlocked), AppError> {
    let (vault, report) = Vault::unlock(location.dir(), passphrase, now)?;
    Ok(opened(location, Session::new(vault, now), report, now))
}

/// A vault just unlocked (by any slot) becomes a session: purge what expired, report.
pub(crate) fn opened(
    location: &VaultLocation,
    mut session: Session,
    report: tipvault_vault::UnlockReport,
    now: DateTime<Utc>,
) -> (Session, Unlocked) {
    // Best effort: a purge that fails (a full disk) must not lock the user out of their data.
    let (purged, purge_error) = match session.vault_unattended().purge(now, false) {
        Ok(report) => (Some(PurgeView::from(report)), None),
        Err(e) => (None, Some(AppError::from(e).message)),
    };
    let unlocked = Unlocked {
        path: location.dir().display().to_string(),
        kdf_upgraded: report.kdf_upgraded.map(|u| KdfUpgradeView {
            from: u.from.into(),
            to: u.to.into(),
        }),
        rotation_recovered: report.rotation_recovered.map(|r| format!("{r:?}")),
        migrated: report.migrated,
        purged,
        purge_error,
    };
    (session, unlocked)
}

impl Session {
    pub(crate) fn new(vault: Vault, now: DateTime<Utc>) -> Self {
        // A mark that cannot be read counts as a real vault: demo-only work is then refused,
        // which is the safe side.
        let demo = vault.setting(DEMO_SETTING).ok().flatten().is_some();
        Self {
            vault,
            last_activity: now,
            demo,
        }
    }

    /// Whether this is the demo vault (sandbox money only, labelled DEMO everywhere).
    #[must_use]
    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// The vault, for the use cases in this crate; marks the session as used.
    pub(crate) fn vault_at(&mut self, now: DateTime<Utc>) -> &mut Vault {
        self.touch(now);
        &mut self.vault
    }

    /// The vault, for work the app does on its own (a periodic purge): not user activity, so it
    /// does not postpone the auto-lock.
    pub(crate) fn vault_unattended(&mut self) -> &mut Vault {
        &mut self.vault
    }

    /// Records user activity (any command counts).
    pub fn touch(&mut self, now: DateTime<Utc>) {
        // A clock set backwards must not extend the session: keep the later time.
        self.last_activity = self.last_activity.max(now);
    }

    /// Whether the session has been idle for at least `limit` at `now`.
    pub fn is_idle(&self, now: DateTime<Utc>, limit: Duration) -> bool {
        let idle = now.signed_duration_since(self.last_activity);
        idle.to_std().is_ok_and(|idle| idle >= limit)
    }

    /// Ends the session: records why, checkpoints the WAL and drops the keys.
    pub fn lock(mut self, now: DateTime<Utc>, reason: LockReason) -> Result<(), AppError> {
        let event = AuditEvent::new("vault.locked", json!({ "reason": reason }))?;
        // The audit entry is best effort: a lock must happen even if the write fails, and the
        // failure is reported after the keys are gone.
        let recorded = self.vault.audit_append(&event, now);
        self.vault.lock()?;
        recorded.map(|_| ()).map_err(AppError::from)
    }
}
