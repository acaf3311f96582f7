import { describe, expect, it } from 'vitest';
import { decision, redemption, status, usd, won } from './fixtures';
import {
  autoCashOutAllowed,
  formatLike,
  isRefused,
  isWaiting,
  limitDirection,
  needsAttention,
  parseDestinations,
  parseProducts,
  say,
  tierProgress,
  typedAmount,
  typedMinor,
} from './risk';

describe('typed amounts', () => {
  it('reads what people type, in the currency of the limit, without floats', () => {
    expect(typedMinor('20000', won(30000))).toBe(20000n);
    expect(typedMinor('₩20,000', won(30000))).toBe(20000n);
    expect(typedMinor(' 20,000원 ', won(30000))).toBe(20000n);
    expect(typedMinor('12.5', usd(2500))).toBe(1250n);
    expect(typedMinor('$12.50', usd(2500))).toBe(1250n);
    expect(typedMinor('0.07', usd(2500))).toBe(7n);
    // 2^53 + 1 won: exact, where a float would round.
    expect(typedMinor('9007199254740993', won(1))).toBe(9007199254740993n);
  });

  it('refuses more decimals than the currency has, signs and words', () => {
    expect(typedMinor('20000.5', won(30000))).toBeNull();
    expect(typedMinor('12.505', usd(2500))).toBeNull();
    expect(typedMinor('-5', won(30000))).toBeNull();
    expect(typedMinor('1e5', won(30000))).toBeNull();
    expect(typedMinor('', won(30000))).toBeNull();
    expect(typedMinor('twenty', won(30000))).toBeNull();
  });

  it('gives the app its machine form', () => {
    expect(typedAmount('₩20,000', won(30000))).toBe('20000');
    expect(typedAmount('12.5', usd(2500))).toBe('12.50');
    expect(typedAmount('0.07', usd(2500))).toBe('0.07');
    expect(typedAmount('3', usd(2500))).toBe('3.00');
    expect(typedAmount('x', usd(2500))).toBeNull();
  });

  it('writes a typed amount the way the money crate wrote the limit', () => {
    expect(formatLike(won(30000), '50000', 'en')).toBe('₩50,000');
    expect(formatLike(won(30000), '50000', 'ko')).toBe('50,000원');
    expect(formatLike(won(30000), '1234567', 'en')).toBe('₩1,234,567');
    expect(formatLike(usd(2500), '1200.50', 'en')).toBe('$1,200.50');
  });
});

describe('limitDirection', () => {
  it('lowers at once, raises with a key, and refuses nonsense', () => {
    expect(limitDirection(won(30000), '20000')).toBe('lower');
    expect(limitDirection(won(30000), '30,000')).toBe('same');
    expect(limitDirection(won(30000), '30001')).toBe('raise');
    expect(limitDirection(usd(2500), '25.01')).toBe('raise');
    expect(limitDirection(usd(2500), '24.99')).toBe('lower');
    expect(limitDirection(won(30000), '0')).toBe('invalid');
    expect(limitDirection(won(30000), '1.5')).toBe('invalid');
  });
});

describe('tier', () => {
  it('measures the way to the next tier on both of its conditions', () => {
    expect(tierProgress(status())).toEqual({ claims: 2 / 5, days: 3 / 7 });
    expect(tierProgress(status({ claims_needed: 0, days_needed: 0, confirmed: 9, days: 12 }))).toEqual({ claims: 1, days: 1 });
    expect(tierProgress(status({ confirmed: 0, claims_needed: 0, days: 0, days_needed: 0 }))).toEqual({ claims: 1, days: 1 });
    expect(tierProgress(status({ next_tier: null }))).toBeNull();
  });

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
  it('waits while the decision is paused and legs were never approved', () => {
    expect(isWaiting(redemption())).toBe(true);
    expect(needsAttention(redemption())).toBe(true);
    expect(isWaiting(redemption('planned', decision({ outcome: 'pause' })))).toBe(true);
  });

  it('does not wait once verified, cancelled, sent, waived or never judged', () => {
    expect(isWaiting(redemption('confirmed', decision({ paused: false, verified_at: '2026-11-24T12:01:00Z' })))).toBe(false);
    expect(isWaiting(redemption('failed', decision({ paused: false, cancelled_at: '2026-11-24T12:01:00Z' })))).toBe(false);
    expect(isWaiting(redemption('confirmed', decision({ paused: false, waived: true })))).toBe(false);
    expect(isWaiting(redemption('planned', null))).toBe(false);
    expect(needsAttention(redemption('planned', null))).toBe(false);
  });

  it('is refused by a deny until cancelled', () => {
    const denied = decision({ outcome: 'deny', paused: false });
    expect(isRefused(redemption('planned', denied))).toBe(true);
    expect(isWaiting(redemption('planned', denied))).toBe(false);
    expect(needsAttention(redemption('planned', denied))).toBe(true);
    expect(isRefused(redemption('failed', { ...denied, cancelled_at: '2026-11-24T12:01:00Z' }))).toBe(false);
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
