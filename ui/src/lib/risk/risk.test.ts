import { describe, expect, it } from 'vitest';
import { decision, redemption, status } from './fixtures';
import {
  autoCashOutAllowed,
  isRefused,
  isWaiting,
  needsAttention,
  parseDestinations,
  parseProducts,
  say,
} from './risk';

describe('tier', () => {
  it('allows automatic cash-outs in the trusted tier only', () => {
    expect(autoCashOutAllowed(status())).toBe(false);
    // The window follows the app's answer, whatever the tier's name.
    expect(autoCashOutAllowed(status({ tier: 'established' }))).toBe(false);
    expect(autoCashOutAllowed(status({ tier: 'trusted', auto_cash_outs_allowed: true }))).toBe(true);
    expect(autoCashOutAllowed(status({ tier: 'trusted', auto_cash_outs_allowed: false }))).toBe(false);
    expect(autoCashOutAllowed(null)).toBe(false);
  });

  it("says the app's text in the UI's language", () => {
    expect(say({ en: 'new', ko: '신규' }, 'en')).toBe('new');
    expect(say({ en: 'new', ko: '신규' }, 'ko')).toBe('신규');
  });
});

describe('a held redemption', () => {
  // Whether it waits or was refused is the app's answer (`attention`); the window only reads it.
  it('waits for the key when the app says so', () => {
    expect(isWaiting(redemption())).toBe(true);
    expect(isRefused(redemption())).toBe(false);
    expect(needsAttention(redemption())).toBe(true);
  });

  it('was refused when the app says so', () => {
    const denied = redemption('planned', decision({ outcome: 'deny', paused: false }), 'refused');
    expect(isRefused(denied)).toBe(true);
    expect(isWaiting(denied)).toBe(false);
    expect(needsAttention(denied)).toBe(true);
  });

  it('needs nothing once the app says nothing is needed, whatever the decision says', () => {
    const verified = redemption('confirmed', decision({ paused: true }), null);
    expect(needsAttention(verified)).toBe(false);
    expect(isWaiting(verified)).toBe(false);
  });
});

describe('automatic cash-out templates', () => {
  it('reads destinations as product.field = value, one per line', () => {
    expect(
      parseDestinations('krw-mobile-top-up.phone_number = 01012345678\n\n  krw-donation.note=thanks a lot \nkrw-mobile-top-up.carrier = skt'),
    ).toEqual({
      ok: {
        'krw-mobile-top-up': { phone_number: '01012345678', carrier: 'skt' },
        'krw-donation': { note: 'thanks a lot' },
      },
    });
    expect(parseDestinations('')).toEqual({ ok: {} });
    expect(parseDestinations('krw-mobile-top-up.phone_number = 1\nphone = 2')).toEqual({ badLine: 2 });
    expect(parseDestinations('a.b =')).toEqual({ badLine: 1 });
  });

  it('reads products in order, once each', () => {
    expect(parseProducts('krw-mobile-top-up, krw-donation krw-mobile-top-up,,')).toEqual(['krw-mobile-top-up', 'krw-donation']);
    expect(parseProducts('  ')).toEqual([]);
  });
});
