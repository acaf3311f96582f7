// Turns any failure into a message in the user's language, chosen by the backend's code.
// The record below is exhaustive over the generated ErrorCode type, so a code added in Rust
// without a message here fails the type check.
import { BackendError, type ErrorCode } from '../backend';
import { t, type MessageKey } from '../i18n/index.svelte';

const MESSAGES: Record<ErrorCode | 'unexpected', MessageKey> = {
  vault_location: 'error.vault_location',
  no_vault: 'error.no_vault',
  vault_exists: 'error.vault_exists',
  wrong_passphrase: 'error.wrong_passphrase',
  throttled: 'error.throttled',
  vault_damaged: 'error.vault_damaged',
  vault_too_new: 'error.vault_too_new',
  vault_in_use: 'error.vault_in_use',
  vault_locked: 'error.vault_locked',
  weak_passphrase: 'error.weak_passphrase',
  invalid_input: 'error.invalid_input',
  io: 'error.io',
  cancelled: 'error.cancelled',
  security_key_unavailable: 'error.security_key_unavailable',
  security_key_refused: 'error.security_key_refused',
  plan_changed: 'error.plan_changed',
  step_up_required: 'error.step_up_required',
  paused: 'error.paused',
  risk_refused: 'error.risk_refused',
  provider: 'error.provider',
  not_verified: 'error.not_verified',
  reauth_required: 'error.reauth_required',
  confirm_provider_key: 'error.confirm_provider_key',
  internal: 'error.internal',
  unexpected: 'error.unexpected',
};

export function describe(error: unknown): string {
  if (error instanceof BackendError) {
    return t(MESSAGES[error.code], { message: error.message });
  }
  return t('error.unexpected', { message: String(error) });
}
