//! Tipvault's WebAuthn: the relying party, the authenticators, security-key unlock and the
//! step-up bound to a redemption plan (DESIGN.md §4 and §6, issue 7).
//!
//! - [`rp`]: the relying party on webauthn-rs (user verification required), with Tipvault's
//!   checks for removed credentials, replays and counters that go backwards; step-up ceremonies.
//! - [`credential`]: the record the app stores in the vault, the store trait, list/rename/remove.
//! - [`authenticator`]: the device abstraction every authenticator implements.
//! - [`soft`]: the software CTAP2 authenticator with hmac-secret — a TEST DEVICE.
//! - [`hmac_secret`]: salts, outputs and the KEK derivation for unlocking the vault.
//! - [`unlock`]: the assertion that yields a vault KEK from a security key.
//! - [`step_up`]: the plan's canonical encoding, the plan-bound challenge, the approval.
//! - `usb` (feature `usb`): CTAP2 security keys over USB HID.
//!
//! The decision to know: webauthn-rs verifies signatures but cannot return hmac-secret outputs,
//! so hmac-secret travels beside the WebAuthn response through our own [`Authenticator`] trait,
//! never through the relying party's records.

pub mod authenticator;
pub mod credential;
pub mod hmac_secret;
pub mod rp;
pub mod soft;
pub mod step_up;
pub mod unlock;
#[cfg(feature = "usb")]
pub mod usb;

pub use authenticator::{
    AssertionResponse, AttestationResponse, Authenticator, AuthenticatorError, AuthenticatorInfo,
    CancelWait, CredentialId, GetAssertionRequest, MakeCredentialRequest,
};
pub use credential::{CredentialRecord, CredentialStore, ManageError, MemoryCredentialStore};
pub use hmac_secret::{
    HmacSecretInput, HmacSecretOutput, HmacSecretSalt, KekError, SecurityKeyKek, derive_kek,
};
pub use rp::{
    CeremonyError, PendingAuthentication, PendingRegistration, PendingStepUp, RelyingParty,
    RpConfig, UserIdentity, VerifiedAssertion,
};
pub use soft::SoftAuthenticator;
pub use step_up::{
    Challenge, PlanAmount, PlanDigest, PlanError, PlanLeg, StepUpApproval, StepUpError, StepUpPlan,
};
pub use unlock::{UnlockAssertion, UnlockError, unlock_assertion, unlock_kek};
