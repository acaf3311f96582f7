//! Re-authentication before a sensitive change (OWASP ASVS 4.0.3 §3.7.1): an unlocked session
//! alone is not enough to weaken the vault's protections or take its key.
//!
//! The decisions to know:
//! - **What counts as sensitive** is [`Sensitive`]: registering or removing a security key,
//!   shortening a retention class, raising a limit, the sandbox step-up waiver, exporting the
//!   data key, an auto-lock longer than the default, adding a provider (or accepting its new
//!   key), replacing the vault key. Each use case decides whether its change is sensitive (a
//!   shorter auto-lock or a lower limit is not) and then asks [`confirm`].
//! - **A proof is the passphrase or an already registered key** ([`Proof`]). The passphrase is
//!   checked like an unlock attempt (throttled, counted before the key is derived). A key signs
//!   a challenge derived from the change's own canonical text ([`Sensitive::canonical`]), so an
//!   assertion for one change cannot confirm another. A test device confirms nothing in a real
//!   vault (its secrets sit in a file).
//! - **No proof is an answer, not a failure**: [`ErrorCode::ReauthRequired`] tells the front end
//!   to ask (the desktop opens a dialog, the CLI uses the passphrase it was given or prompts) and
//!   call again. Nothing is changed before the proof is checked.
//! - Every accepted and refused proof is in the audit chain (`auth.reauthenticated`,
//!   `auth.reauth_refused`), with the change it was for.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;
use tipvault_auth::{Authenticator, PlanAmount, PlanLeg, StepUpPlan};
use tipvault_vault::AuditEvent;

use crate::error::{AppError, ErrorCode};
use crate::session::Session;

/// How the user proves it is them, now.
pub enum Proof<'a> {
    /// The vault's passphrase, typed again.
    Passphrase(&'a SecretString),
    /// An assertion from a security key already registered on this vault.
    SecurityKey(&'a mut dyn Authenticator),
}

impl Proof<'_> {
    fn method(&self) -> &'static str {
        match self {
            Proof::Passphrase(_) => "passphrase",
            Proof::SecurityKey(_) => "security_key",
        }
    }
}

/// A sensitive change, described exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sensitive {
    /// Registering a new security key.
    RegisterKey { label: String },
    /// Removing a security key (which also replaces the vault key).
    RemoveKey { id: String },
    /// Giving a registered key (the one at hand) its unlock slot again.
    EnableUnlock,
    /// Replacing the vault key on request.
    ReplaceVaultKey,
    /// Shortening a retention class.
    ShortenRetention { class: String, seconds: u64 },
    /// Raising a limit: the change's canonical text (`LimitChange::canonical`).
    RaiseLimit { change: String },
    /// Turning the sandbox step-up waiver on.
    SandboxWaiver,
    /// An auto-lock longer than the default.
    AutoLock { seconds: u64 },
    /// Adding a provider, or accepting a new key for one.
    AddProvider { url: String, fingerprint: String },
}

impl Sensitive {
    /// The change's canonical text: what a key's challenge is derived from, and what the audit
    /// chain records.
    #[must_use]
    pub fn canonical(&self) -> String {
        match self {
            Sensitive::RegisterKey { label } => format!("register-key label={label}"),
            Sensitive::RemoveKey { id } => format!("remove-key id={id}"),
            Sensitive::EnableUnlock => "enable-unlock".into(),
            Sensitive::ReplaceVaultKey => "replace-vault-key".into(),
            Sensitive::ShortenRetention { class, seconds } => {
                format!("shorten-retention class={class} seconds={seconds}")
            }
            Sensitive::RaiseLimit { change } => format!("raise-limit {change}"),
            Sensitive::SandboxWaiver => "sandbox-waiver on".into(),
            Sensitive::AutoLock { seconds } => format!("auto-lock seconds={seconds}"),
            Sensitive::AddProvider { url, fingerprint } => {
                format!("add-provider url={url} key={fingerprint}")
            }
        }
    }

    /// What the change is, for the message that asks for a proof.
    fn what(&self) -> &'static str {
        match self {
            Sensitive::RegisterKey { .. } => "Registering a security key",
            Sensitive::RemoveKey { .. } => "Removing a security key",
            Sensitive::EnableUnlock => "Letting a security key unlock the vault",
            Sensitive::ReplaceVaultKey => "Replacing the vault key",
            Sensitive::ShortenRetention { .. } => "Keeping records for a shorter time",
            Sensitive::RaiseLimit { .. } => "Raising a limit",
            Sensitive::SandboxWaiver => "Letting demo money through without a security key",
            Sensitive::AutoLock { .. } => "An auto-lock longer than 5 minutes",
            Sensitive::AddProvider { .. } => "Adding a provider",
        }
    }

    /// The plan a key signs for this change: one leg whose only destination field is the
    /// canonical text, so the challenge covers every byte of it (as for a limit change).
    fn plan(&self) -> StepUpPlan {
        let nothing = PlanAmount::new("KRW", 0);
        StepUpPlan {
            provider_id: "tipvault.local/reauth".into(),
            catalog_version: 1,
            legs: vec![PlanLeg {
                product_id: "sensitive-change".into(),
                net: nothing.clone(),
                fee: nothing.clone(),
                gross: nothing.clone(),
                debit: nothing,
                destination: vec![("change".into(), self.canonical())],
                provider_id: None,
            }],
        }
    }
}

/// A proof that was checked for one change, now. Made only by [`confirm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reauthenticated {
    method: &'static str,
    change: String,
    at: DateTime<Utc>,
}

impl Reauthenticated {
    /// Whether this proof was given for `change`.
    pub(crate) fn covers(&self, change: &Sensitive) -> bool {
        self.change == change.canonical()
    }

    pub(crate) fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

/// The answer when no proof was given: ask, then call again.
pub(crate) fn required(change: &Sensitive) -> AppError {
    AppError::new(
        ErrorCode::ReauthRequired,
        format!(
            "{} needs you to confirm it is you: enter your passphrase or use a registered \
             security key. Nothing was changed.",
            change.what()
        ),
    )
}

/// Checks `proof` for `change` (or answers [`ErrorCode::ReauthRequired`] when there is none).
/// Accepted and refused proofs are audited with the change they were for.
pub(crate) fn confirm(
    session: &mut Session,
    proof: Option<Proof<'_>>,
    change: &Sensitive,
    now: DateTime<Utc>,
) -> Result<Reauthenticated, AppError> {
    let Some(proof) = proof else {
        return Err(required(change));
    };
    let method = proof.method();
    let checked = match proof {
        Proof::Passphrase(passphrase) => session
            .vault_at(now)
            .verify_passphrase(passphrase, now)
            .map_err(AppError::from),
        Proof::SecurityKey(authenticator) => {
            // `step_up_for_plan` refuses a test device in a real vault and audits its own
            // refusals; the approval must be for exactly this change's plan.
            let plan = change.plan();
            crate::security_keys::approval::step_up_for_plan(session, authenticator, &plan, now)
                .and_then(|approval| {
                    approval.check(&plan).map_err(|e| {
                        AppError::new(ErrorCode::SecurityKeyRefused, crate::error::sentence(&e))
                    })
                })
        }
    };
    let vault = session.vault_at(now);
    match checked {
        Ok(()) => {
            vault.audit_append(
                &AuditEvent::new(
                    "auth.reauthenticated",
                    json!({"method": method, "change": change.canonical()}),
                )?,
                now,
            )?;
            Ok(Reauthenticated {
                method,
                change: change.canonical(),
                at: now,
            })
        }
        Err(error) => {
            let recorded = vault.audit_append(
                &AuditEvent::new(
                    "auth.reauth_refused",
                    json!({"method": method, "change": change.canonical(),
                           "code": error.code, "message": error.message}),
                )?,
                now,
            );
            // A refusal that cannot be recorded must not look recorded.
            Err(match recorded {
                Ok(_) => error,
                Err(e) => e.into(),
            })
        }
    }
}
