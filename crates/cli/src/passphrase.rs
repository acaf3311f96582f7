//! Where the command line gets passphrases: `--passphrase-stdin` (one per line, in the order
//! the command asks), the `TIPVAULT_PASSPHRASE` / `TIPVAULT_NEW_PASSPHRASE` environment
//! variables, or a prompt on the terminal (with a confirmation for a new passphrase).
//!
//! Passphrases go straight into `SecretString` (zeroized on drop) and are never echoed.

use std::io::{BufRead, IsTerminal};

use tipvault_app::{AppError, ErrorCode, SecretString};

pub const PASSPHRASE_ENV: &str = "TIPVAULT_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "TIPVAULT_NEW_PASSPHRASE";

pub struct Passphrases {
    from_stdin: bool,
}

fn no_passphrase(what: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidInput,
        format!(
            "No {what} given: run in a terminal to be asked, pass --passphrase-stdin, or set {PASSPHRASE_ENV}."
        ),
    )
}

impl Passphrases {
    pub fn new(from_stdin: bool) -> Self {
        Self { from_stdin }
    }

    fn line(&self, what: &str) -> Result<SecretString, AppError> {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        match read {
            Ok(0) | Err(_) => Err(no_passphrase(what)),
            Ok(_) => {
                let trimmed_len = line.trim_end_matches(['\n', '\r']).len();
                line.truncate(trimmed_len);
                Ok(SecretString::from(line))
            }
        }
    }

    fn prompt(&self, prompt: &str, what: &str) -> Result<SecretString, AppError> {
        if !std::io::stdin().is_terminal() {
            return Err(no_passphrase(what));
        }
        rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|_| no_passphrase(what))
    }

    /// The passphrase of an existing vault.
    pub fn current(&self) -> Result<SecretString, AppError> {
        if self.from_stdin {
            return self.line("passphrase");
        }
        if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
            return Ok(SecretString::from(value.to_string_lossy().into_owned()));
        }
        self.prompt("Passphrase: ", "passphrase")
    }

    /// A new passphrase: for `init` the usual sources, for a change `TIPVAULT_NEW_PASSPHRASE`.
    pub fn new_one(&self, env: &str) -> Result<SecretString, AppError> {
        if self.from_stdin {
            return self.line("new passphrase");
        }
        if let Some(value) = std::env::var_os(env) {
            return Ok(SecretString::from(value.to_string_lossy().into_owned()));
        }
        let first = self.prompt("New passphrase: ", "new passphrase")?;
        let second = self.prompt("Repeat the new passphrase: ", "new passphrase")?;
        use secrecy::ExposeSecret;
        if first.expose_secret() != second.expose_secret() {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "The two passphrases are not the same; nothing was changed.",
            ));
        }
        Ok(first)
    }
}
