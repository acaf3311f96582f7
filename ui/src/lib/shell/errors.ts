// Turns any failure into a message in the user's language, chosen by the backend's code.
import { BackendError } from '../backend';
import { t } from '../i18n/index.svelte';

export function describe(error: unknown): string {
  if (error instanceof BackendError) {
    return t(`error.${error.code}`, { message: error.message });
  }
  return t('error.unexpected', { message: String(error) });
}
