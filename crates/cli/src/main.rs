//! `tipvault`: the command line front end.
//!
//! Each subcommand parses its flags into validated values, calls one `tipvault_app` function,
//! and prints the result for people or, with `--json`, as one JSON document on stdout. No
//! domain decision is made here.

mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tipvault_app::{VaultLocation, VaultState};

use crate::output::Output;

/// Tipvault: a private vault for your tips and credit, and the cash-outs you make from them.
#[derive(Debug, Parser)]
#[command(name = "tipvault", version = tipvault_app::VERSION, about, long_about = None)]
struct Cli {
    /// The vault directory (default: the platform's per-user data directory).
    #[arg(long, global = true, env = tipvault_app::location::VAULT_ENV, value_name = "PATH")]
    vault: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show whether a vault exists at the vault location, and where.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    let result = run(&cli, &out);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            out.error(&err);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli, out: &Output) -> Result<(), tipvault_app::AppError> {
    let location = VaultLocation::resolve(cli.vault.as_deref())?;
    match cli.command {
        Command::Status => {
            let status = tipvault_app::vault_status(&location)?;
            out.value(&status, || match status.state {
                VaultState::Absent => format!(
                    "No vault at {}.\nCreate one with `tipvault init`.",
                    status.path
                ),
                VaultState::Locked => format!("Vault at {} (locked).", status.path),
            });
        }
    }
    Ok(())
}
