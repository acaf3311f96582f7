//! `tipvault`: the command line front end.
//!
//! Each subcommand parses its flags into validated values, calls one `tipvault_app` function,
//! and prints the result for people or, with `--json`, as one JSON document on stdout. No
//! domain decision is made here. Commands that need the vault unlock it for their own run and
//! lock it before exiting.

mod output;
mod passphrase;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use tipvault_app::{
    AppError, ErrorCode, KdfChoice, LockReason, Session, VaultLocation, VaultState,
};

use crate::output::{Output, days};
use crate::passphrase::{NEW_PASSPHRASE_ENV, PASSPHRASE_ENV, Passphrases};

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

    /// Read passphrases from standard input, one per line, instead of asking
    /// (TIPVAULT_PASSPHRASE also works).
    #[arg(long, global = true)]
    passphrase_stdin: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault protected by a passphrase.
    Init(KdfArgs),
    /// Show whether a vault exists at the vault location, and where.
    Status,
    /// Change the vault's passphrase (re-wraps the key; the data is not rewritten).
    Passphrase {
        #[command(subcommand)]
        command: PassphraseCommand,
    },
    /// Re-encrypt the whole vault under a new random data key.
    Rekey,
    /// Delete every record whose retention period has ended.
    Purge {
        /// Only count what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show or change how long each kind of record is kept.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Show or verify the hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the raw data key, with which any SQLCipher 4 client can open the vault.
    ExportKey,
    /// Show the provider catalog: what a balance can become, with fees and times.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Show, before anything happens, how an amount would be cashed out (computed locally).
    Preview(PreviewArgs),
    /// Show or change settings kept in the vault.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// List the products (the demo catalog until providers are added).
    List,
    /// Print the whole catalog document (canonical JSON).
    Show,
}

#[derive(Debug, Args)]
struct PreviewArgs {
    /// The amount to cash out, e.g. 1300 or 12.50.
    #[arg(long)]
    amount: String,
    /// Its currency (ISO 4217), e.g. KRW or USD.
    #[arg(long)]
    currency: String,
    /// Destinations in order of preference: topup, donation, transit, gift-card, bank-payout,
    /// or product ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    prefer: Vec<String>,
    /// What to optimise: least-fees, or first-preference (most value into the first choice).
    #[arg(long, value_enum, default_value_t = ObjectiveArg::FirstPreference)]
    objective: ObjectiveArg,
    /// An amount to keep in the balance, in the same currency.
    #[arg(long)]
    keep: Option<String>,
    /// Products not to use (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    exclude: Vec<String>,
    /// The language of the explanation.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ObjectiveArg {
    LeastFees,
    FirstPreference,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LangArg {
    En,
    Ko,
}

#[derive(Debug, Subcommand)]
enum SettingsCommand {
    /// List the settings.
    Show,
    /// Lock the desktop app after this long without use, e.g. `10m` (1 minute to 8 hours).
    AutoLock {
        #[arg(value_parser = humantime::parse_duration)]
        after: Duration,
    },
}

#[derive(Debug, Args)]
struct KdfArgs {
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
    fn choice(&self) -> KdfChoice {
        if self.kdf_minimum {
            KdfChoice::Minimum
        } else {
            KdfChoice::Calibrated {
                target: Duration::from_millis(self.kdf_target_ms),
            }
        }
    }
}

#[derive(Debug, Subcommand)]
enum PassphraseCommand {
    /// Replace the passphrase (the new one from a prompt, the next stdin line, or TIPVAULT_NEW_PASSPHRASE).
    Change(KdfArgs),
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// List the retention classes and their durations.
    Show,
    /// Set how long records of CLASS live, e.g. `retention set draft 12h` or `request_log 30d`.
    Set {
        class: String,
        /// A duration such as 12h, 30d, 26weeks, 2y.
        #[arg(value_parser = humantime::parse_duration)]
        duration: Duration,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check that no entry was edited, removed, inserted or reordered.
    Verify,
    /// List entries, oldest first.
    Show {
        /// Show entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Show at most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    match run(&cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            out.error(&err);
            ExitCode::from(exit_code(err.code))
        }
    }
}

/// Distinct exit statuses for what scripts commonly branch on.
fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::WrongPassphrase | ErrorCode::Throttled => 3,
        ErrorCode::NoVault => 4,
        ErrorCode::VaultDamaged => 5,
        ErrorCode::InvalidInput | ErrorCode::WeakPassphrase => 2,
        _ => 1,
    }
}

/// Runs `work` on the unlocked vault, then locks it whatever happened.
fn with_session<T>(
    location: &VaultLocation,
    passphrases: &Passphrases,
    work: impl FnOnce(&mut Session) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let passphrase = passphrases.current()?;
    let (mut session, _unlocked) = tipvault_app::unlock_vault(location, &passphrase, Utc::now())?;
    drop(passphrase);
    let result = work(&mut session);
    let locked = session.lock(Utc::now(), LockReason::Exit);
    let value = result?;
    locked?;
    Ok(value)
}

fn run(cli: &Cli, out: &Output) -> Result<(), AppError> {
    let location = VaultLocation::resolve(cli.vault.as_deref())?;
    let passphrases = Passphrases::new(cli.passphrase_stdin);
    match &cli.command {
        Command::Init(kdf) => {
            let passphrase = passphrases.new_one(PASSPHRASE_ENV)?;
            if !cli.json && !kdf.kdf_minimum {
                eprintln!("Creating the vault (measuring this computer for the key derivation)…");
            }
            let (session, created) =
                tipvault_app::create_vault(&location, &passphrase, kdf.choice(), Utc::now())?;
            session.lock(Utc::now(), LockReason::Exit)?;
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
        Command::Status => {
            let status = tipvault_app::vault_status(&location, Utc::now())?;
            out.value(&status, || match status.state {
                VaultState::Absent => format!(
                    "No vault at {}.\nCreate one with `tipvault init`.",
                    status.path
                ),
                VaultState::Locked => {
                    let mut text = format!("Vault at {} (locked).", status.path);
                    if let Some(kdf) = status.kdf {
                        text.push_str(&format!(
                            "\nPassphrase key: Argon2id, {} MiB, {} passes, {} lanes.",
                            kdf.memory_mib, kdf.iterations, kdf.parallelism
                        ));
                    }
                    if let Some(at) = status.retry_after {
                        text.push_str(&format!(
                            "\nAfter wrong passphrases, the next try is allowed at {at}."
                        ));
                    }
                    text
                }
            });
        }
        Command::Passphrase {
            command: PassphraseCommand::Change(kdf),
        } => {
            let current = passphrases.current()?;
            let new = passphrases.new_one(NEW_PASSPHRASE_ENV)?;
            let (mut session, _) = tipvault_app::unlock_vault(&location, &current, Utc::now())?;
            let result = tipvault_app::change_passphrase(
                &mut session,
                &current,
                &new,
                kdf.choice(),
                Utc::now(),
            );
            session.lock(Utc::now(), LockReason::Exit)?;
            let kdf = result?;
            out.value(&kdf, || {
                format!(
                    "Passphrase changed (Argon2id, {} MiB, {} passes, {} lanes). The vault's data was not rewritten.",
                    kdf.memory_mib, kdf.iterations, kdf.parallelism
                )
            });
        }
        Command::Rekey => {
            let json = cli.json;
            let rekeyed = with_session(&location, &passphrases, |session| {
                tipvault_app::rotate_data_key(session, Utc::now(), |progress| {
                    if !json {
                        eprintln!("{}", output::rekey_progress(progress));
                    }
                })
            })?;
            out.value(&rekeyed, || {
                format!(
                    "Re-encrypted {} pages under a new data key (generation {}) in {} ms.",
                    rekeyed.pages, rekeyed.generation, rekeyed.elapsed_ms
                )
            });
        }
        Command::Purge { dry_run } => {
            let report = with_session(&location, &passphrases, |session| {
                tipvault_app::purge_expired(session, Utc::now(), *dry_run)
            })?;
            out.value(&report, || output::purge_text(&report));
        }
        Command::Retention { command } => match command {
            RetentionCommand::Show => {
                let classes = with_session(&location, &passphrases, |session| {
                    tipvault_app::retention_classes(session, Utc::now())
                })?;
                out.value(&classes, || output::retention_table(&classes));
            }
            RetentionCommand::Set { class, duration } => {
                let change = with_session(&location, &passphrases, |session| {
                    tipvault_app::set_retention(session, class, *duration, Utc::now())
                })?;
                out.value(&change, || {
                    format!(
                        "{} records are now kept for {} (was {}); {} existing records will expire sooner.",
                        change.class,
                        days(change.seconds),
                        days(change.previous_seconds),
                        change.records_shortened
                    )
                });
            }
        },
        Command::Audit { command } => match command {
            AuditCommand::Verify => {
                let report = with_session(&location, &passphrases, |session| {
                    tipvault_app::verify_audit_log(session, Utc::now())
                })?;
                out.value(&report, || match &report.problem {
                    None => format!(
                        "The audit log is intact ({} entries checked).",
                        report.checked
                    ),
                    Some(problem) => format!("The audit log is BROKEN: {problem}."),
                });
                if !report.intact {
                    return Err(AppError::new(
                        ErrorCode::VaultDamaged,
                        "The audit log's hash chain does not verify.",
                    ));
                }
            }
            AuditCommand::Show { after, limit } => {
                let entries = with_session(&location, &passphrases, |session| {
                    tipvault_app::audit_entries(session, Utc::now(), *after, *limit)
                })?;
                out.value(&entries, || output::audit_table(&entries));
            }
        },
        Command::Catalog { command } => {
            let catalog = tipvault_app::demo_catalog()?;
            match command {
                CatalogCommand::List => {
                    let products = output::catalog_products(&catalog);
                    out.value(&products, || output::catalog_table(&catalog, &products));
                }
                CatalogCommand::Show => {
                    // Already JSON: the canonical document is the same in both modes.
                    println!("{}", catalog.canonical_json());
                }
            }
        }
        Command::Preview(args) => {
            let catalog = tipvault_app::demo_catalog()?;
            let query = tipvault_app::PreviewQuery {
                amount: args.amount.clone(),
                currency: args.currency.clone(),
                prefer: args.prefer.clone(),
                objective: match args.objective {
                    ObjectiveArg::LeastFees => tipvault_app::preview::PreviewObjective::LeastFees,
                    ObjectiveArg::FirstPreference => {
                        tipvault_app::preview::PreviewObjective::FirstPreference
                    }
                },
                keep: args.keep.clone(),
                exclude: args.exclude.clone(),
            };
            let result = tipvault_app::preview_query(&catalog, &query, Utc::now())?;
            out.value(&result, || {
                output::preview_text(&result, matches!(args.lang, LangArg::Ko))
            });
        }
        Command::Settings { command } => {
            let settings = with_session(&location, &passphrases, |session| match command {
                SettingsCommand::Show => tipvault_app::settings(session, Utc::now()),
                SettingsCommand::AutoLock { after } => {
                    tipvault_app::set_auto_lock(session, *after, Utc::now())
                }
            })?;
            out.value(&settings, || {
                format!(
                    "auto-lock after {}",
                    humantime::format_duration(Duration::from_secs(settings.auto_lock_secs))
                )
            });
        }
        Command::ExportKey => {
            let passphrase = passphrases.current()?;
            let (session, key) = tipvault_app::export_data_key(&location, &passphrase, Utc::now())?;
            session.lock(Utc::now(), LockReason::Exit)?;
            out.secret_key(&key);
        }
    }
    Ok(())
}
