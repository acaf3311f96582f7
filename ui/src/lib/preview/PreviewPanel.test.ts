import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import PreviewPanel from './PreviewPanel.svelte';

const won = (minor: number) => ({
  amount: String(minor),
  currency: 'KRW',
  minor,
  en: `₩${minor.toLocaleString('en')}`,
  ko: `${minor.toLocaleString('en')}원`,
});

const leg = (id: string, kind: string, net: number) => ({
  product_id: id,
  product_name: id,
  kind,
  kind_en: kind,
  kind_ko: kind,
  gross: won(net),
  fee: won(0),
  net: won(net),
  redemptions: 1,
  eta_typical_seconds: 120,
  eta_worst_seconds: 86_400,
});

const plan = (explanation: string, legs: ReturnType<typeof leg>[], remainder: number) => ({
  balance: [won(1300)],
  legs,
  kept: [won(0)],
  remainder: [won(remainder)],
  fees: [won(0)],
  eta_typical_seconds: 120,
  eta_worst_seconds: 86_400,
  redeemable: true,
  freshness: 'fresh',
  explanation_en: explanation,
  explanation_ko: explanation,
});

describe('PreviewPanel', () => {
  it('asks the backend with the typed amount and ordered preferences, and draws the split', async () => {
    const queries: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'preview_balance') return undefined;
      queries.push((args as { query: unknown }).query);
      return {
        provider: 'demo-provider',
        best: plan('Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit.', [
          leg('top-up', 'mobile_top_up', 1000),
          leg('donation', 'donation', 300),
        ], 0),
        alternatives: [plan('Alternative: all donation.', [leg('donation', 'donation', 1300)], 0)],
      };
    });
    const user = userEvent.setup();
    const { container } = render(PreviewPanel);
    expect(await screen.findByText('Your ₩1,300 will be: ₩1,000 mobile top-up + ₩300 donation credit.')).toBeInTheDocument();
    expect(queries.at(-1)).toEqual({
      amount: '1300',
      currency: 'KRW',
      prefer: ['topup', 'donation'],
      objective: 'first_preference',
      keep: null,
      exclude: [],
    });
    const segments = container.querySelectorAll<HTMLElement>('.path .seg');
    expect(segments).toHaveLength(2);
    expect(segments[0]!.style.width).toBe(`${(1000 / 1300) * 100}%`);
    await user.click(screen.getByRole('tab', { name: 'Alternative 1' }));
    expect(screen.getByText('Alternative: all donation.')).toBeInTheDocument();
  });

  it('shows a refused amount as an error, not a plan', async () => {
    mockIPC((cmd) => {
      if (cmd === 'preview_balance') {
        throw { code: 'invalid_input', message: 'KRW has no minor units.', retry_after: null };
      }
    });
    render(PreviewPanel);
    expect(await screen.findByRole('alert')).toHaveTextContent('KRW has no minor units.');
  });
});
