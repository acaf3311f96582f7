//! Security keys: register, list, rename and remove them; unlock the vault with one; step-up
//! bound to a plan, and the conversion of an approval into the risk engine's `StepUpProof`.
//!
//! The decisions to know:
//! - **Two touches to register.** WebAuthn registration (UV required) creates the credential;
//!   CTAP 2.1 returns no hmac-secret output at creation, so a second assertion with a fresh salt
//!   yields the KEK that wraps the vault key in a new sidecar slot. That assertion is verified
//!   like any other (it sets the stored counter). If it fails, the credential is removed again
//!   so no key is half registered.
//! - **Unlock is verified after opening.** Before the vault opens, the credential records (with
//!   the public keys) are inside it, so the unlock only proves the hmac-secret (the slot's AEAD
//!   tag). Right after, the same assertion is verified against the stored record: signature,
//!   challenge, replay and counter. A cloned key passes the first step and fails the second;
//!   the refusal is audited and the session is locked before it is handed out.
//! - **Every step and refusal goes into the audit chain** while the vault is open (`auth.*`
//!   events with a `reason` code). A refusal before the vault opens (no matching key, a key
//!   that opens no slot) cannot be written anywhere inside the vault: it is only returned.
//! - **`StepUpProof` is made in two places only**: [`step_up_proof`](proof::step_up_proof), from a verified approval
//!   whose plan is the limit change's own plan ([`limit_change_plan`](proof::limit_change_plan)), and `reauth_proof`, from
//!   a passphrase re-authentication given for exactly that change.
//! - **A test device acts only in the demo vault, and there only for sandbox money**: in a real
//!   vault it cannot register, unlock, approve or confirm anything (refused and audited).
//!
//! Files: [`credentials`] (the store and what every use case shares), [`approval`] (step-up
//! for one plan), [`proof`] (a limit change's `StepUpProof`), [`unlock`] and [`registry`].

pub mod approval;
pub mod credentials;
pub mod proof;
pub mod registry;
pub mod unlock;
