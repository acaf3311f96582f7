//! `tipvault auth`: security keys (register, list, rename, remove, enable unlock).

use clap::Subcommand;
use tipvault_app::{AppError, IfMissing, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Register a security key (touch it twice: once to register, once to enrol it for unlock).
    Register {
        /// What to call it, e.g. "blue key".
        #[arg(long)]
        label: String,
    },
    /// List the registered security keys.
    List,
    /// Rename a key (ID as shown by `auth list`, or a unique prefix of it).
    Rename {
        // A key's id is base64url and may begin with '-' (about one key in 32): it is the id,
        // not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[arg(allow_hyphen_values = true)]
        name: String,
    },
    /// Remove a key and replace the vault key (needs the passphrase): no copy of the key file
    /// taken before opens the vault afterwards. Other keys keep approving; to unlock with them
    /// again, run `auth enable-unlock` with each.
    Remove {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Give a registered key (the one at hand) its unlock slot again.
    EnableUnlock,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &AuthCommand) -> Result<(), AppError> {
    let Ctx { access, out, .. } = ctx;
    match command {
        AuthCommand::Register { label } => {
            let key = ctx.with_session(|session| {
                let mut device = access.authenticator(IfMissing::Create)?;
                if !access.is_soft() {
                    eprintln!(
                        "Touch your security key twice (register, then enrol it for unlock)…"
                    );
                }
                access.with_proof(|proof| {
                    tipvault_app::register_security_key(
                        session,
                        proof,
                        &mut *device,
                        label,
                        clock::now(),
                    )
                })
            })?;
            out.value(&key, || {
            let mut text = format!("Registered {:?} (id {}).", key.label, key.id);
            text.push_str(if key.can_unlock {
                "\nIt can unlock the vault (`--security-key`); your passphrase keeps working."
            } else {
                "\nIt has no hmac-secret, so it cannot unlock the vault; it can approve step-ups."
            });
            if key.is_test_device {
                text.push_str("\nThis is the software authenticator: a TEST DEVICE. Anyone who can read its file can use it.");
            }
            text
        });
        }
        AuthCommand::List => {
            let keys = ctx
                .with_session(|session| tipvault_app::list_security_keys(session, clock::now()))?;
            out.value(&keys, || output::security_keys_table(&keys));
        }
        AuthCommand::Rename { id, name } => {
            let key = ctx.with_session(|session| {
                tipvault_app::rename_security_key(session, id, name, clock::now())
            })?;
            out.value(&key, || format!("Renamed {} to {:?}.", key.id, key.label));
        }
        AuthCommand::Remove { id } => {
            let removed = ctx.with_session(|session| {
                access.with_passphrase(|passphrase| {
                    tipvault_app::remove_security_key(
                        session,
                        Some(passphrase),
                        id,
                        &mut [],
                        clock::now(),
                    )
                })
            })?;
            out.value(&removed, || output::key_removed_text(&removed));
        }
        AuthCommand::EnableUnlock => {
            let key = ctx.with_session(|session| {
                let mut device = access.authenticator(IfMissing::Refuse)?;
                if !access.is_soft() {
                    eprintln!("Touch your security key…");
                }
                access.with_proof(|proof| {
                    tipvault_app::enable_security_key_unlock(
                        session,
                        proof,
                        &mut *device,
                        clock::now(),
                    )
                })
            })?;
            out.value(&key, || {
                format!(
                    "{:?} (id {}) can unlock the vault again.",
                    key.label, key.id
                )
            });
        }
    }
    Ok(())
}
