// The one module that talks to the Rust side. Components call these typed functions and never
// `invoke` directly, so every command name, argument and result shape lives in one place.
// Errors arrive as `{code, message}` from tipvault-app; the UI switches on `code` only.
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo, ErrorCode, VaultStatus } from './types';

export type * from './types';

/** An error from the backend, with the stable code the UI translates. */
export class BackendError extends Error {
  readonly code: ErrorCode | 'unexpected';

  constructor(code: ErrorCode | 'unexpected', message: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
  }
}

function isAppError(value: unknown): value is { code: ErrorCode; message: string } {
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
    if (isAppError(raw)) throw new BackendError(raw.code, raw.message);
    // Tauri itself (a denied or unknown command) rejects with a plain string.
    throw new BackendError('unexpected', String(raw));
  }
}

export const backend = {
  appInfo: () => call<AppInfo>('app_info'),
  vaultStatus: () => call<VaultStatus>('vault_status'),
};
