import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ko } from './ko';
import { i18n, localeFor, t } from './index.svelte';

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
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
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
