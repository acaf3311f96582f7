// How the typed backend (generated/boundary.ts, written from the desktop's one list of
// commands) reaches Rust: `call` invokes a command and turns a rejection into a BackendError;
// `subscribe` listens to an event.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AppError } from './generated/AppError';
import type { ErrorCode } from './generated/ErrorCode';
import type { Hint } from './generated/Hint';

export type { UnlistenFn };

/** An error from the backend, with the stable code the UI translates. */
export class BackendError extends Error {
  readonly code: ErrorCode | 'unexpected';
  readonly retryAfter: Date | null;
  /** What the user can do next, when the app knows (shown by shell/errors.ts). */
  readonly hint: Hint | null;
  /** For refused input: the input field at fault, so a form shows the error beside it. */
  readonly field: string | null;

  constructor(
    code: ErrorCode | 'unexpected',
    message: string,
    retryAfter: string | null = null,
    hint: Hint | null = null,
    field: string | null = null,
  ) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    this.retryAfter = retryAfter ? new Date(retryAfter) : null;
    this.hint = hint;
    this.field = field;
  }
}

/** Whether `value` is the app's `{code, message}` error (tipvault-app's `AppError`). */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** The app's error as a BackendError; anything else (Tauri's own refusal) as `unexpected`. */
export function backendError(raw: unknown): BackendError {
  if (isAppError(raw)) {
    return new BackendError(raw.code, raw.message, raw.retry_after ?? null, raw.hint ?? null, raw.field ?? null);
  }
  // Tauri itself (a denied or unknown command, arguments it cannot read) rejects with a string.
  return new BackendError('unexpected', String(raw));
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw backendError(raw);
  }
}

/**
 * Listens to a backend event. In a test build run for the secret-leak scan, every payload that
 * reaches the page is also added to the scan's record (`src-tauri/src/ipc_record.rs`, which
 * records command answers itself); other builds have no record and keep nothing.
 */
export function subscribe<T>(name: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(name, (event) => {
    const record = (globalThis as { __TIPVAULT_IPC_RECORD__?: unknown[] }).__TIPVAULT_IPC_RECORD__;
    record?.push({ kind: 'event', name, body: JSON.stringify(event.payload) });
    handler(event.payload);
  });
}
