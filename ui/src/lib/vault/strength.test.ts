import { describe, expect, it } from 'vitest';
import { MIN_LENGTH, score, verdict } from './strength';

describe('score', () => {
  it('rates a common password as weak', async () => {
    expect(await score('password123')).toBeLessThan(2);
  });
  it('rates a long uncommon phrase as strong', async () => {
    expect(await score('harbour violet quantum tangerine ledger')).toBeGreaterThanOrEqual(3);
  });
  it('rates the empty passphrase 0 without loading dictionaries', async () => {
    expect(await score('')).toBe(0);
  });
});

describe('verdict', () => {
  const strong = 'harbour violet quantum tangerine';
  it('accepts a long, strong passphrase typed twice', () => {
    expect(verdict(strong, strong, 4)).toBe('ok');
  });
  it('rejects a short passphrase whatever its score', () => {
    expect(verdict('a'.repeat(MIN_LENGTH - 1), 'a'.repeat(MIN_LENGTH - 1), 4)).toBe('too_short');
  });
  it('rejects a weak passphrase', () => {
    expect(verdict('password1234', 'password1234', 1)).toBe('too_weak');
  });
  it('rejects a confirmation that differs', () => {
    expect(verdict(strong, `${strong}!`, 4)).toBe('mismatch');
  });
});
