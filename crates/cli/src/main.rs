//! `tipvault`: the command line front end.
//!
//! Each subcommand parses its flags into validated values, calls one `tipvault_app` function,
//! and prints the result for people or, with `--json`, as one JSON document on stdout. No
//! domain decision is made here. Commands that need the vault unlock it for their own run and
//! lock it before exiting.
//!
//! Exit statuses: 0 success, 1 failure, 2 refused input (including an import refused because
//! of bad rows: the per-row report is printed, nothing is written), 3 wrong passphrase,
//! 4 no vault, 5 damaged vault, 6 a security key was refused or none can be used, 7 the risk
//! check paused the redemption (it waits for `tipvault verify ID`), 8 the risk check refused it.
//!
//! Security keys: `--security-key` makes every command unlock with a key instead of the
//! passphrase; `--soft-authenticator FILE` selects the software TEST DEVICE (its secrets in that
//! file, kept outside the vault); without it the USB CTAP2 path is used if compiled in
//! (feature `usb`).

mod output;
mod passphrase;
mod redeem;
mod risk;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tipvault_app::{
    AppError, AuthenticatorChoice, ErrorCode, IfMissing, KdfChoice, LockReason, Session, Unlocked,
    VaultLocation, VaultState, clock,
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
    Rekey {
        /// Also replace the vault key, so that no old copy of the key file (with an old
        /// passphrase or a removed key) opens the vault as it is now.
        #[arg(long)]
        vault_key: bool,
    },
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
    Totals {
        /// The period: day, week (ISO) or month.
        #[arg(long, default_value = "month", value_name = "PERIOD")]
        by: String,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// When each source with a payout threshold is expected to reach it.
    Forecast {
        /// Base the rate on the net income of this many trailing days.
        #[arg(long, default_value_t = 30, value_name = "DAYS")]
        window_days: u32,
    },
    /// Write every entry as csv, json, beancount or ledger (hledger).
    Export {
        /// csv, json, beancount or ledger.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// Write to this file (created readable by you only) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Add, pair and list cash-out providers.
    Provider {
        #[command(subcommand)]
        command: redeem::ProviderCommand,
    },
    /// Redeem: preview, show what each request reveals, confirm, send (signed, exactly once).
    Redeem(redeem::RedeemArgs),
    /// List redemptions and the state of each leg.
    Redemptions,
    /// Send queued legs and settle every leg whose outcome is unknown.
    Reconcile,
    /// Dispute a confirmed redemption and write an evidence bundle.
    Dispute(redeem::DisputeArgs),
    /// Verify stored receipts.
    Receipt {
        #[command(subcommand)]
        command: redeem::ReceiptCommand,
    },
    /// Verify an evidence bundle offline.
    VerifyBundle {
        /// The bundle file.
        file: PathBuf,
    },
    /// What was sent to which provider, and when.
    PrivacyLedger,
    /// Run the sandbox provider (demo money) on loopback until interrupted.
    Sandbox(tipvault_app::demo_provider::SandboxArgs),
    /// Demo mode: start the sandbox, add and pair it, import a demo balance (sandbox only).
    Demo(redeem::DemoArgs),
    /// The risk check: your tier, limits and rules; why a redemption waits.
    Risk {
        #[command(subcommand)]
        command: risk::RiskCommand,
    },
    /// Confirm a paused redemption with your security key, then send it.
    Verify(risk::VerifyArgs),
    /// Cancel a redemption that was not sent (paused, refused or only planned).
    Cancel(risk::VerifyArgs),
    /// Automatic cash-outs (trusted tier): when a source reaches a threshold, redeem.
    Autocashout {
        #[command(subcommand)]
        command: risk::AutoCashOutCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuthCommand {
    /// Register a security key (touch it twice: once to register, once to enrol it for unlock).
    Register {
        /// What to call it, e.g. "blue key".
        #[arg(long)]
        label: String,
    },
    /// List the registered security keys.
    List,
    /// Rename a key (ID as shown by `auth list`, or a unique prefix of it).
    Rename {
        // A key's id is base64url and may begin with '-' (about one key in 32): it is the id,
        // not an option.
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[arg(allow_hyphen_values = true)]
        name: String,
    },
    /// Remove a key and replace the vault key (needs the passphrase): no copy of the key file
    /// taken before opens the vault afterwards. Other keys keep approving; to unlock with them
    /// again, run `auth enable-unlock` with each.
    Remove {
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Give a registered key (the one at hand) its unlock slot again.
    EnableUnlock,
}

#[derive(Debug, Subcommand)]
enum SourceCommand {
    /// Add a source, e.g. `source add kofi-main --platform kofi --currency USD --label "Ko-fi"`.
    Add {
        /// A stable id (a-z, 0-9, '.', '_', '-'): part of every imported entry's identity.
        id: String,
        /// What you call it (default: the id).
        #[arg(long)]
        label: Option<String>,
        /// kofi, paypal, stripe, github-sponsors, patreon, buymeacoffee, twitch, toonation,
        /// twip, soop, chzzk or generic:NAME.
        #[arg(long)]
        platform: String,
        /// The account's currency (ISO 4217, e.g. USD, KRW).
        #[arg(long)]
        currency: String,
        /// The balance at which the platform pays out, in the source's currency (e.g. 50.00),
        /// or `none`. Default: the platform's published threshold (Toonation ₩40,000, Twip
        /// ₩50,000, Patreon $10, Buy Me a Coffee $10, Twitch $50) in its currency.
        #[arg(long, value_name = "AMOUNT")]
        threshold: Option<String>,
        /// The payout schedule in words (e.g. "request 1st-10th, paid at month end").
        #[arg(long)]
        schedule: Option<String>,
    },
    /// List the sources.
    List,
    /// Change a source's payout threshold (`none` removes it).
    SetThreshold {
        id: String,
        /// The new threshold in the source's currency, or `none`.
        #[arg(value_name = "AMOUNT")]
        threshold: String,
        /// The payout schedule in words (default: keep the current one).
        #[arg(long)]
        schedule: Option<String>,
    },
    /// The platforms and their published payout thresholds.
    Platforms,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The export file (CSV; UTF-8, UTF-16 with BOM or CP949).
    file: PathBuf,
    /// The source to import into (see `source list`).
    #[arg(long)]
    source: String,
    /// auto, kofi, paypal, stripe, github-sponsors or generic.
    #[arg(long, default_value = "auto")]
    format: String,
    /// A mapping profile (JSON) for a file of no known layout.
    #[arg(long, value_name = "FILE.json")]
    profile: Option<PathBuf>,
    /// Keep payers' names (dropped by default; kept ones expire after the payer_detail period).
    #[arg(long)]
    keep_names: bool,
    /// Keep payers' messages (dropped by default; searchable with `history --search`).
    #[arg(long)]
    keep_messages: bool,
    /// Read the file and report what would be imported; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even when some rows are bad (by default nothing is imported then).
    #[arg(long)]
    skip_bad_rows: bool,
}

#[derive(Debug, Args)]
struct FilterArgs {
    /// Only this source.
    #[arg(long)]
    source: Option<String>,
    /// Only this kind (tip, donation, subscription, shop_order, payout, …); repeatable.
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<String>,
    /// From this date (YYYY-MM-DD in --tz, inclusive) or RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Up to this date (YYYY-MM-DD in --tz, inclusive) or RFC 3339 time (exclusive).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Gross at least this amount (in each entry's currency).
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    min: Option<String>,
    /// Gross at most this amount.
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    max: Option<String>,
    /// Words in kept payer names or messages.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

impl FilterArgs {
    fn query(&self) -> tipvault_app::HistoryQuery {
        tipvault_app::HistoryQuery {
            source: self.source.clone(),
            kinds: self.kinds.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            min: self.min.clone(),
            max: self.max.clone(),
            search: self.search.clone(),
            after: None,
            limit: 0,
        }
    }
}

#[derive(Debug, Args)]
struct HistoryArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// At most this many entries (1–1000).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Continue after this cursor (printed as `next` by the previous page).
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Every account, grouped by where its money is (at a provider, at a platform until
    /// payout, in a wallet, paid out).
    List,
    /// One account (an account id or a provider id) with its reconciliations.
    Show {
        /// The account.
        account: String,
    },
    /// Read the provider's signed balance and compare it with your books (default: every
    /// paired provider's account).
    Reconcile {
        /// The account (or its provider).
        account: Option<String>,
    },
    /// Say which provider holds a platform account's money (its income then counts in that
    /// provider's account).
    Link {
        /// The platform account (source id).
        account: String,
        /// The provider holding its money.
        #[arg(required_unless_present = "unlink")]
        provider: Option<String>,
        /// Remove the link instead.
        #[arg(long, conflicts_with = "provider")]
        unlink: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Validate a provider's catalog (JSON) and cache it in the vault for offline previews.
    Import {
        /// The catalog document (tipvault.catalog.v1 JSON).
        file: PathBuf,
    },
    /// List the catalogs: those cached in the vault, then the built-in demo catalog.
    List,
    /// Show one catalog's products (default: the only cached one, else the demo catalog).
    Show {
        /// The provider (`demo` for the built-in catalog).
        #[arg(long)]
        provider: Option<String>,
        /// Print the whole document (canonical JSON) instead of the product table.
        #[arg(long)]
        document: bool,
    },
    /// Fetch a provider's current catalog (default: every provider's), verify it under the
    /// pinned key and update the cached copy: a newer version replaces it, the same version
    /// re-issued renews its dates, a changed catalog under the same version is refused.
    Refresh {
        /// The provider (default: every provider in the vault).
        provider: Option<String>,
    },
    /// Remove a provider's cached catalog.
    Remove { provider: String },
}

#[derive(Debug, Args)]
struct PreviewArgs {
    /// The amount to cash out, e.g. 1300 or 12.50.
    #[arg(long, required_unless_present = "from_balance", requires = "currency")]
    amount: Option<String>,
    /// Its currency (ISO 4217), e.g. KRW or USD.
    #[arg(long)]
    currency: Option<String>,
    /// Preview the vault's current balances (every source, or those given with --source)
    /// instead of an amount.
    #[arg(long, conflicts_with_all = ["amount", "currency"])]
    from_balance: bool,
    /// With --from-balance: only these sources (repeatable).
    #[arg(long = "source", requires = "from_balance")]
    sources: Vec<String>,
    /// The provider whose cached catalog to use (`demo` for the built-in one). Default: the
    /// only catalog in the vault, or the demo catalog.
    #[arg(long)]
    provider: Option<String>,
    /// An exchange rate you accept, BASE/QUOTE=RATE (e.g. USD/KRW=1380.50), for balances in
    /// a currency the products are not in (repeatable).
    #[arg(long = "rate", requires = "from_balance")]
    rates: Vec<String>,
    /// Destinations in order of preference: topup, donation, transit, gift-card, bank-payout,
    /// or product ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    prefer: Vec<String>,
    /// What to optimise: least-fees, or first-preference (most value into the first choice).
    #[arg(long, value_enum, default_value_t = ObjectiveArg::FirstPreference)]
    objective: ObjectiveArg,
    /// An amount to keep in the balance, in the same currency (with --from-balance: an
    /// amount and its currency, "1000 KRW"; repeatable, one per currency).
    #[arg(long)]
    keep: Vec<String>,
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
        _ => 1,
    }
}

/// Whether a vault exists at `location` (without unlocking it).
fn vault_exists(location: &VaultLocation) -> Result<bool, AppError> {
    Ok(tipvault_app::vault_status(location, clock::now())?.state != VaultState::Absent)
}

/// The catalog a command runs over: the built-in demo catalog when `demo` is asked for or no
/// vault exists (previews work before a vault is created); otherwise the vault's choice.
fn chosen_catalog(
    location: &VaultLocation,
    access: &Access,
    provider: Option<&str>,
) -> Result<tipvault_app::preview::ProviderCatalog, AppError> {
    if provider == Some("demo") {
        return tipvault_app::demo_catalog(clock::now());
    }
    if !vault_exists(location)? {
        return match provider {
            None => tipvault_app::demo_catalog(clock::now()),
            Some(p) if p == tipvault_app::catalogs::DEMO_PROVIDER_ID => {
                tipvault_app::demo_catalog(clock::now())
            }
            Some(p) => Err(AppError::new(
                ErrorCode::NoVault,
                format!("There is no vault, so no cached catalog of {p:?}."),
            )),
        };
    }
    with_session(location, access, |session| {
        tipvault_app::choose_catalog(session, provider, clock::now())
    })
}

/// [`chosen_catalog`] and what may be cashed out now: the vault's headroom when there is a
/// vault, a new vault's when there is none (a preview never plans above what would be allowed).
fn catalog_and_headroom(
    location: &VaultLocation,
    access: &Access,
    provider: Option<&str>,
) -> Result<
    (
        tipvault_app::preview::ProviderCatalog,
        Vec<tipvault_app::Headroom>,
    ),
    AppError,
> {
    if !vault_exists(location)? {
        let catalog = chosen_catalog(location, access, provider)?;
        return Ok((catalog, tipvault_app::new_vault_headroom(clock::now())));
    }
    with_session(location, access, |session| {
        let now = clock::now();
        let catalog = if provider == Some("demo") {
            tipvault_app::demo_catalog(now)?
        } else {
            tipvault_app::choose_catalog(session, provider, now)?
        };
        Ok((catalog, tipvault_app::cash_out_headroom(session, now)?))
    })
}

/// How this run opens the vault: the passphrase, or (`--security-key`) a security key.
pub(crate) struct Access<'a> {
    /// `--demo`: the demo vault, opened with its public passphrase.
    demo: bool,
    passphrases: &'a Passphrases,
    security_key: bool,
    device: AuthenticatorChoice,
    /// The passphrase this run unlocked with (it is read once: standard input cannot be read
    /// twice), for the re-authentication a sensitive change needs.
    unlocked_with: std::cell::RefCell<Option<tipvault_app::SecretString>>,
}

impl Access<'_> {
    /// The chosen authenticator. `if_missing` applies to the software device's file.
    pub(crate) fn authenticator(
        &self,
        if_missing: IfMissing,
    ) -> Result<Box<dyn tipvault_app::auth::Authenticator>, AppError> {
        let device = tipvault_app::open_authenticator(
            &self.device,
            if_missing,
            Box::new(|retries: Option<u8>| {
                let prompt = match retries {
                    Some(n) => format!("Security key PIN ({n} tries left): "),
                    None => "Security key PIN: ".to_owned(),
                };
                rpassword::prompt_password(prompt).ok()
            }),
        )?;
        if device.info().is_test_device {
            eprintln!("Using the software authenticator: a TEST DEVICE, not for real money.");
        }
        Ok(device)
    }

    fn unlock(&self, location: &VaultLocation) -> Result<(Session, Unlocked), AppError> {
        if self.demo && !self.security_key {
            let demo = tipvault_app::SecretString::from(tipvault_app::DEMO_PASSPHRASE.to_owned());
            return tipvault_app::unlock_vault(location, &demo, clock::now());
        }
        if self.security_key {
            let mut device = self.authenticator(IfMissing::Refuse)?;
            if !self.is_soft() {
                eprintln!("Touch your security key…");
            }
            return tipvault_app::unlock_with_security_key(location, &mut *device, clock::now());
        }
        let passphrase = self.passphrases.current()?;
        let unlocked = tipvault_app::unlock_vault(location, &passphrase, clock::now());
        *self.unlocked_with.borrow_mut() = Some(passphrase);
        unlocked
    }

    pub(crate) fn is_soft(&self) -> bool {
        matches!(self.device, AuthenticatorChoice::SoftFile(_))
    }

    /// A software test device was named and its file exists (so it can be asked).
    pub(crate) fn soft_device_exists(&self) -> bool {
        matches!(&self.device, AuthenticatorChoice::SoftFile(path) if path.exists())
    }

    /// Runs `work` with the proof a sensitive change needs (`tipvault_app::reauth`): in the demo
    /// vault its public passphrase; after a `--security-key` unlock, the key again (one more
    /// touch, bound to the change); otherwise the passphrase this run was given (at the prompt,
    /// on standard input or in `TIPVAULT_PASSPHRASE`) moments ago, checked again.
    pub(crate) fn with_proof<T>(
        &self,
        work: impl FnOnce(Option<tipvault_app::Proof<'_>>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        if self.demo {
            let demo = tipvault_app::SecretString::from(tipvault_app::DEMO_PASSPHRASE.to_owned());
            return work(Some(tipvault_app::Proof::Passphrase(&demo)));
        }
        if self.security_key {
            let mut device = self.authenticator(IfMissing::Refuse)?;
            if !self.is_soft() {
                eprintln!("Touch your security key to confirm this change…");
            }
            return work(Some(tipvault_app::Proof::SecurityKey(&mut *device)));
        }
        self.with_passphrase(|p| work(Some(tipvault_app::Proof::Passphrase(p))))
    }

    /// Runs `work` with the vault's passphrase: the one this run unlocked with, or (after a
    /// security-key unlock) asked for now.
    pub(crate) fn with_passphrase<T>(
        &self,
        work: impl FnOnce(&tipvault_app::SecretString) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        if self.demo {
            let demo = tipvault_app::SecretString::from(tipvault_app::DEMO_PASSPHRASE.to_owned());
            return work(&demo);
        }
        if let Some(passphrase) = self.unlocked_with.borrow().as_ref() {
            return work(passphrase);
        }
        let passphrase = self.passphrases.current()?;
        work(&passphrase)
    }
}

/// Runs `work` on the unlocked vault, then locks it whatever happened.
fn with_session<T>(
    location: &VaultLocation,
    access: &Access,
    work: impl FnOnce(&mut Session) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let (mut session, _unlocked) = access.unlock(location)?;
    let result = work(&mut session);
    let locked = session.lock(clock::now(), LockReason::Exit);
    let value = result?;
    // The work committed before the lock began, so a failure while locking (its audit entry,
    // or folding the write-ahead log into the database on a full disk) loses nothing: the next
    // unlock finishes it. Reporting the whole command as failed would tell the user a change
    // that is saved did not happen (tests/faults.rs).
    if let Err(e) = locked {
        eprintln!(
            "tipvault: warning: done and saved, but closing the vault failed: {} Nothing is \
             lost; the next unlock finishes closing it.",
            e.message
        );
    }
    Ok(value)
}

fn run(cli: &Cli, out: &Output) -> Result<(), AppError> {
    let real = VaultLocation::resolve(cli.vault.as_deref())?;
    let location = if cli.demo { real.demo() } else { real.clone() };
    let passphrases = Passphrases::new(cli.passphrase_stdin);
    let access = Access {
        demo: cli.demo,
        passphrases: &passphrases,
        security_key: cli.security_key,
        device: match &cli.soft_authenticator {
            Some(path) => AuthenticatorChoice::SoftFile(path.clone()),
            None => AuthenticatorChoice::Usb,
        },
        unlocked_with: std::cell::RefCell::new(None),
    };
    match &cli.command {
        // `--demo init` creates the demo vault beside yours (as `demo` does, with no sandbox):
        // marked demo, under the public passphrase, so demo-only work is allowed there.
        Command::Init(_) if cli.demo => {
            let (session, created) = tipvault_app::open_demo_vault(&real, clock::now())?;
            session.lock(clock::now(), LockReason::Exit)?;
            let path = location.dir().display().to_string();
            out.value(&serde_json::json!({"path": path, "created": created}), || {
                if created {
                    format!("Created the demo vault at {path} (sandbox money only; its passphrase is public).")
                } else {
                    format!("The demo vault at {path} already exists.")
                }
            });
        }
        Command::Init(kdf) => {
            let passphrase = passphrases.new_one(PASSPHRASE_ENV)?;
            if !cli.json && !kdf.kdf_minimum {
                eprintln!("Creating the vault (measuring this computer for the key derivation)…");
            }
            let (session, created) =
                tipvault_app::create_vault(&location, &passphrase, kdf.choice(), clock::now())?;
            session.lock(clock::now(), LockReason::Exit)?;
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
        Command::Unlock => {
            let (session, unlocked) = access.unlock(&location)?;
            session.lock(clock::now(), LockReason::Exit)?;
            let how = if cli.security_key {
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
        }
        Command::Auth { command } => match command {
            AuthCommand::Register { label } => {
                let key = with_session(&location, &access, |session| {
                    let mut device = access.authenticator(IfMissing::Create)?;
                    if !access.is_soft() {
                        eprintln!(
                            "Touch your security key twice (register, then enrol it for unlock)…"
                        );
                    }
                    access.with_proof(|proof| {
                        tipvault_app::register_security_key(
                            session,
                            proof,
                            &mut *device,
                            label,
                            clock::now(),
                        )
                    })
                })?;
                out.value(&key, || {
                    let mut text = format!("Registered {:?} (id {}).", key.label, key.id);
                    text.push_str(if key.can_unlock {
                        "\nIt can unlock the vault (`--security-key`); your passphrase keeps working."
                    } else {
                        "\nIt has no hmac-secret, so it cannot unlock the vault; it can approve step-ups."
                    });
                    if key.is_test_device {
                        text.push_str("\nThis is the software authenticator: a TEST DEVICE. Anyone who can read its file can use it.");
                    }
                    text
                });
            }
            AuthCommand::List => {
                let keys = with_session(&location, &access, |session| {
                    tipvault_app::list_security_keys(session, clock::now())
                })?;
                out.value(&keys, || output::security_keys_table(&keys));
            }
            AuthCommand::Rename { id, name } => {
                let key = with_session(&location, &access, |session| {
                    tipvault_app::rename_security_key(session, id, name, clock::now())
                })?;
                out.value(&key, || format!("Renamed {} to {:?}.", key.id, key.label));
            }
            AuthCommand::Remove { id } => {
                let removed = with_session(&location, &access, |session| {
                    access.with_passphrase(|passphrase| {
                        tipvault_app::remove_security_key(
                            session,
                            Some(passphrase),
                            id,
                            &mut [],
                            clock::now(),
                        )
                    })
                })?;
                out.value(&removed, || output::key_removed_text(&removed));
            }
            AuthCommand::EnableUnlock => {
                let key = with_session(&location, &access, |session| {
                    let mut device = access.authenticator(IfMissing::Refuse)?;
                    if !access.is_soft() {
                        eprintln!("Touch your security key…");
                    }
                    access.with_proof(|proof| {
                        tipvault_app::enable_security_key_unlock(
                            session,
                            proof,
                            &mut *device,
                            clock::now(),
                        )
                    })
                })?;
                out.value(&key, || {
                    format!(
                        "{:?} (id {}) can unlock the vault again.",
                        key.label, key.id
                    )
                });
            }
        },
        Command::Status => {
            let status = tipvault_app::vault_status(&location, clock::now())?;
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
            let (mut session, _) = tipvault_app::unlock_vault(&location, &current, clock::now())?;
            let result = tipvault_app::change_passphrase(
                &mut session,
                &current,
                &new,
                kdf.choice(),
                clock::now(),
            );
            // Whether the passphrase changed matters more than a failed lock: report it first.
            let locked = session.lock(clock::now(), LockReason::Exit);
            let kdf = result?;
            out.value(&kdf, || {
                format!(
                    "Passphrase changed (Argon2id, {} MiB, {} passes, {} lanes). The vault's data was not rewritten.",
                    kdf.memory_mib, kdf.iterations, kdf.parallelism
                )
            });
            locked?;
        }
        Command::Rekey { vault_key: true } => {
            let replaced = with_session(&location, &access, |session| {
                access.with_passphrase(|passphrase| {
                    tipvault_app::replace_vault_key(session, passphrase, &mut [], clock::now())
                })
            })?;
            out.value(&replaced, || {
                format!(
                    "Replaced the vault key and the data key (generation {}). {} security-key unlock slot(s) dropped: run `auth enable-unlock` with each key to unlock with it again.",
                    replaced.data_key_generation, replaced.slots_dropped
                )
            });
        }
        Command::Rekey { vault_key: false } => {
            let json = cli.json;
            let rekeyed = with_session(&location, &access, |session| {
                tipvault_app::rotate_data_key(session, clock::now(), |progress| {
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
            // Every unlock purges first (nothing expired outlives an open vault), so what a
            // purge finds here is what expired after that; the unlock's own deletions are
            // reported beside it, never hidden behind a "0".
            let (mut session, unlocked) = access.unlock(&location)?;
            let result = tipvault_app::purge_expired(&mut session, clock::now(), *dry_run);
            let locked = session.lock(clock::now(), LockReason::Exit);
            let report = output::PurgeRun {
                report: result?,
                deleted_on_unlock: unlocked.purged,
            };
            locked?;
            out.value(&report, || output::purge_text(&report));
        }
        Command::Retention { command } => match command {
            RetentionCommand::Show => {
                let classes = with_session(&location, &access, |session| {
                    tipvault_app::retention_classes(session, clock::now())
                })?;
                out.value(&classes, || output::retention_table(&classes));
            }
            RetentionCommand::Set { class, duration } => {
                let change = with_session(&location, &access, |session| {
                    access.with_proof(|proof| {
                        tipvault_app::set_retention(session, class, *duration, proof, clock::now())
                    })
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
                let report = with_session(&location, &access, |session| {
                    tipvault_app::verify_audit_log(session, clock::now())
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
                let entries = with_session(&location, &access, |session| {
                    tipvault_app::audit_entries(session, clock::now(), *after, *limit)
                })?;
                out.value(&entries, || output::audit_table(&entries));
            }
        },
        Command::Check => {
            let report = with_session(&location, &access, |session| {
                tipvault_app::check_vault(session, clock::now())
            })?;
            out.value(&report, || {
                if report.consistent {
                    format!(
                        "The vault is consistent: pages, structure, search index, balances \
                         ({} entries) and audit log ({} entries) all check out.",
                        report.entries, report.audit_entries
                    )
                } else {
                    format!(
                        "The vault is NOT consistent:\n- {}",
                        report.problems.join("\n- ")
                    )
                }
            });
            if !report.consistent {
                return Err(AppError::new(
                    ErrorCode::VaultDamaged,
                    "The vault's consistency check failed.",
                ));
            }
        }
        Command::Account { command } => match command {
            AccountCommand::List => {
                let accounts = with_session(&location, &access, |session| {
                    tipvault_app::list_accounts(session, clock::now())
                })?;
                out.value(&accounts, || output::accounts_text(&accounts));
            }
            AccountCommand::Show { account } => {
                let detail = with_session(&location, &access, |session| {
                    tipvault_app::show_account(session, account, clock::now())
                })?;
                out.value(&detail, || output::account_detail_text(&detail));
            }
            AccountCommand::Reconcile { account } => {
                let net = tipvault_app::Network::new()?;
                let found = with_session(&location, &access, |session| {
                    let now = clock::now();
                    let accounts: Vec<String> = match account {
                        Some(a) => vec![a.clone()],
                        None => tipvault_app::list_providers(session, now)?
                            .into_iter()
                            .filter(|p| p.device_id.is_some())
                            .map(|p| p.id)
                            .collect(),
                    };
                    if accounts.is_empty() {
                        return Err(AppError::new(
                            ErrorCode::InvalidInput,
                            "No provider is paired: there is no provider balance to read.",
                        ));
                    }
                    let mut found = Vec::new();
                    for a in &accounts {
                        found.extend(tipvault_app::reconcile_account(session, &net, a, now)?);
                    }
                    Ok(found)
                })?;
                out.value(&found, || output::reconciliations_text(&found));
            }
            AccountCommand::Link {
                account,
                provider,
                unlink,
            } => {
                let provider = if *unlink { None } else { provider.as_deref() };
                let view = with_session(&location, &access, |session| {
                    tipvault_app::link_account(session, account, provider, clock::now())
                })?;
                out.value(&view, || {
                    format!("{}: {}.", output::printable(&view.label), view.where_en)
                });
            }
        },
        Command::Catalog { command } => match command {
            CatalogCommand::Import { file } => {
                let imported = with_session(&location, &access, |session| {
                    tipvault_app::import_catalog(session, file, clock::now())
                })?;
                out.value(&imported, || output::catalog_imported_text(&imported));
            }
            CatalogCommand::List => {
                let catalogs = if vault_exists(&location)? {
                    with_session(&location, &access, |session| {
                        tipvault_app::list_catalogs(session, clock::now())
                    })?
                } else {
                    vec![tipvault_app::catalogs::demo_view(clock::now())?]
                };
                out.value(&catalogs, || output::catalogs_table(&catalogs));
            }
            CatalogCommand::Show { provider, document } => {
                let catalog = chosen_catalog(&location, &access, provider.as_deref())?;
                if *document {
                    // Already JSON: the canonical document is the same in both modes.
                    println!("{}", catalog.canonical_json());
                } else {
                    let products = output::catalog_products(&catalog);
                    out.value(&products, || output::catalog_table(&catalog, &products));
                }
            }
            CatalogCommand::Refresh { provider } => {
                let net = tipvault_app::Network::new()?;
                let refreshed = with_session(&location, &access, |session| {
                    tipvault_app::refresh_catalogs(session, &net, provider.as_deref(), clock::now())
                })?;
                out.value(&refreshed, || output::catalogs_refreshed_text(&refreshed));
            }
            CatalogCommand::Remove { provider } => {
                with_session(&location, &access, |session| {
                    tipvault_app::remove_catalog(session, provider, clock::now())
                })?;
                out.value(&serde_json::json!({"removed": provider}), || {
                    format!("Removed the cached catalog of {provider}.")
                });
            }
        },
        Command::Preview(args) => {
            let objective = match args.objective {
                ObjectiveArg::LeastFees => tipvault_app::preview::PreviewObjective::LeastFees,
                ObjectiveArg::FirstPreference => {
                    tipvault_app::preview::PreviewObjective::FirstPreference
                }
            };
            let result = if args.from_balance {
                let query = tipvault_app::BalancePreviewQuery {
                    sources: args.sources.clone(),
                    provider: args.provider.clone(),
                    prefer: args.prefer.clone(),
                    objective: Some(objective),
                    keep: args.keep.clone(),
                    exclude: args.exclude.clone(),
                    rates: args.rates.clone(),
                };
                with_session(&location, &access, |session| {
                    let now = clock::now();
                    let catalog =
                        tipvault_app::choose_catalog(session, query.provider.as_deref(), now)?;
                    tipvault_app::preview_balances(session, &catalog, &query, now)
                })?
            } else {
                if args.keep.len() > 1 {
                    return Err(AppError::new(
                        ErrorCode::InvalidInput,
                        "Give at most one --keep with --amount (in the same currency).",
                    ));
                }
                let (catalog, headroom) =
                    catalog_and_headroom(&location, &access, args.provider.as_deref())?;
                let query = tipvault_app::PreviewQuery {
                    amount: args.amount.clone().unwrap_or_default(),
                    currency: args.currency.clone().unwrap_or_default(),
                    prefer: args.prefer.clone(),
                    objective,
                    keep: args.keep.first().cloned(),
                    exclude: args.exclude.clone(),
                    provider: args.provider.clone(),
                };
                tipvault_app::preview_query_within(&catalog, &query, &headroom, clock::now())?
            };
            out.value(&result, || {
                output::preview_text(&result, matches!(args.lang, LangArg::Ko))
            });
        }
        Command::Settings { command } => {
            let settings = with_session(&location, &access, |session| match command {
                SettingsCommand::Show => tipvault_app::settings(session, clock::now()),
                SettingsCommand::AutoLock { after } => access.with_proof(|proof| {
                    tipvault_app::set_auto_lock(session, *after, proof, clock::now())
                }),
            })?;
            out.value(&settings, || {
                format!(
                    "auto-lock after {}",
                    humantime::format_duration(Duration::from_secs(settings.auto_lock_secs))
                )
            });
        }
        Command::Source { command } => match command {
            SourceCommand::Add {
                id,
                label,
                platform,
                currency,
                threshold,
                schedule,
            } => {
                let new = tipvault_app::NewSource {
                    id: id.clone(),
                    label: label.clone().unwrap_or_else(|| id.clone()),
                    platform: platform.clone(),
                    currency: currency.clone(),
                    payout_threshold: threshold.clone(),
                    payout_schedule: schedule.clone(),
                };
                let source = with_session(&location, &access, |session| {
                    tipvault_app::add_source(session, &new, clock::now())
                })?;
                out.value(&source, || {
                    format!(
                        "Added source {} ({}, {}).",
                        source.id, source.platform_name, source.currency
                    )
                });
            }
            SourceCommand::SetThreshold {
                id,
                threshold,
                schedule,
            } => {
                let source = with_session(&location, &access, |session| {
                    tipvault_app::set_payout_threshold(
                        session,
                        id,
                        threshold,
                        schedule.as_deref(),
                        clock::now(),
                    )
                })?;
                out.value(&source, || match &source.payout_threshold {
                    Some(t) => format!("{}: payout threshold {}.", source.id, t.en),
                    None => format!("{}: no payout threshold.", source.id),
                });
            }
            SourceCommand::Platforms => {
                let platforms = tipvault_app::platforms();
                out.value(&platforms, || output::platforms_table(&platforms));
            }
            SourceCommand::List => {
                let sources = with_session(&location, &access, |session| {
                    tipvault_app::list_sources(session, clock::now())
                })?;
                out.value(&sources, || output::sources_table(&sources));
            }
        },
        Command::Import(args) => {
            let request = tipvault_app::ImportFile {
                path: args.file.clone(),
                source: args.source.clone(),
                format: tipvault_app::parse_format(&args.format)?,
                profile: args.profile.clone(),
                keep_payer_names: args.keep_names,
                keep_messages: args.keep_messages,
                dry_run: args.dry_run,
                accept_partial: args.skip_bad_rows,
            };
            let json = cli.json;
            let summary = with_session(&location, &access, |session| {
                tipvault_app::import_file(
                    session,
                    &request,
                    clock::now(),
                    |p| {
                        if !json {
                            eprintln!("{}", output::import_progress(&p));
                        }
                    },
                    &|| false,
                )
            })?;
            out.value(&summary, || output::import_text(&summary));
            if summary.refused_for_errors && !summary.dry_run {
                return Err(AppError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "Nothing was imported: {} rows are bad (listed above). Fix the file, or \
                         rerun with --skip-bad-rows to import the {} good rows.",
                        summary.row_errors.len() as u64 + summary.row_errors_not_listed,
                        summary.good_rows
                    ),
                ));
            }
        }
        Command::Balance => {
            let balances = with_session(&location, &access, |session| {
                tipvault_app::balances(session, clock::now())
            })?;
            out.value(&balances, || output::balances_table(&balances));
        }
        Command::History(args) => {
            let tz = tipvault_app::parse_tz(&cli.tz)?;
            let mut query = args.filter.query();
            query.after = args.after.clone();
            query.limit = args.limit;
            let page = with_session(&location, &access, |session| {
                tipvault_app::history(session, &query, tz, clock::now())
            })?;
            out.value(&page, || output::history_table(&page, tz));
        }
        Command::Totals { by, filter } => {
            let tz = tipvault_app::parse_tz(&cli.tz)?;
            let period = tipvault_app::parse_period(by)?;
            let query = filter.query();
            let totals = with_session(&location, &access, |session| {
                tipvault_app::totals(session, &query, period, tz, clock::now())
            })?;
            out.value(&totals, || output::totals_table(&totals));
        }
        Command::Forecast { window_days } => {
            let forecasts = with_session(&location, &access, |session| {
                tipvault_app::forecast(session, *window_days, clock::now())
            })?;
            out.value(&forecasts, || output::forecast_text(&forecasts));
        }
        Command::Export { format, out: path } => {
            let tz = tipvault_app::parse_tz(&cli.tz)?;
            let format = tipvault_app::ExportFormat::parse(format)?;
            let exported = match path {
                Some(path) => with_session(&location, &access, |session| {
                    tipvault_app::export_to_file(session, format, tz, path, clock::now())
                })?,
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    with_session(&location, &access, |session| {
                        tipvault_app::export(session, format, tz, &mut lock, clock::now())
                    })?
                }
            };
            // Without --out, stdout holds the export itself: the summary goes to stderr.
            match path {
                Some(path) => out.value(&exported, || {
                    format!(
                        "Exported {} entries from {} sources to {}.",
                        exported.entries,
                        exported.sources,
                        path.display()
                    )
                }),
                None if !cli.json => eprintln!(
                    "Exported {} entries from {} sources.",
                    exported.entries, exported.sources
                ),
                None => {}
            }
        }
        Command::Provider { .. }
        | Command::Redeem(_)
        | Command::Redemptions
        | Command::Reconcile
        | Command::Dispute(_)
        | Command::Receipt { .. }
        | Command::VerifyBundle { .. }
        | Command::PrivacyLedger
        | Command::Sandbox(_) => redeem::run(&cli.command, out, &location, &access)?,
        // Always beside the real vault, whatever `--demo` says.
        Command::Demo(args) => redeem::run_demo(args, out, &real)?,
        Command::Risk { command } => risk::run_risk(command, out, &location, &access)?,
        Command::Verify(args) => risk::run_verify(args, out, &location, &access)?,
        Command::Cancel(args) => risk::run_cancel(args, out, &location, &access)?,
        Command::Autocashout { command } => {
            risk::run_autocashout(command, out, &location, &access)?;
        }
        Command::ExportKey => {
            // Only typed at the terminal: never from the environment or standard input, where
            // a script (or anyone able to set them) could take the key unattended.
            let passphrase = passphrases.interactive("Passphrase (to show the raw key): ")?;
            let (session, key) =
                tipvault_app::export_data_key(&location, &passphrase, clock::now())?;
            // The export is already in the audit log: show the key even if locking then fails.
            let locked = session.lock(clock::now(), LockReason::Exit);
            out.secret_key(&key);
            locked?;
        }
    }
    Ok(())
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
