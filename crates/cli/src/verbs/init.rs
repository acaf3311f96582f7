//! `tipvault init`: creates the vault (or, with `--demo`, the demo vault beside it).

use std::time::Duration;

use clap::Args;
use tipvault_app::{AppError, KdfChoice, LockReason, clock};

use crate::context::Ctx;
use crate::passphrase::PASSPHRASE_ENV;

#[derive(Debug, Args)]
pub(crate) struct KdfArgs {
    /// Aim for this many milliseconds per unlock when choosing the Argon2id cost.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 750,
        conflicts_with = "kdf_minimum"
    )]
    kdf_target_ms: u64,
    /// Use the minimum Argon2id cost (64 MiB, 3 passes, 4 lanes) instead of measuring.
    #[arg(long)]
    kdf_minimum: bool,
}

impl KdfArgs {
    pub(crate) fn choice(&self) -> KdfChoice {
        if self.kdf_minimum {
            KdfChoice::Minimum
        } else {
            KdfChoice::Calibrated {
                target: Duration::from_millis(self.kdf_target_ms),
            }
        }
    }
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, kdf: &KdfArgs) -> Result<(), AppError> {
    let Ctx {
        location,
        real,
        passphrases,
        out,
        ..
    } = ctx;
    if ctx.demo {
        let (session, created) = tipvault_app::open_demo_vault(real, clock::now())?;
        session.lock(clock::now(), LockReason::Exit)?;
        let path = location.dir().display().to_string();
        out.value(&serde_json::json!({"path": path, "created": created}), || {
            if created {
                format!("Created the demo vault at {path} (sandbox money only; its passphrase is public).")
            } else {
                format!("The demo vault at {path} already exists.")
            }
        });
    } else {
        let passphrase = passphrases.new_one(PASSPHRASE_ENV)?;
        if !ctx.json && !kdf.kdf_minimum {
            eprintln!("Creating the vault (measuring this computer for the key derivation)…");
        }
        let (session, created) =
            tipvault_app::create_vault(location, &passphrase, kdf.choice(), clock::now())?;
        session.lock(clock::now(), LockReason::Exit)?;
        out.value(&created, || {
            let timing = created
                .unlock_ms
                .map(|ms| format!(", about {ms} ms per unlock"))
                .unwrap_or_default();
            format!(
                "Created a vault at {}.\nPassphrase key: Argon2id, {} MiB, {} passes, {} lanes{timing}.\nKeep your passphrase safe: nobody can recover it.",
                created.path, created.kdf.memory_mib, created.kdf.iterations, created.kdf.parallelism
            )
        });
    }
    Ok(())
}
