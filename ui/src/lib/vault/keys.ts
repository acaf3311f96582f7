// The logic behind the security-key screens, kept out of the components so it is tested alone.
import type { DeviceKind, MoneyView, StepUpTotalView } from '../backend';
import { dateTime } from '../i18n/index.svelte';

/** The app's limit on a key's name (`tipvault_auth::credential::MAX_LABEL_CHARS`). */
export const MAX_LABEL_CHARS = 64;

/** Whether the app will take `label` as a key's name: 1 to 64 characters once trimmed, no
 * control characters. The app checks again; this only spares a round trip. */
export function labelOk(label: string): boolean {
  const trimmed = label.trim();
  const chars = [...trimmed].length;
  // eslint-disable-next-line no-control-regex
  return chars > 0 && chars <= MAX_LABEL_CHARS && !/[\u0000-\u001f\u007f-\u009f]/.test(trimmed);
}

/**
 * The device picked before the user chooses: the kind of key the vault has registered. A real
 * USB key whenever one is registered (or none is known), so the software test device is the
 * default only where it is the only kind registered, and offered.
 */
export function defaultDevice(
  kinds: readonly DeviceKind[],
  registered: readonly { is_test_device: boolean }[] = [],
): DeviceKind {
  const onlyTestDevices = registered.length > 0 && registered.every((k) => k.is_test_device);
  if (onlyTestDevices && kinds.includes('test_device')) return 'test_device';
  return kinds.includes('usb') ? 'usb' : (kinds[0] ?? 'usb');
}

/** A PIN to send: only for a USB key, and only when one was typed. */
export function pinFor(device: DeviceKind, pin: string): string | null {
  return device === 'usb' && pin.length > 0 ? pin : null;
}

/** A date and time for people, in the UI's language; `null` for never. */
export function when(iso: string | null, locale: 'en' | 'ko'): string | null {
  if (!iso) return null;
  return dateTime(iso, locale);
}

/** An amount in the UI's language, as the money crate formatted it. */
export function money(m: MoneyView, locale: 'en' | 'ko'): string {
  return locale === 'ko' ? m.ko : m.en;
}

/** What the plan costs in all: each currency's gross total, joined ("₩4,200 + $1.00"). */
export function totalText(totals: readonly StepUpTotalView[], locale: 'en' | 'ko'): string {
  return totals.map((t) => money(t.gross, locale)).join(' + ');
}

/** The start of the plan digest in groups of four, for the eye to compare ("3f9a 0c12 …"). */
export function fingerprint(digest: string): string {
  return (digest.slice(0, 16).match(/.{1,4}/g) ?? []).join(' ');
}
