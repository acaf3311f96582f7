// Turns any failure into a message in the user's language, chosen by the backend's code.
// The record below is exhaustive over the generated ErrorCode type, so a code added in Rust
// without a message here fails the type check.
import { BackendError, type ErrorCode, type Hint } from '../backend';
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

/** What to do next, in the user's language (the command line says the same as a command). */
export function nextStep(hint: Hint): string {
  switch (hint.kind) {
    case 'name_vault':
      return t('hint.name_vault');
    case 'add_provider':
      return t('hint.add_provider');
    case 'choose_provider':
      return t('hint.choose_provider');
    case 'pair_provider':
      return t('hint.pair_provider', { provider: hint.provider });
    case 'import_catalog':
      return t('hint.import_catalog');
    case 'list_products':
      return t('hint.list_products');
    case 'list_sources':
      return t('hint.list_sources');
    case 'give_destination':
      return t('hint.give_destination', { product: hint.product, field: hint.field });
    case 'verify_or_cancel':
      return t('hint.verify_or_cancel');
    case 'cancel_and_replan':
      return t('hint.cancel_and_replan');
    case 'send_first':
      return t('hint.send_first');
    case 'remove_security_key':
      return t('hint.remove_security_key');
    case 'confirm_provider_key':
      return t('hint.confirm_provider_key', { fingerprint: hint.fingerprint, provider: hint.provider });
  }
}

export function describe(error: unknown): string {
  if (error instanceof BackendError) {
    const text = t(MESSAGES[error.code], { message: error.message });
    return error.hint ? `${text} ${nextStep(error.hint)}` : text;
  }
  return t('error.unexpected', { message: String(error) });
}
