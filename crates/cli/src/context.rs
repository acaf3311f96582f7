//! What every verb runs with: where the vault is, how this run opens it (`Access`), the
//! output mode, and the helpers that open the vault for one piece of work.

use tipvault_app::{
    AppError, AuthenticatorChoice, ErrorCode, IfMissing, LockReason, Session, Unlocked,
    VaultLocation, VaultState, clock,
};

use crate::output::Output;
use crate::passphrase::Passphrases;

/// One run of the CLI, as every verb sees it: the global flags, validated.
pub(crate) struct Ctx<'a> {
    /// The vault this run works on (the demo vault with `--demo`).
    pub(crate) location: VaultLocation,
    /// The real vault's location, whatever `--demo` says (the demo vault lives beside it).
    pub(crate) real: VaultLocation,
    pub(crate) access: Access<'a>,
    pub(crate) passphrases: &'a Passphrases,
    pub(crate) out: &'a Output,
    /// `--json`: progress and notes stay off standard output.
    pub(crate) json: bool,
    /// `--tz`, as given (each verb that shows dates parses it).
    pub(crate) tz: String,
    /// `--demo`.
    pub(crate) demo: bool,
    /// `--security-key`.
    pub(crate) security_key: bool,
}

/// Whether a vault exists at `location` (without unlocking it).
pub(crate) fn vault_exists(location: &VaultLocation) -> Result<bool, AppError> {
    Ok(tipvault_app::vault_status(location, clock::now())?.state != VaultState::Absent)
}

/// The catalog a command runs over: the built-in demo catalog when `demo` is asked for or no
/// vault exists (previews work before a vault is created); otherwise the vault's choice.
pub(crate) fn chosen_catalog(
    location: &VaultLocation,
    access: &Access,
    provider: Option<&str>,
) -> Result<tipvault_app::preview::ProviderCatalog, AppError> {
    if provider == Some("demo") {
        return tipvault_app::demo_catalog(clock::now());
    }
    if !vault_exists(location)? {
        return match provider {
            None => tipvault_app::demo_catalog(clock::now()),
            Some(p) if p == tipvault_app::catalogs::DEMO_PROVIDER_ID => {
                tipvault_app::demo_catalog(clock::now())
            }
            Some(p) => Err(AppError::new(
                ErrorCode::NoVault,
                format!("There is no vault, so no cached catalog of {p:?}."),
            )),
        };
    }
    with_session(location, access, |session| {
        tipvault_app::choose_catalog(session, provider, clock::now())
    })
}

impl Ctx<'_> {
    /// Runs `work` on this run's vault, unlocked for it and locked again after
    /// ([`with_session`]).
    pub(crate) fn with_session<T>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        with_session(&self.location, &self.access, work)
    }
}

/// How this run opens the vault: the passphrase, or (`--security-key`) a security key.
pub(crate) struct Access<'a> {
    /// `--demo`: the demo vault, opened with its public passphrase.
    demo: bool,
    passphrases: &'a Passphrases,
    security_key: bool,
    device: AuthenticatorChoice,
    /// The passphrase this run unlocked with (it is read once: standard input cannot be read
    /// twice), for the re-authentication a sensitive change needs.
    unlocked_with: std::cell::RefCell<Option<tipvault_app::SecretString>>,
}

impl<'a> Access<'a> {
    pub(crate) fn new(
        demo: bool,
        passphrases: &'a Passphrases,
        security_key: bool,
        device: AuthenticatorChoice,
    ) -> Self {
        Access {
            demo,
            passphrases,
            security_key,
            device,
            unlocked_with: std::cell::RefCell::new(None),
        }
    }

    /// The chosen authenticator. `if_missing` applies to the software device's file.
    pub(crate) fn authenticator(
        &self,
        if_missing: IfMissing,
    ) -> Result<Box<dyn tipvault_app::auth::Authenticator>, AppError> {
        let device = tipvault_app::open_authenticator(
            &self.device,
            if_missing,
            Box::new(|retries: Option<u8>| {
                let prompt = match retries {
                    Some(n) => format!("Security key PIN ({n} tries left): "),
                    None => "Security key PIN: ".to_owned(),
                };
                rpassword::prompt_password(prompt).ok()
            }),
            // Ctrl+C ends the whole command; nothing else cancels a wait here.
            tipvault_app::auth::CancelWait::new(),
        )?;
        if device.info().is_test_device {
            eprintln!("Using the software authenticator: a TEST DEVICE, not for real money.");
        }
        Ok(device)
    }

    pub(crate) fn unlock(&self, location: &VaultLocation) -> Result<(Session, Unlocked), AppError> {
        if self.demo && !self.security_key {
            let demo = tipvault_app::SecretString::from(tipvault_app::DEMO_PASSPHRASE.to_owned());
            return tipvault_app::unlock_vault(location, &demo, clock::now());
        }
        if self.security_key {
            let mut device = self.authenticator(IfMissing::Refuse)?;
            if !self.is_soft() {
                eprintln!("Touch your security key…");
            }
            return tipvault_app::unlock_with_security_key(location, &mut *device, clock::now());
        }
        let passphrase = self.passphrases.current()?;
        let unlocked = tipvault_app::unlock_vault(location, &passphrase, clock::now());
        *self.unlocked_with.borrow_mut() = Some(passphrase);
        unlocked
    }

    /// The authenticator that approves a held redemption or a change, with the touch prompt.
    pub(crate) fn approving_authenticator(
        &self,
    ) -> Result<Box<dyn tipvault_app::auth::Authenticator>, AppError> {
        let device = self.authenticator(IfMissing::Refuse)?;
        if !self.is_soft() {
            eprintln!("Touch your security key to approve…");
        }
        Ok(device)
    }

    pub(crate) fn is_soft(&self) -> bool {
        matches!(self.device, AuthenticatorChoice::SoftFile(_))
    }

    /// A software test device was named and its file exists (so it can be asked).
    pub(crate) fn soft_device_exists(&self) -> bool {
        matches!(&self.device, AuthenticatorChoice::SoftFile(path) if path.exists())
    }

    /// Runs `work` with the proof a sensitive change needs (`tipvault_app::reauth`): in the demo
    /// vault its public passphrase; after a `--security-key` unlock, the key again (one more
    /// touch, bound to the change); otherwise the passphrase this run was given (at the prompt,
    /// on standard input or in `TIPVAULT_PASSPHRASE`) moments ago, checked again.
    pub(crate) fn with_proof<T>(
        &self,
        work: impl FnOnce(Option<tipvault_app::Proof<'_>>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        if self.demo {
            let demo = tipvault_app::SecretString::from(tipvault_app::DEMO_PASSPHRASE.to_owned());
            return work(Some(tipvault_app::Proof::Passphrase(&demo)));
        }
        if self.security_key {
            let mut device = self.authenticator(IfMissing::Refuse)?;
            if !self.is_soft() {
                eprintln!("Touch your security key to confirm this change…");
            }
            return work(Some(tipvault_app::Proof::SecurityKey(&mut *device)));
        }
        self.with_passphrase(|p| work(Some(tipvault_app::Proof::Passphrase(p))))
    }

    /// Runs `work` with the vault's passphrase: the one this run unlocked with, or (after a
    /// security-key unlock) asked for now.
    pub(crate) fn with_passphrase<T>(
        &self,
        work: impl FnOnce(&tipvault_app::SecretString) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        if self.demo {
            let demo = tipvault_app::SecretString::from(tipvault_app::DEMO_PASSPHRASE.to_owned());
            return work(&demo);
        }
        if let Some(passphrase) = self.unlocked_with.borrow().as_ref() {
            return work(passphrase);
        }
        let passphrase = self.passphrases.current()?;
        work(&passphrase)
    }
}

/// Runs `work` on the unlocked vault, then locks it whatever happened.
pub(crate) fn with_session<T>(
    location: &VaultLocation,
    access: &Access,
    work: impl FnOnce(&mut Session) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let (mut session, _unlocked) = access.unlock(location)?;
    let result = work(&mut session);
    let locked = session.lock(clock::now(), LockReason::Exit);
    let value = result?;
    // The work committed before the lock began, so a failure while locking (its audit entry,
    // or folding the write-ahead log into the database on a full disk) loses nothing: the next
    // unlock finishes it. Reporting the whole command as failed would tell the user a change
    // that is saved did not happen (tests/faults.rs).
    if let Err(e) = locked {
        eprintln!(
            "tipvault: warning: done and saved, but closing the vault failed: {} Nothing is \
             lost; the next unlock finishes closing it.",
            e.message
        );
    }
    Ok(value)
}
