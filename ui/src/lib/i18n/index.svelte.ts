// The i18n layer: every string the user reads goes through `t`. The locale follows the system
// on first run and the user's choice after that; reading `t` inside a template is reactive
// because it reads the `$state` locale.
import { en, type MessageKey } from './en';
import { ko } from './ko';

export type Locale = 'en' | 'ko';
export type { MessageKey };

export const LOCALES: readonly { id: Locale; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'ko', name: '한국어' },
];

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, ko };
const STORAGE_KEY = 'tipvault.locale';

/** The locale for a list of preferred languages, as `navigator.languages` gives them. */
export function localeFor(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const lang = tag.toLowerCase().split('-')[0];
    if (lang === 'ko') return 'ko';
    if (lang === 'en') return 'en';
  }
  return 'en';
}

function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'ko') return saved;
  return localeFor(globalThis.navigator?.languages ?? []);
}

let current = $state<Locale>(initialLocale());

export const i18n = {
  get locale(): Locale {
    return current;
  },
  set locale(next: Locale) {
    current = next;
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
    if (globalThis.document) document.documentElement.lang = next;
  },
};

/** The BCP 47 tag each locale formats numbers and dates with. */
const TAG: Record<Locale, string> = { en: 'en-GB', ko: 'ko-KR' };

/**
 * The message for `key` in the current locale, with its placeholders filled in:
 * `{name}` is the value, and `{name:form|forms}` the plural form for the value's number (the
 * locale's plural rule picks: English has one and other; Korean has no plural, so its messages
 * need no such placeholder). A count may arrive as a number or as `count()` printed it.
 */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  // A key from data (e.g. a retention class added by a newer vault) may have no message yet:
  // show the key rather than break the view; the caller can substitute a better fallback.
  const template: string | undefined = catalogs[current][key];
  if (template === undefined) return key;
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole, name: string, forms?: string) => {
    if (!(name in vars)) return whole;
    if (forms === undefined) return String(vars[name]);
    return pluralForm(forms.split('|'), vars[name] ?? '');
  });
}

function pluralForm(forms: string[], value: string | number): string {
  const n = typeof value === 'number' ? value : Number(String(value).replace(/[^\d.-]/g, ''));
  const category = new Intl.PluralRules(TAG[current]).select(n);
  // Forms in the order CLDR lists categories; English gives "one|other".
  const order = ['zero', 'one', 'two', 'few', 'many', 'other'];
  const wanted = new Intl.PluralRules(TAG[current]).resolvedOptions().pluralCategories;
  const categories = order.filter((c) => wanted.includes(c as Intl.LDMLPluralRule));
  const at = categories.indexOf(category);
  return forms[at] ?? forms[forms.length - 1] ?? '';
}

/** A count for people in the chosen language (`3,001`), whatever the system's own locale. */
export function count(n: number): string {
  return n.toLocaleString(TAG[current]);
}

// One format per locale for every date the window shows: medium date ("3 Dec 2026",
// "2026. 12. 3."), short time. Each takes an ISO date-time from the app.

/** A moment, as date and time in the user's time zone (in the chosen language, or `locale`). */
export function dateTime(iso: string | Date, locale: Locale = current): string {
  return new Date(iso).toLocaleString(TAG[locale], { dateStyle: 'medium', timeStyle: 'short' });
}

/** A moment's time of day (for "try again at …"). */
export function timeOfDay(iso: string | Date): string {
  return new Date(iso).toLocaleTimeString(TAG[current], { timeStyle: 'short' });
}

/**
 * A calendar day: an ISO date (`2026-12-03`, a day with no time zone, from the app) or a
 * moment (its day in the user's time zone).
 */
export function day(iso: string): string {
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  return new Date(plain ? `${iso}T00:00:00Z` : iso).toLocaleDateString(TAG[current], {
    dateStyle: 'medium',
    ...(plain ? { timeZone: 'UTC' } : {}),
  });
}

/** The month an ISO date falls in ("Nov 2026", "2026년 11월"). */
export function month(iso: string): string {
  return new Date(`${iso.slice(0, 10)}T00:00:00Z`).toLocaleDateString(TAG[current], {
    year: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
}

/**
 * A period of whole days as people say it: years when it is a whole number of years, leap days
 * or not (365–366 days a year: 731 days is 2 years, 36,600 is 100, but 1,093 is not 3), else
 * days (a month is no fixed number of days, so 90 days stays 90 days).
 */
export function days(n: number): string {
  const years = Math.round(n / 365.25);
  // Between 365 and 366 days for each year: exactly that many years, leap days or not.
  if (years >= 1 && n >= 365 * years && n <= 366 * years) {
    return t('duration.years', { count: count(years) });
  }
  return t('duration.days', { count: count(n) });
}
