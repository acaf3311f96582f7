//! Where the command line gets passphrases: `--passphrase-stdin` (one per line, in the order
//! the command asks), the `TIPVAULT_PASSPHRASE` / `TIPVAULT_NEW_PASSPHRASE` environment
//! variables, or a prompt on the terminal (with a confirmation for a new passphrase).
//!
//! Passphrases go straight into `SecretString` (zeroized on drop) and are never echoed. The
//! one decision to know: a passphrase read from standard input is read without std's buffered
//! `Stdin` (on Unix, from `/dev/stdin`, one byte at a time into a buffer that never grows), so
//! no copy is left in a buffer we cannot wipe; copies taken from the environment are wiped
//! too. The environment block itself still holds `TIPVAULT_PASSPHRASE` for the life of the
//! process (clearing it needs `unsafe` in this edition): prefer the prompt or stdin.

use std::io::{IsTerminal, Read};

use tipvault_app::{AppError, ErrorCode, SecretString};
use zeroize::{Zeroize, Zeroizing};

/// The longest passphrase line accepted on standard input.
const MAX_LINE: usize = 4096;

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
        let mut input = unbuffered_stdin();
        let mut line = Zeroizing::new(Vec::with_capacity(MAX_LINE));
        let mut byte = Zeroizing::new([0u8; 1]);
        let mut got_any = false;
        loop {
            match input.read(&mut byte[..]) {
                Ok(0) => break,
                Ok(_) => {
                    got_any = true;
                    if byte[0] == b'\n' {
                        break;
                    }
                    if line.len() == MAX_LINE {
                        return Err(AppError::new(
                            ErrorCode::InvalidInput,
                            format!(
                                "The {what} on standard input is longer than {MAX_LINE} bytes."
                            ),
                        ));
                    }
                    line.push(byte[0]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(no_passphrase(what)),
            }
        }
        if !got_any {
            return Err(no_passphrase(what));
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        // Moves the bytes (no copy); an invalid sequence is wiped before the error returns.
        let text = String::from_utf8(std::mem::take(&mut *line)).map_err(|e| {
            e.into_bytes().zeroize();
            AppError::new(
                ErrorCode::InvalidInput,
                format!("The {what} on standard input is not UTF-8 text."),
            )
        })?;
        Ok(SecretString::from(text))
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
            return from_env(PASSPHRASE_ENV, value);
        }
        self.prompt("Passphrase: ", "passphrase")
    }

    /// The passphrase typed at the terminal now, and nowhere else: `--passphrase-stdin` and
    /// `TIPVAULT_PASSPHRASE` are refused, so a script or a process that can set the
    /// environment cannot take what this guards (the raw data key) unattended.
    pub fn interactive(&self, prompt: &str) -> Result<SecretString, AppError> {
        let refused = |how: &str| {
            AppError::new(
                ErrorCode::InvalidInput,
                format!(
                    "This command asks for your passphrase at the terminal only, not {how}: \
                     run it in a terminal and type it."
                ),
            )
        };
        if self.from_stdin {
            return Err(refused("from standard input (--passphrase-stdin)"));
        }
        if std::env::var_os(PASSPHRASE_ENV).is_some() {
            return Err(refused(&format!("from {PASSPHRASE_ENV}")));
        }
        if !std::io::stdin().is_terminal() {
            return Err(refused("from a pipe or file"));
        }
        rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|_| no_passphrase("passphrase"))
    }

    /// A new passphrase: for `init` the usual sources, for a change `TIPVAULT_NEW_PASSPHRASE`.
    pub fn new_one(&self, env: &str) -> Result<SecretString, AppError> {
        if self.from_stdin {
            return self.line("new passphrase");
        }
        if let Some(value) = std::env::var_os(env) {
            return from_env(env, value);
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

/// Standard input without std's buffer: `/dev/stdin` where it exists (a second handle on the
/// same pipe or terminal, read byte by byte so nothing past the line is consumed).
fn unbuffered_stdin() -> Box<dyn Read> {
    #[cfg(unix)]
    if let Ok(file) = std::fs::File::open("/dev/stdin") {
        return Box::new(file);
    }
    Box::new(std::io::stdin())
}

/// The environment's copy, converted without leaving another copy behind.
fn from_env(name: &str, value: std::ffi::OsString) -> Result<SecretString, AppError> {
    match value.into_string() {
        Ok(text) => Ok(SecretString::from(text)),
        Err(raw) => {
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStringExt;
                raw.into_vec().zeroize();
            }
            #[cfg(not(unix))]
            drop(raw);
            Err(AppError::new(
                ErrorCode::InvalidInput,
                format!("{name} is not valid Unicode text."),
            ))
        }
    }
}
