//! Choosing the authenticator a front end talks to.
//!
//! The software authenticator is a TEST DEVICE (its keys sit in a file): it is used only when
//! the user names its file explicitly. Otherwise the USB CTAP2 path is used when this build has
//! it (feature `usb`); without it, the error says so rather than pretending no key is present.

use std::path::PathBuf;

use tipvault_auth::{Authenticator, CancelWait, SoftAuthenticator};

use crate::error::{AppError, ErrorCode, sentence};

/// Where the security key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticatorChoice {
    /// The software test authenticator with its state in this file (kept outside the vault,
    /// mode 0600; created on first registration).
    SoftFile(PathBuf),
    /// A USB CTAP2 security key (needs a build with the `usb` feature).
    Usb,
}

/// What to do when the software authenticator's file does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMissing {
    /// Create an empty one (registration).
    Create,
    /// Refuse (unlock, step-up: a missing file is a typo, not a new device).
    Refuse,
}

/// A PIN prompt for USB keys: given the retries left (if known), the PIN or `None` to cancel.
pub type PinPrompt = Box<dyn FnMut(Option<u8>) -> Option<String> + Send>;

/// Opens the chosen authenticator; `cancel` ends a USB key's wait for its touch early.
pub fn open_authenticator(
    choice: &AuthenticatorChoice,
    if_missing: IfMissing,
    pin_prompt: PinPrompt,
    cancel: CancelWait,
) -> Result<Box<dyn Authenticator>, AppError> {
    match choice {
        AuthenticatorChoice::SoftFile(path) => {
            let device = match if_missing {
                IfMissing::Create => SoftAuthenticator::open_or_create(path.clone()),
                IfMissing::Refuse if !path.exists() => {
                    return Err(AppError::new(
                        ErrorCode::SecurityKeyUnavailable,
                        format!(
                            "The software authenticator file {} does not exist.",
                            path.display()
                        ),
                    ));
                }
                IfMissing::Refuse => SoftAuthenticator::open(path.clone()),
            }
            .map_err(|e| AppError::new(ErrorCode::SecurityKeyUnavailable, sentence(&e)))?;
            Ok(Box::new(device))
        }
        AuthenticatorChoice::Usb => usb(pin_prompt, cancel),
    }
}

#[cfg(feature = "usb")]
fn usb(pin_prompt: PinPrompt, cancel: CancelWait) -> Result<Box<dyn Authenticator>, AppError> {
    // 30 s per touch: long enough to find the key, short enough that a forgotten prompt ends.
    // Builds with the `test-hooks` feature take `TIPVAULT_TEST_USB_TIMEOUT_MS`, so process
    // tests of the no-key path do not wait 30 s; other builds ignore it.
    #[cfg(feature = "test-hooks")]
    let timeout_ms = std::env::var("TIPVAULT_TEST_USB_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    #[cfg(not(feature = "test-hooks"))]
    let timeout_ms = 30_000;
    let device = tipvault_auth::usb::UsbAuthenticator::new(timeout_ms, pin_prompt, cancel)
        .map_err(|e| AppError::new(ErrorCode::SecurityKeyUnavailable, sentence(&e)))?;
    Ok(Box::new(device))
}

#[cfg(not(feature = "usb"))]
fn usb(_pin_prompt: PinPrompt, _cancel: CancelWait) -> Result<Box<dyn Authenticator>, AppError> {
    Err(AppError::new(
        ErrorCode::SecurityKeyUnavailable,
        "This build of Tipvault has no security-key (USB CTAP2) support compiled in. Use your \
         passphrase, or a build with the `usb` feature (on by default).",
    ))
}
