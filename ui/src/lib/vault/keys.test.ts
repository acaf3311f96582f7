import { describe, expect, it } from 'vitest';
import type { MoneyView, StepUpTotalView } from '../backend';
import { defaultDevice, fingerprint, labelOk, pinFor, totalText, when } from './keys';

const m = (amount: number, currency: string, en: string, ko: string): MoneyView => ({
  amount: String(amount),
  currency,
  en,
  ko,
});

describe('labelOk', () => {
  it('takes 1 to 64 characters once trimmed, counted as the app counts them', () => {
    expect(labelOk('blue key')).toBe(true);
    expect(labelOk('  ')).toBe(false);
    expect(labelOk('가'.repeat(64))).toBe(true);
    expect(labelOk('가'.repeat(65))).toBe(false);
  });
  it('refuses control characters', () => {
    expect(labelOk('blue\nkey')).toBe(false);
    expect(labelOk('blue\u0007')).toBe(false);
  });
});

describe('defaultDevice', () => {
  it('defaults to a USB key unless only the test device is registered', () => {
    expect(defaultDevice(['usb', 'test_device'])).toBe('usb');
    expect(defaultDevice(['test_device', 'usb'])).toBe('usb');
    expect(defaultDevice(['usb'])).toBe('usb');
    expect(defaultDevice([])).toBe('usb');
    const test = { is_test_device: true };
    const usb = { is_test_device: false };
    expect(defaultDevice(['usb', 'test_device'], [test])).toBe('test_device');
    expect(defaultDevice(['usb', 'test_device'], [test, usb])).toBe('usb');
    expect(defaultDevice(['usb'], [test])).toBe('usb'); // not offered here: never picked
  });
});

describe('pinFor', () => {
  it('sends a typed PIN to a USB key only', () => {
    expect(pinFor('usb', '1234')).toBe('1234');
    expect(pinFor('usb', '')).toBeNull();
    expect(pinFor('test_device', '1234')).toBeNull();
  });
});

describe('when', () => {
  it('is null for never and a local date otherwise', () => {
    expect(when(null, 'en')).toBeNull();
    expect(when('2026-11-24T12:00:00Z', 'en')).toMatch(/2026/);
  });
});

describe('plan summaries', () => {
  const total = (gross: MoneyView): StepUpTotalView => ({ net: gross, fee: gross, gross, debit: gross });
  it('joins each currency total', () => {
    const totals = [total(m(4200, 'KRW', '₩4,200', '4,200원')), total(m(100, 'USD', '$1.00', 'US$1.00'))];
    expect(totalText(totals, 'en')).toBe('₩4,200 + $1.00');
    expect(totalText(totals, 'ko')).toBe('4,200원 + US$1.00');
  });
  it('shows the digest start in groups of four', () => {
    expect(fingerprint('3f9a0c12deadbeef0011')).toBe('3f9a 0c12 dead beef');
  });
});
