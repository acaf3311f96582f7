// Time to completion in words, rounded up so a promise is never shorter than the truth.
import { t } from '../i18n/index.svelte';

export function eta(seconds: number): string {
  if (seconds <= 0) return t('eta.instant');
  if (seconds < 3600) return t('eta.minutes', { n: Math.ceil(seconds / 60) });
  if (seconds < 86_400) return t('eta.hours', { n: Math.ceil(seconds / 3600) });
  return t('eta.days', { n: Math.ceil(seconds / 86_400) });
}
