// The desktop boundary, once: every command the window may call and every event it hears.
//
// Everything else is generated from this list (see `boundary/mod.rs`): the registered
// commands, `build.rs`'s permission list, `capabilities/default.json` (written by `build.rs`),
// and the UI's typed backend `ui/src/lib/backend/generated/boundary.ts` (written by
// `cargo test`). Adding a command is one line here plus its adapter, an
// `async fn name<R: Runtime>(handle: AppHandle<R>, args…) -> Result<T, AppError>` in the
// module named; the compiler checks the line against the function.
//
// Each argument is named as the UI sends it (in camelCase there: `dry_run` is `dryRun`); a
// trailing `Option` argument may be left out by the UI. Doc comments become the backend's.

desktop_boundary! {
    commands {
        /// The app's name and version.
        commands::app_info() -> app::AppInfo;
        /// Whether a vault exists here and is unlocked, and how it is protected.
        commands::vault_status() -> app::VaultStatus;
        /// Rates a new passphrase against the rule a vault's passphrase must meet.
        commands::rate_passphrase(passphrase: String) -> app::PassphraseRating;
        commands::create_vault(passphrase: String) -> app::Created;
        commands::unlock_vault(passphrase: String) -> app::Unlocked;
        commands::lock_vault() -> bool;
        /// The user is active in the window: postpones the auto-lock.
        commands::note_activity() -> ();
        commands::retention_classes() -> Vec<app::RetentionView>;
        /// Shortening asks for a proof (`reauth`; see vault/reauth.svelte.ts).
        commands::set_retention(class_name: String, seconds: u64, reauth: Option<ReauthInput>) -> app::RetentionChanged;
        commands::purge_expired(dry_run: bool) -> app::PurgeView;
        commands::audit_entries(after: u64, limit: u32) -> Vec<app::AuditEntryView>;
        commands::verify_audit_log() -> app::AuditVerifyView;
        commands::settings() -> app::Settings;
        /// Longer than the default asks for a proof (`reauth`).
        commands::set_auto_lock(seconds: u64, reauth: Option<ReauthInput>) -> app::Settings;
        commands::preview_balance(query: app::PreviewQuery) -> app::PreviewView;
        commands::preview_my_balances(query: app::BalancePreviewQuery) -> app::PreviewView;
        /// Every paired provider's balance in one plan, each account through its own catalog.
        commands::preview_across_providers(query: app::BalancePreviewQuery) -> app::AcrossPreviewView;
        commands::catalogs() -> Vec<app::CatalogView>;
        commands::dashboard() -> app::DashboardView;

        ledger::platforms() -> Vec<app::PlatformView>;
        ledger::sources() -> Vec<app::SourceView>;
        ledger::add_source(source: app::NewSource) -> app::SourceView;
        ledger::set_payout_threshold(source: String, threshold: String) -> app::SourceView;
        /// Opens the native file dialog; null when the user closed it. The path stays in Rust.
        ledger::choose_import_file(what: ledger::ImportFile) -> Option<app::ChosenFile>;
        ledger::clear_import_profile() -> ();
        /// Imports (or, with `dry_run`, checks) the chosen file; progress arrives as events.
        ledger::import_chosen(settings: app::ImportSettings) -> app::ImportSummary;
        ledger::cancel_import() -> ();
        /// `tz`: the user's time zone (IANA name), for dates and days.
        ledger::history(query: app::HistoryQuery, tz: String) -> app::HistoryPageView;
        /// What the rows `query` selects add up to, per currency.
        ledger::matching_totals(query: app::HistoryQuery, tz: String) -> Vec<app::MatchingTotalView>;
        /// `period`: `day`, `iso_week` or `month`.
        ledger::inflow(query: app::HistoryQuery, period: app::Period, tz: String) -> Vec<app::InflowSeries>;
        /// Opens the native save dialog and writes the export; null when the user closed it.
        ledger::export_ledger(format: app::ExportFormat, tz: String) -> Option<app::SavedExport>;

        redeem::providers() -> Vec<app::ProviderView>;
        /// Adds a provider by address: without `fingerprint`, answers `confirm_provider_key`
        /// with the key's fingerprint to compare; with it, and `reauth`, stores it.
        redeem::add_provider(url: String, fingerprint: Option<String>, reauth: Option<ReauthInput>) -> app::ProviderView;
        /// Pairs this device with a provider, with the code the provider gave.
        redeem::pair_provider(provider: String, code: String) -> app::ProviderView;
        /// Starts the sandbox provider on loopback (demo money), adds and pairs it.
        redeem::start_demo() -> app::DemoStarted;
        /// Locks the demo vault; the real vault's unlock screen follows.
        redeem::leave_demo() -> bool;
        /// Fetches a provider's catalog (or every provider's) and renews or replaces the cached copy.
        redeem::refresh_catalogs(provider: Option<String>) -> Vec<app::CatalogRefreshed>;
        /// Reads the provider's signed balance and compares it with the books.
        redeem::reconcile_account(account: String) -> Vec<app::ReconciliationView>;
        redeem::link_account(source: String, provider: Option<String>) -> app::AccountView;
        redeem::plan_redemption(request: app::RedeemRequest) -> app::RedemptionView;
        /// One redemption across every paired provider: each leg names the provider it goes to.
        redeem::plan_redemption_across(request: app::RedeemAcrossRequest) -> app::RedemptionView;
        /// Stops waiting for a provider that cannot be reached: its queued legs are cancelled.
        redeem::cancel_provider_legs(id: String, provider: String) -> app::RedemptionView;
        redeem::send_redemption(id: String) -> app::RedemptionView;
        redeem::redemptions() -> Vec<app::RedemptionView>;
        /// One redemption's page: its timeline, receipts verified now, disputes, what was sent.
        redeem::redemption_detail(id: String) -> app::RedemptionDetailView;
        redeem::reconcile() -> app::OutboxRun;
        /// Sends a signed dispute and saves the evidence bundle (native save dialog); null if closed.
        redeem::dispute_redemption(id: String, reason: app::DisputeReason) -> Option<app::BundleView>;
        redeem::privacy_ledger() -> Vec<app::PrivacyEntryView>;

        /// The kinds of key offered to register a new one, or to unlock and approve with.
        keys::security_key_devices(purpose: keys::Purpose) -> Vec<keys::Device>;
        keys::security_keys() -> Vec<app::SecurityKeyView>;
        /// Ends the wait for a USB key's touch now in progress; that command answers `cancelled`.
        keys::cancel_key_wait() -> ();
        /// Registers a key (two touches). A PIN, if typed, travels to Rust only, never back.
        keys::register_security_key(label: String, device: keys::Device, pin: Option<String>, reauth: Option<ReauthInput>) -> app::SecurityKeyView;
        keys::rename_security_key(id: String, label: String) -> app::SecurityKeyView;
        /// Replaces the vault key too: needs the passphrase (`reauth`).
        keys::remove_security_key(id: String, reauth: Option<ReauthInput>) -> app::SecurityKeyRemoved;
        /// The key at hand unlocks again (after another key's removal replaced the vault key).
        keys::enable_security_key_unlock(device: keys::Device, pin: Option<String>, reauth: Option<ReauthInput>) -> app::SecurityKeyView;
        keys::unlock_with_security_key(device: keys::Device, pin: Option<String>) -> app::Unlocked;
        /// Exactly what a step-up for a redemption approves, with the digest to approve it by.
        keys::step_up_plan(id: String) -> app::StepUpPlanView;

        /// Tier, progress to the next, limits and every rule with its threshold.
        risk::risk_status() -> app::RiskStatusView;
        /// Sets a limit (`amount` null: back to the tier's); a raise asks for a proof (`reauth`).
        risk::set_limit(currency: String, kind: app::LimitKind, amount: Option<String>, reauth: Option<ReauthInput>) -> app::LimitChangedView;
        /// Reads a typed limit and says whether it lowers, keeps or raises the one in force.
        risk::draft_limit(currency: String, kind: app::LimitKind, typed: String) -> app::LimitDraft;
        /// Confirms a held redemption with a security key if its plan is still the one shown
        /// (`planDigest`); the legs are then sent, with progress as events.
        risk::verify_redemption(id: String, plan_digest: String, device: keys::Device, pin: Option<String>) -> app::RedemptionView;
        /// Ends a redemption that was never approved (paused or refused): nothing is ever sent.
        risk::cancel_redemption(id: String) -> app::RedemptionView;
        /// Demo mode: whether step-ups at sandbox providers (demo money) are let through;
        /// turning it on asks for a proof (`reauth`).
        risk::set_sandbox_step_up_waiver(waived: bool, reauth: Option<ReauthInput>) -> bool;
        /// Asks a paired provider for a tier verification; only its signed, expiring token is kept.
        risk::verify_tier(provider: String) -> app::ProviderVerificationView;
        risk::auto_cashouts() -> Vec<app::AutoCashOutView>;
        risk::add_auto_cashout(rule: app::NewAutoCashOut) -> app::AutoCashOutView;
        risk::remove_auto_cashout(id: String) -> ();
        /// Runs the rules that fire now (each judged by the risk check, unattended) and sends.
        risk::run_auto_cashouts() -> app::AutoCashOutRunView;
    }
    events {
        /// The backend locked the vault by itself (the idle limit was reached).
        VAULT_LOCKED "vault-locked" => session::Locked;
        /// An import's progress.
        IMPORT_PROGRESS "import-progress" => app::ImportProgress;
        /// Each leg's progress while a redemption is sent or reconciled.
        REDEMPTION_PROGRESS "redemption-progress" => app::LegProgress;
        /// The automatic cash-out rules ran by themselves (after an unlock or an import) and a
        /// rule fired, or the run failed.
        AUTO_CASH_OUT "auto-cash-out" => risk::AutoCashOutRan;
    }
}
