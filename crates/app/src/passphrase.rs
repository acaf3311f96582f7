//! The rule a new passphrase must meet, shared by every front end.
//!
//! Strength is estimated with zxcvbn (the estimator password managers use: it knows common
//! passwords, names and keyboard patterns, which a length-and-classes rule does not). The
//! desktop's live meter asks [`rate_passphrase`] as the user types, so the window holds no copy
//! of the rule; [`check_new_passphrase`] is the same rating, refusing.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};

/// The shortest passphrase accepted, whatever its score.
pub const MIN_LENGTH: usize = 10;
/// The lowest zxcvbn score (0–4) accepted.
pub const MIN_SCORE: u8 = 3;

/// Whether a new passphrase may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PassphraseVerdict {
    Ok,
    /// Shorter than [`MIN_LENGTH`] characters.
    TooShort,
    /// Long enough, but scored below [`MIN_SCORE`].
    TooWeak,
}

/// A new passphrase's rating, with the rule it was held to (for the window to state it before
/// the user submits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PassphraseRating {
    /// zxcvbn's score: 0 (trivial) to 4 (very strong).
    pub score: u8,
    pub verdict: PassphraseVerdict,
    pub min_length: u32,
    pub min_score: u8,
}

/// Rates a new passphrase.
#[must_use]
pub fn rate_passphrase(passphrase: &SecretString) -> PassphraseRating {
    let text = passphrase.expose_secret();
    let score = if text.is_empty() {
        0
    } else {
        u8::from(zxcvbn::zxcvbn(text, &[]).score())
    };
    let verdict = if text.chars().count() < MIN_LENGTH {
        PassphraseVerdict::TooShort
    } else if score < MIN_SCORE {
        PassphraseVerdict::TooWeak
    } else {
        PassphraseVerdict::Ok
    };
    PassphraseRating {
        score,
        verdict,
        min_length: u32::try_from(MIN_LENGTH).unwrap_or(u32::MAX),
        min_score: MIN_SCORE,
    }
}

/// Refuses a new passphrase that is too short or too easy to guess, saying why.
pub fn check_new_passphrase(passphrase: &SecretString) -> Result<(), AppError> {
    match rate_passphrase(passphrase).verdict {
        PassphraseVerdict::Ok => Ok(()),
        PassphraseVerdict::TooShort => Err(AppError::new(
            ErrorCode::WeakPassphrase,
            format!("The passphrase is too short: use at least {MIN_LENGTH} characters."),
        )),
        PassphraseVerdict::TooWeak => Err(AppError::new(
            ErrorCode::WeakPassphrase,
            "The passphrase is too easy to guess: add a few uncommon words.",
        )),
    }
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

    fn rate(s: &str) -> PassphraseRating {
        rate_passphrase(&SecretString::from(s.to_owned()))
    }

    #[test]
    fn the_rating_says_why_and_states_the_rule() {
        assert_eq!(rate("").verdict, PassphraseVerdict::TooShort);
        assert_eq!(rate("").score, 0);
        assert_eq!(
            rate("a8#Kq").verdict,
            PassphraseVerdict::TooShort,
            "short, whatever its score"
        );
        assert_eq!(rate("password1234").verdict, PassphraseVerdict::TooWeak);
        let good = rate("harbour violet quantum tangerine");
        assert_eq!(good.verdict, PassphraseVerdict::Ok);
        assert!(good.score >= MIN_SCORE);
        assert_eq!((good.min_length, good.min_score), (10, 3));
        // Ten characters counted as characters, not bytes: 10 Hangul syllables are 30 bytes.
        assert_ne!(
            rate("가나다라마바사아자").verdict,
            PassphraseVerdict::Ok,
            "nine characters"
        );
        assert_ne!(
            rate("가나다라마바사아자차").verdict,
            PassphraseVerdict::TooShort
        );
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
