//! Tipvault's use cases: every action a user can take is one function here.
//!
//! The desktop shell (`src-tauri`) and the command line (`crates/cli`) are thin adapters over
//! this crate: they parse input, call one function, and shape the output. Anything that is a
//! decision about the domain belongs here or below, never in a front end. This crate knows
//! nothing of Tauri or clap. Time is passed in (`now`) by the front ends, so every use case
//! can be tested at any date.

pub mod about;
pub mod accounts;
pub mod audit;
pub mod authenticators;
pub mod autocashout;
pub mod catalogs;
pub mod clock;
pub mod conformance;
pub mod dashboard;
pub mod demo;
pub mod demo_balance;
#[cfg(feature = "demo")]
pub mod demo_provider;
pub mod error;
pub mod evidence;
pub mod export;
pub mod import;
pub mod keys;
pub mod location;
pub mod memory;
pub mod network;
pub mod passphrase;
pub mod preview;
pub mod providers;
pub mod reauth;
pub mod reconcile;
pub mod reconciliation;
pub mod redemption;
pub mod redemption_detail;
pub mod retention;
pub mod review;
pub mod risk;
pub mod security_keys;
pub mod send;
pub mod session;
pub mod settings;
pub mod sources;
pub mod status;
pub mod step_up;
pub mod view;

pub use about::{AppInfo, app_info};
pub use accounts::{
    AccountDetailView, AccountKind, AccountView, Location, account_provider, link_account,
    list_accounts, not_redeemable, redeemable_balances, show_account,
};
pub use audit::{VaultCheckView, audit_entries, check_vault, verify_audit_log};
pub use authenticators::{AuthenticatorChoice, IfMissing, PinPrompt, open_authenticator};
pub use autocashout::{
    AutoCashOutFiredView, AutoCashOutRunView, AutoCashOutTemplate, AutoCashOutView, FiredOutcome,
    NewAutoCashOut, add_auto_cashout, auto_cashouts_may_fire, list_auto_cashouts,
    remove_auto_cashout, run_auto_cashouts,
};
pub use catalogs::{
    CatalogImported, CatalogOutcome, CatalogView, choose_catalog, demo_catalog, import_catalog,
    list_catalogs, remove_catalog,
};
pub use conformance::{
    CONFORMANCE_CHECKS, ConformanceCheck, ConformanceOutcome, ConformanceReport, check_provider,
};
pub use dashboard::{DashboardView, FORECAST_WINDOW_DAYS, dashboard};
pub use demo::{DEMO_PASSPHRASE, open_demo_vault};
/// The states the views carry, for front ends to compare against (the JSON names are theirs).
pub use demo_balance::{DemoStarted, import_demo_balance};
pub use error::{AppError, ErrorCode, Hint};
pub use evidence::{
    BundleError, BundleView, PrivacyEntryView, ReceiptView, dispute, parse_reason, privacy_ledger,
    receipt_verify, verify_bundle, verify_bundle_file,
};
pub use export::{ExportFormat, Exported, SavedExport, export, export_to_file};
pub use import::{
    ChosenFile, DroppedView, ImportFile, ImportProgress, ImportSettings, ImportSummary,
    RowErrorView, SkippedRowView, import_file, parse_format,
};
pub use keys::{
    RekeyProgress, Rekeyed, VaultKeyReplacedView, change_passphrase, export_data_key,
    replace_vault_key, rotate_data_key,
};
pub use location::VaultLocation;
pub use memory::{scrub_stack, wipe_freed_memory};
pub use network::{Network, NetworkIdentity, RetryPolicy};
pub use passphrase::{PassphraseRating, PassphraseVerdict, check_new_passphrase, rate_passphrase};
pub use preview::{
    AcrossPreviewResult, AcrossPreviewView, BalancePreviewQuery, LimitText, PreviewInput,
    PreviewQuery, PreviewResult, PreviewView, across_preview_view, limits_for, parse_amount,
    parse_preference, parse_product, parse_rate, preview_across_providers, preview_amount,
    preview_amount_without_vault, preview_balance, preview_balances, preview_my_balances,
    preview_query, preview_query_within, preview_view,
};
pub use providers::{
    CatalogRefreshed, ProviderKeyView, ProviderView, add_provider, add_provider_for_vault,
    inspect_provider, key_fingerprint, list_providers, pair_provider, refresh_catalogs,
};
pub use reauth::{Proof, Reauthenticated, Sensitive};
pub use reconcile::reconcile_account;
pub use reconciliation::{LegRef, ReconciliationView};
pub use redemption::approval::{approve_redemption, approve_redemption_from};
pub use redemption::held::{
    cancel_provider_legs, cancel_redemption, explain_redemption, verify_redemption,
};
pub use redemption::lookup::{
    Attention, RedemptionLegView, RedemptionView, RevealedField, list_redemptions, redemption,
};
pub use redemption::outbox::{
    LegProgress, OutboxRun, reconcile, reconcile_with, run_outbox, run_outbox_with,
};
pub use redemption::plan::{
    RedeemAcrossRequest, RedeemRequest, plan_redemption, plan_redemption_across,
};
pub use redemption::verification::{
    StepUpLegView, StepUpPlanView, StepUpTotalView, redemption_plan, step_up_plan_view,
    verify_redemption_as_shown,
};
pub use redemption_detail::{
    DisputeView, RedemptionDetailView, Step, TimelineView, redemption_detail,
};
pub use retention::{
    RetentionChanged, purge_expired, purge_expired_unattended, retention_classes, set_retention,
};
pub use review::{
    CHART_PERIODS, ForecastOutcome, ForecastView, HistoryPageView, HistoryQuery, InflowPoint,
    InflowSeries, MatchingTotalView, TotalView, balances, forecast, history, inflow,
    matching_totals, parse_period, parse_tz, totals,
};
pub use risk::decision::{RiskDecisionView, RiskReasonView, RiskText};
pub use risk::history::parse_limit_kind;
pub use risk::standing::{
    LimitChangedView, LimitDirection, LimitDraft, ProviderVerificationView, RiskCurrencyView,
    RiskLimitsView, RiskRuleView, RiskStatusView, cash_out_headroom, draft_limit,
    new_vault_headroom, risk_limits, risk_status, set_limit,
};
pub use risk::verification::verify_tier;
pub use risk::waiver::set_sandbox_step_up_waiver;
pub use security_keys::approval::{StepUpView, step_up_for_plan};
pub use security_keys::credentials::{SecurityKeyView, VaultCredentials};
pub use security_keys::proof::{limit_change_plan, step_up_for_limit_change, step_up_proof};
pub use security_keys::registry::{
    SecurityKeyRemoved, list_security_keys, register_security_key, remove_security_key,
    rename_security_key,
};
pub use security_keys::unlock::{enable_security_key_unlock, unlock_with_security_key};
pub use send::{
    SendOutcome, UnattendedRun, is_held, run_auto_cashouts_and_send, run_auto_cashouts_unattended,
    send_planned, verify_and_send,
};
pub use session::{
    Created, DEFAULT_IDLE_LIMIT, KdfChoice, LockReason, Session, Unlocked, create_vault,
    unlock_vault,
};
pub use settings::{Settings, auto_lock_after, set_auto_lock, settings};
pub use sources::{
    NewSource, PlatformView, add_source, derive_id, list_sources, parse_platform, platforms,
    set_payout_threshold,
};
pub use status::{VaultState, VaultStatus, vault_status};
pub use tipvault_ledger::Zone;
pub use tipvault_ledger::review::Period;
pub use tipvault_preview::Freshness;
/// What may be cashed out now, per currency (the risk engine's; see [`cash_out_headroom`]).
pub use tipvault_risk::Headroom;
pub use tipvault_risk::{LimitKind, Outcome as RiskOutcome, RuleId, Tier};
pub use tipvault_vault::{LegState, ReconciliationOutcome};
pub use tipvault_wire::protocol::DisputeReason;
pub use view::{
    AuditEntryView, AuditVerifyView, BalanceView, EntryView, KdfView, MoneyView, PurgeView,
    RetentionView, SourceView, WHOLE_BP, code_of, share_bp, split_bp,
};

/// The WebAuthn crate, for front ends that hold an authenticator (`auth::Authenticator`).
pub use tipvault_auth as auth;

/// Re-exported so front ends build passphrases without depending on `secrecy` themselves.
pub use secrecy::SecretString;

/// The version of Tipvault, shown by `tipvault --version` and the desktop's about line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
