// The one module components use to talk to the Rust side. The commands and events are
// generated from the desktop's one list (src-tauri/src/boundary/list.rs) into
// generated/boundary.ts; this module adds only what the page itself knows (its time zone) and
// turns the automatic cash-out event's error into a BackendError. Components never `invoke`.
import { commands, events, EVENTS } from './generated/boundary';
import { backendError, BackendError, type UnlistenFn } from './transport';
import type { AutoCashOutRunView, HistoryQuery, LockReason, Period } from './types';

export type * from './types';
export { BackendError, EVENTS };

/** The user's time zone (IANA name), for dates in history, charts and journal exports. */
export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * What a background run of the automatic cash-out rules did: the run, if it got that far, and
 * why it (or the sending after it) failed; at least one of the two is there.
 */
export type AutoCashOutRan = { run: AutoCashOutRunView | null; error: BackendError | null };

// A query names only what it filters by: the app reads every missing field as "any".
type PartialQuery = Partial<HistoryQuery>;

export const backend = {
  ...commands,
  history: (query: PartialQuery) => commands.history(query as HistoryQuery, timeZone()),
  matchingTotals: (query: PartialQuery) => commands.matchingTotals(query as HistoryQuery, timeZone()),
  inflow: (query: PartialQuery, period: Period) =>
    commands.inflow(query as HistoryQuery, period, timeZone()),
  exportLedger: (format: Parameters<typeof commands.exportLedger>[0]) =>
    commands.exportLedger(format, timeZone()),
  onImportProgress: events.onImportProgress,
  onRedemptionProgress: events.onRedemptionProgress,
  /** Calls `handler` when the backend locks the vault by itself. */
  onLocked: (handler: (reason: LockReason) => void): Promise<UnlistenFn> =>
    events.onVaultLocked((payload) => handler(payload.reason)),
  onAutoCashOut: (handler: (ran: AutoCashOutRan) => void): Promise<UnlistenFn> =>
    events.onAutoCashOut((payload) =>
      handler({ run: payload.run ?? null, error: payload.error == null ? null : backendError(payload.error) }),
    ),
};
