import { describe, expect, it } from 'vitest';
import { periodEnd } from './periods';

describe('periodEnd', () => {
  it('ends a day on itself', () => {
    expect(periodEnd('2026-11-18', 'day')).toBe('2026-11-18');
  });
  it('ends an ISO week on its Sunday, across months and years', () => {
    expect(periodEnd('2026-09-14', 'week')).toBe('2026-09-20');
    expect(periodEnd('2026-12-28', 'week')).toBe('2027-01-03');
  });
  it('ends a month on its last day, leap years included', () => {
    expect(periodEnd('2026-11-01', 'month')).toBe('2026-11-30');
    expect(periodEnd('2028-02-01', 'month')).toBe('2028-02-29');
    expect(periodEnd('2026-12-01', 'month')).toBe('2026-12-31');
  });
});
