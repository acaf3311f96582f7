//! `tipvault status`: what is known about the vault without unlocking it.

use tipvault_app::{AppError, VaultState, clock};

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx { location, out, .. } = ctx;
    let status = tipvault_app::vault_status(location, clock::now())?;
    out.value(&status, || match status.state {
        VaultState::Absent => format!(
            "No vault at {}.\nCreate one with `tipvault init`.",
            status.path
        ),
        VaultState::Locked => {
            let mut text = format!("Vault at {} (locked).", status.path);
            if let Some(kdf) = status.kdf {
                text.push_str(&format!(
                    "\nPassphrase key: Argon2id, {} MiB, {} passes, {} lanes.",
                    kdf.memory_mib, kdf.iterations, kdf.parallelism
                ));
            }
            if let Some(at) = status.retry_after {
                text.push_str(&format!(
                    "\nAfter wrong passphrases, the next try is allowed at {at}."
                ));
            }
            text
        }
    });
    Ok(())
}
