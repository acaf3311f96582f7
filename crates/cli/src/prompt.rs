//! Questions asked at the terminal before something irreversible: sending requests, trusting a
//! provider's key.

use std::io::{BufRead, Write};

use tipvault_app::{AppError, ErrorCode};

/// Asks `prompt`; true only for an explicit yes.
pub(crate) fn confirm(prompt: &str) -> Result<bool, AppError> {
    eprint!("{prompt} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| AppError::new(ErrorCode::Io, format!("Cannot read the answer: {e}.")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Trust on first use, made explicit: shows the provider's key fingerprint and, at a
/// terminal, asks the user to confirm it; elsewhere refuses with the fingerprint to pass as
/// `--fingerprint` once checked.
pub(crate) fn confirm_key(key: &tipvault_app::ProviderKeyView) -> Result<String, AppError> {
    use std::io::IsTerminal as _;
    let changed = key.pinned.as_ref().filter(|p| **p != key.fingerprint);
    let mut text = format!(
        "{} at {} signs with the key {}. ",
        key.provider_id, key.url, key.fingerprint
    );
    if let Some(old) = changed {
        text.push_str(&format!(
            "This is NOT the key Tipvault pinned ({old}). Accept it only if {} announced a key \
             change. ",
            key.provider_id
        ));
    }
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::ConfirmProviderKey,
            format!(
                "{text}Compare it with the fingerprint the provider publishes, then run this \
                 again with --fingerprint {}.",
                key.fingerprint
            ),
        ));
    }
    eprint!("{text}\nIs this the fingerprint the provider publishes? Type yes to trust it: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| AppError::new(ErrorCode::Io, format!("{e}.")))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(key.fingerprint.clone())
    } else {
        Err(AppError::new(
            ErrorCode::ConfirmProviderKey,
            "The key was not confirmed; nothing was stored.",
        ))
    }
}
