//! `tipvault unlock`: checks that the vault opens (passphrase or security key), then locks it.

use tipvault_app::{AppError, LockReason, clock};

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx {
        location,
        access,
        out,
        ..
    } = ctx;
    let (session, unlocked) = access.unlock(location)?;
    session.lock(clock::now(), LockReason::Exit)?;
    let how = if ctx.security_key {
        "your security key"
    } else {
        "your passphrase"
    };
    out.value(&unlocked, || {
        format!(
            "The vault at {} opens with {how}. It is locked again.",
            unlocked.path
        )
    });
    Ok(())
}
