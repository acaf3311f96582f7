//! `tipvault`: the command line front end.
//!
//! Each verb is one file in `verbs/`: its flags (clap), the step that turns them into validated
//! input before any vault opens (`Input::try_from(args)` where there is more than passing a
//! value on), and one `run` that calls `tipvault_app` and prints the result for people or, with
//! `--json`, as one JSON document on stdout. `dispatch` below has one arm per verb and no
//! catch-all, so a new verb cannot be silently ignored. The global flags become the run's
//! [`Ctx`] (`context.rs`); shared parsing is in `input.rs`, terminal questions in `prompt.rs`,
//! texts in `output.rs`. No domain decision is made here. Commands that need the vault unlock it
//! for their own run and lock it before exiting.
//!
//! Exit statuses: 0 success, 1 failure, 2 refused input (including an import refused because
//! of bad rows: the per-row report is printed, nothing is written), 3 wrong passphrase,
//! 4 no vault, 5 damaged vault, 6 a security key was refused or none can be used, 7 the risk
//! check paused the redemption (it waits for `tipvault verify ID`), 8 the risk check refused it,
//! 9 the change needs the passphrase or a security key again, 10 a provider's key must be
//! confirmed first.
//!
//! Security keys: `--security-key` makes every command unlock with a key instead of the
//! passphrase; `--soft-authenticator FILE` selects the software TEST DEVICE (its secrets in that
//! file, kept outside the vault); without it the USB CTAP2 path is used if compiled in
//! (feature `usb`).

mod context;
mod input;
mod output;
mod passphrase;
mod prompt;
mod verbs;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tipvault_app::{AppError, AuthenticatorChoice, ErrorCode, VaultLocation};

use crate::context::{Access, Ctx};
use crate::output::Output;
use crate::passphrase::Passphrases;
use crate::verbs::account::AccountCommand;
use crate::verbs::audit::AuditCommand;
use crate::verbs::auth::AuthCommand;
use crate::verbs::autocashout::AutoCashOutCommand;
use crate::verbs::cancel::CancelArgs;
use crate::verbs::catalog::CatalogCommand;
use crate::verbs::demo::DemoArgs;
use crate::verbs::dispute::DisputeArgs;
use crate::verbs::export::ExportArgs;
use crate::verbs::forecast::ForecastArgs;
use crate::verbs::history::HistoryArgs;
use crate::verbs::import::ImportArgs;
use crate::verbs::init::KdfArgs;
use crate::verbs::passphrase::PassphraseCommand;
use crate::verbs::preview::PreviewArgs;
use crate::verbs::provider::ProviderCommand;
use crate::verbs::purge::PurgeArgs;
use crate::verbs::receipt::ReceiptCommand;
use crate::verbs::redeem::RedeemArgs;
use crate::verbs::rekey::RekeyArgs;
use crate::verbs::retention::RetentionCommand;
use crate::verbs::risk::RiskCommand;
use crate::verbs::settings::SettingsCommand;
use crate::verbs::source::SourceCommand;
use crate::verbs::totals::TotalsArgs;
use crate::verbs::verify::VerifyArgs;
use crate::verbs::verify_bundle::VerifyBundleArgs;

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

    /// Work in the demo vault beside your vault (what `tipvault demo` set up: sandbox money
    /// only, opened with a public passphrase, never your real vault).
    #[arg(long, global = true)]
    demo: bool,

    /// Read passphrases from standard input, one per line, instead of asking
    /// (TIPVAULT_PASSPHRASE also works).
    #[arg(long, global = true)]
    passphrase_stdin: bool,

    /// The time zone for dates in history, totals and journal exports (IANA name).
    #[arg(
        long,
        global = true,
        env = "TIPVAULT_TZ",
        default_value = "UTC",
        value_name = "ZONE"
    )]
    tz: String,

    /// Unlock with a security key instead of the passphrase (for every command that opens the
    /// vault).
    #[arg(long, global = true)]
    security_key: bool,

    /// Use the software authenticator whose state is in FILE: a TEST DEVICE (anyone who can
    /// read the file can use its keys), created 0600 on first `auth register`. Keep it outside
    /// the vault. Without this option, a USB security key is used (if this build supports it).
    #[arg(
        long,
        global = true,
        env = "TIPVAULT_SOFT_AUTHENTICATOR",
        value_name = "FILE"
    )]
    soft_authenticator: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault protected by a passphrase.
    Init(KdfArgs),
    /// Show whether a vault exists at the vault location, and where.
    Status,
    /// Check that the vault opens (with --security-key: with the key alone), then lock it.
    Unlock,
    /// Check the whole vault: every page, the database structure, the search index, the
    /// balances against the entries, and the audit log. Reads only; exits 5 if anything is wrong.
    Check,
    /// Register, list, rename or remove security keys (unlock and step-up).
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// Change the vault's passphrase (re-wraps the key; the data is not rewritten).
    Passphrase {
        #[command(subcommand)]
        command: PassphraseCommand,
    },
    /// Re-encrypt the whole vault under a new random data key; with --vault-key, replace the
    /// vault key first (needs the passphrase; security keys lose their unlock slot).
    Rekey(RekeyArgs),
    /// Delete every record whose retention period has ended.
    Purge(PurgeArgs),
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
    /// Accounts: where each balance is, and reconciliation with a provider's signed balance.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Show, before anything happens, how an amount would be cashed out (computed locally).
    Preview(PreviewArgs),
    /// Show or change settings kept in the vault.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Add or list the sources (platform accounts) your entries come from.
    Source {
        #[command(subcommand)]
        command: SourceCommand,
    },
    /// Import a platform's export file (CSV) into a source.
    Import(ImportArgs),
    /// Show the balance of every source, per currency.
    Balance,
    /// List entries, newest first, a page at a time.
    History(HistoryArgs),
    /// Totals per source, currency and period.
    Totals(TotalsArgs),
    /// When each source with a payout threshold is expected to reach it.
    Forecast(ForecastArgs),
    /// Write every entry as csv, json, beancount or ledger (hledger).
    Export(ExportArgs),
    /// Add, pair and list cash-out providers.
    Provider {
        #[command(subcommand)]
        command: ProviderCommand,
    },
    /// Redeem: preview, show what each request reveals, confirm, send (signed, exactly once).
    Redeem(RedeemArgs),
    /// List redemptions and the state of each leg.
    Redemptions,
    /// Send queued legs and settle every leg whose outcome is unknown.
    Reconcile,
    /// Dispute a confirmed redemption and write an evidence bundle.
    Dispute(DisputeArgs),
    /// Verify stored receipts.
    Receipt {
        #[command(subcommand)]
        command: ReceiptCommand,
    },
    /// Verify an evidence bundle offline.
    VerifyBundle(VerifyBundleArgs),
    /// What was sent to which provider, and when.
    PrivacyLedger,
    /// Run the sandbox provider (demo money) on loopback until interrupted.
    Sandbox(tipvault_app::demo_provider::SandboxArgs),
    /// Demo mode: start the sandbox, add and pair it, import a demo balance (sandbox only).
    Demo(DemoArgs),
    /// The risk check: your tier, limits and rules; why a redemption waits.
    Risk {
        #[command(subcommand)]
        command: RiskCommand,
    },
    /// Confirm a paused redemption with your security key, then send it.
    Verify(VerifyArgs),
    /// Cancel a redemption that was not sent (paused, refused or only planned).
    Cancel(CancelArgs),
    /// Automatic cash-outs (trusted tier): when a source reaches a threshold, redeem.
    Autocashout {
        #[command(subcommand)]
        command: AutoCashOutCommand,
    },
}

/// Every heap block is zeroed when freed, as in the desktop app (src-tauri/src/main.rs): a
/// passphrase read from the terminal or standard input, and plaintext in transit, do not
/// outlive their use in freed memory.
#[global_allocator]
static ALLOCATOR: secmem_alloc::zeroizing_alloc::ZeroizeAlloc<std::alloc::System> =
    secmem_alloc::zeroizing_alloc::ZeroizeAlloc::new(std::alloc::System);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    // Before any vault opens: SQLCipher wipes what it frees (decrypted pages), process-wide.
    match tipvault_app::wipe_freed_memory().and_then(|()| run(&cli, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            out.error(&err);
            ExitCode::from(exit_code(err.code))
        }
    }
}

/// Validates the global flags into the run's context, then runs the verb.
fn run(cli: &Cli, out: &Output) -> Result<(), AppError> {
    let real = VaultLocation::resolve(cli.vault.as_deref())?;
    let location = if cli.demo { real.demo() } else { real.clone() };
    let passphrases = Passphrases::new(cli.passphrase_stdin);
    let ctx = Ctx {
        access: Access::new(
            cli.demo,
            &passphrases,
            cli.security_key,
            match &cli.soft_authenticator {
                Some(path) => AuthenticatorChoice::SoftFile(path.clone()),
                None => AuthenticatorChoice::Usb,
            },
        ),
        location,
        real,
        passphrases: &passphrases,
        out,
        json: cli.json,
        tz: cli.tz.clone(),
        demo: cli.demo,
        security_key: cli.security_key,
    };
    dispatch(&ctx, &cli.command)
}

/// One arm per verb, each one call: a new verb must be added here (no catch-all arm).
fn dispatch(ctx: &Ctx, command: &Command) -> Result<(), AppError> {
    use crate::verbs::*;
    match command {
        Command::Init(kdf) => init::run(ctx, kdf),
        Command::Status => status::run(ctx),
        Command::Unlock => unlock::run(ctx),
        Command::Check => check::run(ctx),
        Command::Auth { command } => auth::run(ctx, command),
        Command::Passphrase { command } => passphrase::run(ctx, command),
        Command::Rekey(args) => rekey::run(ctx, args),
        Command::Purge(args) => purge::run(ctx, args),
        Command::Retention { command } => retention::run(ctx, command),
        Command::Audit { command } => audit::run(ctx, command),
        Command::ExportKey => export_key::run(ctx),
        Command::Catalog { command } => catalog::run(ctx, command),
        Command::Account { command } => account::run(ctx, command),
        Command::Preview(args) => preview::run(ctx, args),
        Command::Settings { command } => settings::run(ctx, command),
        Command::Source { command } => source::run(ctx, command),
        Command::Import(args) => import::run(ctx, args),
        Command::Balance => balance::run(ctx),
        Command::History(args) => history::run(ctx, args),
        Command::Totals(args) => totals::run(ctx, args),
        Command::Forecast(args) => forecast::run(ctx, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Provider { command } => provider::run(ctx, command),
        Command::Redeem(args) => redeem::run(ctx, args),
        Command::Redemptions => redemptions::run(ctx),
        Command::Reconcile => reconcile::run(ctx),
        Command::Dispute(args) => dispute::run(ctx, args),
        Command::Receipt { command } => receipt::run(ctx, command),
        Command::VerifyBundle(args) => verify_bundle::run(ctx, args),
        Command::PrivacyLedger => privacy_ledger::run(ctx),
        Command::Sandbox(args) => sandbox::run(ctx, args),
        Command::Demo(args) => demo::run(ctx, args),
        Command::Risk { command } => risk::run(ctx, command),
        Command::Verify(args) => verify::run(ctx, args),
        Command::Cancel(args) => cancel::run(ctx, args),
        Command::Autocashout { command } => autocashout::run(ctx, command),
    }
}

/// Distinct exit statuses for what scripts commonly branch on.
fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::WrongPassphrase | ErrorCode::Throttled => 3,
        ErrorCode::NoVault => 4,
        ErrorCode::VaultDamaged => 5,
        ErrorCode::InvalidInput | ErrorCode::WeakPassphrase => 2,
        ErrorCode::SecurityKeyRefused | ErrorCode::SecurityKeyUnavailable => 6,
        ErrorCode::StepUpRequired | ErrorCode::Paused => 7,
        ErrorCode::RiskRefused => 8,
        ErrorCode::ReauthRequired => 9,
        ErrorCode::ConfirmProviderKey => 10,
        // Listed, not a catch-all: a new code must be given its status here.
        ErrorCode::VaultLocation
        | ErrorCode::VaultExists
        | ErrorCode::VaultTooNew
        | ErrorCode::VaultInUse
        | ErrorCode::VaultLocked
        | ErrorCode::Io
        | ErrorCode::Cancelled
        | ErrorCode::PlanChanged
        | ErrorCode::Provider
        | ErrorCode::NotVerified
        | ErrorCode::Internal => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suite met a key id beginning with '-' ("-V…"), which clap took for a flag.
    #[test]
    fn a_key_id_beginning_with_a_hyphen_is_an_id() {
        let cli = Cli::try_parse_from(["tipvault", "auth", "rename", "-Vx3_q", "blue key"])
            .expect("parses");
        assert!(
            matches!(&cli.command, Command::Auth { command: AuthCommand::Rename { id, name } }
                if id == "-Vx3_q" && name == "blue key"),
            "{cli:?}"
        );
        let cli = Cli::try_parse_from(["tipvault", "auth", "remove", "-pQ9"]).expect("parses");
        assert!(
            matches!(&cli.command, Command::Auth { command: AuthCommand::Remove { id } } if id == "-pQ9"),
            "{cli:?}"
        );
    }
}
