//! Prints the keys a vault holds, for the desktop's secret-leak scan
//! (`tests/e2e/specs/secrets.e2e.mjs`): the scan must know what to search a run's files, IPC
//! traffic and process memory for.
//!
//! `TIPVAULT_PASSPHRASE=… cargo run -p tipvault-app --features test-hooks --example
//! e2e_key_material -- VAULT_DIR` prints one JSON object: `vault_key`, `data_key` and
//! `device_secret` (`null` before the vault's first pairing) as lower-case hex. Run it only
//! after the app under test has ended: it unlocks the vault, and the scan must not find what
//! this process did.

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;
use secrecy::SecretString;
use tipvault_vault::Vault;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args_os().nth(1) else {
        return Err("usage: e2e_key_material VAULT_DIR".into());
    };
    let passphrase = SecretString::from(
        std::env::var("TIPVAULT_PASSPHRASE").map_err(|_| "set TIPVAULT_PASSPHRASE")?,
    );
    let now = Utc::now();
    let (vault, _) = Vault::unlock(std::path::Path::new(&dir), &passphrase, now)?;
    let keys = vault.key_material(now)?;
    let json = serde_json::json!({
        "vault_key": hex::encode(keys.vault_key.as_slice()),
        "data_key": hex::encode(keys.data_key.as_slice()),
        "device_secret": keys.device_secret.as_ref().map(|s| hex::encode(s.as_slice())),
    });
    println!("{json}");
    vault.lock()?;
    Ok(())
}
