//! Security keys from the desktop: list, register, rename and remove them in settings, unlock
//! the vault with one, and the plan a step-up approves (the approval itself is the risk gate's
//! `verify_redemption`, in `risk.rs`). Each command is one call into `tipvault_app`.
//!
//! The one decision to know: the web view never names a file. It chooses a kind of device
//! (`usb` or `test_device`); the software test device's state file is chosen here, from
//! `TIPVAULT_TEST_SOFT_AUTHENTICATOR` (the `test-hooks` feature only, for the WebDriver tests) or, in demo
//! mode, a file beside the vault (never inside it). Without either, only USB keys are offered,
//! and a build without USB support answers with the app's own sentence saying so.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tipvault_app as app;
use tipvault_app::clock;
use tipvault_app::{AppError, AuthenticatorChoice, ErrorCode, IfMissing, PinPrompt};

use crate::reauth::{ReauthInput, with_proof};
use crate::session::blocking;

/// Debug-build test hook: the software test device's state file.
const SOFT_ENV: &str = "TIPVAULT_TEST_SOFT_AUTHENTICATOR";

/// A kind of authenticator the user can pick in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "DeviceKind")]
pub enum Device {
    /// A USB CTAP2 security key.
    Usb,
    /// The software authenticator: a test device whose keys sit in a file.
    TestDevice,
}

/// What the device is for: registering a new one, or using one already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "KeyPurpose")]
pub enum Purpose {
    /// Registering a new key.
    Register,
    /// Unlocking or approving with a key already registered.
    Use,
}

/// Where the software test device lives, if it may be offered.
///
/// - The environment hook (`test-hooks` builds) names the file for every purpose; the app
///   still refuses a test device in a real vault.
/// - In the demo vault, a file beside the demo vault, for registering and for using.
/// - Anywhere else, never: the demo's test device is never registered on a real vault, never
///   unlocks one and never approves its money (`crate::demo` in the app keeps the demo apart).
fn test_device_file(
    env: Option<PathBuf>,
    demo_file: PathBuf,
    in_demo_vault: bool,
    _purpose: Purpose,
) -> Option<PathBuf> {
    if let Some(path) = env {
        return Some(path);
    }
    in_demo_vault.then_some(demo_file)
}

/// The test hook, in `test-hooks` builds only: every other build ignores the variable.
fn env_file() -> Option<PathBuf> {
    if cfg!(feature = "test-hooks") {
        std::env::var_os(SOFT_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    } else {
        None
    }
}

/// The demo's test device: beside the vault directory, like the demo sandbox's database.
fn demo_file(vault_dir: &Path) -> PathBuf {
    vault_dir.with_extension("test-authenticator.json")
}

fn soft_file<R: Runtime>(
    handle: &AppHandle<R>,
    vault_dir: &Path,
    purpose: Purpose,
) -> Option<PathBuf> {
    let in_demo_vault = handle.state::<crate::session::Desktop>().in_demo_vault();
    let demo_vault = app::VaultLocation::at(vault_dir).demo();
    test_device_file(
        env_file(),
        demo_file(demo_vault.dir()),
        in_demo_vault,
        purpose,
    )
}

/// The kinds of device offered for `purpose`, USB first (the default).
fn offered(test_device: bool) -> Vec<Device> {
    let mut kinds = vec![Device::Usb];
    if test_device {
        kinds.push(Device::TestDevice);
    }
    kinds
}

/// Hands the PIN typed with the request to a USB key once; a second prompt (a wrong PIN)
/// cancels rather than spending another of the key's few retries.
fn pin_once(pin: Option<String>) -> PinPrompt {
    let mut pin = pin.filter(|p| !p.is_empty());
    Box::new(move |_retries| pin.take())
}

fn choice<R: Runtime>(
    handle: &AppHandle<R>,
    vault_dir: &Path,
    device: Device,
    purpose: Purpose,
) -> Result<AuthenticatorChoice, AppError> {
    match device {
        Device::Usb => Ok(AuthenticatorChoice::Usb),
        Device::TestDevice => soft_file(handle, vault_dir, purpose)
            .map(AuthenticatorChoice::SoftFile)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::SecurityKeyUnavailable,
                    "The software test device is only available in demo mode.",
                )
            }),
    }
}

/// The authenticator the user picked, for `purpose`.
pub(crate) fn open<R: Runtime>(
    handle: &AppHandle<R>,
    vault_dir: &Path,
    device: Device,
    pin: Option<String>,
    purpose: Purpose,
) -> Result<Box<dyn app::auth::Authenticator>, AppError> {
    let choice = choice(handle, vault_dir, device, purpose)?;
    let if_missing = match purpose {
        Purpose::Register => IfMissing::Create,
        Purpose::Use => IfMissing::Refuse,
    };
    let cancel = handle.state::<crate::session::Desktop>().new_key_wait();
    app::open_authenticator(&choice, if_missing, pin_once(pin), cancel)
}

/// Ends the wait for a USB key's touch now in progress (the dialog's Cancel): the waiting
/// command answers `cancelled` at once. It never touches the session, which that command holds.
pub async fn cancel_key_wait<R: Runtime>(handle: AppHandle<R>) -> Result<(), AppError> {
    handle.state::<crate::session::Desktop>().cancel_key_wait();
    Ok(())
}

/// The kinds of security key the UI may offer to register (`register`) or to unlock and
/// approve with (`use`): `usb`, and `test_device` only in demo mode or under the test hook.
pub async fn security_key_devices<R: Runtime>(
    handle: AppHandle<R>,
    purpose: Purpose,
) -> Result<Vec<Device>, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        Ok(offered(
            soft_file(&inner, d.location.dir(), purpose).is_some(),
        ))
    })
    .await
}

pub async fn security_keys<R: Runtime>(
    handle: AppHandle<R>,
) -> Result<Vec<app::SecurityKeyView>, AppError> {
    blocking(handle, |d| {
        d.with_session(|s| app::list_security_keys(s, clock::now()))
    })
    .await
}

/// Registers a key under `label` (two touches: the credential, then its unlock slot), once the
/// dialog's proof (`reauth`: the passphrase or another registered key) is checked.
pub async fn register_security_key<R: Runtime>(
    handle: AppHandle<R>,
    label: String,
    device: Device,
    pin: Option<String>,
    reauth: Option<ReauthInput>,
) -> Result<app::SecurityKeyView, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            let mut authenticator = open(&inner, d.location.dir(), device, pin, Purpose::Register)?;
            d.with_session(|s| {
                app::register_security_key(s, proof, &mut *authenticator, &label, clock::now())
            })
        })
    })
    .await
}

pub async fn rename_security_key<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
    label: String,
) -> Result<app::SecurityKeyView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::rename_security_key(s, &id, &label, clock::now()))
    })
    .await
}

/// Removes a key and replaces the vault key, with the passphrase from the dialog (`reauth`);
/// other keys keep approving and lose only their unlock slot.
pub async fn remove_security_key<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
    reauth: Option<ReauthInput>,
) -> Result<app::SecurityKeyRemoved, AppError> {
    let passphrase = crate::reauth::passphrase(reauth);
    blocking(handle, move |d| {
        d.with_session(|s| {
            app::remove_security_key(s, passphrase.as_ref(), &id, &mut [], clock::now())
        })
    })
    .await
}

/// Gives the key at hand (already registered) its unlock slot again, once the dialog's proof
/// (`reauth`) is checked: after another key's removal replaced the vault key.
pub async fn enable_security_key_unlock<R: Runtime>(
    handle: AppHandle<R>,
    device: Device,
    pin: Option<String>,
    reauth: Option<ReauthInput>,
) -> Result<app::SecurityKeyView, AppError> {
    let inner = handle.clone();
    blocking(handle, move |d| {
        with_proof(&inner, d.location.dir(), reauth, |proof| {
            let mut authenticator = open(&inner, d.location.dir(), device, pin, Purpose::Use)?;
            d.with_session(|s| {
                app::enable_security_key_unlock(s, proof, &mut *authenticator, clock::now())
            })
        })
    })
    .await
}

/// Unlocks the vault with a registered key instead of the passphrase.
pub async fn unlock_with_security_key<R: Runtime>(
    handle: AppHandle<R>,
    device: Device,
    pin: Option<String>,
) -> Result<app::Unlocked, AppError> {
    let inner = handle.clone();
    let unlocked = blocking(handle.clone(), move |d| {
        let mut authenticator = open(&inner, d.location.dir(), device, pin, Purpose::Use)?;
        let (session, unlocked) =
            app::unlock_with_security_key(&d.location, &mut *authenticator, clock::now())?;
        d.hold(session);
        Ok(unlocked)
    })
    .await?;
    crate::risk::run_auto_cashouts_soon(&handle);
    Ok(unlocked)
}

/// Exactly what a step-up for redemption `id` approves, with the digest to hand back to
/// `verify_redemption`.
pub async fn step_up_plan<R: Runtime>(
    handle: AppHandle<R>,
    id: String,
) -> Result<app::StepUpPlanView, AppError> {
    blocking(handle, move |d| {
        d.with_session(|s| app::step_up_plan_view(s, &id, clock::now()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ui_names_a_kind_of_device_never_a_file() {
        let parse = |text: &str| serde_json::from_value::<Device>(serde_json::json!(text));
        assert_eq!(parse("usb").unwrap(), Device::Usb);
        assert_eq!(parse("test_device").unwrap(), Device::TestDevice);
        assert!(
            parse("/tmp/soft.json").is_err(),
            "a path is not a kind of device"
        );
    }

    #[test]
    fn the_test_device_is_offered_only_in_the_demo_vault_or_under_the_test_hook() {
        let dir = tempfile_dir();
        let demo = dir.join("vault.test-authenticator.json");
        for purpose in [Purpose::Register, Purpose::Use] {
            assert_eq!(
                test_device_file(None, demo.clone(), false, purpose),
                None,
                "neither demo mode nor a test device file: USB only"
            );
            assert_eq!(
                test_device_file(None, demo.clone(), true, purpose),
                Some(demo.clone())
            );
            let hook = dir.join("hook.json");
            assert_eq!(
                test_device_file(Some(hook.clone()), demo.clone(), false, purpose),
                Some(hook)
            );
        }
        // Its file left from an earlier demo: still never offered outside the demo vault.
        std::fs::write(&demo, b"{}").unwrap();
        for purpose in [Purpose::Register, Purpose::Use] {
            assert_eq!(test_device_file(None, demo.clone(), false, purpose), None);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn usb_comes_first_and_the_test_device_is_never_the_default() {
        assert_eq!(offered(false), [Device::Usb]);
        assert_eq!(offered(true), [Device::Usb, Device::TestDevice]);
        // As the window receives them.
        assert_eq!(
            serde_json::to_value(offered(true)).unwrap(),
            serde_json::json!(["usb", "test_device"])
        );
    }

    #[test]
    fn the_demo_device_lives_beside_the_vault_not_inside_it() {
        let vault = Path::new("/data/tipvault/vault");
        let file = demo_file(vault);
        assert_eq!(file.parent(), vault.parent());
        assert!(!file.starts_with(vault));
    }

    #[test]
    fn a_pin_is_given_once_then_the_prompt_cancels() {
        let mut prompt = pin_once(Some("1234".into()));
        assert_eq!(prompt(Some(8)).as_deref(), Some("1234"));
        assert_eq!(prompt(Some(7)), None, "a wrong PIN is not retried");
        assert_eq!(pin_once(Some(String::new()))(None), None);
        assert_eq!(pin_once(None)(None), None);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tipvault-desktop-keys-{}-{}",
            std::process::id(),
            clock::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
