//! `tipvault export-key`: shows the raw data key (typed passphrase at a terminal only).

use tipvault_app::{AppError, LockReason, clock};

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx {
        location,
        passphrases,
        out,
        ..
    } = ctx;
    // Only typed at the terminal: never from the environment or standard input, where
    // a script (or anyone able to set them) could take the key unattended.
    let passphrase = passphrases.interactive("Passphrase (to show the raw key): ")?;
    let (session, key) = tipvault_app::export_data_key(location, &passphrase, clock::now())?;
    // The export is already in the audit log: show the key even if locking then fails.
    let locked = session.lock(clock::now(), LockReason::Exit);
    out.secret_key(&key);
    locked?;
    Ok(())
}
