//! `tipvault passphrase change`.

use clap::Subcommand;
use tipvault_app::{AppError, LockReason, clock};

use crate::context::Ctx;
use crate::passphrase::NEW_PASSPHRASE_ENV;
use crate::verbs::init::KdfArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum PassphraseCommand {
    /// Replace the passphrase (the new one from a prompt, the next stdin line, or TIPVAULT_NEW_PASSPHRASE).
    Change(KdfArgs),
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &PassphraseCommand) -> Result<(), AppError> {
    let Ctx {
        location,
        passphrases,
        out,
        ..
    } = ctx;
    let PassphraseCommand::Change(kdf) = command;
    let current = passphrases.current()?;
    let new = passphrases.new_one(NEW_PASSPHRASE_ENV)?;
    let (mut session, _) = tipvault_app::unlock_vault(location, &current, clock::now())?;
    let result =
        tipvault_app::change_passphrase(&mut session, &current, &new, kdf.choice(), clock::now());
    // Whether the passphrase changed matters more than a failed lock: report it first.
    let locked = session.lock(clock::now(), LockReason::Exit);
    let kdf = result?;
    out.value(&kdf, || {
        format!(
            "Passphrase changed (Argon2id, {} MiB, {} passes, {} lanes). The vault's data was not rewritten.",
            kdf.memory_mib, kdf.iterations, kdf.parallelism
        )
    });
    locked?;
    Ok(())
}
