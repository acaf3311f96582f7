import { describe, expect, it } from 'vitest';
import type { PassphraseRating } from '../backend';
import { verdict } from './strength';

const rating = (over: Partial<PassphraseRating> = {}): PassphraseRating => ({
  score: 4,
  verdict: 'ok',
  min_length: 10,
  min_score: 3,
  ...over,
});

describe('verdict', () => {
  const strong = 'harbour violet quantum tangerine';
  it('accepts what the app accepts, typed twice', () => {
    expect(verdict(rating(), strong, strong)).toBe('ok');
  });
  it("keeps the app's refusal, whatever the confirmation", () => {
    expect(verdict(rating({ verdict: 'too_short', score: 0 }), 'short', 'short')).toBe('too_short');
    expect(verdict(rating({ verdict: 'too_weak', score: 1 }), 'password1234', 'other')).toBe('too_weak');
  });
  it('refuses a confirmation that differs', () => {
    expect(verdict(rating(), strong, `${strong}!`)).toBe('mismatch');
  });
});
