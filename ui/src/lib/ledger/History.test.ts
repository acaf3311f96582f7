import { render, screen } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import History from './History.svelte';

const usd = (minor: number) => {
  const amount = (minor / 100).toFixed(2);
  return { amount, currency: 'USD', minor, en: `$${amount}`, ko: `$${amount}` };
};
const entry = (id: number) => ({
  id,
  source: 'kofi-main',
  kind: 'tip',
  occurred_at: new Date(Date.UTC(2026, 0, 1) + id * 60_000).toISOString(),
  gross: usd(500),
  fee: usd(0),
  net: usd(500),
  payer: null,
  message: id === 1 ? 'thanks for the stream' : null,
  imported_at: '2026-11-01T00:00:00Z',
  file_name: id === 1 ? 'ko-fi-2026.csv' : null,
  expires_at: '2036-11-01T00:00:00Z',
});

describe('History', () => {
  it('keeps only a window of rows in the DOM however many are loaded', async () => {
    const queries: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'sources') return [];
      if (cmd === 'inflow') return [];
      if (cmd === 'history') {
        queries.push((args as { query: Record<string, unknown> }).query);
        return { entries: Array.from({ length: 200 }, (_, i) => entry(i + 1)), next: '200' };
      }
      return undefined;
    });
    const { container } = render(History);
    expect(await screen.findByText('200 entries loaded; scroll for more.')).toBeInTheDocument();
    const drawn = container.querySelectorAll('#history-rows [role="row"]').length;
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(60);
    expect(queries[0]).toMatchObject({ limit: 200, after: null, kinds: [], search: null });
  });
});

describe('History at scale', () => {
  it('keeps a bounded set of pages and fetches an evicted page again on the way back', async () => {
    const TOTAL = 20_000;
    const afters: (string | null)[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'sources' || cmd === 'inflow') return [];
      if (cmd === 'history') {
        const q = (args as { query: { after: string | null; limit: number } }).query;
        afters.push(q.after);
        const from = q.after ? Number(q.after) : 0;
        const to = Math.min(TOTAL, from + q.limit);
        return {
          entries: Array.from({ length: to - from }, (_, i) => entry(from + i + 1)),
          next: to < TOTAL ? String(to) : null,
        };
      }
      return undefined;
    });
    const { container } = render(History);
    await screen.findByText('200 entries loaded; scroll for more.');
    const body = container.querySelector<HTMLDivElement>('#history-rows')!;
    const scrollTo = async (top: number) => {
      body.scrollTop = top;
      body.dispatchEvent(new Event('scroll'));
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => setTimeout(r, 0));
    };
    // Scroll down page after page: 40 pages = 8,000 rows.
    for (let i = 0; i < 40; i++) await scrollTo((i + 1) * 200 * 34);
    await screen.findByText(/8,[0-9]{3} entries loaded/);
    expect(afters.filter((a) => a === null)).toHaveLength(1);
    // Back to the top: page 0 was evicted, so it is fetched again (from the start).
    await scrollTo(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(afters.filter((a) => a === null)).toHaveLength(2);
    expect(container.querySelectorAll('#history-rows [role="row"]').length).toBeLessThan(60);
  });
});

describe('History details and totals', () => {
  it('shows every kept field of an entry, and what the filtered rows add up to', async () => {
    mockIPC((cmd) => {
      if (cmd === 'sources') return [{ id: 'kofi-main', label: 'Ko-fi main' }];
      if (cmd === 'inflow') return [];
      if (cmd === 'history') return { entries: [entry(1), entry(2)], next: null };
      if (cmd === 'matching_totals') {
        return [{ currency: 'USD', count: 2, gross: usd(1000), fee: usd(0), net: usd(1000) }];
      }
      return undefined;
    });
    render(History);
    expect(await screen.findByText('Total of these entries in USD: $10.00 net ($10.00 gross, $0.00 fees).')).toBeInTheDocument();
    const [first] = await screen.findAllByRole('button', { name: /^Details:/ });
    first!.click();
    const dialog = await screen.findByRole('dialog', { name: 'Entry details' });
    expect(dialog).toHaveTextContent('Ko-fi main');
    expect(dialog.querySelector('#entry-expires')?.textContent).toMatch(/2036/);
    // Entry 1 kept its message; the payer was not kept.
    expect(dialog.querySelector('#entry-message')?.textContent).toBe('thanks for the stream');
    expect(dialog.querySelector('#entry-payer')?.textContent).toBe('not kept');
    expect(dialog.querySelector('#entry-file')?.textContent).toBe('ko-fi-2026.csv');
  });

  it('says once why a filter is refused, and stops loading', async () => {
    mockIPC((cmd) => {
      if (cmd === 'sources') return [];
      const refused = { code: 'invalid_input', message: 'Cannot read “abc” as an amount.', retry_after: null, hint: null };
      if (cmd === 'inflow' || cmd === 'history' || cmd === 'matching_totals') throw refused;
      return undefined;
    });
    render(History);
    expect(await screen.findByText('Cannot read “abc” as an amount.')).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 400)); // the chart's own pause
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.queryByText('Loading…')).toBeNull();
  });
});
