// The logic behind the risk screens (tier and limits, "why was this paused", automatic
// cash-outs), kept out of the components so it is tested alone. The app decides; this only
// chooses what to show and which dialog to open first (the app checks again).
import type { MoneyView, RedemptionView, RiskStatusView, RiskText } from '../backend';

type Locale = 'en' | 'ko';

/** A text the app wrote in both languages, in the UI's. */
export function say(text: RiskText, locale: Locale): string {
  return locale === 'ko' ? text.ko : text.en;
}

/** An amount in the UI's language, as the money crate formatted it. */
export function amount(m: MoneyView, locale: Locale): string {
  return locale === 'ko' ? m.ko : m.en;
}

/** The two limits a user sets, per currency. */
export type LimitKind = 'per_claim' | 'per_day';
export const LIMIT_KINDS: readonly LimitKind[] = ['per_claim', 'per_day'];

/** What a typed limit would do to the current one. */
export type LimitDirection = 'lower' | 'same' | 'raise' | 'invalid';

/** Digits after the point in the currency of `m` (its machine form always carries them). */
function minorDigits(m: MoneyView): number {
  const point = m.amount.indexOf('.');
  return point < 0 ? 0 : m.amount.length - point - 1;
}

/**
 * The minor units of an amount typed in `like`'s currency, or null if it is not one: grouping
 * commas, spaces and the usual symbols are ignored ("₩20,000", "20000원", "$12.5"); more
 * decimals than the currency has, a sign or anything else is refused. No float anywhere.
 */
export function typedMinor(typed: string, like: MoneyView): bigint | null {
  const text = typed.replace(/[\s,₩$원]/g, '');
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  const whole = m?.[1];
  if (!whole) return null;
  const digits = minorDigits(like);
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return null;
  return BigInt(whole + fraction.padEnd(digits, '0'));
}

/** The typed amount in the app's machine form ("20000", "12.50"), or null. */
export function typedAmount(typed: string, like: MoneyView): string | null {
  const minor = typedMinor(typed, like);
  if (minor === null) return null;
  const digits = minorDigits(like);
  if (digits === 0) return minor.toString();
  const s = minor.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/**
 * Whether a typed limit lowers or raises `current` (the limit in force). Lowering is applied
 * at once; raising opens the security-key dialog. The app judges again (a limit can only be
 * raised with a step-up, whatever the UI thought).
 */
export function limitDirection(current: MoneyView, typed: string): LimitDirection {
  const minor = typedMinor(typed, current);
  if (minor === null || minor === 0n) return 'invalid';
  const now = BigInt(current.minor);
  if (minor < now) return 'lower';
  if (minor > now) return 'raise';
  return 'same';
}

/** How far along the way to the next tier, 0..1, for each of its two conditions. */
export function tierProgress(status: RiskStatusView): { claims: number; days: number } | null {
  if (!status.next_tier) return null;
  const part = (have: number, need: number) => {
    const total = have + Math.max(0, need);
    return total <= 0 ? 1 : Math.min(1, Math.max(0, have / total));
  };
  return { claims: part(status.confirmed, status.claims_needed), days: part(status.days, status.days_needed) };
}

/** Whether the tier allows automatic cash-outs: the app says (the rule lives in Rust). */
export function autoCashOutAllowed(status: RiskStatusView | null): boolean {
  return status?.auto_cash_outs_allowed ?? false;
}

/** Legs that were never approved: what a verification would send, or a cancel would end. */
function hasPlannedLegs(r: RedemptionView): boolean {
  return r.legs.some((l) => l.state === 'planned');
}

/** The redemption waits for the user's security key (a step-up or a pause). */
export function isWaiting(r: RedemptionView): boolean {
  return r.risk?.paused === true && hasPlannedLegs(r);
}

/** The risk check refused it; it can only be cancelled (or left). */
export function isRefused(r: RedemptionView): boolean {
  return r.risk?.outcome === 'deny' && !r.risk.cancelled_at && hasPlannedLegs(r);
}

/** The redemption has a decision worth explaining now: it waits or was refused. */
export function needsAttention(r: RedemptionView): boolean {
  return isWaiting(r) || isRefused(r);
}

/**
 * Automatic cash-out destinations typed one per line as `product.field = value`
 * (`krw-mobile-top-up.phone_number = 01012345678`) → `product → field → value`. Blank lines
 * are skipped; returns the line number (1-based) of the first line that is not of that form.
 */
export function parseDestinations(
  text: string,
): { ok: Record<string, Record<string, string>> } | { badLine: number } {
  const out: Record<string, Record<string, string>> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([^\s.=]+)\.([^\s.=]+)\s*=\s*(.+)$/.exec(line);
    const [product, field, value] = [m?.[1], m?.[2], m?.[3]];
    if (!product || !field || !value) return { badLine: i + 1 };
    out[product] = { ...(out[product] ?? {}), [field]: value.trim() };
  }
  return { ok: out };
}

/** Products typed as a comma- or space-separated list, in order, without repeats. */
export function parseProducts(text: string): string[] {
  const seen: string[] = [];
  for (const p of text.split(/[\s,]+/)) if (p && !seen.includes(p)) seen.push(p);
  return seen;
}

/**
 * An amount in the app's machine form ("50000", "12.50") written the way the money crate
 * wrote `like` in the UI's language ("₩30,000" → "₩50,000"; "30,000원" → "50,000원"): the
 * digits are swapped, the symbol and its place kept, so a typed limit reads like the others.
 */
export function formatLike(like: MoneyView, machine: string, locale: Locale): string {
  const [whole = '0', fraction] = machine.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const digits = fraction === undefined ? grouped : `${grouped}.${fraction}`;
  const text = amount(like, locale);
  return /\d[\d,]*(?:\.\d+)?/.test(text) ? text.replace(/\d[\d,]*(?:\.\d+)?/, digits) : `${digits} ${like.currency}`;
}
