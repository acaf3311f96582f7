//! The error shape every front end receives: a stable `code` to switch on and a message for
//! people.
//!
//! Front ends never match on message text: the UI translates by `code`, the CLI prints the
//! message and maps the code to an exit status. Add a code only when a consumer needs to tell
//! it apart from the others.

use serde::Serialize;

/// What went wrong, in a form a program can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The vault's location could not be determined or is not usable.
    VaultLocation,
    /// Reading or writing a file failed for a reason outside Tipvault (permissions, disk).
    Io,
}

/// An error as the front ends see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
