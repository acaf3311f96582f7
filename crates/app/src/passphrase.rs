//! The rule a new passphrase must meet, shared by every front end.
//!
//! Strength is estimated with zxcvbn, the estimator the desktop's live meter also uses (its
//! TypeScript port), so "strong enough" means the same in the window and on the command line.
//! The desktop checks as the user types; this check is the one that counts.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{AppError, ErrorCode};

/// The shortest passphrase accepted, whatever its score (matches `ui/src/lib/vault/strength.ts`).
pub const MIN_LENGTH: usize = 10;
/// The lowest zxcvbn score (0–4) accepted (matches the UI).
pub const MIN_SCORE: u8 = 3;

/// Refuses a new passphrase that is too short or too easy to guess, saying why.
pub fn check_new_passphrase(passphrase: &SecretString) -> Result<(), AppError> {
    let text = passphrase.expose_secret();
    if text.chars().count() < MIN_LENGTH {
        return Err(AppError::new(
            ErrorCode::WeakPassphrase,
            format!("The passphrase is too short: use at least {MIN_LENGTH} characters."),
        ));
    }
    let score = u8::from(zxcvbn::zxcvbn(text, &[]).score());
    if score < MIN_SCORE {
        return Err(AppError::new(
            ErrorCode::WeakPassphrase,
            "The passphrase is too easy to guess: add a few uncommon words.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> Result<(), AppError> {
        check_new_passphrase(&SecretString::from(s.to_owned()))
    }

    #[test]
    fn a_long_uncommon_phrase_passes() {
        assert!(check("harbour violet quantum tangerine").is_ok());
    }

    #[test]
    fn short_and_common_passphrases_are_refused_with_a_code() {
        assert_eq!(check("short").unwrap_err().code, ErrorCode::WeakPassphrase);
        assert_eq!(
            check("password1234").unwrap_err().code,
            ErrorCode::WeakPassphrase
        );
    }
}
