import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ko } from './ko';
import { count, dateTime, day, days, i18n, localeFor, month, t } from './index.svelte';

describe('localeFor', () => {
  it('picks Korean for any Korean system language', () => {
    expect(localeFor(['ko-KR', 'en-US'])).toBe('ko');
  });
  it('takes the first language it supports, in order', () => {
    expect(localeFor(['fr-FR', 'en-GB', 'ko'])).toBe('en');
  });
  it('falls back to English', () => {
    expect(localeFor(['de-DE'])).toBe('en');
    expect(localeFor([])).toBe('en');
  });
});

describe('catalogs', () => {
  it('Korean translates every English key and nothing else', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
  });
  it('keeps the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const names = (s: string) => [...new Set([...s.matchAll(/\{(\w+)(?::[^}]*)?\}/g)].map((m) => m[1]))].sort();
      expect(names(ko[key]), key).toEqual(names(en[key]));
    }
  });
});

describe('t', () => {
  it('fills placeholders and follows the chosen locale', () => {
    i18n.locale = 'en';
    expect(t('create.tooShort', { min: 10 })).toBe('Use at least 10 characters.');
    i18n.locale = 'ko';
    expect(t('create.tooShort', { min: 10 })).toBe('10자 이상 입력하세요.');
    expect(document.documentElement.lang).toBe('ko');
    expect(localStorage.getItem('tipvault.locale')).toBe('ko');
    i18n.locale = 'en';
  });
  it('leaves an unknown placeholder visible rather than inventing a value', () => {
    expect(t('welcome.location')).toBe('Vault location: {path}');
  });
});

describe('t with a key that has no message', () => {
  it('returns the key instead of throwing, so data-driven labels can fall back', () => {
    expect(t('class.some_future_class' as never)).toBe('class.some_future_class');
  });
});

describe('plurals', () => {
  it('picks the English form by the count, printed or not', () => {
    i18n.locale = 'en';
    expect(t('purge.count', { count: 1 })).toBe('1 expired record');
    expect(t('purge.count', { count: 0 })).toBe('0 expired records');
    expect(t('purge.count', { count: count(3001) })).toBe('3,001 expired records');
    expect(t('autolock.saved', { minutes: 1 })).toBe('The vault now locks after 1 minute without use.');
  });
  it('needs no plural in Korean', () => {
    i18n.locale = 'ko';
    expect(t('purge.count', { count: 1 })).toBe(ko['purge.count'].replace('{count}', '1'));
    i18n.locale = 'en';
  });
  it('no English message says "1 …s" for a count of one', () => {
    i18n.locale = 'en';
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const text = t(key, { count: 1, n: 1, minutes: 1, rows: 1, entries: 1 });
      expect(text, key).not.toMatch(/\b1 (entries|records|rows|minutes|days|requests|messages|names|addresses|details|years|hours)\b/);
    }
  });
});

describe('dates and periods', () => {
  it('formats every date one way per language', () => {
    i18n.locale = 'en';
    // A plain ISO day is that day everywhere, whatever the time zone.
    expect(day('2026-11-18')).toBe('18 Nov 2026');
    expect(month('2026-11-01')).toBe('Nov 2026');
    expect(dateTime('2026-11-18T09:05:00Z')).toMatch(/18 Nov 2026/);
    i18n.locale = 'ko';
    expect(day('2026-11-18')).toBe('2026. 11. 18.');
    expect(month('2026-11-01')).toBe('2026년 11월');
    i18n.locale = 'en';
  });
  it('says whole years as years, leap days allowed, and other periods in days', () => {
    i18n.locale = 'en';
    expect(days(1)).toBe('1 day');
    expect(days(90)).toBe('90 days');
    expect(days(365)).toBe('1 year');
    expect(days(731)).toBe('2 years');
    expect(days(1826)).toBe('5 years');
    expect(days(36_600)).toBe('100 years');
    expect(days(540)).toBe('540 days');
    // Never rounded up into years it does not reach.
    expect(days(1093)).toBe('1,093 days');
    expect(days(36_425)).toBe('36,425 days');
    i18n.locale = 'ko';
    expect(days(1826)).toBe('5년');
    expect(days(90)).toBe('90일');
    i18n.locale = 'en';
  });
});
