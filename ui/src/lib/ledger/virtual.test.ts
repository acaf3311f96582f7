import { describe, expect, it } from 'vitest';
import { nearEnd, rowWindow } from './virtual';

describe('rowWindow', () => {
  it('draws only the rows in view plus the overscan, at a million rows', () => {
    const count = 1_000_000;
    const w = rowWindow(500_000 * 32, 640, 32, count, 8);
    expect(w.start).toBe(500_000 - 8);
    expect(w.end - w.start).toBeLessThanOrEqual(21 + 16);
    // The stand-in space and the drawn rows add up to the whole list's height.
    expect(w.before + (w.end - w.start) * 32 + w.after).toBe(count * 32);
  });

  it('clamps at both ends', () => {
    expect(rowWindow(-100, 320, 32, 1000)).toMatchObject({ start: 0, before: 0 });
    const last = rowWindow(10_000_000, 320, 32, 1000);
    expect(last.end).toBe(1000);
    expect(last.after).toBe(0);
    expect(last.start).toBeLessThan(1000);
  });

  it('draws nothing for an empty list', () => {
    expect(rowWindow(0, 320, 32, 0)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
  });
});

describe('nearEnd', () => {
  it('asks for the next page only near the loaded end', () => {
    expect(nearEnd(0, 640, 32, 1000)).toBe(false);
    expect(nearEnd(950 * 32 - 640, 640, 32, 1000)).toBe(true);
  });
});
