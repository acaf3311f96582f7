import { render, screen } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import Dashboard from './Dashboard.svelte';

const usd = (amount: string, minor: number) => ({ amount, currency: 'USD', minor, en: `$${amount}`, ko: `$${amount}` });

describe('Dashboard', () => {
  it('explains how to add sources when there are none', async () => {
    mockIPC((cmd) => (cmd === 'dashboard' ? { sources: [], balances: [], forecasts: [] } : undefined));
    render(Dashboard);
    expect(await screen.findByText(/No accounts yet/)).toBeInTheDocument();
  });

  it('shows each balance and how far the payout threshold is', async () => {
    mockIPC((cmd) =>
      cmd === 'dashboard'
        ? {
            sources: [
              {
                id: 'kofi-main',
                label: 'Ko-fi',
                platform: 'kofi',
                platform_name: 'Ko-fi',
                currency: 'USD',
                payout_threshold: usd('50.00', 5000),
                payout_schedule: null,
              },
            ],
            balances: [
              { source: 'kofi-main', currency: 'USD', entries: 3, gross: usd('20.50', 2050), fee: usd('0.00', 0), net: usd('20.50', 2050) },
            ],
            forecasts: [
              {
                source: 'kofi-main',
                threshold: usd('50.00', 5000),
                balance: usd('20.50', 2050),
                schedule: '',
                outcome: 'expected_at',
                expected_at: '2026-12-24T00:00:00Z',
                remaining: usd('29.50', 2950),
                inflow: usd('20.50', 2050),
                window_days: 30,
              },
            ],
          }
        : undefined,
    );
    const { container } = render(Dashboard);
    expect(await screen.findByText('$20.50')).toBeInTheDocument();
    expect(screen.getByText('3 entries')).toBeInTheDocument();
    expect(screen.getByText(/Payout at \$50.00/)).toHaveTextContent('$29.50 to go');
    expect(screen.getByText(/Payout at \$50.00/)).toHaveTextContent('24 December 2026');
    const bar = container.querySelector<HTMLElement>('.threshold .bar span')!;
    expect(bar.style.width).toBe('41%');
  });
});
