// Generated from src-tauri/src/boundary/list.rs by `cargo test` (boundary/typescript.rs).
// Do not edit: change the list, run the tests, and commit what they write.
import { call, subscribe, type UnlistenFn } from '../transport';
import type { AccountView } from './AccountView';
import type { AcrossPreviewView } from './AcrossPreviewView';
import type { AppInfo } from './AppInfo';
import type { AuditEntryView } from './AuditEntryView';
import type { AuditVerifyView } from './AuditVerifyView';
import type { AutoCashOutRan } from './AutoCashOutRan';
import type { AutoCashOutRunView } from './AutoCashOutRunView';
import type { AutoCashOutView } from './AutoCashOutView';
import type { BalancePreviewQuery } from './BalancePreviewQuery';
import type { BundleView } from './BundleView';
import type { CatalogRefreshed } from './CatalogRefreshed';
import type { CatalogView } from './CatalogView';
import type { ChosenFile } from './ChosenFile';
import type { Created } from './Created';
import type { DashboardView } from './DashboardView';
import type { DemoStarted } from './DemoStarted';
import type { DeviceKind } from './DeviceKind';
import type { DisputeReason } from './DisputeReason';
import type { ExportFormat } from './ExportFormat';
import type { HistoryPageView } from './HistoryPageView';
import type { HistoryQuery } from './HistoryQuery';
import type { ImportFile } from './ImportFile';
import type { ImportProgress } from './ImportProgress';
import type { ImportSettings } from './ImportSettings';
import type { ImportSummary } from './ImportSummary';
import type { InflowSeries } from './InflowSeries';
import type { KeyPurpose } from './KeyPurpose';
import type { LegProgress } from './LegProgress';
import type { LimitChangedView } from './LimitChangedView';
import type { LimitDraft } from './LimitDraft';
import type { LimitKind } from './LimitKind';
import type { Locked } from './Locked';
import type { MatchingTotalView } from './MatchingTotalView';
import type { NewAutoCashOut } from './NewAutoCashOut';
import type { NewSource } from './NewSource';
import type { OutboxRun } from './OutboxRun';
import type { PassphraseRating } from './PassphraseRating';
import type { Period } from './Period';
import type { PlatformView } from './PlatformView';
import type { PreviewQuery } from './PreviewQuery';
import type { PreviewView } from './PreviewView';
import type { PrivacyEntryView } from './PrivacyEntryView';
import type { ProviderVerificationView } from './ProviderVerificationView';
import type { ProviderView } from './ProviderView';
import type { PurgeView } from './PurgeView';
import type { ReauthInput } from './ReauthInput';
import type { ReconciliationView } from './ReconciliationView';
import type { RedeemAcrossRequest } from './RedeemAcrossRequest';
import type { RedeemRequest } from './RedeemRequest';
import type { RedemptionDetailView } from './RedemptionDetailView';
import type { RedemptionView } from './RedemptionView';
import type { RetentionChanged } from './RetentionChanged';
import type { RetentionView } from './RetentionView';
import type { RiskStatusView } from './RiskStatusView';
import type { SavedExport } from './SavedExport';
import type { SecurityKeyRemoved } from './SecurityKeyRemoved';
import type { SecurityKeyView } from './SecurityKeyView';
import type { Settings } from './Settings';
import type { SourceView } from './SourceView';
import type { StepUpPlanView } from './StepUpPlanView';
import type { Unlocked } from './Unlocked';
import type { VaultStatus } from './VaultStatus';

/** Every command the window may call, typed as the desktop declares it. */
export const commands = {
  /** The app's name and version. */
  appInfo: (): Promise<AppInfo> =>
    call<AppInfo>('app_info'),
  /** Whether a vault exists here and is unlocked, and how it is protected. */
  vaultStatus: (): Promise<VaultStatus> =>
    call<VaultStatus>('vault_status'),
  /** Rates a new passphrase against the rule a vault's passphrase must meet. */
  ratePassphrase: (passphrase: string): Promise<PassphraseRating> =>
    call<PassphraseRating>('rate_passphrase', { passphrase }),
  createVault: (passphrase: string): Promise<Created> =>
    call<Created>('create_vault', { passphrase }),
  unlockVault: (passphrase: string): Promise<Unlocked> =>
    call<Unlocked>('unlock_vault', { passphrase }),
  lockVault: (): Promise<boolean> =>
    call<boolean>('lock_vault'),
  /** The user is active in the window: postpones the auto-lock. */
  noteActivity: (): Promise<null> =>
    call<null>('note_activity'),
  retentionClasses: (): Promise<Array<RetentionView>> =>
    call<Array<RetentionView>>('retention_classes'),
  /** Shortening asks for a proof (`reauth`; see vault/reauth.svelte.ts). */
  setRetention: (className: string, seconds: number, reauth: ReauthInput | null = null): Promise<RetentionChanged> =>
    call<RetentionChanged>('set_retention', { className, seconds, reauth }),
  purgeExpired: (dryRun: boolean): Promise<PurgeView> =>
    call<PurgeView>('purge_expired', { dryRun }),
  auditEntries: (after: number, limit: number): Promise<Array<AuditEntryView>> =>
    call<Array<AuditEntryView>>('audit_entries', { after, limit }),
  verifyAuditLog: (): Promise<AuditVerifyView> =>
    call<AuditVerifyView>('verify_audit_log'),
  settings: (): Promise<Settings> =>
    call<Settings>('settings'),
  /** Longer than the default asks for a proof (`reauth`). */
  setAutoLock: (seconds: number, reauth: ReauthInput | null = null): Promise<Settings> =>
    call<Settings>('set_auto_lock', { seconds, reauth }),
  previewBalance: (query: PreviewQuery): Promise<PreviewView> =>
    call<PreviewView>('preview_balance', { query }),
  previewMyBalances: (query: BalancePreviewQuery): Promise<PreviewView> =>
    call<PreviewView>('preview_my_balances', { query }),
  /** Every paired provider's balance in one plan, each account through its own catalog. */
  previewAcrossProviders: (query: BalancePreviewQuery): Promise<AcrossPreviewView> =>
    call<AcrossPreviewView>('preview_across_providers', { query }),
  catalogs: (): Promise<Array<CatalogView>> =>
    call<Array<CatalogView>>('catalogs'),
  dashboard: (): Promise<DashboardView> =>
    call<DashboardView>('dashboard'),
  platforms: (): Promise<Array<PlatformView>> =>
    call<Array<PlatformView>>('platforms'),
  sources: (): Promise<Array<SourceView>> =>
    call<Array<SourceView>>('sources'),
  addSource: (source: NewSource): Promise<SourceView> =>
    call<SourceView>('add_source', { source }),
  setPayoutThreshold: (source: string, threshold: string): Promise<SourceView> =>
    call<SourceView>('set_payout_threshold', { source, threshold }),
  /** Opens the native file dialog; null when the user closed it. The path stays in Rust. */
  chooseImportFile: (what: ImportFile): Promise<ChosenFile | null> =>
    call<ChosenFile | null>('choose_import_file', { what }),
  clearImportProfile: (): Promise<null> =>
    call<null>('clear_import_profile'),
  /** Imports (or, with `dry_run`, checks) the chosen file; progress arrives as events. */
  importChosen: (settings: ImportSettings): Promise<ImportSummary> =>
    call<ImportSummary>('import_chosen', { settings }),
  cancelImport: (): Promise<null> =>
    call<null>('cancel_import'),
  /** `tz`: the user's time zone (IANA name), for dates and days. */
  history: (query: HistoryQuery, tz: string): Promise<HistoryPageView> =>
    call<HistoryPageView>('history', { query, tz }),
  /** What the rows `query` selects add up to, per currency. */
  matchingTotals: (query: HistoryQuery, tz: string): Promise<Array<MatchingTotalView>> =>
    call<Array<MatchingTotalView>>('matching_totals', { query, tz }),
  /** `period`: `day`, `iso_week` or `month`. */
  inflow: (query: HistoryQuery, period: Period, tz: string): Promise<Array<InflowSeries>> =>
    call<Array<InflowSeries>>('inflow', { query, period, tz }),
  /** Opens the native save dialog and writes the export; null when the user closed it. */
  exportLedger: (format: ExportFormat, tz: string): Promise<SavedExport | null> =>
    call<SavedExport | null>('export_ledger', { format, tz }),
  providers: (): Promise<Array<ProviderView>> =>
    call<Array<ProviderView>>('providers'),
  /**
   * Adds a provider by address: without `fingerprint`, answers `confirm_provider_key`
   * with the key's fingerprint to compare; with it, and `reauth`, stores it.
   */
  addProvider: (url: string, fingerprint: string | null = null, reauth: ReauthInput | null = null): Promise<ProviderView> =>
    call<ProviderView>('add_provider', { url, fingerprint, reauth }),
  /** Pairs this device with a provider, with the code the provider gave. */
  pairProvider: (provider: string, code: string): Promise<ProviderView> =>
    call<ProviderView>('pair_provider', { provider, code }),
  /** Starts the sandbox provider on loopback (demo money), adds and pairs it. */
  startDemo: (): Promise<DemoStarted> =>
    call<DemoStarted>('start_demo'),
  /** Locks the demo vault; the real vault's unlock screen follows. */
  leaveDemo: (): Promise<boolean> =>
    call<boolean>('leave_demo'),
  /** Fetches a provider's catalog (or every provider's) and renews or replaces the cached copy. */
  refreshCatalogs: (provider: string | null = null): Promise<Array<CatalogRefreshed>> =>
    call<Array<CatalogRefreshed>>('refresh_catalogs', { provider }),
  /** Reads the provider's signed balance and compares it with the books. */
  reconcileAccount: (account: string): Promise<Array<ReconciliationView>> =>
    call<Array<ReconciliationView>>('reconcile_account', { account }),
  linkAccount: (source: string, provider: string | null = null): Promise<AccountView> =>
    call<AccountView>('link_account', { source, provider }),
  planRedemption: (request: RedeemRequest): Promise<RedemptionView> =>
    call<RedemptionView>('plan_redemption', { request }),
  /** One redemption across every paired provider: each leg names the provider it goes to. */
  planRedemptionAcross: (request: RedeemAcrossRequest): Promise<RedemptionView> =>
    call<RedemptionView>('plan_redemption_across', { request }),
  /** Stops waiting for a provider that cannot be reached: its queued legs are cancelled. */
  cancelProviderLegs: (id: string, provider: string): Promise<RedemptionView> =>
    call<RedemptionView>('cancel_provider_legs', { id, provider }),
  sendRedemption: (id: string): Promise<RedemptionView> =>
    call<RedemptionView>('send_redemption', { id }),
  redemptions: (): Promise<Array<RedemptionView>> =>
    call<Array<RedemptionView>>('redemptions'),
  /** One redemption's page: its timeline, receipts verified now, disputes, what was sent. */
  redemptionDetail: (id: string): Promise<RedemptionDetailView> =>
    call<RedemptionDetailView>('redemption_detail', { id }),
  reconcile: (): Promise<OutboxRun> =>
    call<OutboxRun>('reconcile'),
  /** Sends a signed dispute and saves the evidence bundle (native save dialog); null if closed. */
  disputeRedemption: (id: string, reason: DisputeReason): Promise<BundleView | null> =>
    call<BundleView | null>('dispute_redemption', { id, reason }),
  privacyLedger: (): Promise<Array<PrivacyEntryView>> =>
    call<Array<PrivacyEntryView>>('privacy_ledger'),
  /** The kinds of key offered to register a new one, or to unlock and approve with. */
  securityKeyDevices: (purpose: KeyPurpose): Promise<Array<DeviceKind>> =>
    call<Array<DeviceKind>>('security_key_devices', { purpose }),
  securityKeys: (): Promise<Array<SecurityKeyView>> =>
    call<Array<SecurityKeyView>>('security_keys'),
  /** Ends the wait for a USB key's touch now in progress; that command answers `cancelled`. */
  cancelKeyWait: (): Promise<null> =>
    call<null>('cancel_key_wait'),
  /** Registers a key (two touches). A PIN, if typed, travels to Rust only, never back. */
  registerSecurityKey: (label: string, device: DeviceKind, pin: string | null = null, reauth: ReauthInput | null = null): Promise<SecurityKeyView> =>
    call<SecurityKeyView>('register_security_key', { label, device, pin, reauth }),
  renameSecurityKey: (id: string, label: string): Promise<SecurityKeyView> =>
    call<SecurityKeyView>('rename_security_key', { id, label }),
  /** Replaces the vault key too: needs the passphrase (`reauth`). */
  removeSecurityKey: (id: string, reauth: ReauthInput | null = null): Promise<SecurityKeyRemoved> =>
    call<SecurityKeyRemoved>('remove_security_key', { id, reauth }),
  /** The key at hand unlocks again (after another key's removal replaced the vault key). */
  enableSecurityKeyUnlock: (device: DeviceKind, pin: string | null = null, reauth: ReauthInput | null = null): Promise<SecurityKeyView> =>
    call<SecurityKeyView>('enable_security_key_unlock', { device, pin, reauth }),
  unlockWithSecurityKey: (device: DeviceKind, pin: string | null = null): Promise<Unlocked> =>
    call<Unlocked>('unlock_with_security_key', { device, pin }),
  /** Exactly what a step-up for a redemption approves, with the digest to approve it by. */
  stepUpPlan: (id: string): Promise<StepUpPlanView> =>
    call<StepUpPlanView>('step_up_plan', { id }),
  /** Tier, progress to the next, limits and every rule with its threshold. */
  riskStatus: (): Promise<RiskStatusView> =>
    call<RiskStatusView>('risk_status'),
  /** Sets a limit (`amount` null: back to the tier's); a raise asks for a proof (`reauth`). */
  setLimit: (currency: string, kind: LimitKind, amount: string | null = null, reauth: ReauthInput | null = null): Promise<LimitChangedView> =>
    call<LimitChangedView>('set_limit', { currency, kind, amount, reauth }),
  /** Reads a typed limit and says whether it lowers, keeps or raises the one in force. */
  draftLimit: (currency: string, kind: LimitKind, typed: string): Promise<LimitDraft> =>
    call<LimitDraft>('draft_limit', { currency, kind, typed }),
  /**
   * Confirms a held redemption with a security key if its plan is still the one shown
   * (`planDigest`); the legs are then sent, with progress as events.
   */
  verifyRedemption: (id: string, planDigest: string, device: DeviceKind, pin: string | null = null): Promise<RedemptionView> =>
    call<RedemptionView>('verify_redemption', { id, planDigest, device, pin }),
  /** Ends a redemption that was never approved (paused or refused): nothing is ever sent. */
  cancelRedemption: (id: string): Promise<RedemptionView> =>
    call<RedemptionView>('cancel_redemption', { id }),
  /**
   * Demo mode: whether step-ups at sandbox providers (demo money) are let through;
   * turning it on asks for a proof (`reauth`).
   */
  setSandboxStepUpWaiver: (waived: boolean, reauth: ReauthInput | null = null): Promise<boolean> =>
    call<boolean>('set_sandbox_step_up_waiver', { waived, reauth }),
  /** Asks a paired provider for a tier verification; only its signed, expiring token is kept. */
  verifyTier: (provider: string): Promise<ProviderVerificationView> =>
    call<ProviderVerificationView>('verify_tier', { provider }),
  autoCashouts: (): Promise<Array<AutoCashOutView>> =>
    call<Array<AutoCashOutView>>('auto_cashouts'),
  addAutoCashout: (rule: NewAutoCashOut): Promise<AutoCashOutView> =>
    call<AutoCashOutView>('add_auto_cashout', { rule }),
  removeAutoCashout: (id: string): Promise<null> =>
    call<null>('remove_auto_cashout', { id }),
  /** Runs the rules that fire now (each judged by the risk check, unattended) and sends. */
  runAutoCashouts: (): Promise<AutoCashOutRunView> =>
    call<AutoCashOutRunView>('run_auto_cashouts'),
};

/** Every event's name on the wire. */
export const EVENTS = {
  VAULT_LOCKED: 'vault-locked',
  IMPORT_PROGRESS: 'import-progress',
  REDEMPTION_PROGRESS: 'redemption-progress',
  AUTO_CASH_OUT: 'auto-cash-out',
} as const;

/** A subscriber per event: each returns the function that stops listening. */
export const events = {
  /** The backend locked the vault by itself (the idle limit was reached). */
  onVaultLocked: (handler: (payload: Locked) => void): Promise<UnlistenFn> =>
    subscribe<Locked>('vault-locked', handler),
  /** An import's progress. */
  onImportProgress: (handler: (payload: ImportProgress) => void): Promise<UnlistenFn> =>
    subscribe<ImportProgress>('import-progress', handler),
  /** Each leg's progress while a redemption is sent or reconciled. */
  onRedemptionProgress: (handler: (payload: LegProgress) => void): Promise<UnlistenFn> =>
    subscribe<LegProgress>('redemption-progress', handler),
  /**
   * The automatic cash-out rules ran by themselves (after an unlock or an import) and a
   * rule fired, or the run failed.
   */
  onAutoCashOut: (handler: (payload: AutoCashOutRan) => void): Promise<UnlistenFn> =>
    subscribe<AutoCashOutRan>('auto-cash-out', handler),
};
