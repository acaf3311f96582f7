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
