import { describe as suite, expect, it } from 'vitest';
import { BackendError, type ErrorCode, type Hint } from '../backend';
import { i18n } from '../i18n/index.svelte';
import { describe, nextStep } from './errors';

suite('errors', () => {
  it('adds what to do next, in the chosen language, never as a command line', () => {
    i18n.locale = 'en';
    const error = new BackendError('invalid_input', 'krw-mobile-top-up needs a destination "phone_number".', null, {
      kind: 'give_destination',
      product: 'krw-mobile-top-up',
      field: 'phone_number',
    });
    const text = describe(error);
    expect(text).toContain('needs a destination');
    expect(text).toContain('Fill in phone_number for krw-mobile-top-up.');
    expect(text).not.toContain('--dest');
    i18n.locale = 'ko';
    expect(describe(error)).toContain('krw-mobile-top-up의 phone_number');
    i18n.locale = 'en';
  });

  it('says every kind of hint in both languages', () => {
    const hints: Hint[] = [
      { kind: 'name_vault' },
      { kind: 'add_provider' },
      { kind: 'choose_provider' },
      { kind: 'pair_provider', provider: 'demo' },
      { kind: 'import_catalog' },
      { kind: 'list_products' },
      { kind: 'list_sources' },
      { kind: 'give_destination', product: 'p', field: 'f' },
      { kind: 'verify_or_cancel', redemption: 'rx_1' },
      { kind: 'cancel_and_replan', redemption: 'rx_1' },
      { kind: 'send_first', redemption: 'rx_1' },
      { kind: 'remove_security_key', id: 'k' },
      { kind: 'confirm_provider_key', provider: 'pay', url: 'https://pay.example', fingerprint: 'SHA256:ab', changed: false },
    ];
    for (const locale of ['en', 'ko'] as const) {
      i18n.locale = locale;
      for (const hint of hints) {
        const text = nextStep(hint);
        expect(text.startsWith('hint.'), `${locale} ${hint.kind}`).toBe(false);
        expect(text).not.toMatch(/tipvault |--[a-z]/);
      }
    }
    i18n.locale = 'en';
  });

  it('shows an error without a hint as before', () => {
    i18n.locale = 'en';
    expect(describe(new BackendError('vault_locked', 'x'))).toBe('The vault is locked. Unlock it to continue.');
  });

  it('renders every error code in both languages, without a flag, a format string or a type', () => {
    // A Record over the generated union: a code added in Rust must be added here too.
    const CODES: Record<ErrorCode, true> = {
      vault_location: true, no_vault: true, vault_exists: true, wrong_passphrase: true, throttled: true,
      vault_damaged: true, vault_too_new: true, vault_in_use: true, vault_locked: true, weak_passphrase: true,
      invalid_input: true, io: true, cancelled: true, security_key_unavailable: true, security_key_refused: true,
      plan_changed: true, step_up_required: true, paused: true, risk_refused: true, provider: true,
      not_verified: true, reauth_required: true, confirm_provider_key: true, internal: true,
    };
    const message = 'The app says why.';
    for (const locale of ['en', 'ko'] as const) {
      i18n.locale = locale;
      for (const code of Object.keys(CODES) as ErrorCode[]) {
        const text = describe(new BackendError(code, message));
        expect(text.trim().length, `${locale} ${code}`).toBeGreaterThan(0);
        expect(text, `${locale} ${code}`).not.toMatch(/^error\.|\{\w+\}|tipvault [a-z]|--[a-z]|%[YmdHMS]|RoundingMode|::|Option</);
      }
    }
    i18n.locale = 'en';
  });
});
