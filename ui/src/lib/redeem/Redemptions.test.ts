import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import type { LegState, RedemptionView } from '../backend';
import Redemptions from './Redemptions.svelte';

const won = (n: number) => ({ amount: String(n), currency: 'KRW', minor: n, en: `₩${n.toLocaleString('en')}`, ko: `${n}원` });
const leg = (seq: number, provider: string, state: LegState, last_error: string | null = null) => ({
  seq, provider, product: `${provider.split('-')[0]}-mobile-top-up`, amount: won(5000), fee: won(0), state, attempts: 1, next_attempt_at: null,
  last_error, provider_redemption_id: state === 'confirmed' ? `rd_${seq}` : null, reveals: [],
});
const across = (legs: ReturnType<typeof leg>[]): RedemptionView => ({
  id: 'rx_1', provider: 'edu-points', sandbox: true, catalog_version: 1, state: legs.some((l) => l.state === 'approved') ? 'approved' : 'confirmed',
  created_at: '2026-11-24T00:00:00Z', approved_at: '2026-11-24T00:00:00Z', legs, risk: null, attention: null,
});

describe('Redemptions', () => {
  it('names each leg’s provider, says why some wait, and stops waiting for the provider the user picks', async () => {
    let state = across([leg(0, 'edu-points', 'confirmed'), leg(1, 'telco-points', 'approved', 'telco-points could not be reached')]);
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'redemptions') return [state];
      if (cmd === 'privacy_ledger') return [];
      if (cmd === 'cancel_provider_legs') {
        asked.push(args);
        state = across([leg(0, 'edu-points', 'confirmed'), leg(1, 'telco-points', 'failed', 'cancelled by the user')]);
        return state;
      }
      return undefined;
    });
    const user = userEvent.setup();
    render(Redemptions);
    expect(await screen.findByText('edu-points, telco-points')).toBeInTheDocument();
    const waiting = document.querySelector('.leg-line[data-provider="telco-points"]')!;
    expect(waiting).toHaveTextContent('telco-points · telco-mobile-top-up');
    expect(waiting).toHaveTextContent('telco-points could not be reached');
    // Only the provider that could not be reached is offered; edu-points' legs are done.
    expect(screen.queryByRole('button', { name: 'Stop waiting for edu-points' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Stop waiting for telco-points' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Nothing more goes to telco-points');
    expect(asked).toEqual([{ id: 'rx_1', provider: 'telco-points' }]);
    expect(screen.queryByRole('button', { name: 'Stop waiting for telco-points' })).toBeNull();
  });
});
