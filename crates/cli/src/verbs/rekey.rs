//! `tipvault rekey`: a new data key (or, with `--vault-key`, a new vault key and data key).

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub(crate) struct RekeyArgs {
    /// Also replace the vault key, so that no old copy of the key file (with an old
    /// passphrase or a removed key) opens the vault as it is now.
    #[arg(long)]
    vault_key: bool,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &RekeyArgs) -> Result<(), AppError> {
    let vault_key = args.vault_key;
    let Ctx { access, out, .. } = ctx;
    if vault_key {
        let replaced = ctx.with_session(|session| {
            access.with_passphrase(|passphrase| {
                tipvault_app::replace_vault_key(session, passphrase, &mut [], clock::now())
            })
        })?;
        out.value(&replaced, || {
            format!(
                "Replaced the vault key and the data key (generation {}). {} security-key unlock slot(s) dropped: run `auth enable-unlock` with each key to unlock with it again.",
                replaced.data_key_generation, replaced.slots_dropped
            )
        });
    } else {
        let json = ctx.json;
        let rekeyed = ctx.with_session(|session| {
            tipvault_app::rotate_data_key(session, clock::now(), |progress| {
                if !json {
                    eprintln!("{}", output::rekey_progress(progress));
                }
            })
        })?;
        out.value(&rekeyed, || {
            format!(
                "Re-encrypted {} pages under a new data key (generation {}) in {} ms.",
                rekeyed.pages, rekeyed.generation, rekeyed.elapsed_ms
            )
        });
    }
    Ok(())
}
