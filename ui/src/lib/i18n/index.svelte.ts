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

/** The message for `key` in the current locale, with `{name}` placeholders filled in. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  // A key from data (e.g. a retention class added by a newer vault) may have no message yet:
  // show the key rather than break the view; the caller can substitute a better fallback.
  const template: string | undefined = catalogs[current][key];
  if (template === undefined) return key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** A count for people in the chosen language (`3,001`), whatever the system's own locale. */
export function count(n: number): string {
  return n.toLocaleString(i18n.locale === 'ko' ? 'ko-KR' : 'en-GB');
}
