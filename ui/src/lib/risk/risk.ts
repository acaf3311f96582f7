// What the risk screens (tier and limits, "why was this paused", automatic cash-outs) read
// from the app's views, kept out of the components so it is tested alone. The app decides —
// whether a redemption waits or was refused, which way a typed limit moves, how far the next
// tier is — and this only chooses what to show; no money is parsed or compared here.
import type { LimitKind, MoneyView, RedemptionView, RiskStatusView, RiskText } from '../backend';

type Locale = 'en' | 'ko';

/** A text the app wrote in both languages, in the UI's. */
export function say(text: RiskText, locale: Locale): string {
  return locale === 'ko' ? text.ko : text.en;
}

/** An amount in the UI's language, as the money crate formatted it. */
export function amount(m: MoneyView, locale: Locale): string {
  return locale === 'ko' ? m.ko : m.en;
}

/** The two limits a user sets, per currency, in the order they are shown. */
export const LIMIT_KINDS: readonly LimitKind[] = ['per_claim', 'per_day'];

/** Whether the tier allows automatic cash-outs: the app says (the rule lives in Rust). */
export function autoCashOutAllowed(status: RiskStatusView | null): boolean {
  return status?.auto_cash_outs_allowed ?? false;
}

/** The redemption waits for the user's security key (a step-up or a pause): the app says. */
export function isWaiting(r: RedemptionView): boolean {
  return r.attention === 'waits_for_key';
}

/** The risk check refused it; it can only be cancelled (or left): the app says. */
export function isRefused(r: RedemptionView): boolean {
  return r.attention === 'refused';
}

/** The redemption has a decision worth explaining now: it waits or was refused. */
export function needsAttention(r: RedemptionView): boolean {
  return r.attention !== null;
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
