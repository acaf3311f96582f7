// The one module that talks to the Rust side. Components call these typed functions and never
// `invoke` directly, so every command name, argument and result shape lives in one place.
// Errors arrive as `{code, message}` from tipvault-app; the UI switches on `code` only.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  AppInfo,
  BundleView,
  CatalogRefreshed,
  DemoStarted,
  OutboxRun,
  PrivacyEntryView,
  ProviderView,
  RedeemRequest,
  RedemptionView,
  BalancePreviewQuery,
  CatalogView,
  ChosenFile,
  ExportFormat,
  HistoryPageView,
  HistoryQuery,
  ImportProgress,
  LegProgress,
  ImportSettings,
  ImportSummary,
  InflowSeries,
  NewSource,
  PlatformView,
  SavedExport,
  SourceView,
  AuditEntryView,
  AuditVerifyView,
  Created,
  AccountView,
  DashboardView,
  ReconciliationView,
  ErrorCode,
  LockReason,
  PreviewQuery,
  PreviewView,
  PurgeView,
  RetentionChanged,
  RetentionView,
  SecurityKeyRemoved,
  SecurityKeyView,
  Settings,
  StepUpPlanView,
  Unlocked,
  AutoCashOutRunView,
  AutoCashOutView,
  LimitChangedView,
  NewAutoCashOut,
  ProviderVerificationView,
  RiskStatusView,
  VaultStatus,
} from './types';

export type * from './types';
import type { ReauthInput } from '../vault/reauth.svelte';

/** A kind of security key the user can pick; the test device's file is chosen in Rust. */
export type DeviceKind = 'usb' | 'test_device';

/** An error from the backend, with the stable code the UI translates. */
export class BackendError extends Error {
  readonly code: ErrorCode | 'unexpected';
  readonly retryAfter: Date | null;

  constructor(code: ErrorCode | 'unexpected', message: string, retryAfter: string | null = null) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    this.retryAfter = retryAfter ? new Date(retryAfter) : null;
  }
}

function isAppError(
  value: unknown,
): value is { code: ErrorCode; message: string; retry_after?: string | null } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    if (isAppError(raw)) throw new BackendError(raw.code, raw.message, raw.retry_after ?? null);
    // Tauri itself (a denied or unknown command) rejects with a plain string.
    throw new BackendError('unexpected', String(raw));
  }
}

/** The event the backend emits when it locks the vault on its own (idle). */
export const LOCKED_EVENT = 'vault-locked';
/** The event carrying an import's progress. */
export const IMPORT_PROGRESS_EVENT = 'import-progress';

/** The event carrying each leg's progress while a redemption is sent or reconciled. */
export const REDEMPTION_PROGRESS_EVENT = 'redemption-progress';

/**
 * The event the backend emits when the automatic cash-out rules ran by themselves (after an
 * unlock or an import) and a rule fired, or the run failed.
 */
export const AUTO_CASH_OUT_EVENT = 'auto-cash-out';

/**
 * What a background run of the automatic cash-out rules did: the run, if it got that far, and
 * why it (or the sending after it) failed; at least one of the two is there.
 */
export type AutoCashOutRan = { run: AutoCashOutRunView | null; error: BackendError | null };

function autoCashOutRan(payload: { run: AutoCashOutRunView | null; error: unknown }): AutoCashOutRan {
  const error =
    payload.error == null
      ? null
      : isAppError(payload.error)
        ? new BackendError(payload.error.code, payload.error.message)
        : new BackendError('unexpected', String(payload.error));
  return { run: payload.run ?? null, error };
}

/** The user's time zone (IANA name), for dates in history, charts and journal exports. */
export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Listens to a backend event. In a test build run for the secret-leak scan, every payload that
 * reaches the page is also added to the scan's record (`src-tauri/src/ipc_record.rs`, which
 * records command answers itself); other builds have no record and keep nothing.
 */
function subscribe<T>(name: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(name, (event) => {
    const record = (globalThis as { __TIPVAULT_IPC_RECORD__?: unknown[] }).__TIPVAULT_IPC_RECORD__;
    record?.push({ kind: 'event', name, body: JSON.stringify(event.payload) });
    handler(event.payload);
  });
}

export const backend = {
  appInfo: () => call<AppInfo>('app_info'),
  vaultStatus: () => call<VaultStatus>('vault_status'),
  createVault: (passphrase: string) => call<Created>('create_vault', { passphrase }),
  unlockVault: (passphrase: string) => call<Unlocked>('unlock_vault', { passphrase }),
  lockVault: () => call<boolean>('lock_vault'),
  noteActivity: () => call<void>('note_activity'),
  retentionClasses: () => call<RetentionView[]>('retention_classes'),
  /** Shortening asks for a proof (`reauth`; see vault/reauth.svelte.ts). */
  setRetention: (className: string, seconds: number, reauth: ReauthInput | null = null) =>
    call<RetentionChanged>('set_retention', { class: className, seconds, reauth }),
  purgeExpired: (dryRun: boolean) => call<PurgeView>('purge_expired', { dryRun }),
  auditEntries: (after: number, limit: number) =>
    call<AuditEntryView[]>('audit_entries', { after, limit }),
  verifyAuditLog: () => call<AuditVerifyView>('verify_audit_log'),
  settings: () => call<Settings>('settings'),
  dashboard: () => call<DashboardView>('dashboard'),
  previewBalance: (query: PreviewQuery) => call<PreviewView>('preview_balance', { query }),
  previewMyBalances: (query: BalancePreviewQuery) => call<PreviewView>('preview_my_balances', { query }),
  catalogs: () => call<CatalogView[]>('catalogs'),
  /** Longer than the default asks for a proof (`reauth`). */
  setAutoLock: (seconds: number, reauth: ReauthInput | null = null) =>
    call<Settings>('set_auto_lock', { seconds, reauth }),
  platforms: () => call<PlatformView[]>('platforms'),
  sources: () => call<SourceView[]>('sources'),
  addSource: (source: NewSource) => call<SourceView>('add_source', { source }),
  setPayoutThreshold: (source: string, threshold: string) =>
    call<SourceView>('set_payout_threshold', { source, threshold }),
  /** Opens the native file dialog; null when the user closed it. The path stays in Rust. */
  chooseImportFile: (what: 'data' | 'profile') => call<ChosenFile | null>('choose_import_file', { what }),
  clearImportProfile: () => call<void>('clear_import_profile'),
  importChosen: (settings: ImportSettings) => call<ImportSummary>('import_chosen', { settings }),
  cancelImport: () => call<void>('cancel_import'),
  history: (query: Partial<HistoryQuery>) => call<HistoryPageView>('history', { query, tz: timeZone() }),
  inflow: (query: Partial<HistoryQuery>, period: 'day' | 'week' | 'month') =>
    call<InflowSeries[]>('inflow', { query, period, tz: timeZone() }),
  /** Opens the native save dialog and writes the export; null when the user closed it. */
  exportLedger: (format: ExportFormat) => call<SavedExport | null>('export_ledger', { format, tz: timeZone() }),
  providers: () => call<ProviderView[]>('providers'),
  /** Starts the sandbox provider on loopback (demo money), adds and pairs it. */
  startDemo: () => call<DemoStarted>('start_demo'),
  /** Locks the demo vault; the real vault's unlock screen follows. */
  leaveDemo: () => call<boolean>('leave_demo'),
  /** Fetches a provider's catalog (or every provider's) and renews or replaces the cached copy. */
  refreshCatalogs: (provider: string | null) => call<CatalogRefreshed[]>('refresh_catalogs', { provider }),
  /** Reads the provider's signed balance and compares it with the books. */
  reconcileAccount: (account: string) => call<ReconciliationView[]>('reconcile_account', { account }),
  linkAccount: (source: string, provider: string | null) => call<AccountView>('link_account', { source, provider }),
  planRedemption: (request: RedeemRequest) => call<RedemptionView>('plan_redemption', { request }),
  sendRedemption: (id: string) => call<RedemptionView>('send_redemption', { id }),
  redemptions: () => call<RedemptionView[]>('redemptions'),
  reconcile: () => call<OutboxRun>('reconcile'),
  /** Sends a signed dispute and saves the evidence bundle (native save dialog); null if closed. */
  disputeRedemption: (id: string, reason: string) =>
    call<BundleView | null>('dispute_redemption', { id, reason }),
  privacyLedger: () => call<PrivacyEntryView[]>('privacy_ledger'),
  /** The kinds of key offered to register a new one, or to unlock and approve with. */
  securityKeyDevices: (purpose: 'register' | 'use') =>
    call<DeviceKind[]>('security_key_devices', { purpose }),
  securityKeys: () => call<SecurityKeyView[]>('security_keys'),
  /** Registers a key (two touches). A PIN, if typed, travels to Rust only, never back. */
  registerSecurityKey: (label: string, device: DeviceKind, pin: string | null, reauth: ReauthInput | null = null) =>
    call<SecurityKeyView>('register_security_key', { label, device, pin, reauth }),
  renameSecurityKey: (id: string, label: string) =>
    call<SecurityKeyView>('rename_security_key', { id, label }),
  /** Replaces the vault key too: needs the passphrase (`reauth`). */
  removeSecurityKey: (id: string, reauth: ReauthInput | null = null) =>
    call<SecurityKeyRemoved>('remove_security_key', { id, reauth }),
  /** The key at hand unlocks again (after another key's removal replaced the vault key). */
  enableSecurityKeyUnlock: (device: DeviceKind, pin: string | null, reauth: ReauthInput | null = null) =>
    call<SecurityKeyView>('enable_security_key_unlock', { device, pin, reauth }),
  unlockWithSecurityKey: (device: DeviceKind, pin: string | null) =>
    call<Unlocked>('unlock_with_security_key', { device, pin }),
  /** Exactly what a step-up for a redemption approves, with the digest to approve it by. */
  stepUpPlan: (id: string) => call<StepUpPlanView>('step_up_plan', { id }),
  /**
   * Confirms a redemption the risk check holds with a security key, if its plan is still the one
   * shown (`planDigest`); the app records the approval, queues the legs, and they are sent
   * (live progress as `redemption-progress` events).
   */
  verifyRedemption: (id: string, planDigest: string, device: DeviceKind, pin: string | null) =>
    call<RedemptionView>('verify_redemption', { id, planDigest, device, pin }),
  /** Ends a redemption that was never approved (paused or refused): nothing is ever sent. */
  cancelRedemption: (id: string) => call<RedemptionView>('cancel_redemption', { id }),
  /** Tier, progress to the next, limits and every rule with its threshold (en/ko). */
  riskStatus: () => call<RiskStatusView>('risk_status'),
  /**
   * Sets a limit (`amount` null: back to the tier's). Lowering needs no key; raising is refused
   * with `step_up_required` unless a device is named, which then approves exactly this change.
   */
  /** A raise asks for a proof (`reauth`: the passphrase, or a key approving exactly it). */
  setLimit: (currency: string, kind: 'per_claim' | 'per_day', amount: string | null, reauth: ReauthInput | null = null) =>
    call<LimitChangedView>('set_limit', { currency, kind, amount, reauth }),
  /** Demo mode: whether step-ups at sandbox providers (demo money) are let through; turning it
   * on asks for a proof (`reauth`). */
  setSandboxStepUpWaiver: (waived: boolean, reauth: ReauthInput | null = null) =>
    call<boolean>('set_sandbox_step_up_waiver', { waived, reauth }),
  /** Asks a paired provider for a tier verification; only its signed, expiring token is kept. */
  verifyTier: (provider: string) => call<ProviderVerificationView>('verify_tier', { provider }),
  autoCashouts: () => call<AutoCashOutView[]>('auto_cashouts'),
  addAutoCashout: (rule: NewAutoCashOut) => call<AutoCashOutView>('add_auto_cashout', { rule }),
  removeAutoCashout: (id: string) => call<void>('remove_auto_cashout', { id }),
  /** Runs the rules that fire now (each judged by the risk check, unattended) and sends. */
  runAutoCashouts: () => call<AutoCashOutRunView>('run_auto_cashouts'),
  onImportProgress: (handler: (progress: ImportProgress) => void): Promise<UnlistenFn> =>
    subscribe<ImportProgress>(IMPORT_PROGRESS_EVENT, handler),
  /** Calls `handler` as each leg is committed as leaving, then confirmed, failed or queued. */
  onRedemptionProgress: (handler: (progress: LegProgress) => void): Promise<UnlistenFn> =>
    subscribe<LegProgress>(REDEMPTION_PROGRESS_EVENT, handler),
  /** Calls `handler` when the backend locks the vault by itself. */
  onLocked: (handler: (reason: LockReason) => void): Promise<UnlistenFn> =>
    subscribe<{ reason: LockReason }>(LOCKED_EVENT, (payload) => handler(payload.reason)),

  onAutoCashOut: (handler: (ran: AutoCashOutRan) => void): Promise<UnlistenFn> =>
    subscribe<{ run: AutoCashOutRunView | null; error: unknown }>(AUTO_CASH_OUT_EVENT, (payload) =>
      handler(autoCashOutRan(payload)),
    ),
};
